"""The command line, through typer's runner and through a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from porter.cli import app
from porter.engine import registry
from porter.engine.transform import PodSpecTransform

runner = CliRunner()
QUICKSTART = FIXTURES / "quickstart" / "input.yaml"
CLEAN = FIXTURES / "already-windows" / "input.yaml"
ERRORS = FIXTURES / "security-context" / "input.yaml"


def invoke(*args: str, **kwargs):
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def copy_fixture(tmp_path: Path, case: str, name: str = "app.yaml") -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES / case / "input.yaml", target)
    return target


def test_exit_0_when_nothing_blocks():
    result = invoke("convert", str(CLEAN), "-q")
    assert result.exit_code == 0
    assert result.stdout == CLEAN.read_text()
    assert result.stderr == ""


def test_exit_1_on_error_findings_and_fail_on():
    assert invoke("convert", str(ERRORS), "-q").exit_code == 1
    assert invoke("convert", str(ERRORS), "-q", "--fail-on", "never").exit_code == 0
    assert invoke("convert", str(QUICKSTART), "-q").exit_code == 0
    assert invoke("convert", str(QUICKSTART), "-q", "--fail-on", "warning").exit_code == 1


def test_stdout_is_exactly_the_converted_file():
    result = invoke("convert", str(QUICKSTART), "-q", "--drive", "/mnt/volume=K:")
    expected = FIXTURES.parent / "tests" / "__snapshots__" / "test_fixtures" / \
        "test_output[quickstart].yaml"
    assert result.stdout == expected.read_text()


def test_stdin_to_stdout():
    result = invoke("convert", "-", "-q", input=CLEAN.read_text())
    assert result.exit_code == 0
    assert result.stdout == CLEAN.read_text()


def test_diff_has_git_headers(tmp_path, monkeypatch):
    path = copy_fixture(tmp_path, "kind-list")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "app.yaml", "--diff", "-q")
    assert result.stdout.startswith("--- a/app.yaml\n+++ b/app.yaml\n@@ ")
    assert "+            mountPath: C:\\data\n" in result.stdout
    assert path.read_text() == (FIXTURES / "kind-list" / "input.yaml").read_text()


def test_output_directory_mirrors_the_tree(tmp_path):
    tree = tmp_path / "in"
    (tree / "apps").mkdir(parents=True)
    shutil.copyfile(QUICKSTART, tree / "apps" / "web.yaml")
    shutil.copyfile(CLEAN, tree / "done.yml")
    (tree / "notes.txt").write_text("not yaml")
    out = tmp_path / "out"
    result = invoke("convert", str(tree), "-o", str(out), "-q")
    assert result.exit_code == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        ["apps/web.yaml", "done.yml"]
    assert (out / "done.yml").read_bytes() == CLEAN.read_bytes()
    assert "windows" in (out / "apps" / "web.yaml").read_text()


def test_output_directory_inside_the_input_tree_is_not_read_back(tmp_path):
    shutil.copyfile(QUICKSTART, tmp_path / "web.yaml")
    first = invoke("convert", str(tmp_path), "-o", str(tmp_path / "win"), "-q")
    second = invoke("convert", str(tmp_path), "-o", str(tmp_path / "win"), "-q")
    assert first.exit_code == second.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "win").rglob("*")) == ["web.yaml"]


def test_in_place_rewrites_only_changed_files(tmp_path):
    changed = copy_fixture(tmp_path, "quickstart", "web.yaml")
    unchanged = copy_fixture(tmp_path, "already-windows", "done.yaml")
    os.chmod(changed, 0o640)
    before = unchanged.stat()
    result = invoke("convert", str(tmp_path), "--in-place", "-q")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "kubernetes.io/os: windows" in changed.read_text()
    assert oct(changed.stat().st_mode & 0o777) == oct(0o640)
    after = unchanged.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".porter-tmp")]


def test_in_place_with_stdin_is_a_usage_error():
    result = invoke("convert", "-", "--in-place")
    assert result.exit_code == 2
    assert "--in-place cannot rewrite standard input" in result.stderr


def test_reports_json_and_text(tmp_path):
    json_report, text_report = tmp_path / "r.json", tmp_path / "r.txt"
    result = invoke("convert", str(ERRORS), "-q", "--report", str(json_report),
                    "--report", str(text_report))
    assert result.exit_code == 1
    data = json.loads(json_report.read_text())
    assert data["version"] == 1
    assert data["summary"]["errors"] == sum(f["severity"] == "error" for f in data["findings"])
    assert data["files"] == [{"path": str(ERRORS), "changed": True, "error": None}]
    first = text_report.read_text().splitlines()[0]
    assert first.startswith(f"{ERRORS}:14:9: info linux-security-annotation ")


def test_summary_on_stderr_and_quiet():
    loud = invoke("convert", str(ERRORS))
    assert "porter: 1 file, 1 changed; findings:" in loud.stderr
    assert "next: " in loud.stderr
    assert "porter:" not in invoke("convert", str(ERRORS), "-q").stderr


BAD_INPUTS = {
    "invalid.yaml": ("kind: Pod\nspec: [\n", "invalid.yaml:3:1: error: invalid YAML"),
    "template.yaml": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n",
                      "template.yaml:4:9: error: a Helm/Go template"),
    "values.yaml": ("replicaCount: 1\nimage: nginx\n",
                    "values.yaml:1:1: error: not a Kubernetes manifest"),
    "empty.yaml": ("", "empty.yaml:1:1: error: empty file"),
    "comments.yaml": ("# nothing here\n---\n", "comments.yaml:1:1: error: holds only comments"),
    "binary.yaml": ("\x00\x01", "binary.yaml:1:1: error: binary file"),
    "dup.yaml": ("apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n  containers: []\n",
                 "dup.yaml:5:3: error: duplicate key 'containers' (first at line 4)"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_others_still_written(tmp_path, name, monkeypatch):
    content, expected = BAD_INPUTS[name]
    bad = tmp_path / name
    bad.write_bytes(content.encode("utf-8"))
    good = copy_fixture(tmp_path, "quickstart", "good.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", name, "good.yaml", "-o", "out", "-q")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(expected), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == content.encode("utf-8")
    assert "windows" in (tmp_path / "out" / "good.yaml").read_text()
    assert good.read_bytes() == QUICKSTART.read_bytes()


def test_unreadable_file(tmp_path, monkeypatch):
    path = copy_fixture(tmp_path, "quickstart")
    original = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "app.yaml":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = invoke("convert", str(path), str(CLEAN), "-q")
    assert result.exit_code == 2
    assert result.stderr == f"{path}: error: cannot read: Permission denied\n"
    assert result.stdout == CLEAN.read_text()  # the readable file is still converted


def test_missing_path_and_chart_directory(tmp_path):
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "Chart.yaml").write_text("name: x\n")
    result = invoke("convert", str(tmp_path / "nope.yaml"), str(tmp_path / "chart"), "-q")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].endswith("nope.yaml: error: no such file or directory")
    # a chart is rendered (tests/test_charts.py); this one is not a valid chart
    assert lines[1].startswith(f"{tmp_path / 'chart'}: error: ")
    assert len(lines) == 2


def test_non_kubernetes_yaml_in_a_directory_is_only_a_note(tmp_path):
    (tmp_path / "values.yaml").write_text("replicaCount: 1\n")
    copy_fixture(tmp_path, "already-windows")
    result = invoke("convert", str(tmp_path))
    assert result.exit_code == 0
    assert "values.yaml: note: not a Kubernetes manifest" in result.stderr


class _Crashing(PodSpecTransform):
    id = "crashing"
    summary = "Raises on every pod spec."

    def apply_pod(self, pod, context):
        pod.spec["os"] = {"name": "half-done"}
        raise KeyError("boom")


def test_exit_3_when_a_transform_crashes(monkeypatch):
    types = (*registry.transform_types(), _Crashing)
    monkeypatch.setattr(registry, "transform_types", lambda: types)
    monkeypatch.setattr("porter.engine.config.transform_types", lambda: types)
    result = invoke("convert", str(CLEAN), "--report", "/dev/null")
    assert result.exit_code == 3
    assert result.stdout == CLEAN.read_text()  # the crash lost nothing
    assert "internal error" in result.stderr


def test_config_errors_name_the_key(tmp_path):
    config = tmp_path / "porter.yaml"
    config.write_text("options:\n  mount-paths:\n    drive: {}\n")
    result = invoke("convert", str(CLEAN), "--config", str(config))
    assert result.exit_code == 2
    assert "unknown option 'drive' for transform 'mount-paths'" in result.stderr
    config.write_text("disabled: [x]\n")
    result = invoke("convert", str(CLEAN), "--config", str(config))
    assert "unknown config key 'disabled'" in result.stderr
    result = invoke("convert", str(CLEAN), "--toleration", "nonsense")
    assert result.exit_code == 2
    assert "toleration must look like key[=value]:Effect" in result.stderr


def test_rules_and_explain():
    listing = invoke("rules").stdout
    for code in ("privileged-container", "kept-on-linux", "internal-error",
                 "nfs-to-azure-files", "linux-selector-replaced"):
        assert code in listing
    text = invoke("explain", "privileged-container").stdout
    for section in ("Converts:", "Why:", "Example:", "Cannot convert:", "Source:"):
        assert section in text
    assert "Options:" in invoke("explain", "mount-paths").stdout
    missing = invoke("explain", "no-such-rule")
    assert missing.exit_code == 2
    assert "no rule or transform 'no-such-rule'" in missing.stderr


def _run(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "porter", *args], input=stdin,
                          capture_output=True, cwd=cwd, timeout=120, check=False)


def test_subprocess_round_trip_and_exit_codes(tmp_path):
    ok = _run("convert", "-", "-q", stdin=CLEAN.read_bytes())
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, CLEAN.read_bytes(), b"")
    findings = _run("convert", str(ERRORS), "-q")
    assert findings.returncode == 1
    (tmp_path / "bad.yaml").write_text("a: [\n")
    bad = _run("convert", "bad.yaml", "-q", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.decode().startswith("bad.yaml:2:1: error: invalid YAML")
    assert b"Traceback" not in bad.stderr
    usage = _run("convert", "--no-such-flag")
    assert usage.returncode == 2
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith(b"porter ")
