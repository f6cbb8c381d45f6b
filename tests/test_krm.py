"""``porter krm``: a KRM function for kustomize and kpt (ResourceList in, ResourceList out)."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from porter.cli import app
from porter.krm.function import field_path

runner = CliRunner()

RESOURCE_LIST = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    annotations:
      config.kubernetes.io/path: base/service.yaml
      config.kubernetes.io/index: '0'
  spec:
    ports:
    - port: 80
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    annotations:
      internal.config.kubernetes.io/path: base/deployment.yaml
      internal.config.kubernetes.io/index: '1'
  spec:
    template:
      spec:
        # the app's own comment survives
        nodeSelector:
          kubernetes.io/os: linux
        containers:
        - name: web
          image: mcr.microsoft.com/windows/servercore/iis:ltsc2022
          securityContext:
            privileged: true
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: porter
  data:
    fail-on: never
"""


def invoke(text: str, *args: str):
    return runner.invoke(app, ["krm", *args], input=text, catch_exceptions=False)


def test_items_converted_and_results_written():
    result = invoke(RESOURCE_LIST)
    assert result.exit_code == 0  # fail-on: never from the functionConfig
    out = yaml.safe_load(result.stdout)
    assert out["kind"] == "ResourceList"
    service, deployment = out["items"]
    assert service == yaml.safe_load(RESOURCE_LIST)["items"][0]
    spec = deployment["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "windows"}
    assert spec["os"] == {"name": "windows"}
    assert "privileged" not in spec["containers"][0].get("securityContext", {})
    assert "# the app's own comment survives" in result.stdout
    assert out["functionConfig"]["data"] == {"fail-on": "never"}
    privileged = next(r for r in out["results"]
                      if r["tags"]["rule"] == "privileged-container")
    assert privileged["severity"] == "error"
    assert privileged["resourceRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                         "namespace": "shop", "name": "web"}
    assert privileged["field"] == {
        "path": "spec.template.spec.containers[0].securityContext.privileged"}
    assert privileged["file"] == {"path": "base/deployment.yaml", "index": 1}
    assert {r["severity"] for r in out["results"]} <= {"error", "warning", "info"}
    assert "porter krm: 1 item converted" in result.stderr


def test_error_results_fail_the_function_by_default():
    text = RESOURCE_LIST.replace("    fail-on: never\n",
                                 "    toleration: 'os=windows:NoSchedule'\n")
    result = invoke(text, "-q")
    assert result.exit_code == 1
    assert yaml.safe_load(result.stdout)["items"][1]["spec"]["template"]["spec"]["tolerations"]
    assert result.stderr == ""


def test_json_in_json_out():
    data = yaml.safe_load(RESOURCE_LIST)
    result = invoke(json.dumps(data), "-q")
    out = json.loads(result.stdout)
    assert out["items"][1]["spec"]["template"]["spec"]["os"] == {"name": "windows"}
    assert out["results"]


def test_spec_function_config_and_bad_input():
    data = yaml.safe_load(RESOURCE_LIST)
    data["functionConfig"] = {"apiVersion": "winporter.dev/v1alpha1", "kind": "Porter",
                              "metadata": {"name": "porter"},
                              "spec": {"only": ["os-scheduling"], "fail-on": "never"}}
    out = yaml.safe_load(invoke(yaml.safe_dump(data), "-q").stdout)
    assert out["items"][1]["spec"]["template"]["spec"]["containers"][0]["securityContext"] == \
        {"privileged": True}
    wrong = invoke("apiVersion: v1\nkind: Pod\n")
    assert wrong.exit_code == 2
    assert wrong.stderr == "<stdin>:1:1: error: not a KRM ResourceList (kind: ResourceList)\n"
    assert wrong.stdout == ""
    data["functionConfig"] = {"kind": "ConfigMap", "data": {"nope": "1"}}
    unknown = invoke(yaml.safe_dump(data))
    assert unknown.exit_code == 2 and "unknown functionConfig data key 'nope'" in unknown.stderr


def test_field_paths():
    assert field_path("/spec/nodeSelector/kubernetes.io~1os") == \
        'spec.nodeSelector["kubernetes.io/os"]'
    assert field_path("/items/0/spec") == "items[0].spec"


def test_a_yaml_resource_list_keeps_every_byte_outside_the_changes():
    """Quoting, comments and the ResourceList's own layout: only the changed fields and the
    ``results`` at the end differ."""
    text = RESOURCE_LIST.replace("kind: ResourceList\n", "kind: ResourceList  # kept\n")
    text = text.replace("    - port: 80\n", "    - port: 0x50   # hex, kept\n")
    result = invoke(text, "-q")
    assert result.exit_code == 0, result.stderr
    head, results = result.stdout.split("results:\n")
    expected = text.replace("          kubernetes.io/os: linux\n",
                            "          kubernetes.io/os: windows\n")
    assert head.startswith(expected[:expected.index("          securityContext:")])
    assert head.endswith(expected[expected.index("functionConfig:"):])
    assert yaml.safe_load("results:\n" + results)["results"]


def test_results_already_there_are_kept_first():
    text = RESOURCE_LIST + "results:\n- message: from an earlier function\n  severity: info\n"
    out = yaml.safe_load(invoke(text, "-q").stdout)
    assert out["results"][0] == {"message": "from an earlier function", "severity": "info"}
    assert len(out["results"]) > 1


def test_crlf_line_ends_are_kept():
    result = invoke(RESOURCE_LIST.replace("\n", "\r\n"), "-q")
    assert result.exit_code == 0
    out = result.stdout_bytes.decode()  # (Click's ``stdout`` turns CRLF into LF)
    assert "\n" not in out.replace("\r\n", "")
    assert yaml.safe_load(out)["items"][1]["spec"]["template"]["spec"]["os"] == \
        {"name": "windows"}


def test_an_item_using_another_item_s_anchor_is_left_alone_and_said():
    """Each item is converted on its own text: an alias to an anchor in another item (only
    a hand-written ResourceList can hold one; files' anchors never leave their document)
    is an error for that item, the others are converted."""
    text = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            "- apiVersion: v1\n  kind: Pod\n  metadata: &m\n    name: a\n"
            "  spec: {containers: [{name: c, image: example.com/c:1-ltsc2022}]}\n"
            "- apiVersion: v1\n  kind: Pod\n  metadata: *m\n"
            "  spec: {containers: [{name: c, image: example.com/c:1-ltsc2022}]}\n")
    result = invoke(text, "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>:11:13: error: item 1 cannot be read on its own")
    out = yaml.safe_load(result.stdout)
    assert out["items"][0]["spec"]["os"] == {"name": "windows"}
    assert "os" not in out["items"][1]["spec"]
    assert [r["severity"] for r in out["results"] if "item 1" in r["message"]] == ["error"]


def test_a_bad_item_is_one_located_line_and_counted_in_the_summary():
    text = RESOURCE_LIST.replace("    - port: 80\n", "    - port: " + "9" * 5000 + "\n")
    result = invoke(text)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "<stdin>:13:13: error: integer of 5,000 characters: more digits than porter reads "
        "(4,300, Python's limit)",
        "porter krm: 1 item converted, 1 not read (bad input); 1 error, 0 warnings, 1 info"]
    assert "9" * 5000 in result.stdout
