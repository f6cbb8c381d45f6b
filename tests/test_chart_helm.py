"""Charts with the real Helm 3 and Helm 4 binaries: the values overlay on a real Bitnami chart
(probes the chart accepts, values that break the render taken out, the overlay verified),
packaged charts, and the overlay's measured effect."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES
from helm_binaries import HELMS, helm_binary
from typer.testing import CliRunner

from porter.charts.convert import ChartOptions, convert_chart
from porter.charts.inputs import ChartInput
from porter.charts.render import HelmBinary, RenderOptions
from porter.cli import app
from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.outputs import values_overlay

DATA = Path(__file__).resolve().parent / "data" / "charts"


def overlay_of(chart: Path, helm: str):
    item = ChartInput(str(chart), chart, f"{chart.name}.yaml")
    result = convert_chart(item, Pipeline(Config()), ChartOptions(RenderOptions(), True),
                           HelmBinary(helm))
    assert not result.errors, result.errors
    assert result.overlay is not None
    return result.overlay


def template(helm: str, chart: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm, "template", "release-name", str(chart), *args],
                          capture_output=True, text=True, check=False, timeout=120)


@HELMS
def test_bitnami_overlay_is_verified_and_renders(helm_version, tmp_path):
    helm = helm_binary(helm_version)
    chart = DATA / "rabbitmq"
    overlay = overlay_of(chart, helm)
    assert overlay.verified
    skipped = {".".join(s.path): s.reason for s in overlay.skipped}
    # Image coordinates are never probed (the chart's NOTES.txt fails on changed ones).
    assert "volumePermissions.image" in skipped and "image" in skipped["volumePermissions.image"]
    assert not any("registry" in path or "repository" in path for path in skipped)
    assert overlay.tried == overlay.probes - len(overlay.skipped) > 50
    assert overlay.renders < 20
    # persistence.mountPath lands in a double-quoted string too: C:\opt... breaks the YAML,
    # so it is not written, and the reason is given.
    values = overlay.values()
    assert "mountPath" not in values.get("persistence", {})
    assert any(text.startswith("persistence.mountPath: the chart fails to render with it")
               for text in overlay.conflicts)
    assert any("not through values: persistence.mountPath" in c.change
               for c in overlay.template_only)
    assert values["nodeSelector"] == {"kubernetes.io/os": "windows"}
    # The overlay as written renders with the same binary.
    written = tmp_path / "windows.yaml"
    written.write_text(values_overlay.render(overlay))
    done = template(helm, chart, "-f", str(written))
    assert done.returncode == 0, done.stderr
    statefulset = next(d for d in yaml.safe_load_all(done.stdout)
                       if d and d["kind"] == "StatefulSet")
    assert statefulset["spec"]["template"]["spec"]["nodeSelector"] == \
        {"kubernetes.io/os": "windows"}
    # The effect, counted: one Windows-bound StatefulSet, left with spec.os and mount paths
    # the kubelet puts on C: itself.
    assert (overlay.pods.total, overlay.pods.os_only, overlay.pods.equivalent) == (1, 1, 1)
    assert "of 1 Windows-bound pod spec: 0 clean, 1 only miss spec.os" in \
        values_overlay.effect(overlay)
    assert "# Values not probed (1 of" in written.read_text()
    assert "Use --debug flag" not in written.read_text()


@HELMS
def test_packaged_chart_gets_subchart_values(helm_version, tmp_path):
    helm = helm_binary(helm_version)
    chart = FIXTURES / "charts" / "platform"
    done = subprocess.run([helm, "package", str(chart), "-d", str(tmp_path)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    packaged = next(tmp_path.glob("*.tgz"))
    from_directory = overlay_of(chart, helm).values()
    from_archive = overlay_of(packaged, helm).values()
    assert from_archive == from_directory
    assert from_archive["api"]["nodeSelector"] == {"kubernetes.io/os": "windows"}


def _schema_chart(root: Path) -> Path:
    chart = root / "schema"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: schema\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(
        "nodeSelector: {}\npodAnnotations: {}\nextraVolumeMounts: []\n"
        "mountNames: [data]\n")
    (chart / "values.schema.json").write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {
            "podAnnotations": {"type": "object", "additionalProperties": False},
            "mountNames": {"type": "array", "items": {"type": "string"}}}}))
    (chart / "templates" / "deployment.yaml").write_text("""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  annotations:
    names: {{ join "," .Values.mountNames | quote }}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata:
      labels: {app: app}
      annotations: {{- toYaml .Values.podAnnotations | nindent 8 }}
    spec:
      nodeSelector: {{- toYaml .Values.nodeSelector | nindent 8 }}
      containers:
        - name: app
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
          volumeMounts: {{- toYaml .Values.extraVolumeMounts | nindent 12 }}
""")
    return chart


@HELMS
def test_probes_pass_the_charts_schema(helm_version, tmp_path):
    helm = helm_binary(helm_version)
    overlay = overlay_of(_schema_chart(tmp_path), helm)
    skipped = {".".join(s.path): s.reason for s in overlay.skipped}
    # A key added to a mapping that admits none is refused by the schema, and listed.
    assert "values.schema.json refuses" in skipped["podAnnotations"]
    # A list of strings is probed with a string, which the schema accepts.
    assert "mountNames" not in skipped
    assert overlay.renders == 2  # one probe render, one verification render
    assert overlay.values()["nodeSelector"] == {"kubernetes.io/os": "windows"}
    assert overlay.verified


@pytest.mark.parametrize("engine", ["sdk", "helm3", "helm4"])
def test_engines_agree_on_invalid_templates_and_library_charts(engine, tmp_path, monkeypatch):
    if engine == "sdk":
        pytest.importorskip("helm_python", reason="no helm-python-sdk: pip install -e '.[helm]'")
        monkeypatch.setenv("PORTER_HELM_ENGINE", "sdk")
    else:
        monkeypatch.setenv("HELM_BIN", helm_binary(engine))
        monkeypatch.setenv("PORTER_HELM_ENGINE", "binary")
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n"
                                                  "  name: p\n")
    (chart / "templates" / "banner.txt").write_text("Thanks for installing: [ not yaml\n")
    runner = CliRunner()
    invalid = runner.invoke(app, ["convert", str(chart)], catch_exceptions=False)
    assert invalid.exit_code == 2
    assert "YAML parse error on c/templates/banner.txt" in invalid.stderr
    assert "Use --debug flag" not in invalid.stderr and invalid.stdout == ""
    (chart / "templates" / "banner.txt").unlink()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n")
    library = runner.invoke(app, ["convert", str(chart)], catch_exceptions=False)
    assert library.exit_code == 2
    assert "library charts are not installable" in library.stderr


@HELMS
def test_switched_off_features_through_the_cli(helm_version, tmp_path):
    """``porter convert CHART --values-overlay`` with a real helm on PATH: the root sysctl init
    container is switched off, said on stderr and in the file, and ``helm template -f``
    with the overlay renders without it."""
    import os
    import sys

    helm = helm_binary(helm_version)
    chart = FIXTURES / "charts" / "search"
    target = tmp_path / "search-windows.yaml"
    env = {**os.environ, "PATH": f"{Path(helm).parent}{os.pathsep}{os.environ['PATH']}",
           "PORTER_HELM_ENGINE": "binary"}
    done = subprocess.run([sys.executable, "-m", "porter", "convert", str(chart),
                           "--values-overlay", str(target), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, timeout=300, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr  # the privileged container is an error finding
    assert "  feature turned off: sysctl.enabled: false (the chart deploys less; it " \
        "removes: StatefulSet/release-name-search: container 'sysctl' is privileged" \
        in done.stderr
    text = target.read_text()
    assert yaml.safe_load(text)["sysctl"] == {"enabled": False}
    assert "#   - sysctl.enabled: false (removes 1 change only the templates could make)" in text
    rendered = template(helm, chart, "-f", str(target))
    assert rendered.returncode == 0, rendered.stderr
    (statefulset,) = [d for d in yaml.safe_load_all(rendered.stdout)
                      if d and d["kind"] == "StatefulSet"]
    spec = statefulset["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["tuning"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "windows"}
    assert spec["volumes"][0]["emptyDir"] == {"medium": "Memory"}  # kept: disk-backed anyway
