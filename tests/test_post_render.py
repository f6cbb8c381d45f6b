"""``porter post-render`` (Helm 3 ``--post-renderer``, Helm 4 postrenderer/v1 plugin) and
``porter convert -`` as a post-renderer: stdout carries only the converted YAML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT
from typer.testing import CliRunner

from porter.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where post-render, run with stderr not a terminal (as Helm runs it), writes findings."""
    path = tmp_path / "state" / "post-render.txt"
    monkeypatch.setenv("PORTER_POST_RENDER_REPORT", str(path))
    return path
ANNOTATION = "postrenderer.helm.sh/postrender-filename"

HELM3 = """\
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        fsGroup: 2000   # kept as a comment test
      containers:
        - name: web
          image: mcr.microsoft.com/windows/servercore/iis:ltsc2022
          securityContext:
            privileged: true
"""

# What Helm 4 hands a post-renderer: every object annotated with its template, no comments.
HELM4 = """\
apiVersion: v1
kind: Service
metadata:
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/service.yaml
  name: web
spec:
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/deployment.yaml
  name: web
spec:
  template:
    spec:
      containers:
      - image: mcr.microsoft.com/windows/servercore/iis:ltsc2022
        name: web
        securityContext:
          privileged: true
"""


def run(*args: str, stdin: str):
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


def test_helm3_stream_findings_name_the_template(tmp_path):
    report = tmp_path / "r.json"
    result = run("post-render", "--report", str(report), stdin=HELM3)
    assert result.exit_code == 1  # privileged: an error finding stops the install
    assert result.stdout == run("convert", "-", "-q", stdin=HELM3).stdout
    assert result.stdout.startswith("---\n# Source: web/templates/service.yaml\n")
    assert "        fsGroup: 2000   # kept as a comment test\n" not in result.stdout
    assert "kubernetes.io/os: windows" in result.stdout
    findings = json.loads(report.read_text())["findings"]
    privileged = next(f for f in findings if f["rule"] == "privileged-container")
    # No chart at hand: the line is the stream's, the file says so, the hint names the template.
    assert privileged["file"] == "<stdin>"
    assert privileged["line"] == 25
    assert "from template web/templates/deployment.yaml; line 25 is in the manifests Helm " \
        "passed on standard input" in privileged["hint"]
    assert "Helm 3 passes no hooks to a post-renderer" in result.stderr
    assert "porter: 1 file" in result.stderr


def test_helm4_annotation_kept_and_used():
    result = run("post-render", "-q", "--fail-on", "never", "--report", "/dev/null",
                 stdin=HELM4)
    assert result.exit_code == 0
    out = list(yaml.safe_load_all(result.stdout))
    assert [d["metadata"]["annotations"][ANNOTATION] for d in out] == \
        ["web/templates/service.yaml", "web/templates/deployment.yaml"]
    assert result.stdout.startswith(HELM4.split("---\n")[0])  # untouched document, same bytes
    for line in HELM4.splitlines():
        if ANNOTATION in line:
            assert line + "\n" in result.stdout


def test_helm4_findings_name_the_template(tmp_path):
    report = tmp_path / "r.txt"
    result = run("post-render", "-q", "--report", str(report), stdin=HELM4)
    assert report.read_text().startswith("<stdin>:")
    assert "from template web/templates/deployment.yaml" in report.read_text()
    assert "Helm 3" not in result.stderr  # Helm 4 passes hooks: no note


def test_bad_input_is_echoed_never_empty():
    bad = "apiVersion: v1\nkind: Pod\nspec: [\n"
    result = run("post-render", "-q", stdin=bad)
    assert result.exit_code == 2
    assert result.stdout == bad
    assert result.stderr.startswith("<stdin>:")
    config = run("post-render", "-q", "--toleration", "nonsense", stdin=HELM4)
    assert config.exit_code == 2
    assert config.stdout == HELM4
    empty = run("post-render", "-q", stdin="")
    assert empty.exit_code == 2 and "no manifests on standard input" in empty.stderr


def test_as_a_real_subprocess_stdout_is_only_yaml():
    done = subprocess.run([sys.executable, "-m", "porter", "post-render", "--fail-on", "never"],
                          input=HELM3.encode(), capture_output=True, timeout=120, check=False)
    assert done.returncode == 0
    assert list(yaml.safe_load_all(done.stdout))[1]["spec"]["template"]["spec"]["os"] == \
        {"name": "windows"}
    assert b"porter:" in done.stderr and b"porter:" not in done.stdout


def test_plugin_manifest_for_helm4():
    plugin = yaml.safe_load((ROOT / "plugins" / "helm-porter" / "plugin.yaml").read_text())
    assert plugin["type"] == "postrenderer/v1"
    assert plugin["runtime"] == "subprocess"
    command = plugin["runtimeConfig"]["platformCommand"][0]
    assert command["command"] == "porter" and command["args"] == ["post-render"]


def test_convert_dash_is_a_post_renderer_too():
    result = run("convert", "-", "-q", "--fail-on", "never", stdin=HELM4)
    assert result.exit_code == 0
    assert ANNOTATION in result.stdout and "porter" not in result.stdout
    assert Path(FIXTURES).is_dir()


def test_bad_option_still_echoes_the_input():
    done = subprocess.run([sys.executable, "-m", "porter", "post-render", "--no-such-option"],
                          input=HELM4.encode(), capture_output=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == HELM4.encode()
    assert b"--no-such-option" in done.stderr


def test_run_by_helm_findings_go_to_a_report_file(_report_file):
    result = run("post-render", stdin=HELM4)
    assert result.exit_code == 1
    assert "privileged-container" in _report_file.read_text()
