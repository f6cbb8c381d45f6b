"""porter preflight: the JSON locator, each rule on small cases, the fixtures' reports as
snapshots, and the command line through typer's runner."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import JsonSnapshot
from preflight_cases import CASES, PREFLIGHT, arguments, case_findings
from typer.testing import CliRunner

from porter.cli import app
from porter.engine.findings import Severity
from porter.engine.registry import all_rules, find_rule
from porter.errors import InputError
from porter.kube.windows_versions import target
from porter.preflight.cluster import (
    JsonFile,
    check,
    default_windows_sku,
    describe,
    minor_version,
    read_json,
)
from porter.preflight.rules import RULES

runner = CliRunner()
LTSC2022 = target("ltsc2022")


class TextSnapshot(JsonSnapshot):
    file_extension = "txt"


# --- JSON with positions -------------------------------------------------------------------

def test_every_key_and_item_is_located():
    text = ('{\r\n  "a": {"b": [1, {"c\\u0041": null}], "e": []},\r\n'
            '  "f": "x\\"y", "g": -1.5e3, "h": {}\r\n}')
    parsed = read_json(text, "t.json")
    assert parsed.data["a"]["b"][1] == {"cA": None}
    assert parsed.locate(()) == (1, 1)
    assert parsed.locate(("a",)) == (2, 3)
    assert parsed.locate(("a", "b")) == (2, 9)
    assert parsed.locate(("a", "b", 0)) == (2, 15)
    assert parsed.locate(("a", "b", 1, "cA")) == (2, 19)
    assert parsed.locate(("a", "e")) == (2, 38)
    assert parsed.locate(("f",)) == (3, 3)
    assert parsed.locate(("h",)) == (3, 29)
    # a path the file does not have: its deepest existing ancestor
    assert parsed.locate(("a", "b", 1, "missing", 3)) == (2, 18)


def test_every_fixture_key_is_where_the_locator_says():
    for path in sorted(PREFLIGHT.glob("*/*.json")):
        text = path.read_text(encoding="utf-8")
        parsed = read_json(text, path.name)
        lines = text.splitlines()
        for where in parsed.offsets:
            line, column = parsed.locate(where)
            if where and isinstance(where[-1], str):
                assert lines[line - 1][column - 1:].startswith(json.dumps(where[-1])), where


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ('{"a": 1,\n "b": }', "invalid JSON: Expecting value", 2, 7),
    ("", "invalid JSON: Expecting value", 1, 1),
    ('"just a string"', "expected a JSON object or list", 1, 1),
])
def test_bad_json_is_an_input_error_with_a_location(text, message, line, column):
    with pytest.raises(InputError) as caught:
        read_json(text, "c.json")
    assert (caught.value.message, caught.value.line, caught.value.column) == \
        (message, line, column)


# --- Small cases ---------------------------------------------------------------------------

def pool(name: str, os_type: str = "Linux", mode: str = "User", **extra: Any) -> dict[str, Any]:
    return {"name": name, "osType": os_type, "mode": mode, "count": 3,
            "type": "VirtualMachineScaleSets", **extra}


def cluster(*pools: dict[str, Any], plugin: str | None = "azure",
            version: str = "1.33.2") -> dict[str, Any]:
    data: dict[str, Any] = {"name": "aks", "kubernetesVersion": version,
                            "currentKubernetesVersion": version,
                            "agentPoolProfiles": list(pools)}
    if plugin is not None:
        data["networkProfile"] = {"networkPlugin": plugin}
    return data


GOOD = cluster(pool("nodepool1", mode="System"),
               pool("win22", "Windows", osSku="Windows2022"))


def run(data: Any, nodepools: Any = None, wanted: str = "ltsc2022"):
    files = [read_json(json.dumps(d, indent=2), name) if d is not None else None
             for d, name in ((data, "cluster.json"), (nodepools, "nodepools.json"))]
    return check(describe(*files), target(wanted))


def codes(findings) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity.value, f.path) for f in findings]


def test_a_good_cluster_has_no_findings():
    assert run(GOOD) == []


@pytest.mark.parametrize(("plugin", "severity"), [
    ("kubenet", "error"), ("none", "warning"), ("cilium", "warning"), (None, "warning"),
])
def test_network_plugin(plugin, severity):
    data = cluster(*GOOD["agentPoolProfiles"], plugin=plugin)
    assert codes(run(data)) == [("aks-network-plugin", severity,
                                 "/networkProfile/networkPlugin")]


def test_azure_cni_overlay_passes():
    data = copy.deepcopy(GOOD)
    data["networkProfile"]["networkPluginMode"] = "overlay"
    assert run(data) == []


@pytest.mark.parametrize(("name", "ok"), [
    ("win", True), ("npwin1", True), ("win2022", False), ("windowspool", False),
    ("Win22", False), ("2win", False),
])
def test_windows_pool_names(name, ok):
    data = cluster(pool("nodepool1", mode="System"), pool(name, "Windows", osSku="Windows2022"))
    found = codes(run(data))
    assert found == ([] if ok else
                     [("aks-windows-pool-name", "error", "/agentPoolProfiles/1/name")])


def test_long_linux_pool_names_are_not_windows_pool_names():
    data = cluster(pool("systempool01", mode="System"), pool("win22", "Windows",
                                                              osSku="Windows2022"))
    assert run(data) == []


def test_windows_system_pool_and_no_linux_system_pool():
    data = cluster(pool("win22", "Windows", mode="System", osSku="Windows2022"),
                   pool("linux", mode="User"))
    assert codes(run(data)) == [
        ("aks-first-pool-linux", "error", "/agentPoolProfiles"),
        ("aks-first-pool-linux", "error", "/agentPoolProfiles/0/mode")]


def test_pool_order_does_not_matter():
    data = cluster(pool("akswin", "Windows", osSku="Windows2022"),
                   pool("nodepool1", mode="System"))
    assert run(data) == []


def test_node_limits():
    big = pool("big", count=10, enableAutoScaling=True, minCount=10, maxCount=1001)
    data = cluster(pool("nodepool1", mode="System"), big,
                   pool("win22", "Windows", osSku="Windows2022", count=1000))
    assert codes(run(data)) == [("aks-node-limits", "error", "/agentPoolProfiles/1/maxCount")]
    # maxCount only counts with the autoscaler on
    big["enableAutoScaling"] = False
    assert run(data) == []
    many = [pool(f"user{i}", count=999) for i in range(6)]
    data = cluster(pool("nodepool1", mode="System"), pool("win22", "Windows",
                                                          osSku="Windows2022"), *many)
    assert codes(run(data)) == [("aks-node-limits", "error", "/agentPoolProfiles")]
    assert "6000 nodes" in run(data)[0].message
    data["maxAgentPools"] = 5
    assert next(f.message for f in run(data)) == "8 node pools; an AKS cluster has at most 5"


def test_availability_set_pools_are_not_held_to_the_scale_set_limit():
    data = cluster(pool("nodepool1", mode="System", count=1001, type="AvailabilitySet"),
                   pool("win22", "Windows", osSku="Windows2022"))
    assert run(data) == []


@pytest.mark.parametrize(("sku", "version", "expected"), [
    ("Windows2019", "1.33.0", [("aks-windows-os-version", "error")]),
    ("Windows2019", "1.32.6", [("aks-windows-os-version", "warning")]),
    ("Windows2022", "1.36.1", []),
    ("Windows2022", "1.37.0", [("aks-windows-os-version", "error")]),
    ("Windows2025", "1.31.9", [("aks-windows-os-version", "error")]),
    ("Windows2025", "1.32.0", []),
    ("Windows2016", "1.33.0", [("aks-windows-os-version", "warning")]),
])
def test_windows_version_against_kubernetes_version(sku, version, expected):
    data = cluster(pool("nodepool1", mode="System"),
                   pool("win", "Windows", osSku=sku, currentOrchestratorVersion=version),
                   pool("win22", "Windows", osSku="Windows2022", orchestratorVersion="1.33.2"),
                   pool("win25", "Windows", osSku="Windows2025", orchestratorVersion="1.33.2"))
    found = [(f.rule, f.severity.value) for f in run(data)
             if f.resource.name == "win" and f.rule == "aks-windows-os-version"]
    assert found == expected
    if expected:
        assert next(f.path for f in run(data) if f.resource.name == "win") == \
            "/agentPoolProfiles/1/osSku"


def test_version_facts():
    assert minor_version("1.33.2") == (1, 33) and minor_version("v1.9") == (1, 9)
    assert minor_version(None) is None and minor_version("latest") is None
    assert [default_windows_sku(v) for v in ((1, 24), (1, 25), (1, 35), (1, 36))] == \
        ["Windows2019", "Windows2022", "Windows2022", "Windows2025"]


def test_unset_os_sku_takes_the_aks_default_of_the_pool_version():
    data = cluster(pool("nodepool1", mode="System"),
                   pool("win", "Windows", orchestratorVersion="1.36.0"), version="1.36.0")
    found = run(data)
    assert codes(found) == [("aks-windows-version-target", "error",
                             "/agentPoolProfiles/1/orchestratorVersion")]
    assert "Windows2025 (osSku not set" in found[0].message


@pytest.mark.parametrize(("wanted", "expected"), [
    ("ltsc2022", [("win19", "warning")]),
    ("ltsc2019", [("win22", "warning")]),
    ("ltsc2025", [("win19", "error"), ("win22", "error")]),
])
def test_target_version(wanted, expected):
    data = cluster(pool("nodepool1", mode="System"),
                   pool("win19", "Windows", osSku="Windows2019"),
                   pool("win22", "Windows", osSku="Windows2022"), version="1.32.6")
    found = [(f.resource.name, f.severity.value) for f in run(data, wanted=wanted)
             if f.rule == "aks-windows-version-target"]
    assert found == expected


def test_annual_channel_runs_ltsc2022_images_only():
    data = cluster(pool("nodepool1", mode="System"), pool("winac", "Windows",
                                                          osSku="WindowsAnnual"))
    assert codes(run(data)) == [("aks-windows-version-target", "warning",
                                 "/agentPoolProfiles/1/osSku")]
    assert codes(run(data, wanted="ltsc2025")) == [("aks-windows-version-target", "error",
                                                    "/agentPoolProfiles/1/osSku")]


def test_no_windows_pool():
    data = cluster(pool("nodepool1", mode="System"))
    assert codes(run(data)) == [("aks-windows-version-target", "error", "/agentPoolProfiles")]


def test_nodepools_file_replaces_the_cluster_pools():
    listed = [dict(pool("nodepool1", mode="System"), typePropertiesType="VirtualMachineScaleSets",
                   type="Microsoft.ContainerService/managedClusters/agentPools"),
              dict(pool("windows2022", "Windows", osSku="Windows2022"),
                   typePropertiesType="VirtualMachineScaleSets", count=1001,
                   type="Microsoft.ContainerService/managedClusters/agentPools")]
    found = run(GOOD, listed)
    assert [(f.file, f.rule, f.path) for f in found] == [
        ("nodepools.json", "aks-windows-pool-name", "/1/name"),
        ("nodepools.json", "aks-node-limits", "/1/count")]
    assert found[0].resource.kind == "AgentPool" and found[0].resource.name == "windows2022"
    # without the cluster: no network check, the pools alone
    assert [f.rule for f in run(None, listed)] == ["aks-windows-pool-name", "aks-node-limits"]
    # one pool (az aks nodepool show) and the REST API's {"value": [...]} are read too
    assert [f.path for f in run(None, {"value": listed})] == ["/value/1/name", "/value/1/count"]
    assert [f.path for f in run(GOOD, listed[1])] == [
        "", "/name", "/count"]  # and no Linux system pool in that file


@pytest.mark.parametrize(("cluster_data", "nodepools_data", "message"), [
    ([GOOD], None, "this looks like 'az aks nodepool list' output"),
    ({"name": "aks"}, None, "no node pools: the cluster JSON has no agentPoolProfiles"),
    (GOOD, "pools", "expected the JSON list that 'az aks nodepool list' prints"),
    (GOOD, [], "no node pools in the description"),
])
def test_descriptions_of_the_wrong_shape(cluster_data, nodepools_data, message):
    cluster_file = JsonFile("cluster.json", json.dumps(cluster_data), cluster_data)
    nodepools_file = None if nodepools_data is None else \
        JsonFile("nodepools.json", json.dumps(nodepools_data), nodepools_data)
    with pytest.raises(InputError) as caught:
        describe(cluster_file, nodepools_file)
    assert message in caught.value.message


# --- The rules in the catalogue --------------------------------------------------------------

def test_rules_are_registered_and_documented():
    registered = {rule.code: owner for owner, rule in all_rules()}
    for rule in RULES:
        assert registered[rule.code] == "preflight"
        assert find_rule(rule.code) == ("preflight", rule)
        assert rule.source.startswith("https://")
        assert "Source:" in rule.text and "windows-rules.md" in rule.text


def test_rules_and_explain_list_them():
    listed = runner.invoke(app, ["rules"])
    assert listed.exit_code == 0
    assert "preflight (cluster checks of porter preflight):" in listed.stdout
    for rule in RULES:
        assert rule.code in listed.stdout
    shown = runner.invoke(app, ["explain", "aks-windows-pool-name"])
    assert shown.exit_code == 0
    assert shown.stdout.startswith("aks-windows-pool-name (error, from preflight)")
    assert "Cannot convert:" in shown.stdout


# --- Fixtures: snapshots of the reports --------------------------------------------------------

@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_fixture_directory_is_a_case():
    assert sorted(p.name for p in PREFLIGHT.iterdir() if p.is_dir()) == sorted(CASES)


def preflight(*args: str, **kwargs: Any):
    return runner.invoke(app, ["preflight", *args], catch_exceptions=False, **kwargs)


def test_report_json(case, snapshot, monkeypatch, tmp_path):
    monkeypatch.chdir(PREFLIGHT)
    report = tmp_path / "report.json"
    result = preflight(*arguments(case), "--report", str(report), "-q")
    assert result.exit_code in (0, 1), result.stderr
    assert report.read_text(encoding="utf-8") == snapshot(extension_class=JsonSnapshot)


def test_report_text(case, snapshot, monkeypatch):
    monkeypatch.chdir(PREFLIGHT)
    result = preflight(*arguments(case), "-q")
    assert result.stderr == ""
    assert result.stdout == snapshot(extension_class=TextSnapshot)


def test_command_and_library_agree(case, monkeypatch, tmp_path):
    monkeypatch.chdir(PREFLIGHT)
    report = tmp_path / "report.json"
    result = preflight(*arguments(case), "--report", str(report), "-q")
    findings = case_findings(case)
    assert json.loads(report.read_text())["findings"] == [f.to_dict() for f in findings]
    errors = any(f.severity is Severity.ERROR for f in findings)
    assert result.exit_code == (1 if errors else 0)


def test_every_preflight_rule_is_exercised_by_a_fixture():
    seen = {f.rule for case in CASES for f in case_findings(case)}
    assert {rule.code for rule in RULES} <= seen


# --- The command line --------------------------------------------------------------------------

def test_exit_statuses_and_fail_on(monkeypatch):
    monkeypatch.chdir(PREFLIGHT)
    assert preflight(*arguments("good"), "-q").exit_code == 0
    assert preflight(*arguments("kubenet-ws2019"), "-q").exit_code == 1
    mixed = arguments("mixed-versions")
    assert preflight(*mixed, "-q").exit_code == 0  # warnings only
    assert preflight(*mixed, "-q", "--fail-on", "warning").exit_code == 1
    assert preflight(*arguments("kubenet-ws2019"), "-q", "--fail-on", "never").exit_code == 0


def test_summary_on_stderr(monkeypatch):
    monkeypatch.chdir(PREFLIGHT)
    result = preflight(*arguments("kubenet-ws2019"))
    assert "porter preflight: 1 file; findings: 4 errors" in result.stderr
    assert "porter explain aks-windows-pool-name" in result.stderr


def test_usage_errors_exit_2(monkeypatch, tmp_path):
    monkeypatch.chdir(PREFLIGHT)
    result = preflight()
    assert result.exit_code == 2
    assert "give --cluster FILE" in result.stderr
    result = preflight(*arguments("good")[:2], "--target-windows", "ltsc2016")
    assert result.exit_code == 2 and "unknown Windows Server version 'ltsc2016'" in result.stderr
    result = preflight("--cluster", "nope.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("nope.json: error: cannot read")


def test_bad_json_exits_2_with_file_line_and_column(tmp_path):
    broken = tmp_path / "cluster.json"
    broken.write_text('{\n  "name": "aks",\n  "agentPoolProfiles": [\n}\n')
    result = preflight("--cluster", str(broken), "-q")
    assert result.exit_code == 2
    assert result.stderr == f"{broken}:4:1: error: invalid JSON: Expecting value\n"
    assert result.stdout == ""
    report = tmp_path / "r.json"
    preflight("--cluster", str(broken), "-q", "--report", str(report))
    assert json.loads(report.read_text())["files"] == [
        {"path": str(broken), "changed": False,
         "error": "invalid JSON: Expecting value (line 4, column 1)"}]


def test_wrong_file_for_the_option_exits_2(monkeypatch):
    monkeypatch.chdir(PREFLIGHT)
    result = preflight("--cluster", "good/nodepools.json", "-q")
    assert result.exit_code == 2
    assert "pass it with --nodepools" in result.stderr


def test_stdin_utf16_and_text_report(monkeypatch, tmp_path):
    # PowerShell 5 redirects az output as UTF-16 with a BOM.
    monkeypatch.chdir(PREFLIGHT)
    data = Path("kubenet-ws2019/cluster.json").read_text(encoding="utf-8")
    report = tmp_path / "report.txt"
    result = preflight("--cluster", "-", "-q", "--report", str(report),
                       input=data.encode("utf-16"))
    assert result.exit_code == 1
    assert result.stdout == report.read_text()
    assert result.stdout.startswith("-:57:7: error aks-windows-pool-name ")
    json_report = tmp_path / "report.out"
    preflight("--cluster", "-", "-q", "--report", str(json_report), "--report-format", "json",
              input=data)
    assert json.loads(json_report.read_text())["summary"] == {
        "files": 1, "changed": 0, "errors": 4, "warnings": 0, "infos": 0}
