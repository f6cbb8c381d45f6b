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
