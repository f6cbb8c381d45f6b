"""The self-check every run makes, and the one implementation of each Kubernetes rule that
the transforms share with it (porter.kube.validation, porter.kube.scheduling)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from porter.transforms.windows_identity import user_name_problem

from porter.engine.config import config_from_mapping
from porter.engine.pipeline import Pipeline
from porter.kube.scheduling import WINDOWS_NODE, node_term_problems, parse_taint, selector_matches
from porter.kube.validation import (
    SCHEDULING_CHECK,
    plain_pod_specs,
    pod_violations,
    run_as_user_name_errors,
)

TOLERATION = parse_taint("os=windows:NoSchedule")


def windows_pod(**spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"os": {"name": "windows"},
                     "containers": [{"name": "c", "image": "i"}], **spec}}


def self_checked(data):
    (pod,) = plain_pod_specs(data)
    return pod_violations(pod, intent=False, toleration=TOLERATION)


# --- runAsUserName: the API server's rule, byte for byte ----------------------------------

@pytest.mark.parametrize(("name", "valid"), [
    ("u" * 104, True),
    ("u" * 105, False),
    ("é" * 52, True),           # 104 bytes in UTF-8
    ("é" * 53, False),          # 53 characters, 106 bytes: Go's len counts bytes
    ("DOMAIN\\user", True),
    ("corp.example.com\\svc", True),
    (f"{'a' * 63}.example.com\\svc", True),    # DNS labels of up to 63 characters
    (f"{'a' * 64}.example.com\\svc", False),
    ("abcdefghijklmno\\svc", True),          # NetBIOS: at most 15 characters
    ("under_score_dom\\svc", True),          # ... with characters DNS does not allow
    ("under_score_domai\\svc", False),       # 17 characters: neither NetBIOS nor DNS
    ("\\svc", False),
    ("a\\b\\c", False),
    ("...", False),
    ("us@er", False),
    ("tab\tuser", False),
    ("", False),
])
def test_run_as_user_name_follows_validation_go(name, valid):
    assert (run_as_user_name_errors(name) == []) is valid


def test_windows_identity_reports_the_api_servers_messages():
    """One implementation: the transform's finding carries validation.go's message."""
    for name in ("é" * 53, f"{'a' * 64}.example.com\\svc", "a\\b\\c"):
        problem = user_name_problem(name)
        assert problem == "; ".join(run_as_user_name_errors(name))
        document = windows_pod(securityContext={"windowsOptions": {"runAsUserName": name}})
        text = json.dumps(document)
        result = Pipeline().convert_text(text, "pod.yaml")
        found = [f for f in result.findings if f.rule == "invalid-windows-identity"]
        assert found and problem in found[0].message
        assert not any(f.rule == "rejected-by-api" for f in result.findings)


# --- scheduling ---------------------------------------------------------------------------

def test_selector_matching():
    labels = {"app": "web", "kubernetes.io/os": "windows"}
    assert selector_matches({"matchLabels": {"app": "web"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "db"}}, labels)
    assert selector_matches({"matchExpressions": [
        {"key": "kubernetes.io/os", "operator": "In", "values": ["windows", "linux"]},
        {"key": "tier", "operator": "DoesNotExist"}]}, labels)
    assert not selector_matches({"matchExpressions": [
        {"key": "kubernetes.io/os", "operator": "NotIn", "values": ["windows"]}]}, labels)
    assert not selector_matches({"matchExpressions": [
        {"key": "tier", "operator": "Exists"}]}, labels)


def test_node_terms_against_a_windows_amd64_node():
    assert WINDOWS_NODE["kubernetes.io/arch"] == "amd64"
    arm = {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In",
                                 "values": ["arm64"]}]}
    assert node_term_problems(arm) == [(0, "kubernetes.io/arch In ['arm64']")]
    either = {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In",
                                    "values": ["arm64", "amd64"]}]}
    assert node_term_problems(either) == []
    other = {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["x"]}]}
    assert node_term_problems(other) == []  # the cluster's own labels: satisfiable
    not_linux = {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "NotIn",
                                       "values": ["windows"]}]}
    assert node_term_problems(not_linux)


def test_one_admitting_term_is_enough():
    terms = [{"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In",
                                    "values": ["arm64"]}]},
             {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "Exists"}]}]
    pod = windows_pod(tolerations=[TOLERATION], affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}})
    assert self_checked(pod) == []
    terms.pop()
    assert [v.check for v in self_checked(pod)] == [SCHEDULING_CHECK]


def test_the_configured_taint_must_be_tolerated():
    found = self_checked(windows_pod())
    assert [(v.pointer, v.check) for v in found] == [("/spec/tolerations", SCHEDULING_CHECK)]
    assert self_checked(windows_pod(tolerations=[{"operator": "Exists"}])) == []
    assert self_checked(windows_pod(runtimeClassName="windows-2022")) == []


def test_a_pod_judged_by_its_own_os():
    """Without porter's intent, a pod is checked as the API server checks it: the Windows
    rules only for spec.os.name windows."""
    linux = windows_pod(hostPID=True)
    linux["spec"]["os"] = {"name": "linux"}
    assert self_checked(linux) == []
    windows = windows_pod(hostPID=True, tolerations=[TOLERATION])
    assert [v.pointer for v in self_checked(windows)] == ["/spec/hostPID"]


# --- in the pipeline ----------------------------------------------------------------------

ARM = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: arm
spec:
  selector:
    matchLabels: {app: arm}
  template:
    metadata:
      labels: {app: arm}
    spec:
      nodeSelector:
        kubernetes.io/arch: arm64
      containers:
      - name: app
        image: example.com/app:1-ltsc2022
        securityContext:
          capabilities: {drop: [ALL]}
"""


def test_every_run_checks_what_the_transforms_left():
    """With linux-security-context disabled, what the API server would refuse is an error at
    its field; the arm64 selector cannot schedule; nothing is reported twice."""
    config = config_from_mapping({"disable": ["linux-security-context"]})
    result = Pipeline(config).convert_text(ARM, "arm.yaml")
    found = {(f.rule, f.path, f.line, f.column) for f in result.findings
             if f.rule in ("rejected-by-api", "cannot-schedule")}
    assert found == {
        ("cannot-schedule", "/spec/template/spec/nodeSelector/kubernetes.io~1arch", 13, 9),
        ("rejected-by-api",
         "/spec/template/spec/containers/0/securityContext/capabilities", 18, 11)}
    messages = " ".join(f.message for f in result.findings)
    assert "validateWindows" in messages and "NodeAffinity" in messages


def test_an_error_a_transform_reported_is_not_repeated():
    text = ARM.replace("kubernetes.io/arch: arm64", "kubernetes.io/os: linux")
    text = text.replace("      containers:", "      initContainers:\n      - {name: i, image: i}\n"
                        "      containers:").replace(
        "capabilities: {drop: [ALL]}", "windowsOptions: {hostProcess: true}")
    result = Pipeline().convert_text(text, "hp.yaml")
    rules = [f.rule for f in result.findings if f.severity.value == "error"]
    assert rules == ["incomplete-host-process"]


def test_the_cli_fails_on_a_pod_that_cannot_schedule(tmp_path):
    source = tmp_path / "arm.yaml"
    source.write_text(ARM)
    run = subprocess.run([sys.executable, "-m", "porter", "convert", str(source), "-q",
                          "--report", "-", "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    assert f"{source}:13:9: error cannot-schedule" in run.stdout
    assert (tmp_path / "out" / "arm.yaml").is_file()
