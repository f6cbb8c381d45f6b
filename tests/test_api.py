"""The Python API and parallel runs: same findings as the CLI, same output for any --jobs."""

from __future__ import annotations

import json
import shutil

from conftest import CASES, FIXTURES
from typer.testing import CliRunner

import porter
from porter.cli import app


def _tree(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        shutil.copyfile(FIXTURES / case / "input.yaml", tmp_path / f"{case}.yaml")
    return tmp_path


def test_convert_text_returns_findings():
    text = (FIXTURES / "security-context" / "input.yaml").read_text()
    result = porter.convert_text(text, name="ledger.yaml")
    assert result.changed
    assert {"privileged-container", "sysctls"} <= {f.rule for f in result.findings}
    assert all(f.file == "ledger.yaml" for f in result.findings)


def test_convert_text_reports_bad_input_without_raising():
    result = porter.convert_text("a: [\n", name="bad.yaml")
    assert not result.changed
    assert str(result.errors[0]).startswith("bad.yaml:2:1: error: invalid YAML")


def test_jobs_do_not_change_output_or_order(tmp_path):
    tree = _tree(tmp_path)
    one = list(porter.convert_paths([tree], jobs=1))
    three = list(porter.convert_paths([tree], jobs=3))
    assert [r.path for r in one] == [r.path for r in three]
    assert [r.converted for r in one] == [r.converted for r in three]
    assert [r.findings for r in one] == [r.findings for r in three]
    assert [[str(e) for e in r.errors] for r in one] == [[str(e) for e in r.errors]
                                                         for r in three]


def test_cli_report_is_the_same_for_any_jobs_and_matches_the_api(tmp_path):
    tree = _tree(tmp_path / "in")
    reports = []
    for jobs in ("1", "2"):
        target = tmp_path / f"report-{jobs}.json"
        CliRunner().invoke(app, ["convert", str(tree), "-q", "-o", str(tmp_path / jobs),
                                 "--jobs", jobs, "--report", str(target)])
        reports.append(json.loads(target.read_text()))
    assert reports[0] == reports[1]
    api = [f.to_dict() for r in porter.convert_paths([tree]) for f in r.findings]
    assert reports[0]["findings"] == api


def test_jsonl_report_streams_one_object_a_line(tmp_path):
    tree = _tree(tmp_path / "in")
    target = tmp_path / "findings.jsonl"
    CliRunner().invoke(app, ["convert", str(tree), "-q", "-o", str(tmp_path / "out"),
                             "--report", str(target)])
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines[-1]["type"] == "summary"
    findings = [line for line in lines if line["type"] == "finding"]
    assert len(findings) == lines[-1]["errors"] + lines[-1]["warnings"] + lines[-1]["infos"]
    assert {line["type"] for line in lines} == {"file", "finding", "summary"}


def test_several_files_on_stdout_are_streamed_with_source_lines(tmp_path):
    tree = _tree(tmp_path / "in")
    out = CliRunner().invoke(app, ["convert", str(tree), "-q", "--fail-on",
                                   "never"]).stdout_bytes
    expected = b"".join(
        f"---\n# Source: {r.path}\n".encode() + r.converted.encode()
        + (b"" if r.converted.endswith("\n") else b"\n")
        for r in porter.convert_paths([tree]) if r.source is not None)
    assert out == expected


def test_one_result_shape_for_text_and_paths(tmp_path):
    """A broken file looks the same from convert_text and convert_paths: status error, the
    reason in errors, the converted text its original."""
    (tmp_path / "bad.yaml").write_text("kind: Pod\na: [\n")
    (tmp_path / "ok.yaml").write_text((FIXTURES / "already-windows" / "input.yaml").read_text())
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", tmp_path / "web.yaml")
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in porter.convert_paths([tmp_path])}
    for name, status in (("bad.yaml", "error"), ("ok.yaml", "ok"), ("web.yaml", "changed")):
        from_text = porter.convert_text((tmp_path / name).read_text(), name=name)
        for result in (by_name[name], from_text):
            assert result.status == status and result.status is porter.Status(status)
            assert (result.source is None) is False
            assert [str(e).split(": ", 1)[1] for e in result.errors] == \
                [str(e).split(": ", 1)[1] for e in from_text.errors]
    assert by_name["bad.yaml"].converted == by_name["bad.yaml"].original
