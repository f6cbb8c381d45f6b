"""Command-line conventions, through real subprocesses: a wrong path or option fails CI with
one line and exit 2; ``--help`` shows metavars; completion works in a real bash."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from terminal import run_on_terminal

QUICKSTART = FIXTURES / "quickstart" / "input.yaml"
COMMANDS = ("convert", "check", "preflight", "post-render", "krm", "rules", "explain")


def _porter(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120, check=False)


@pytest.mark.parametrize("command", ["convert", "check"])
def test_a_directory_without_manifests_is_exit_2(command, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# not YAML\n")
    for name in ("empty", "docs"):
        run = _porter(command, name, cwd=tmp_path)
        assert run.returncode == 2, run.stderr
        assert f"porter: error: no manifests found in {name}\n" in run.stderr
    shutil.copyfile(QUICKSTART, tmp_path / "app.yaml")
    both = _porter(command, "app.yaml", "empty", "-q", "-o", "out", cwd=tmp_path) \
        if command == "convert" else _porter(command, "app.yaml", "empty", "-q", cwd=tmp_path)
    assert both.returncode == 2  # the other input is still converted
    assert command == "check" or (tmp_path / "out" / "app.yaml").is_file()


@pytest.mark.parametrize("args", [("convert", "x.yaml", "--no-such-flag"),
                                  ("check", "--jobz", "2", "x.yaml"), ("--nope",),
                                  ("frobnicate",), ("convert", "x.yaml", "--color", "pink")])
def test_a_usage_error_is_one_line(args):
    run = _porter(*args)
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert re.match(r"porter( [a-z-]+)?: error: .+ \(see porter( [a-z-]+)? --help\)$",
                    run.stderr.strip()), run.stderr
    assert "╭" not in run.stderr and "Traceback" not in run.stderr


def test_output_to_a_regular_file_is_a_usage_error_about_it(tmp_path):
    (tmp_path / "out").write_text("not a directory\n")
    shutil.copyfile(QUICKSTART, tmp_path / "app.yaml")
    run = _porter("convert", "app.yaml", "-o", "out", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == "porter: error: -o/--output takes a directory; out is a file\n"
    assert (tmp_path / "out").read_text() == "not a directory\n"


def test_config_problems_are_all_reported_with_line_and_column(tmp_path):
    shutil.copyfile(QUICKSTART, tmp_path / "app.yaml")
    (tmp_path / "porter.yaml").write_text(
        "disable: [mount-paths, nope]\n"
        "fail-on: sometimes\n"
        "colour: red\n"
        "options:\n"
        "  os-scheduling:\n"
        "    tolerations: x\n"
        "select: [privileged-container, not-a-rule]\n")
    run = _porter("check", "app.yaml", cwd=tmp_path)
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert [line.split(": error: ")[0] for line in lines] == [
        "porter.yaml:1:24", "porter.yaml:2:1", "porter.yaml:3:1", "porter.yaml:6:5",
        "porter.yaml:7:32"], run.stderr
    assert "unknown transform 'nope'" in lines[0] and "'tolerations'" in lines[3]
    (tmp_path / "porter.yaml").write_text("fail-on: [\n")
    bad = _porter("check", "app.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("porter.yaml:2:1: error: invalid YAML")


def test_check_takes_jobs_with_the_same_result(tmp_path):
    for case in ("quickstart", "security-context", "volumes", "images", "already-windows"):
        shutil.copyfile(FIXTURES / case / "input.yaml", tmp_path / f"{case}.yaml")
    runs = [_porter("check", ".", "--jobs", jobs, cwd=tmp_path) for jobs in ("1", "3")]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout


def test_check_shows_progress_on_a_terminal_once_a_run_lasts(tmp_path):
    for number in range(40):
        shutil.copyfile(QUICKSTART, tmp_path / f"app-{number:03}.yaml")
    status, screen = run_on_terminal(["check", ".", "--jobs", "1"], 100, cwd=str(tmp_path),
                                     progress_after=0.0)
    assert status == 1
    assert "files/s" in screen and "/40" in screen, screen[-2000:]  # rich's bar, then gone
    status, screen = run_on_terminal(["check", ".", "--jobs", "1"], 100, cwd=str(tmp_path),
                                     progress_after=3600.0)
    assert status == 1
    assert "files/s" not in screen and "porter: 40 files" in screen, screen[-2000:]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_type_placeholders(command):
    for width in (80, 200):
        env = {**os.environ, "COLUMNS": str(width), "TERM": "dumb"}
        run = _porter(command, "--help", env=env)
        assert run.returncode == 0, run.stderr
        assert not re.search(r"<(bool|str|int|text|path|list\[[^\]]*\])>|\{[a-z_]+\}",
                             run.stdout), run.stdout
    root = _porter("--help")
    assert "<bool>" not in root.stdout and "--install-completion" in root.stdout


def test_shell_completion_in_bash(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "porter").is_file():
        pytest.skip("the porter script is not installed beside this Python")
    env = {**os.environ, "SHELL": "/bin/bash",
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    script = _porter("--show-completion", env=env)
    assert script.returncode == 0 and "complete" in script.stdout, script.stderr
    (tmp_path / "completion.bash").write_text(script.stdout)
    probe = ('source completion.bash\n'
             'COMP_WORDS=(porter con); COMP_CWORD=1; _porter_completion porter\n'
             'echo "${COMPREPLY[@]}"\n'
             'COMP_WORDS=(porter check --fail); COMP_CWORD=2; _porter_completion porter\n'
             'echo "${COMPREPLY[@]}"\n')
    run = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=120, check=False)
    assert run.stdout.splitlines() == ["convert", "--fail-on"], run.stdout + run.stderr
