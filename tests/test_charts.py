"""Helm charts: rendering with the optional engine (helm-python-sdk), findings on templates,
pass-through options, bad charts, and the values overlay."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES
from helm_binaries import HELMS, helm_binary
from typer.testing import CliRunner

from porter.charts.manifests import split_rendered, stream
from porter.charts.render import NO_ENGINE, HelmSdk, RenderOptions
from porter.cli import app
from porter.engine.config import Config
from porter.engine.pipeline import Pipeline

helm = pytest.importorskip(
    "helm_python", reason="no Helm engine: pip install -e '.[helm]' (CI installs it)")

CHARTS = FIXTURES / "charts"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTER_HELM_ENGINE", "sdk")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def documents(text: str) -> list[tuple[str, object]]:
    """(source, data) of every document of a rendered stream."""
    found = []
    for chunk in re.split(r"(?m)^---\n", text):
        match = re.match(r"# Source: (\S+)\n", chunk)
        if match:
            found.append((match[1], yaml.safe_load(chunk[match.end():])))
    return found


def engine_documents(chart: Path, values: dict | None = None,
                     **options: str) -> list[tuple[str, object]]:
    """What helm-python-sdk itself renders, split like Helm, skipping NOTES.txt and blanks."""
    with helm.Chart.load(str(chart)) as loaded:
        files = loaded.render(values=values or {}, name=options.get("name", "release-name"),
                              is_install=True)
    found = []
    for source, text in sorted(files.items()):
        if source.endswith("NOTES.txt"):
            continue
        for part in re.split(r"(?:^|\s*\n)---\s*", text.strip()):
            if part.strip():
                found.append((source, yaml.safe_load(part)))
    return found


@pytest.mark.parametrize("chart", ["web", "platform", "legacy"])
def test_rendered_documents_are_the_engines(chart):
    rendered = HelmSdk().render(CHARTS / chart, RenderOptions())
    ours = documents(rendered.text)
    theirs = engine_documents(CHARTS / chart)
    assert sorted(map(json.dumps, ours)) == sorted(map(json.dumps, theirs))
    kinds = [data["kind"] for _, data in ours]
    if chart == "web":  # Helm's install order, hooks last
        assert kinds == ["ServiceAccount", "Service", "Deployment", "Pod"]


def test_values_and_set_reach_the_engine(tmp_path):
    values = tmp_path / "mine.yaml"
    values.write_text("replicaCount: 3\nimage:\n  tag: '1.27'\n")
    result = invoke("convert", str(CHARTS / "web"), "-q", "-f", str(values), "--set",
                    "service.port=8080", "--set-string", "podLabels.tier=42",
                    "--release-name", "shop")
    rendered = {data["kind"]: data for _, data in documents(result.stdout)}
    deployment = rendered["Deployment"]
    assert deployment["metadata"]["name"] == "shop-web"
    assert deployment["spec"]["replicas"] == 3
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.27"
    assert container["ports"][0]["containerPort"] == 8080
    assert deployment["spec"]["template"]["metadata"]["labels"]["tier"] == "42"
    expected = engine_documents(CHARTS / "web", {"replicaCount": 3, "image": {"tag": "1.27"},
                                                 "service": {"port": 8080},
                                                 "podLabels": {"tier": "42"}}, name="shop")
    engine_deployment = next(d for _, d in expected if d["kind"] == "Deployment")
    assert engine_deployment["spec"]["replicas"] == 3


def test_namespace_and_kube_version(tmp_path):
    chart = tmp_path / "caps"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: caps\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caps\n"
        "  namespace: {{ .Release.Namespace }}\n"
        "data:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n")
    result = invoke("convert", str(chart), "-q", "--namespace", "shop", "--kube-version",
                    "v1.29.4")
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load(result.stdout.split("# Source: caps/templates/cm.yaml\n")[1])
    assert data["metadata"]["namespace"] == "shop"
    assert data["data"]["kube"] == "v1.29.4"


def test_findings_point_at_templates(tmp_path):
    report = tmp_path / "r.json"
    result = invoke("convert", str(CHARTS / "web"), "-q", "--report", str(report))
    assert result.exit_code in (0, 1)
    findings = json.loads(report.read_text())["findings"]
    files = {f["file"] for f in findings}
    web = str(CHARTS / "web")
    assert files <= {f"{web}/templates/deployment.yaml",
                     f"{web}/templates/tests/test-connection.yaml"}
    template = (CHARTS / "web" / "templates" / "deployment.yaml").read_text().splitlines()
    rendered = HelmSdk().render(CHARTS / "web", RenderOptions()).text.splitlines()
    for finding in findings:
        if "not in the template" in (finding["hint"] or ""):
            # from a value: the line is the rendered stream's, and says so
            assert f"line {finding['line']} is in the rendered chart" in finding["hint"]
            key = finding["path"].rsplit("/", 1)[-1].replace("~1", "/")
            assert key in rendered[finding["line"] - 1]
        elif finding["file"].endswith("deployment.yaml"):
            line = template[finding["line"] - 1]
            assert finding["path"].rsplit("/", 1)[-1] in line or line.strip() == "spec:"
    selector = next(f for f in findings if f["rule"] == "linux-selector-replaced")
    assert selector["file"] == f"{web}/templates/deployment.yaml"


def test_output_is_the_converted_stream_and_idempotent(tmp_path):
    result = invoke("convert", str(CHARTS / "web"), "-q", "--fail-on", "never")
    assert result.exit_code == 0
    assert result.stdout.startswith("---\n# Source: web/templates/serviceaccount.yaml\n")
    again = Pipeline(Config()).convert_text(result.stdout, "again.yaml")
    assert again.converted == result.stdout
    out = tmp_path / "out"
    invoke("convert", str(CHARTS / "web"), "-q", "-o", str(out), "--fail-on", "never")
    assert (out / "web.yaml").read_text() == result.stdout


def test_packaged_chart(tmp_path):
    with helm.Chart.load(str(CHARTS / "web")) as loaded:
        archive = Path(loaded.save(str(tmp_path)))
    from_dir = invoke("convert", str(CHARTS / "web"), "-q", "--fail-on", "never")
    from_archive = invoke("convert", str(archive), "-q", "--fail-on", "never", "--report",
                          str(tmp_path / "r.json"))
    assert from_archive.exit_code == 0
    assert from_archive.stdout == from_dir.stdout
    files = {f["file"] for f in json.loads((tmp_path / "r.json").read_text())["findings"]}
    assert "web/templates/deployment.yaml" in files


def test_chart_that_fails_to_render():
    result = invoke("convert", str(CHARTS / "broken"))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == f"{CHARTS / 'broken'}: error: chart failed to render: execution error at " \
        "(broken/templates/deployment.yaml:16:20): image.repository is required"
    assert "Traceback" not in result.stderr


def test_missing_dependencies_are_an_error(tmp_path):
    chart = tmp_path / "umbrella"
    shutil.copytree(CHARTS / "platform", chart)
    shutil.rmtree(chart / "charts" / "worker")
    result = invoke("convert", str(chart), "-q")
    assert result.exit_code == 2
    assert result.stderr == f"{chart}: error: missing chart dependencies: worker (declared in " \
        f"Chart.yaml, not in charts/; run helm dependency build {chart})\n"
    assert result.stdout == ""


def test_no_engine(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTER_HELM_ENGINE", "auto")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("porter.charts.render.HelmSdk.__init__", _no_sdk)
    result = invoke("convert", str(CHARTS / "web"), "-q")
    assert result.exit_code == 2
    assert result.stderr == f"{CHARTS / 'web'}: error: {NO_ENGINE}\n"
    assert "helm binary on PATH" in NO_ENGINE and "[helm]" in NO_ENGINE


def _no_sdk(self) -> None:
    raise ImportError("helm_python")


def test_notes_are_passed_over_and_invalid_yaml_refused_as_helm_does(tmp_path):
    chart = tmp_path / "notes"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: notes\nversion: 0.1.0\n")
    (chart / "templates" / "NOTES.txt").write_text("privileged: true {{ .Release.Name }}\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "    - name: c\n      image: mcr.microsoft.com/windows/nanoserver:ltsc2022\n")
    result = invoke("convert", str(chart), "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert all(f["file"].endswith("pod.yaml") for f in report["findings"])
    assert report["files"][0]["engine"].startswith("helm-python-sdk")
    assert "NOTES" not in result.stdout
    # A template that renders invalid YAML: Helm refuses the chart, and so does the SDK engine.
    (chart / "templates" / "banner.txt").write_text("Thanks for installing: [ not yaml\n")
    refused = invoke("convert", str(chart))
    assert refused.exit_code == 2
    assert "YAML parse error on notes/templates/banner.txt" in refused.stderr
    assert refused.stdout == ""


def test_library_chart_is_not_installable(tmp_path):
    chart = tmp_path / "lib"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: lib\nversion: 0.1.0\n"
                                      "type: library\n")
    (chart / "templates" / "_helpers.tpl").write_text('{{- define "lib.name" -}}x{{- end }}\n')
    result = invoke("convert", str(chart))
    assert result.exit_code == 2
    assert "library charts are not installable" in result.stderr


def test_chart_only_flags_need_a_chart():
    result = invoke("convert", str(FIXTURES / "quickstart" / "input.yaml"), "--set", "a=b")
    assert result.exit_code == 2
    assert "--set applies to Helm charts, and no chart was given" in result.stderr
    in_place = invoke("convert", str(CHARTS / "web"), "--in-place")
    assert in_place.exit_code == 2
    assert "--in-place cannot rewrite the templates of chart" in in_place.stderr


def test_split_rendered_orders_like_helm():
    files = {"c/templates/b.yaml": "kind: Deployment\nmetadata: {name: d}\n---\nkind: Service\n",
             "c/templates/a.yaml": "# c\nkind: Zed\n---  \n\nkind: ConfigMap\n",
             "c/templates/hook.yaml": "kind: Job\nmetadata:\n  annotations:\n"
                                      "    helm.sh/hook: pre-install\n",
             "c/templates/_helpers.tpl": "", "c/templates/NOTES.txt": "hello"}
    manifests, not_yaml = split_rendered(files)
    assert [m.kind for m in manifests] == ["ConfigMap", "Service", "Deployment", "Zed", "Job"]
    assert manifests[-1].hook and not not_yaml
    assert stream(manifests[:1]) == "---\n# Source: c/templates/a.yaml\nkind: ConfigMap\n"


@HELMS
def test_helm_binary_engine(helm_version, tmp_path, monkeypatch):
    """The real Helm 3 and Helm 4 binaries render what the SDK renders, options passed."""
    helm_path = helm_binary(helm_version)
    monkeypatch.setenv("HELM_BIN", helm_path)  # as Helm sets it for a plugin
    monkeypatch.setenv("PORTER_HELM_ENGINE", "binary")
    values = tmp_path / "v.yaml"
    values.write_text("replicaCount: 2\n")
    report = tmp_path / "r.json"
    args = ("convert", str(CHARTS / "web"), "-q", "--fail-on", "never", "-f", str(values),
            "--set", "service.port=81", "--namespace", "shop", "--kube-version", "v1.30.0")
    binary = invoke(*args, "--report", str(report))
    assert binary.exit_code == 0, binary.stderr
    rendered = {d["kind"]: d for _, d in documents(binary.stdout)}
    assert rendered["Deployment"]["spec"]["replicas"] == 2
    assert rendered["Service"]["spec"]["ports"][0]["port"] == 81
    engine = json.loads(report.read_text())["files"][0]["engine"]
    assert engine.startswith(f"helm v{helm_version[-1]}.") and engine.endswith(f"({helm_path})")
    monkeypatch.setenv("PORTER_HELM_ENGINE", "sdk")
    assert binary.stdout == invoke(*args).stdout
    monkeypatch.setenv("PORTER_HELM_ENGINE", "binary")
    broken = invoke("convert", str(CHARTS / "broken"))
    assert broken.exit_code == 2
    assert broken.stderr.splitlines()[0].startswith(
        f"{CHARTS / 'broken'}: error: chart failed to render (helm template): ")
    assert "Use --debug flag" not in broken.stderr


def _null_defaults_chart(root: Path) -> Path:
    """A chart whose defaults hold ``null`` below a top-level key (as Bitnami's
    ``updateStrategy.rollingUpdate: null``), in the chart and in a subchart."""
    chart = root / "nulls"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: nulls\nversion: 1.0.0\n"
                                      "dependencies:\n  - name: db\n    version: 1.0.0\n")
    (chart / "values.yaml").write_text(
        "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate: null\n"
        "extra:\n  labels:\n    tier: null\n    team: web\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "  labels: {{- toYaml .Values.extra.labels | nindent 4 }}\n"
        "spec:\n  strategy: {{- toYaml .Values.updateStrategy | nindent 4 }}\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx}]}\n")
    db = chart / "charts" / "db"
    (db / "templates").mkdir(parents=True)
    (db / "Chart.yaml").write_text("apiVersion: v2\nname: db\nversion: 1.0.0\n")
    (db / "values.yaml").write_text("updateStrategy:\n  type: RollingUpdate\n"
                                    "  rollingUpdate: null\n")
    (db / "templates" / "statefulset.yaml").write_text(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n"
        "spec:\n  updateStrategy: {{- toYaml .Values.updateStrategy | nindent 4 }}\n"
        "  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n"
        "    metadata: {labels: {app: db}}\n"
        "    spec: {containers: [{name: db, image: postgres}]}\n")
    return chart


@HELMS
def test_sdk_keeps_null_defaults_as_the_helm_binaries_do(helm_version, tmp_path):
    """Helm 3 and Helm 4.1 keep a chart's ``rollingUpdate: null``; the SDK's Helm (4.2)
    drops it unless porter passes it: both engines give the same documents, user values
    (one deleting a default with null, one replacing a null) included. A subchart's null
    default Helm 3 drops, as the SDK does; Helm 4.1 alone keeps it."""
    from porter.charts.render import HelmBinary

    chart = _null_defaults_chart(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text("extra:\n  labels:\n    team: null\n"
                    "db:\n  updateStrategy:\n    rollingUpdate: {partition: 1}\n")
    helm = HelmBinary(helm_binary(helm_version))
    for options in (RenderOptions(), RenderOptions(values_files=(mine,))):
        binary = dict(documents(helm.render(chart, options).text))
        sdk = dict(documents(HelmSdk().render(chart, options).text))
        assert sdk.keys() == binary.keys()
        for source in sdk:
            if helm_version == "helm3" or "/charts/db/" not in source or options.values_files:
                assert sdk[source] == binary[source], source
    web = binary["nulls/templates/deployment.yaml"]
    assert web["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": None}
    assert web["metadata"]["labels"] == {"tier": None}  # the user's null deleted team
    db = binary["nulls/charts/db/templates/statefulset.yaml"]
    assert db["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                            "rollingUpdate": {"partition": 1}}
    plain = dict(documents(helm.render(chart, RenderOptions()).text))
    db = plain["nulls/charts/db/templates/statefulset.yaml"]["spec"]["updateStrategy"]
    assert ("rollingUpdate" in db) == (helm_version == "helm4")
    values = HelmSdk().values(chart, RenderOptions())
    assert values["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": None}
