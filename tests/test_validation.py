"""porter.kube.validation: small cases that must fail (so the checks cannot pass vacuously), cases
that must pass, and the check over the real corpus when ../shared/corpus is there."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import CASES, CORPUS, case_config, convert_case
from validating import Checked, check_result, describe

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.errors import PorterError
from porter.kube.scheduling import parse_taint
from porter.kube.validation import (
    Violation,
    has_schema,
    run_as_user_name_errors,
    schema_version,
    schema_violations,
    text_violations,
    violations,
    windows_violations,
)
from porter.yamledit.textfile import decode

POD = "/spec/template/spec"
DEFAULT_TOLERATION = parse_taint("os=windows:NoSchedule")


def windows_deployment(**spec: Any) -> dict[str, Any]:
    """A Deployment that passes every check; ``spec`` entries are merged into its pod spec."""
    pod_spec: dict[str, Any] = {
        "os": {"name": "windows"},
        "nodeSelector": {"kubernetes.io/os": "windows"},
        "containers": [{"name": "web", "image": "mcr.microsoft.com/windows/servercore:ltsc2022",
                        "securityContext": {"runAsNonRoot": True,
                                            "windowsOptions": {"runAsUserName": "ContainerUser"}}}],
    }
    pod_spec.update(spec)
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}},
    }


def pod_of(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def pointers(found: list[Violation]) -> list[str]:
    return [v.pointer for v in found]


def test_a_clean_windows_deployment_passes():
    assert violations(windows_deployment()) == []


# windows-rules.md §2, validateWindows: pod-level paths, each with a value the API rejects.
POD_LEVEL = [
    ("securityContext/appArmorProfile", {"type": "RuntimeDefault"}),
    ("securityContext/seLinuxOptions", {"level": "s0:c123,c456"}),
    ("hostUsers", True),
    ("hostPID", True),
    ("hostIPC", True),
    ("securityContext/seccompProfile", {"type": "RuntimeDefault"}),
    ("securityContext/fsGroup", 2000),
    ("securityContext/fsGroupChangePolicy", "OnRootMismatch"),
    ("securityContext/sysctls", [{"name": "net.core.somaxconn", "value": "1024"}]),
    ("shareProcessNamespace", False),
    ("securityContext/runAsUser", 1000),
    ("securityContext/runAsGroup", 3000),
    ("securityContext/supplementalGroups", [4000]),
    ("securityContext/supplementalGroupsPolicy", "Strict"),
    ("securityContext/seLinuxChangePolicy", "Recursive"),
    ("resources", {"limits": {"cpu": "1", "memory": "1Gi"}}),  # PR #133046
]
CONTAINER_LEVEL = [
    ("appArmorProfile", {"type": "RuntimeDefault"}),
    ("seLinuxOptions", {"level": "s0"}),
    ("seccompProfile", {"type": "RuntimeDefault"}),
    ("capabilities", {"drop": ["ALL"]}),
    ("readOnlyRootFilesystem", False),
    ("privileged", False),
    ("allowPrivilegeEscalation", False),
    ("procMount", "Default"),
    ("runAsUser", 0),
    ("runAsGroup", 0),
]


def _set(mapping: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    for part in parents:
        mapping = mapping.setdefault(part, {})
    mapping[last] = value


@pytest.mark.parametrize(("path", "value"), POD_LEVEL, ids=[p for p, _ in POD_LEVEL])
def test_each_pod_level_field_is_forbidden(path, value):
    doc = windows_deployment()
    _set(pod_of(doc), path, value)
    found = windows_violations(doc)
    assert pointers(found) == [f"{POD}/{path}"]
    assert "cannot be set for a windows pod" in found[0].message
    assert schema_violations(doc) == []  # the API schema itself accepts it: only Windows rejects


@pytest.mark.parametrize("list_name", ["containers", "initContainers", "ephemeralContainers"])
@pytest.mark.parametrize(("field", "value"), CONTAINER_LEVEL, ids=[f for f, _ in CONTAINER_LEVEL])
def test_each_container_field_is_forbidden_in_every_list(list_name, field, value):
    doc = windows_deployment()
    container = {"name": "extra", "image": "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                 "securityContext": {field: value}}
    pod_of(doc).setdefault(list_name, []).append(container)
    index = len(pod_of(doc)[list_name]) - 1
    # ephemeralContainers in a template are refused as such too (ValidatePodTemplateSpec)
    found = [p for p in pointers(windows_violations(doc)) if p != f"{POD}/ephemeralContainers"]
    assert found == \
        [f"{POD}/{list_name}/{index}/securityContext/{field}"]
    assert schema_violations(doc) == []


def test_container_ulimits_is_forbidden():
    # KEP-5758 (PR #137023, open): not in the 1.37 schema yet, so the strict schema refuses it
    # as an unknown field, and the Windows rules would refuse it once it exists.
    doc = windows_deployment()
    pod_of(doc)["containers"][0]["securityContext"]["ulimits"] = [{"name": "nofile"}]
    found = violations(doc)
    assert f"{POD}/containers/0/securityContext/ulimits" in pointers(found)
    assert any(v.check == "schema" and "ulimits" in v.message for v in found)


@pytest.mark.parametrize(("path", "value"), [
    ("hostPID", False), ("hostIPC", False), ("securityContext/sysctls", []),
    ("securityContext/fsGroup", None), ("hostNetwork", False),
    ("securityContext/runAsNonRoot", True),
])
def test_values_the_api_server_accepts(path, value):
    doc = windows_deployment()
    _set(pod_of(doc), path, value)
    assert windows_violations(doc) == []


def test_explicit_empty_supplemental_groups_is_forbidden():
    doc = windows_deployment()
    _set(pod_of(doc), "securityContext/supplementalGroups", [])
    assert pointers(windows_violations(doc)) == [f"{POD}/securityContext/supplementalGroups"]


def test_os_name_must_be_windows():
    doc = windows_deployment()
    del pod_of(doc)["os"]
    assert pointers(windows_violations(doc)) == [f"{POD}/os"]
    pod_of(doc)["os"] = {"name": "linux"}
    assert pointers(windows_violations(doc)) == [f"{POD}/os/name"]
    pod_of(doc)["os"] = {"name": "Windows"}
    messages = [v.message for v in windows_violations(doc)]
    assert len(messages) == 2 and "Unsupported value" in messages[0]
    pod_of(doc)["os"] = {"name": ""}
    assert "Required value" in windows_violations(doc)[0].message


def test_pod_pinned_to_linux_follows_validate_linux():
    doc = windows_deployment(nodeSelector={"kubernetes.io/os": "linux"})
    del pod_of(doc)["os"]
    assert pointers(windows_violations(doc)) == \
        [f"{POD}/containers/0/securityContext/windowsOptions"]
    pod_of(doc)["containers"][0]["securityContext"] = {"privileged": True,
                                                       "runAsUser": 0}
    assert windows_violations(doc) == []  # Linux pods may keep their Linux settings
    pod_of(doc)["securityContext"] = {"windowsOptions": {}}
    assert pointers(windows_violations(doc)) == [f"{POD}/securityContext/windowsOptions"]
    del pod_of(doc)["securityContext"]
    pod_of(doc)["os"] = {"name": "windows"}
    assert pointers(windows_violations(doc)) == [f"{POD}/os/name"]


def test_os_label_and_affinity_must_match():
    doc = windows_deployment()
    doc["spec"]["template"]["metadata"]["labels"]["kubernetes.io/os"] = "linux"
    assert pointers(windows_violations(doc)) == \
        ["/spec/template/metadata/labels/kubernetes.io~1os"]
    doc = windows_deployment(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In",
                                   "values": ["linux"]}]}]}}})
    assert pointers(windows_violations(doc)) == [
        f"{POD}/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/"
        "nodeSelectorTerms/0/matchExpressions/0"]
    doc = windows_deployment(nodeSelector={"kubernetes.io/os": "linux"})
    del pod_of(doc)["os"], pod_of(doc)["containers"][0]["securityContext"]
    doc["spec"]["template"]["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    assert pointers(windows_violations(doc)) == \
        ["/spec/template/metadata/labels/kubernetes.io~1os"]


@pytest.mark.parametrize("name", [
    "ContainerUser", "ContainerAdministrator", "NT AUTHORITY\\NETWORK SERVICE",
    "NT AUTHORITY\\SYSTEM", "contoso.com\\web-app", "CONTOSO\\svc", "u" * 104,
    ("a" * 62 + ".") * 4 + "b\\u",  # DNS domain of 253 bytes
])
def test_valid_run_as_user_names(name):
    assert run_as_user_name_errors(name) == []


@pytest.mark.parametrize(("name", "expected"), [
    ("", "cannot be an empty string"),
    ("Container\x07User", "control characters"),
    ("Container\x7fUser", "control characters"),
    ("a\\b\\c", "more than one backslash"),
    ("\\user", "NetBios nor the DNS format"),
    (".contoso\\user", "NetBios nor the DNS format"),
    ("this_is_a_long_domain\\user", "NetBios nor the DNS format"),
    (("a" * 63 + ".") * 4 + "com\\u", "Domain length must be under 256"),
    ("CONTOSO\\", "User cannot be empty"),
    ("u" * 105, "must not be longer than 104"),
    ("é" * 53, "must not be longer than 104"),  # 106 bytes: Go counts bytes
    ("...", "only periods or spaces"),
    ("  ", "only periods or spaces"),
    *[(f"user{c}name", "cannot contain the following characters") for c in '"/:;|=,+*?<>@[]'],
])
def test_invalid_run_as_user_names(name, expected):
    errors = run_as_user_name_errors(name)
    assert any(expected in e for e in errors), errors


def test_run_as_user_name_is_checked_at_pod_and_container_level():
    doc = windows_deployment(securityContext={"windowsOptions": {"runAsUserName": "a\\b\\c"}})
    pod_of(doc)["initContainers"] = [{"name": "init", "image": "i", "securityContext": {
        "windowsOptions": {"runAsUserName": "bad@user"}}}]
    assert pointers(windows_violations(doc)) == [
        f"{POD}/securityContext/windowsOptions/runAsUserName",
        f"{POD}/initContainers/0/securityContext/windowsOptions/runAsUserName"]


@pytest.mark.parametrize(("name", "ok"), [
    ("webapp1-gmsa", True), ("gmsa.contoso.com", True), ("WebApp1", False),
    ("gmsa_spec", False), ("-gmsa", False), ("a" * 254, False), ("", False),
])
def test_gmsa_credential_spec_name_is_a_dns1123_subdomain(name, ok):
    doc = windows_deployment(securityContext={"windowsOptions": {
        "gmsaCredentialSpecName": name}})
    found = windows_violations(doc)
    assert (found == []) == ok, found
    if not ok:
        assert found[0].pointer == f"{POD}/securityContext/windowsOptions/gmsaCredentialSpecName"


def test_gmsa_credential_spec_must_not_be_empty_or_huge():
    doc = windows_deployment(securityContext={"windowsOptions": {"gmsaCredentialSpec": ""}})
    assert "cannot be an empty string" in windows_violations(doc)[0].message
    pod_of(doc)["securityContext"]["windowsOptions"]["gmsaCredentialSpec"] = "x" * 65537
    assert "under 64 KiB" in windows_violations(doc)[0].message


def _host_process(doc: dict[str, Any], pod: bool | None, *containers: bool | None) -> None:
    spec = pod_of(doc)
    spec["containers"] = []
    spec.pop("securityContext", None)
    if pod is not None:
        spec["securityContext"] = {"windowsOptions": {"hostProcess": pod,
                                                      "runAsUserName": "NT AUTHORITY\\SYSTEM"}}
    for index, value in enumerate(containers):
        container: dict[str, Any] = {"name": f"c{index}", "image": "i"}
        if value is not None:
            container["securityContext"] = {"windowsOptions": {"hostProcess": value}}
        spec["containers"].append(container)


def test_host_process_rules():
    doc = windows_deployment(hostNetwork=True)
    _host_process(doc, True, None, True)
    assert windows_violations(doc) == []
    _host_process(doc, True, False)  # the one container opts out: a mismatch, but no HPC
    assert pointers(windows_violations(doc)) == \
        [f"{POD}/containers/0/securityContext/windowsOptions/hostProcess"]
    _host_process(doc, True, False, None)
    found = pointers(windows_violations(doc))
    assert found == [f"{POD}/containers/0/securityContext/windowsOptions/hostProcess", POD]
    _host_process(doc, None, True, None)
    assert pointers(windows_violations(doc)) == [POD]
    del pod_of(doc)["hostNetwork"]
    _host_process(doc, True, None)
    assert pointers(windows_violations(doc)) == [f"{POD}/hostNetwork"]


def test_every_workload_kind_and_list_items_are_found():
    deployment = windows_deployment()
    pod_spec = pod_of(deployment)
    pod_spec["hostPID"] = True
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
                "spec": copy.deepcopy(pod_spec) | {"restartPolicy": "Never"}}}}}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": copy.deepcopy(pod_spec)}
    assert pointers(windows_violations(cron)) == ["/spec/jobTemplate/spec/template/spec/hostPID"]
    assert pointers(windows_violations(pod)) == ["/spec/hostPID"]
    listed = {"apiVersion": "v1", "kind": "List", "items": [pod, deployment]}
    assert pointers(violations(listed)) == ["/items/0/spec/hostPID",
                                            f"/items/1{POD}/hostPID"]


def test_schema_violations_point_at_their_place():
    assert schema_version().split(".")[:2] >= ["1", "37"]
    doc = windows_deployment()
    pod_of(doc)["containers"][0]["imagePullPolicy"] = 3
    pod_of(doc)["containers"][0]["bogus"] = True
    del doc["spec"]["selector"]
    found = schema_violations(doc)
    assert [(v.pointer, v.check) for v in found] == [
        ("/spec", "schema"), (f"{POD}/containers/0", "schema"),
        (f"{POD}/containers/0/imagePullPolicy", "schema")]
    assert "'selector' is a required property" in found[0].message
    assert "'bogus' was unexpected" in found[1].message


def test_kinds_without_schema_are_not_checked():
    custom = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
              "metadata": {"name": "m"}, "spec": {"anything": 1}}
    assert not has_schema(custom)
    assert schema_violations(custom) == []
    assert has_schema(windows_deployment())


def test_text_violations_number_the_documents():
    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n"
            "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec:\n  os: {name: windows}\n  hostIPC: true\n  containers: [{name: c, image: i}]\n")
    assert [(i, v.pointer) for i, v in text_violations(text)] == [(1, "/spec/hostIPC")]


def test_the_fixtures_are_really_checked():
    total = Checked()
    for case in CASES:
        total.add(check_result(convert_case(case)))
    assert total.pod_specs >= 15 and total.schema_checked >= 10, total


def test_the_fixture_check_catches_a_missing_transform():
    """Without linux-security-context, the self-check reports every field the API server
    would refuse (and the checker agrees); without os-scheduling, the pods are not Windows
    pods at all, which only the checker's intent rule sees."""
    config = case_config("security-context")
    without = Config(disable=config.disable | {"linux-security-context"}, only=config.only,
                     options=config.options)
    result = convert_case("security-context", without)
    assert any(f.rule == "rejected-by-api" and "cannot be set for a windows pod" in f.message
               for f in result.findings)
    assert not check_result(result).violations
    without = Config(disable=config.disable | {"os-scheduling"}, only=config.only,
                     options=config.options)
    checked = check_result(convert_case("security-context", without))
    assert any("spec.os.name must be windows" in v.message for _, v in checked.violations)


@pytest.mark.skipif(not (CORPUS / "INDEX-plain.txt").is_file(),
                    reason="needs the corpus at ../shared/corpus")
def test_corpus_output_passes_validation():
    """Every pod spec porter writes for the real corpus passes the Windows and scheduling
    rules (the self-check's, run independently on the written output) or porter reported an
    error there, and every
    document it changes gains no schema violation (documents that were already schema-invalid
    in the input do not count against porter; see tests/validating.py)."""
    pipeline = Pipeline()
    total = Checked()
    problems = []
    for name in (CORPUS / "INDEX-plain.txt").read_text().split():
        try:
            source = decode((CORPUS / name).read_bytes(), name)
        except PorterError:
            continue
        result = pipeline.convert_text(source.text, name)
        if result.errors:
            continue
        checked = check_result(result, pipeline.kinds, toleration=DEFAULT_TOLERATION)
        total.add(checked)
        if checked.violations:
            problems.append(describe(name, checked))
    assert not problems, "\n".join(problems)
    assert total.pod_specs > 300 and total.schema_checked > 300, total
