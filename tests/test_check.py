"""``porter check`` for CI, selection and suppression of findings, the review options of
``porter convert`` (--patch, --kustomize, --color, several --report formats), and the
pre-commit hook definition."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, ROOT
from typer.testing import CliRunner

from porter.cli import app
from porter.engine.config import config_from_mapping
from porter.errors import ConfigError

runner = CliRunner()
QUICKSTART = FIXTURES / "quickstart" / "input.yaml"
CLEAN = FIXTURES / "already-windows" / "input.yaml"
ERRORS = FIXTURES / "security-context" / "input.yaml"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def invoke(*args: str, **kwargs):
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def copy(tmp_path: Path, source: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


# --- check --------------------------------------------------------------------------------

def test_check_passes_on_ready_manifests_and_says_nothing_with_quiet():
    result = invoke("check", str(CLEAN), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    loud = invoke("check", str(CLEAN))
    assert loud.exit_code == 0 and loud.stdout == ""
    assert loud.stderr.startswith("porter: 1 file, 0 would change; no findings")


def test_check_fails_when_a_file_would_change_and_changes_nothing(tmp_path):
    path = copy(tmp_path, QUICKSTART, "web.yaml")
    before = path.stat()
    result = invoke("check", str(path), "--fail-on", "never")
    assert result.exit_code == 1
    assert result.stdout == f"{path}: would change Deployment/web\n"
    assert "next: apply the changes with porter convert --in-place" in result.stderr
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert path.read_bytes() == QUICKSTART.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web.yaml"]


READY_WITH_WARNING = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  os: {name: windows}
  nodeSelector: {kubernetes.io/os: windows}
  tolerations:
  - {key: os, operator: Equal, value: windows, effect: NoSchedule}
  terminationGracePeriodSeconds: 60
  containers:
  - name: app
    image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
"""


def test_check_fails_on_findings_reaching_fail_on(tmp_path):
    path = tmp_path / "ready.yaml"
    path.write_text(READY_WITH_WARNING)
    # nothing would change, and the one finding is a warning
    assert invoke("check", str(path), "-q").exit_code == 0
    warned = invoke("check", str(path), "--fail-on", "warning")
    assert warned.exit_code == 1
    assert warned.stdout == f"{path}:10:3: warning shutdown-signals: " \
        "terminationGracePeriodSeconds: 60 assumes SIGTERM; Windows sends CTRL_SHUTDOWN_EVENT " \
        "and gives processes about 5 s (make the app handle console control events)\n"
    assert "next: review the warnings (porter explain shutdown-signals)" in warned.stderr


def test_check_lists_changes_and_failing_findings():
    result = invoke("check", str(ERRORS), "-q")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{ERRORS}: would change StatefulSet/ledger"
    assert lines[1].startswith(f"{ERRORS}:17:7: error host-namespaces: ")
    assert all(" error " in line for line in lines[1:])  # infos and warnings stay quiet


def test_check_diff_and_colour(monkeypatch):
    plain = invoke("check", str(QUICKSTART), "--diff", "-q")
    assert plain.exit_code == 1
    assert plain.stdout.startswith(f"--- a/{str(QUICKSTART).lstrip('/')}\n")
    assert "\x1b[" not in plain.stdout  # not a terminal
    coloured = invoke("check", str(QUICKSTART), "--diff", "-q", "--color", "always")
    assert "\x1b[31m-        kubernetes.io/os: linux\x1b[0m\n" in coloured.stdout


def test_colour_auto_honours_terminal_and_no_color(monkeypatch):
    from porter.commands.common import Color, use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Color.auto, Tty())
    assert not use_color(Color.auto, object())
    assert not use_color(Color.never, Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Color.auto, Tty())
    assert use_color(Color.always, Tty())  # an explicit choice wins over NO_COLOR
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color(Color.auto, Tty())


def test_check_passes_over_non_kubernetes_yaml(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: 1\n")
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text("repos: []\n")
    result = invoke("check", str(values), str(config), str(CLEAN))
    assert result.exit_code == 0
    assert "values.yaml:1:1: note: not a Kubernetes manifest" in result.stderr
    assert " error" not in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Pod\nspec: [\n")
    assert invoke("check", str(broken), "-q").exit_code == 2


def test_check_exit_3_is_not_hidden_by_changes(monkeypatch):
    from porter.commands import common

    monkeypatch.setattr(common, "exit_status", lambda results, config: 3)
    monkeypatch.setattr("porter.commands.check.exit_status", lambda results, config: 3)
    assert invoke("check", str(QUICKSTART), "-q").exit_code == 3


# --- selection and suppression ------------------------------------------------------------

ANNOTATED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  annotations:
    winporter.dev/ignore: privileged-container
spec:
  template:
    metadata:
      annotations:
        winporter.dev/ignore: "host-namespaces, linux-only-field"
    spec:
      hostPID: true
      containers:
      - name: agent
        image: example.com/agent:ltsc2022
        securityContext:
          privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: other
spec:
  hostPID: true
  containers:
  - name: c
    image: example.com/c:ltsc2022
    securityContext: {privileged: true}
"""


def _rules(report: Path) -> list[tuple[str, str]]:
    return [(f["resource"]["name"], f["rule"])
            for f in json.loads(report.read_text())["findings"]]


def test_ignore_annotation_on_the_resource_and_its_pod_template(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(ANNOTATED)
    report = tmp_path / "r.json"
    result = invoke("check", str(path), "--report", str(report), "--fail-on", "never")
    found = _rules(report)
    assert ("other", "privileged-container") in found and ("other", "host-namespaces") in found
    assert not [rule for name, rule in found if name == "agent" and rule in
                ("privileged-container", "host-namespaces", "linux-only-field")]
    assert "suppressed)" in result.stderr
    # what was suppressed does not count for the exit status
    other_removed = ANNOTATED.split("---\n")[0]
    path.write_text(other_removed)
    assert invoke("convert", str(path), "-q").exit_code == 0
    path.write_text(other_removed.replace("privileged-container", "sysctls"))
    assert invoke("convert", str(path), "-q").exit_code == 1


def test_select_and_ignore_flags_and_config(tmp_path):
    report = tmp_path / "r.json"
    invoke("check", str(ERRORS), "-q", "--select", "privileged-container", "--select",
           "sysctls", "--report", str(report))
    assert {rule for _, rule in _rules(report)} == {"privileged-container", "sysctls"}
    invoke("check", str(ERRORS), "-q", "--ignore", "linux-only-field", "--report", str(report))
    rules = {rule for _, rule in _rules(report)}
    assert "linux-only-field" not in rules and "privileged-container" in rules
    config = tmp_path / "porter.yaml"
    config.write_text("ignore: [host-namespaces, privileged-container, sysctls, "
                      "run-as-non-root-admin]\n")
    result = invoke("check", str(ERRORS), "-q", "--config", str(config), "--report",
                    str(report))
    assert not {"host-namespaces", "privileged-container"} & {r for _, r in _rules(report)}
    assert result.exit_code == 1  # the file would still change
    assert invoke("convert", str(ERRORS), "-q", "--config", str(config)).exit_code == 0


def test_unknown_rule_codes_are_config_errors(tmp_path):
    result = invoke("check", str(CLEAN), "--ignore", "no-such-rule")
    assert result.exit_code == 2
    assert "unknown rule 'no-such-rule'" in result.stderr
    with pytest.raises(ConfigError, match="select must be a list of rule codes"):
        config_from_mapping({"select": "sysctls"})
    assert config_from_mapping({"select": ["sysctls"]}).select == frozenset({"sysctls"})


def test_internal_errors_are_never_suppressed():
    from porter.engine.config import Config
    from porter.engine.findings import Finding, Severity
    from porter.engine.results import FileResult
    from porter.engine.suppression import suppress

    result = FileResult(path="a.yaml", original="", converted="", findings=[
        Finding("internal-error", Severity.ERROR, "boom"), Finding("sysctls", Severity.ERROR,
                                                                   "x")])
    suppress(result, Config(ignore=frozenset({"internal-error", "sysctls"})))
    assert [f.rule for f in result.findings] == ["internal-error"]
    assert [f.rule for f in result.suppressed] == ["sysctls"]


# --- convert's review options -------------------------------------------------------------

def test_several_report_formats_in_one_run(tmp_path):
    reports = {name: tmp_path / name for name in ("r.json", "r.sarif", "r.txt", "gh.log")}
    result = invoke("convert", str(ERRORS), "-q", "--report", str(reports["r.json"]),
                    "--report", str(reports["r.sarif"]), "--report", str(reports["r.txt"]),
                    "--report", str(reports["gh.log"]), "--report-format", "json",
                    "--report-format", "sarif", "--report-format", "text",
                    "--report-format", "github")
    assert result.exit_code == 1
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(
        json.loads(reports["r.json"].read_text()))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(reports["r.sarif"].read_text()))
    assert reports["r.txt"].read_text().startswith(f"{ERRORS}:14:9: info ")
    assert reports["gh.log"].read_text().startswith(f"::notice file={ERRORS},line=14,col=9,")
    # formats from the extension when --report-format is not given
    by_extension = invoke("convert", str(ERRORS), "-q", "--report", str(tmp_path / "x.sarif"),
                          "--report", str(tmp_path / "x.sarif.json"))
    assert by_extension.exit_code == 1
    for name in ("x.sarif", "x.sarif.json"):
        assert json.loads((tmp_path / name).read_text())["version"] == "2.1.0"


def test_report_to_stdout_and_stdout_conflicts(tmp_path):
    github = invoke("check", str(ERRORS), "-q", "--report", "-", "--report-format", "github")
    assert github.stdout.startswith("::notice file=")
    clash = invoke("convert", str(ERRORS), "--report", "-")
    assert clash.exit_code == 2 and "only one output can go to standard output" in clash.stderr
    clash = invoke("convert", str(ERRORS), "--diff", "--patch", "-")
    assert clash.exit_code == 2
    sarif_out = invoke("convert", str(ERRORS), "-q", "-o", str(tmp_path / "o"), "--report", "-",
                       "--report-format", "sarif")
    assert json.loads(sarif_out.stdout)["version"] == "2.1.0"
    too_many = invoke("convert", str(ERRORS), "--report-format", "json")
    assert too_many.exit_code == 2 and "more --report-format" in too_many.stderr


def test_patch_option(tmp_path):
    to_stdout = invoke("convert", str(QUICKSTART), "-q", "--patch", "-")
    document = json.loads(to_stdout.stdout)
    assert document["version"] == 1
    assert [(p["document"], p["resource"]["name"]) for p in document["patches"]] == [(0, "web")]
    target = tmp_path / "changes.json"
    to_file = invoke("convert", str(QUICKSTART), "-q", "--patch", str(target))
    assert to_file.stdout == ""  # a file output replaces the YAML on stdout
    assert json.loads(target.read_text()) == document


def test_kustomize_option(tmp_path, monkeypatch):
    base = tmp_path / "base"
    base.mkdir()
    copy(base, QUICKSTART, "web.yaml")
    copy(base, CLEAN, "done.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "base", "--kustomize", "overlay")
    assert result.exit_code == 0 and result.stdout == ""
    text = (tmp_path / "overlay" / "kustomization.yaml").read_text()
    assert "resources:\n- ../base/done.yaml\n- ../base/web.yaml\npatches:\n" in text
    assert "# Build: kubectl kustomize --load-restrictor LoadRestrictionsNone overlay\n" in text
    assert "overlay with 1 patch in overlay/kustomization.yaml" in result.stderr
    assert (base / "web.yaml").read_bytes() == QUICKSTART.read_bytes()
    stdin = invoke("convert", "-", "--kustomize", "overlay", input=QUICKSTART.read_text())
    assert "standard input cannot be a kustomize resource" in stdin.stderr


# --- pre-commit ---------------------------------------------------------------------------

def test_pre_commit_hook_runs_porter_check(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "porter-check")
    assert hook["entry"] == "porter check" and hook["language"] == "python"
    assert hook["types"] == ["yaml"]
    # what pre-commit runs: the entry with the staged YAML files appended
    (tmp_path / "ci.yaml").write_text("on: push\n")
    copy(tmp_path, CLEAN, "done.yaml")
    command = [sys.executable, "-m", "porter", *hook["entry"].split()[1:]]
    ok = subprocess.run([*command, "ci.yaml", "done.yaml"], cwd=tmp_path, capture_output=True,
                        check=False, timeout=120)
    assert ok.returncode == 0, ok.stderr
    copy(tmp_path, QUICKSTART, "web.yaml")
    failing = subprocess.run([*command, "ci.yaml", "done.yaml", "web.yaml"], cwd=tmp_path,
                             capture_output=True, check=False, timeout=120)
    assert failing.returncode == 1
    assert failing.stdout.decode() == "web.yaml: would change Deployment/web\n"


def test_check_passes_a_windows_ready_manifest_with_empty_resources(tmp_path: Path) -> None:
    # Regression (issue 13): `resources: {}` and empty limits/requests were removed silently.
    source = (FIXTURES / "layout-empty-resources" / "input.yaml").read_text()
    ready = source.replace("          requests:\n            hugepages-2Mi: 64Mi\n",
                           "          requests: {}\n")
    assert ready != source
    path = tmp_path / "ready.yaml"
    path.write_text(ready)
    done = subprocess.run([sys.executable, "-m", "porter", "check", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "would change" not in done.stdout


def test_summary_names_the_file_the_fallback_writer_wrote(tmp_path: Path) -> None:
    path = copy(tmp_path, FIXTURES / "layout-explicit-key" / "input.yaml", "explicit.yaml")
    done = subprocess.run([sys.executable, "-m", "porter", "convert", path.name],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "yaml-rewritten" in done.stderr
    assert "written by ruamel.yaml, layout may differ: explicit.yaml (1 document)" in \
        " ".join(done.stderr.split())
