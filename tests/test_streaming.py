"""Results stream: the JSON Lines report has each file's lines as soon as it is converted,
long before the run ends (here: while porter waits on a FIFO nobody has written yet)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import FIXTURES

GOOD = FIXTURES / "quickstart" / "input.yaml"


def test_the_json_lines_report_has_lines_before_the_run_ends(tmp_path):
    first = tmp_path / "first.yaml"
    first.write_bytes(GOOD.read_bytes())
    fifo = tmp_path / "later.yaml"
    os.mkfifo(fifo)
    report = tmp_path / "findings.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "porter", "convert", str(first), str(fifo), "--report",
         str(report), "-q", "-j", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        lines: list[dict] = []
        while time.monotonic() < deadline and not lines:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
            if report.exists():
                lines = [json.loads(line) for line in report.read_text().splitlines()]
        # porter is still running (blocked on the FIFO) and first.yaml is reported.
        assert process.poll() is None
        assert lines[0] == {"type": "file", "path": str(first), "changed": True,
                            "error": None}
        assert {line["type"] for line in lines} == {"file", "finding"}
        with open(fifo, "wb") as writer:
            writer.write(GOOD.read_bytes())
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode in (0, 1), err
    done = [json.loads(line) for line in report.read_text().splitlines()]
    assert done[:len(lines)] == lines
    assert [line["path"] for line in done if line["type"] == "file"] == [str(first), str(fifo)]
    assert done[-1]["type"] == "summary" and done[-1]["files"] == 2


def test_the_json_report_rendered_in_pieces_is_byte_for_byte_the_whole_one():
    """The JSON report is written a file entry and a finding at a time (never whole in
    memory); its text is exactly json.dumps(report, indent=2) of the whole report."""
    import json as json_module

    from conftest import CASES

    from porter.engine.pipeline import Pipeline
    from porter.engine.results import FileResult
    from porter.errors import InputError
    from porter.outputs import report_json

    pipeline = Pipeline()
    results = [pipeline.convert_text((FIXTURES / case / "input.yaml").read_text(), case)
               for case in CASES]
    results.append(FileResult(path="bad.yaml", original="", converted="",
                              errors=[InputError("invalid YAML: \u00e9", "bad.yaml", 2, 3)],
                              kubernetes=False))
    for number, result in enumerate(results):
        result.position = number * 3
    for subset in (results, results[:1], [results[-1]], []):
        for shard in (None, (2, 3)):
            whole = json_module.dumps(report_json.report(subset, shard), indent=2,
                                      ensure_ascii=False) + "\n"
            assert "".join(report_json.chunks(subset, shard)) == whole


def test_a_result_log_gives_back_every_result_in_order_each_time_it_is_read(tmp_path):
    """The results a long run keeps on disk come back equal, in order, as often as a report
    reads them, also while another read of them is under way."""
    from porter import convert_paths
    from porter.running.spill import ResultLog

    for number, case in enumerate(("quickstart", "security-context", "volumes")):
        (tmp_path / f"{number}.yaml").write_bytes((FIXTURES / case / "input.yaml").read_bytes())
    (tmp_path / "bad.yaml").write_text("a: [\n")
    results = list(convert_paths([tmp_path]))
    for result in results:
        result.release_text()
    log = ResultLog()
    for result in results:
        log.append(result)
    assert len(log) == len(results) == 4
    assert sum(len(r.findings) for r in log) == sum(len(r.findings) for r in results) > 3
    assert [r.path for r in log] == [r.path for r in results]
    for kept, read in zip(results, log, strict=True):
        assert read.findings == kept.findings
        assert [str(e) for e in read.errors] == [str(e) for e in kept.errors]
        assert (read.changed, read.status) == (kept.changed, kept.status)
    pairs = [(a.path, b.path) for a in log for b in log]  # nested reads do not disturb
    assert pairs == [(a.path, b.path) for a in results for b in results]
    log.close()


def _run_quietly(tmp_path, inputs, *extra):
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    run = subprocess.run([sys.executable, "-m", "porter", "convert", *inputs, "-q", "-o",
                          str(out), *extra], capture_output=True, text=True, cwd=tmp_path,
                         timeout=120, check=False)
    return run.returncode, run.stderr


def test_a_quiet_run_that_keeps_no_results_ends_as_one_that_keeps_them(tmp_path):
    """With -q and no report at the end, only the tally is kept: the exit status, the errors
    and the empty-directory check are those of a run that keeps every result for a report."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    (tmp_path / "errors.yaml").write_bytes((FIXTURES / "security-context" / "input.yaml")
                                           .read_bytes())
    (tmp_path / "good.yaml").write_bytes(GOOD.read_bytes())
    cases = [["good.yaml"], ["errors.yaml"], ["good.yaml", "bad.yaml"],
             ["errors.yaml", "empty"], ["good.yaml", "--fail-on", "warning"], ["empty"]]
    statuses = []
    for case in cases:
        tallied = _run_quietly(tmp_path, case)
        kept = _run_quietly(tmp_path, case, "--report", str(tmp_path / "r.json"))
        assert tallied == kept, case
        statuses.append(tallied[0])
    assert statuses == [0, 1, 2, 2, 1, 2]


def test_a_quiet_run_without_reports_keeps_no_results(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from porter.cli import app
    from porter.running import spill

    def refused() -> None:
        raise AssertionError("a result log was made")

    monkeypatch.setattr(spill, "ResultLog", refused)
    (tmp_path / "good.yaml").write_bytes(GOOD.read_bytes())
    run = CliRunner().invoke(app, ["convert", str(tmp_path / "good.yaml"), "-q", "-o",
                                   str(tmp_path / "out")], catch_exceptions=False)
    assert run.exit_code == 0
    assert (tmp_path / "out" / "good.yaml").read_bytes() != GOOD.read_bytes()
