"""Small before/after cases per transform, and the helpers they rely on."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from porter.transforms.mount_paths import Options as MountOptions
from porter.transforms.mount_paths import windows_path
from porter.transforms.nfs_to_azure_files import share_name

from porter.engine.config import Config, config_from_mapping
from porter.engine.pipeline import Pipeline
from porter.errors import ConfigError
from porter.kube.scheduling import parse_taint, tolerates


def convert(text: str, config: Config | None = None):
    result = Pipeline(config).convert_text(textwrap.dedent(text), "t.yaml")
    assert not result.errors and not result.internal_error
    documents = list(yaml.safe_load_all(result.converted))
    data = documents[0] if len(documents) == 1 else documents
    return data, {f.rule for f in result.findings}, result


def pod(spec: str) -> str:
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + \
        textwrap.indent(textwrap.dedent(spec), "  ")


@pytest.mark.parametrize(("taint", "expected"), [
    ("os=windows:NoSchedule", {"key": "os", "operator": "Equal", "value": "windows",
                               "effect": "NoSchedule"}),
    ("sku=Windows:NoExecute", {"key": "sku", "operator": "Equal", "value": "Windows",
                               "effect": "NoExecute"}),
    ("node.kubernetes.io/os:NoSchedule", {"key": "node.kubernetes.io/os", "operator": "Exists",
                                          "effect": "NoSchedule"}),
    ("os=windows", None),
])
def test_parse_taint(taint, expected):
    assert parse_taint(taint) == expected


def test_tolerates():
    wanted = parse_taint("os=windows:NoSchedule")
    assert wanted is not None
    assert tolerates({"operator": "Exists"}, wanted)
    assert tolerates({"key": "os", "operator": "Exists"}, wanted)
    assert tolerates({"key": "os", "value": "windows"}, wanted)
    assert not tolerates({"key": "os", "value": "Windows", "effect": "NoSchedule"}, wanted)
    assert not tolerates({"key": "os", "operator": "Exists", "effect": "NoExecute"}, wanted)


@pytest.mark.parametrize(("path", "expected"), [
    ("/srv/data", "C:\\srv\\data"),
    ("/srv/data/", "C:\\srv\\data"),
    ("/mnt/volume", "K:"),
    ("/mnt/volume/", "K:"),
    ("/mnt/volume/logs/app", "K:\\logs\\app"),
    ("/mnt/volumes", "C:\\mnt\\volumes"),
    ("/var/lib/app/x", "D:\\app\\x"),
])
def test_windows_path(path, expected):
    options = MountOptions(drives={"/mnt/volume": "K:", "/var/lib/app/": "D:\\app"})
    assert windows_path(path, options) == expected


def test_mount_options_are_validated():
    with pytest.raises(ValueError, match="default-drive"):
        MountOptions(default_drive="C")
    with pytest.raises(ValueError, match="not a Windows drive"):
        MountOptions(drives={"/a": "/K/Volume"})


@pytest.mark.parametrize(("raw", "expected"), [
    ("exports/data", "exports-data"),
    ("Uploads_Share", "uploads-share"),
    ("a", "a-share"),
    ("", "share"),
    ("--x--y--", "x-y"),
    ("x" * 80, "x" * 63),
])
def test_share_name(raw, expected):
    assert share_name(raw) == expected


def test_run_as_user_mapping():
    data, rules, _ = convert(pod("""
        securityContext: {runAsNonRoot: true}
        containers:
        - {name: root, image: i, securityContext: {runAsUser: 0}}
        - {name: user, image: i, securityContext: {runAsNonRoot: true}}
        - name: named
          image: i
          securityContext: {runAsUser: 7, windowsOptions: {runAsUserName: svc}}
    """))
    spec = data["spec"]
    assert spec["securityContext"] == {"runAsNonRoot": True,
                                       "windowsOptions": {"runAsUserName": "ContainerUser"}}
    root, user, named = spec["containers"]
    admin = {"windowsOptions": {"runAsUserName": "ContainerAdministrator"}}
    assert root["securityContext"] == admin
    assert user["securityContext"] == {"runAsNonRoot": True}  # inherits ContainerUser
    assert named["securityContext"] == {"windowsOptions": {"runAsUserName": "svc"}}
    assert "run-as-non-root-admin" in rules


def test_custom_user_names():
    config = config_from_mapping({"options": {"linux-security-context": {"user": "app"}}})
    data, _, _ = convert(pod("""
        securityContext: {runAsUser: 1000}
        containers: [{name: a, image: i}]
    """), config)
    assert data["spec"]["securityContext"]["windowsOptions"]["runAsUserName"] == "app"


def test_every_forbidden_field_is_deleted_not_falsified():
    data, _, _ = convert(pod("""
        hostPID: false
        hostIPC: true
        hostUsers: true
        shareProcessNamespace: false
        securityContext:
          seLinuxOptions: {level: s0}
          seLinuxChangePolicy: Recursive
          seccompProfile: {type: RuntimeDefault}
          appArmorProfile: {type: RuntimeDefault}
          fsGroup: 1
          fsGroupChangePolicy: OnRootMismatch
          sysctls: []
          runAsGroup: 1
          supplementalGroups: []
          supplementalGroupsPolicy: Strict
        ephemeralContainers:
        - name: debug
          image: i
          securityContext:
            seLinuxOptions: {}
            seccompProfile: {type: Unconfined}
            appArmorProfile: {type: Unconfined}
            capabilities: {}
            readOnlyRootFilesystem: false
            privileged: false
            allowPrivilegeEscalation: false
            procMount: Unmasked
            runAsGroup: 1
        containers: [{name: a, image: i}]
    """))
    spec = data["spec"]
    for field in ("hostPID", "hostIPC", "hostUsers", "shareProcessNamespace", "securityContext"):
        assert field not in spec
    assert "securityContext" not in spec["ephemeralContainers"][0]


def test_node_selector_and_toleration_are_not_duplicated():
    _, _, result = convert(pod("""
        nodeSelector: {kubernetes.io/os: windows}
        tolerations: [{key: os, operator: Exists}]
        os: {name: windows}
        containers: [{name: a, image: i}]
    """))
    assert not result.changed


def test_no_toleration_when_configured_empty():
    config = config_from_mapping({"options": {"os-scheduling": {"toleration": ""}}})
    data, _, _ = convert(pod("containers: [{name: a, image: i}]\n"), config)
    assert "tolerations" not in data["spec"]
    assert data["spec"]["nodeSelector"] == {"kubernetes.io/os": "windows"}


def test_ingress_controller_is_pinned_not_converted():
    data, rules, _ = convert("""\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: ingress}
        spec:
          template:
            spec:
              containers:
              - name: c
                image: traefik:v3.0
                securityContext: {runAsUser: 65532}
    """)
    spec = data["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert spec["containers"][0]["securityContext"] == {"runAsUser": 65532}
    assert "os" not in spec and rules == {"kept-on-linux"}


def test_cronjob_and_list_items_are_found():
    data, _, _ = convert("""\
        apiVersion: v1
        kind: List
        items:
        - apiVersion: batch/v1
          kind: CronJob
          metadata: {name: c}
          spec:
            schedule: "* * * * *"
            jobTemplate:
              spec:
                template:
                  spec:
                    containers: [{name: a, image: i}]
        - apiVersion: example.com/v1
          kind: Deployment
          metadata: {name: not-apps}
          spec: {template: {spec: {containers: []}}}
    """)
    cron, custom = data["items"]
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["os"] == {"name": "windows"}
    assert "os" not in custom["spec"]["template"]["spec"]


def test_workloads_without_spec_or_with_null_containers():
    data, _, _ = convert("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: b}
        spec:
          template:
            spec:
              containers:
    """)
    assert "spec" not in data[0]  # a has no pod spec: nothing to convert
    assert data[1]["spec"]["template"]["spec"]["os"] == {"name": "windows"}
    assert data[1]["spec"]["template"]["spec"]["containers"] is None


def test_unknown_transform_in_config():
    with pytest.raises(ConfigError, match="unknown transform 'nope'"):
        config_from_mapping({"disable": ["nope"]})


def test_windows_builds_of_node_agents_are_not_pinned_to_linux():
    data, rules, _ = convert("""\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: fluent-bit-windows}
        spec:
          template:
            spec:
              nodeSelector: {kubernetes.io/os: windows}
              containers:
              - name: fluent-bit
                image: fluent/fluent-bit:3.0-windows-2022
    """)
    spec = data["spec"]["template"]["spec"]
    assert spec["nodeSelector"]["kubernetes.io/os"] == "windows"
    assert "kept-on-linux" not in rules


def test_a_splicer_bug_falls_back_to_the_ruamel_writer(monkeypatch):
    from porter.yamledit import splicing

    def broken(self, ops):
        raise KeyError("splicer bug")

    monkeypatch.setattr(splicing.Splicer, "plan", broken)
    data, _, result = convert(pod("containers: [{name: a, image: i}]\n"))
    assert result.redumped == 1
    assert data["spec"]["os"] == {"name": "windows"}


def test_resource_limits_removes_only_what_it_reports() -> None:
    # Regression (issue 13): empty resources, limits and requests were deleted silently, so a
    # Windows-ready manifest "would change" under porter check.
    empty = pod("""
        containers:
        - name: a
          image: x
          resources: {}
        - name: b
          image: x
          resources:
            limits: {}
            requests: {hugepages-2Mi: 1Gi}
    """)
    result = Pipeline(Config(only=frozenset({"resource-limits"}))).convert_text(empty, "t.yaml")
    assert [f.rule for f in result.findings] == ["hugepages"]
    spec = yaml.safe_load(result.converted)["spec"]
    assert spec["containers"][0]["resources"] == {}
    assert spec["containers"][1]["resources"] == {"limits": {}}
