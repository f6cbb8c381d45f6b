"""A file name that is not UTF-8 (``caf\\xe9.yaml``, Latin-1 on disk) reaches every output:
its own bytes in text, ``\\udce9`` in JSON (``os.fsencode`` gives the bytes back), ``%E9`` in
SARIF URIs, git's quoting in diff headers (which ``git apply`` reads)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

NAME = b"caf\xe9.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    try:
        (tmp_path.joinpath(os.fsdecode(NAME))).write_bytes(
            (FIXTURES / "quickstart" / "input.yaml").read_bytes())
    except (UnicodeError, OSError) as exc:  # a file system that only takes UTF-8 names
        pytest.skip(f"cannot create a non-UTF-8 file name here: {exc}")
    return tmp_path


def _porter(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          cwd=cwd, timeout=120, check=False)


def test_check_writes_every_report(tree):
    run = _porter("check", ".", "--report", "r.json", "--report", "r.sarif", "--report",
                  "r.txt", "--report", "r.jsonl", "--sarif-root", ".", cwd=tree)
    assert run.returncode == 1, run.stderr  # would change; not an internal error
    assert b"Traceback" not in run.stderr and b"internal error" not in run.stderr
    assert run.stdout.startswith(NAME + b": would change Deployment/web")
    report = json.loads((tree / "r.json").read_bytes())
    assert {os.fsencode(f["file"]) for f in report["findings"]} == {NAME}
    assert b'"caf\\udce9.yaml"' in (tree / "r.json").read_bytes()
    lines = [json.loads(line) for line in (tree / "r.jsonl").read_bytes().splitlines()]
    assert os.fsencode(lines[0]["path"]) == NAME
    log = json.loads((tree / "r.sarif").read_bytes())
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"] for loc in r["locations"]}
    assert uris == {"caf%E9.yaml"}
    assert (tree / "r.txt").read_bytes().startswith(NAME + b":")


def test_diff_names_the_file_as_git_does_and_applies(tree):
    run = _porter("convert", ".", "--diff", "-q", cwd=tree)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(b'--- "a/caf\\351.yaml"\n+++ "b/caf\\351.yaml"\n')
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    expected = _porter("convert", ".", "-q", cwd=tree).stdout  # one file: its converted bytes
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    applied = subprocess.run(["git", "apply", "-"], input=run.stdout, cwd=tree,
                             capture_output=True, check=False)
    assert applied.returncode == 0, applied.stderr
    assert (tree / os.fsdecode(NAME)).read_bytes() == expected


def test_convert_output_stderr_and_patch(tree):
    run = _porter("convert", ".", "-o", "out", "--patch", "p.json", cwd=tree)
    assert run.returncode == 0, run.stderr
    assert (tree / "out" / os.fsdecode(NAME)).is_file()
    assert NAME + b":20:9: warning fs-group-removed: " in run.stderr  # the name's own bytes
    patches = json.loads((tree / "p.json").read_bytes())["patches"]
    assert {os.fsencode(p["file"]) for p in patches} == {NAME}
    stdout = _porter("convert", ".", "-q", cwd=tree)  # two files now: each after a header
    assert stdout.returncode == 0, stdout.stderr
    assert b"---\n# Source: " + NAME + b"\n# A typical" in stdout.stdout
