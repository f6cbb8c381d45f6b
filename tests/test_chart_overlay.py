"""The values overlay: per chart style, what values fix and what stays template-only; checked
by rendering with the overlay through the engine and converting again."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES
from typer.testing import CliRunner

from porter.charts.convert import ChartOptions, convert_chart
from porter.charts.inputs import ChartInput
from porter.charts.render import HelmSdk, RenderOptions
from porter.cli import app
from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.outputs import values_overlay

pytest.importorskip("helm_python",
                    reason="no Helm engine: pip install -e '.[helm]' (CI installs it)")

CHARTS = FIXTURES / "charts"
WINDOWS_TOLERATION = {"key": "os", "operator": "Equal", "value": "windows",
                      "effect": "NoSchedule"}


def overlay_of(chart: str, values: tuple[Path, ...] = ()):
    item = ChartInput(str(CHARTS / chart), CHARTS / chart, f"{chart}.yaml")
    result = convert_chart(item, Pipeline(Config()),
                           ChartOptions(RenderOptions(values_files=values), overlay=True),
                           HelmSdk())
    assert not result.errors, result.errors
    assert result.overlay is not None
    return result.overlay


def remaining(chart: str, overlay_values: dict) -> list[tuple[str, str]]:
    """(resource, pointer) of what porter still changes after rendering with the overlay."""
    rendered = HelmSdk().render(CHARTS / chart, RenderOptions(), overlay=overlay_values)
    result = Pipeline(Config()).convert_text(rendered.text, chart)
    return sorted((p.resource.label(), op["path"]) for p in result.patches
                  for op in p.operations)


def test_helm_create_chart():
    overlay = overlay_of("web")
    values = overlay.values()
    assert values["nodeSelector"] == {"kubernetes.io/os": "windows"}
    assert values["tolerations"] == [WINDOWS_TOLERATION]
    assert values["podSecurityContext"] == {"fsGroup": None, "seccompProfile": None}
    assert values["securityContext"] == {
        "capabilities": None, "readOnlyRootFilesystem": None, "runAsUser": None,
        "windowsOptions": {"runAsUserName": "ContainerUser"}}
    assert values["volumeMounts"][0]["mountPath"] == "C:\\usr\\share\\nginx\\html"
    assert values["volumes"][0]["csi"]["driver"] == "file.csi.azure.com"
    template_only = sorted((c.resource, c.pointer) for c in overlay.template_only)
    assert ("Deployment/release-name-web", "/spec/template/spec/os") in template_only
    assert all(resource == "Pod/release-name-web-test-connection"
               for resource, pointer in template_only if pointer != "/spec/template/spec/os")
    assert remaining("web", values) == template_only
    deployment = next(c for c in overlay.template_only if c.resource.startswith("Deployment"))
    assert deployment.template == f"{CHARTS / 'web'}/templates/deployment.yaml"
    assert deployment.line == 25  # the pod template's "spec:" line


def test_subcharts_and_globals():
    overlay = overlay_of("platform")
    values = overlay.values()
    assert "global" not in values  # shared with the ingress controller, which stays on Linux
    api, queue = values["api"], values["queue"]
    assert api["nodeSelector"] == {"kubernetes.io/os": "windows"}  # wins over the global
    assert api["tolerations"] == queue["tolerations"] == [WINDOWS_TOLERATION]
    assert api["extraVolumes"][0]["csi"]["volumeAttributes"]["shareName"] == "exports-shared"
    assert api["extraVolumeMounts"] == [{"mountPath": "C:\\srv\\shared", "name": "shared"}]
    assert api["containerSecurityContext"] == {"allowPrivilegeEscalation": None,
                                               "capabilities": None}
    assert "enabled" not in api["podSecurityContext"]  # the template's switch is kept
    assert queue["persistence"] == {"mountPath": "C:\\var\\spool\\worker"}
    assert queue["securityContext"]["windowsOptions"] == {"runAsUserName": "ContainerUser"}
    changes = {(c.resource, c.pointer): c for c in overlay.template_only}
    tmp = changes[("Deployment/release-name-api",
                   "/spec/template/spec/containers/0/volumeMounts/0/mountPath")]
    assert tmp.template.endswith("platform/charts/api/templates/deployment.yaml")
    assert tmp.line == 30  # "mountPath: /tmp" is written in the template
    assert ("StatefulSet/release-name-queue", "/spec/template/spec/os") in changes
    assert changes[("StatefulSet/release-name-queue", "/spec/template/spec/os")].template \
        .endswith("platform/charts/worker/templates/statefulset.yaml")  # alias -> directory
    assert sorted(changes) == remaining("platform", values)


def test_hardcoded_linux_templates():
    overlay = overlay_of("legacy")
    assert overlay.entries == []
    assert any(text.startswith("dataDir feeds ") and "different settings" in text
               for text in overlay.conflicts)
    lines = {c.pointer: c.line for c in overlay.template_only
             if c.resource == "DaemonSet/release-name-agent"}
    # A node agent by its shape (hostPID, /var/run), converted as its annotation asks.
    assert lines["/spec/template/spec/hostPID"] == 17
    assert lines["/spec/template/spec/nodeSelector/kubernetes.io~1os"] == 19
    assert lines["/spec/template/spec/containers/0/volumeMounts/0/mountPath"] == 29
    assert any(c.resource == "CronJob/release-name-cleanup" for c in overlay.template_only)


def test_user_values_come_first(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("nodeSelector:\n  pool: apps\ntolerations:\n  - key: dedicated\n"
                    "    operator: Exists\n")
    values = overlay_of("web", (mine,)).values()
    assert values["nodeSelector"] == {"kubernetes.io/os": "windows"}  # merged with pool
    assert values["tolerations"] == [{"key": "dedicated", "operator": "Exists"},
                                     WINDOWS_TOLERATION]


def test_overlay_file_is_commented_yaml(tmp_path):
    target = tmp_path / "windows-values.yaml"
    result = CliRunner().invoke(app, ["convert", str(CHARTS / "web"), "--values-overlay",
                                      str(target), "-o", str(tmp_path / "out")],
                                catch_exceptions=False)
    assert result.exit_code == 1  # the test hook's wget is an error finding
    text = target.read_text()
    assert yaml.safe_load(text) == overlay_of("web").values()
    assert text.startswith("# Helm values overlay for Windows nodes: chart web")
    assert "# sets Deployment/release-name-web /spec/template/spec/nodeSelector" in text
    assert "# Only a template change can fix these" in text
    assert f"{CHARTS / 'web'}/templates/deployment.yaml:25: Deployment/release-name-web " \
        "/spec/template/spec/os" in text
    assert "values overlay for" in result.stderr and "template-only" in result.stderr


def test_overlay_render_is_pure():
    overlay = overlay_of("legacy")
    assert values_overlay.render(overlay) == values_overlay.render(overlay)
    assert yaml.safe_load(values_overlay.render(overlay)) == {}


def test_probes_past_the_time_budget_are_listed_not_dropped(monkeypatch):
    from porter.charts import overlay as overlay_module

    monkeypatch.setattr(overlay_module, "BUDGET_SECONDS", -1.0)
    overlay = overlay_of("web")
    assert overlay.entries == [] and overlay.tried == 0
    assert len(overlay.skipped) == overlay.probes > 0
    assert all("budget for probing ran out" in s.reason for s in overlay.skipped)
    text = values_overlay.render(overlay)
    assert f"# Values not probed ({overlay.probes} of {overlay.probes} candidates" in text


def test_switches_turned_off_only_where_they_remove_what_values_cannot():
    overlay = overlay_of("search")
    values = overlay.values()
    # The root sysctl init container: no value reaches it, its ``if`` switch does.
    assert [entry.path for entry in overlay.switched_off] == [("sysctl", "enabled")]
    assert values["sysctl"] == {"enabled": False}
    (entry,) = overlay.switched_off
    assert entry.disables == ["StatefulSet/release-name-search: container 'sysctl' is "
                              "privileged; Windows has no privileged containers (field removed)"]
    # Not the workload's own switch (it removes the workload), not tuning (its else branch
    # adds a capability: a new finding), not shm (a memory emptyDir is disk-backed on Windows
    # anyway, so nothing is left to do there), not metrics (nothing to remove).
    assert {"enabled", "tuning", "shm", "metrics"}.isdisjoint(values)
    left = remaining("search", values)
    assert not any("initContainers/1" in pointer or "privileged" in pointer
                   for _, pointer in left)
    assert sorted((c.resource, c.pointer) for c in overlay.template_only) == left
    # What keeps the pod from being clean: the tuning container's hard-coded securityContext
    # (not the /dev/shm mount path, the memory emptyDir or spec.os).
    assert [c.pointer for c in overlay.template_only if c.blocking] == [
        "/spec/template/spec/initContainers/0/securityContext/procMount",
        "/spec/template/spec/initContainers/0/securityContext/windowsOptions"]
    assert (overlay.pods.total, overlay.pods.templates) == (1, 1)  # the tuning container
    proc_mount = next(c for c in overlay.template_only if c.pointer.endswith("/procMount"))
    assert proc_mount.change.endswith("(no chart value reaches it)")
    text = values_overlay.render(overlay)
    assert "# Chart features turned off (this changes what the chart deploys" in text
    assert "#   - sysctl.enabled: false (removes 1 change only the templates could make)" \
        in text
    assert "  # turns off a chart feature (the chart deploys less: review it)" in text
    assert yaml.safe_load(text) == values


def test_a_memory_emptydir_is_what_the_windows_node_does_anyway():
    from porter.charts.overlay import _disk_backed

    data = {"volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}]}
    assert _disk_backed({"op": "replace", "path": "/volumes/0/emptyDir",
                         "value": {"sizeLimit": "1Gi"}}, data)
    assert _disk_backed({"op": "remove", "path": "/volumes/0/emptyDir/medium"}, data)
    assert not _disk_backed({"op": "replace", "path": "/volumes/0/emptyDir",
                             "value": {}}, data)  # sizeLimit dropped too: a real change
    assert not _disk_backed({"op": "remove", "path": "/volumes/0/emptyDir/sizeLimit"}, data)


def test_a_switch_the_schema_refuses_stays_on(tmp_path):
    import json
    import shutil

    chart = tmp_path / "search"
    shutil.copytree(CHARTS / "search", chart)
    (chart / "values.schema.json").write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"sysctl": {"type": "object",
                                  "properties": {"enabled": {"const": True}}}}}))
    item = ChartInput(str(chart), chart, "search.yaml")
    result = convert_chart(item, Pipeline(Config()), ChartOptions(RenderOptions(), True),
                           HelmSdk())
    overlay = result.overlay
    assert overlay is not None and not result.errors
    assert overlay.switched_off == [] and "sysctl" not in overlay.values()
    assert any("sysctl" in c.change and "privileged" in c.change and c.blocking
               for c in overlay.template_only)
