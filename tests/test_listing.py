"""What cannot be converted, on screen: the findings listed on stderr like a linter, the
summary and the next step, wrapped only on a terminal (a real pty) and never inside a path."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES
from terminal import run_on_terminal

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult
from porter.outputs import findings_list, summary

ERRORS = FIXTURES / "security-context" / "input.yaml"
QUICKSTART = FIXTURES / "quickstart" / "input.yaml"
LINE = r"^[^:]+:\d+:\d+: (error|warning|info) [a-z0-9-]+: .+$"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, check=False)


def _listed(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(str(ERRORS) + ":")]


def test_convert_lists_errors_and_warnings_then_the_summary(tmp_path):
    run = _run("convert", str(ERRORS), "--diff")
    lines = _listed(run.stderr)
    assert lines and all(re.match(LINE, line) for line in lines), run.stderr
    severities = {line.split(": ")[1].split()[0] for line in lines}
    assert severities == {"error", "warning"}  # infos only with --verbose
    assert run.stderr.index(lines[-1]) < run.stderr.index("porter: 1 file")
    # the same findings as the report, in file order
    _run("convert", str(ERRORS), "--diff", "-q", "--report", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    expected = [f for f in report["findings"] if f["severity"] != "info"]
    assert [tuple(map(int, line.split(":")[1:3])) for line in lines] == \
        sorted((f["line"], f["column"]) for f in expected)


def test_verbose_lists_infos_and_quiet_lists_nothing():
    verbose = _run("convert", str(ERRORS), "--diff", "--verbose")
    assert any(": info " in line for line in _listed(verbose.stderr))
    quiet = _run("convert", str(ERRORS), "--diff", "-q")
    assert quiet.stderr == ""


def test_check_lists_findings_on_stderr_when_stdout_has_the_diff():
    run = _run("check", str(ERRORS), "--diff")
    assert run.stdout.startswith("--- a/")
    assert any(": error host-namespaces: " in line for line in _listed(run.stderr))


def test_listing_is_grouped_by_file_and_capped():
    def finding(file: str, line: int) -> Finding:
        return Finding("r", Severity.WARNING, "m", file=file, line=line, column=1, hint="h")

    results = [FileResult("b.yaml", "", "", findings=[finding("b.yaml", 9), finding("t.yaml", 1),
                                                      finding("b.yaml", 2)]),
               FileResult("a.yaml", "", "", findings=[finding("a.yaml", 1)])]
    assert findings_list.render(results) == ("b.yaml:2:1: warning r: m (h)\n"
                                             "b.yaml:9:1: warning r: m (h)\n"
                                             "t.yaml:1:1: warning r: m (h)\n"
                                             "a.yaml:1:1: warning r: m (h)\n")
    capped = findings_list.render(results, limit=2, reports=["out.sarif"])
    assert capped.splitlines()[2:] == ["... 2 more, see out.sarif"]
    assert findings_list.render(results, limit=3).endswith("... 1 more, see --report FILE\n")


def test_next_step_does_not_suggest_the_diff_after_a_diff(tmp_path):
    warned = _run("convert", str(QUICKSTART), "--diff")
    assert "next: review the warnings (porter explain " in warned.stderr
    assert "--diff" not in warned.stderr.split("next:")[1]
    plain = _run("convert", str(QUICKSTART), "-o", "out", cwd=tmp_path)
    assert "next: review the warnings, then the diff (porter convert --diff)" in plain.stderr


def test_check_next_step_after_a_diff(tmp_path):
    path = tmp_path / "app.yaml"
    shutil.copyfile(FIXTURES / "os-scheduling" / "input.yaml", path)
    run = _run("check", str(path), "--diff")
    step = run.stderr.split("next:")[1]
    assert "porter convert --in-place" in step and "--diff" not in step


def test_paths_are_never_wrapped_into_files_and_pipes(tmp_path):
    deep = tmp_path / ("a-rather-long-directory-name/" * 4)
    deep.mkdir(parents=True)
    for n in range(3):
        shutil.copyfile(QUICKSTART, deep / f"application-{n}.yaml")
    run = _run("convert", str(tmp_path), "-o", str(tmp_path / "out"))
    changed = next(line for line in run.stderr.splitlines() if line.startswith("changed: "))
    assert all(str(deep / f"application-{n}.yaml") in changed for n in range(3))


def test_summary_wraps_to_the_terminal_without_breaking_paths(tmp_path):
    deep = tmp_path / "deploy" / ("long-directory-name-" * 2)
    deep.mkdir(parents=True)
    for n in range(3):
        shutil.copyfile(QUICKSTART, deep / f"application-{n}.yaml")
    status, screen = run_on_terminal(["convert", "deploy", "-o", "out"], 80, cwd=str(tmp_path))
    assert status == 0, screen
    tail = screen[screen.index("porter: 3 files"):]
    assert all(len(line) <= 80 for line in tail.splitlines()), tail
    joined = tail.replace("\n    ", " ")
    for n in range(3):
        assert f"deploy/{'long-directory-name-' * 2}/application-{n}.yaml" in joined


def test_rules_and_explain_fit_80_columns_on_a_terminal():
    for args in (["rules"], ["explain", "os-scheduling"], ["explain", "privileged-container"],
                 ["explain", "nfs-to-azure-files"]):
        status, screen = run_on_terminal(args, 80)
        assert status == 0, screen
        long = [line for line in screen.splitlines() if len(line) > 80 and " " in line.strip()]
        assert not long, (args, long)


def test_explain_wraps_to_a_wide_terminal():
    _, narrow = run_on_terminal(["explain", "privileged-container"], 80)
    _, wide = run_on_terminal(["explain", "privileged-container"], 160)
    assert max(map(len, wide.splitlines())) > 100 > max(map(len, narrow.splitlines()))
    assert " ".join(wide.split()) == " ".join(narrow.split())  # the same words


def test_rules_into_a_pipe_are_one_line_per_rule():
    run = _run("rules")
    assert any(line.startswith("  privileged-container ") and "HostProcess" in line
               for line in run.stdout.splitlines())


def test_explain_names_only_commands_that_exist():
    from porter.cli import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    run = _run("explain", "os-scheduling")
    named = set(re.findall(r"``porter ([a-z][a-z-]+)", " ".join(run.stdout.split())))
    assert named and named <= commands, named - commands


def test_summary_width_none_is_unwrapped():
    long = "deploy/" + "x" * 120 + ".yaml"
    result = FileResult(long, "a", "b")
    text = summary.render([result], width=None)
    assert f"changed: {long}\n" in text


def test_listing_holds_what_it_shows_and_the_same_lines_as_listing_everything():
    """The listing keeps at most what it can show (a fleet run has millions of findings),
    and gives exactly the lines of sorting every finding, in every arrangement of files."""
    import random

    from porter.engine.findings import Finding, Severity
    from porter.engine.results import FileResult
    from porter.outputs import findings_list

    rnd = random.Random(16)
    for _ in range(200):
        results = []
        for number in range(rnd.randint(0, 12)):
            findings = [Finding(rule="r", severity=rnd.choice(list(Severity)), message="m",
                                file=f"f{rnd.randint(0, 6)}.yaml", line=rnd.randint(1, 50),
                                column=rnd.randint(1, 5))
                        for _ in range(rnd.randint(0, 9))]
            results.append(FileResult(path=f"r{number}", original="", converted="",
                                      findings=findings))
        limit = rnd.randint(1, 15)
        verbose = rnd.random() < 0.5
        every = findings_list.listed(results, verbose)
        shown, count = findings_list.first(results, verbose, limit=limit)
        assert shown == every[:limit] and count == len(every)
        text = findings_list.render(results, verbose, limit=limit)
        assert text.count("\n") == min(len(every), limit) + (len(every) > limit)


def test_listing_many_findings_keeps_few():
    import tracemalloc

    from porter.engine.findings import Finding, Severity
    from porter.engine.results import FileResult
    from porter.outputs import findings_list

    def results():
        for number in range(20_000):
            yield FileResult(path=f"f{number}", original="", converted="", findings=[
                Finding(rule="r", severity=Severity.WARNING, message="m",
                        file=f"f{number}.yaml", line=line) for line in range(10)])

    tracemalloc.start()
    try:
        shown, count = findings_list.first(results(), limit=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000 and len(shown) == 200
    assert peak < 4 << 20, peak  # all of them take some 50 MiB
