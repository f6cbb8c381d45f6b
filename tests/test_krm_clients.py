"""``porter krm`` as real clients run it: kpt (``fn eval --exec``, where kpt is installed),
and results whose ``resourceRef`` and ``field.path`` name the same thing, items of a
``kind: List`` included."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES

KPT = shutil.which("kpt")


def _krm(text: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "porter", "krm"], input=text,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode in (0, 1), run.stderr
    return yaml.safe_load(run.stdout)


def _resolve(obj, path: str):
    """The value at a KRM field path (``a.b[0]["c.d"]``) in ``obj``."""
    for key, quoted, index in re.findall(r'\.?([^.\[\]"]+)|\["([^"]+)"\]|\[(\d+)\]', path):
        obj = obj[int(index)] if index else obj[key or quoted]
    return obj


def _matches(item: dict, ref: dict) -> bool:
    metadata = item.get("metadata") or {}
    return all(value == {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"),
                         "name": metadata.get("name"),
                         "namespace": metadata.get("namespace")}[key]
               for key, value in ref.items())


@pytest.mark.parametrize("case", ["kind-list", "security-context", "quickstart"])
def test_resource_ref_and_field_path_agree(case):
    documents = [d for d in yaml.safe_load_all((FIXTURES / case / "input.yaml").read_text())
                 if d]
    resource_list = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                     "items": documents}
    out = _krm(yaml.safe_dump(resource_list, sort_keys=False))
    checked = 0
    for result in out["results"]:
        if "field" not in result:
            continue
        owners = [item for item in documents if _matches(item, result["resourceRef"])]
        assert len(owners) == 1, result
        _resolve(owners[0], result["field"]["path"])  # the path exists in that resource
        checked += 1
    assert checked
    if case == "kind-list":
        listed = [r for r in out["results"] if r["resourceRef"]["kind"] == "List"]
        assert listed and all(r["field"]["path"].startswith("items[") for r in listed
                              if "field" in r)
        assert {r["tags"].get("resource") for r in listed} >= {"Pod/debug"}


def _package(tmp_path: Path, case: str) -> tuple[Path, Path]:
    package = tmp_path / "package"
    package.mkdir()
    shutil.copyfile(FIXTURES / case / "input.yaml", package / "app.yaml")
    script = tmp_path / "porter-krm.sh"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -m porter krm\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return package, script


def _resources(text: str) -> dict:
    found = {}
    for doc in yaml.safe_load_all(text):
        if doc:
            meta = doc.get("metadata") or {}
            found[(doc["kind"], meta.get("name"))] = doc
    return found


@pytest.mark.skipif(KPT is None, reason="kpt is not installed (the machine image has "
                                        "/usr/bin/kpt)")
def test_kpt_fn_eval_exec_converts_the_package(tmp_path):
    package, script = _package(tmp_path, "quickstart")
    run = subprocess.run([KPT, "fn", "eval", str(package), "--exec", str(script),
                          "--results-dir", str(tmp_path / "results")], capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    expected = subprocess.run([sys.executable, "-m", "porter", "convert", "-q",
                               str(FIXTURES / "quickstart" / "input.yaml")],
                              capture_output=True, text=True, check=False).stdout
    assert _resources((package / "app.yaml").read_text()) == _resources(expected)
    results = yaml.safe_load((tmp_path / "results" / "results.yaml").read_text())
    entries = results["items"][0]["results"]
    assert {e["tags"]["rule"] for e in entries} >= {"fs-group-removed", "run-as-user-mapped"}
    assert all(e["file"]["path"] == "app.yaml" for e in entries)


@pytest.mark.skipif(KPT is None, reason="kpt is not installed")
def test_kpt_fails_on_an_error_finding(tmp_path):
    package, script = _package(tmp_path, "security-context")
    before = (package / "app.yaml").read_text()
    run = subprocess.run([KPT, "fn", "eval", str(package), "--exec", str(script),
                          "--results-dir", str(tmp_path / "results")], capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode != 0
    results = yaml.safe_load((tmp_path / "results" / "results.yaml").read_text())
    entries = results["items"][0]["results"]
    assert any(e["severity"] == "error" and e["tags"]["rule"] == "privileged-container"
               for e in entries), entries
    assert (package / "app.yaml").read_text() == before  # kpt writes nothing on failure


@pytest.mark.skipif(KPT is None, reason="kpt is not installed")
def test_kpt_shows_the_result_for_a_bad_item_and_the_rest_is_converted(tmp_path):
    """A package file with a 5,000-digit integer: porter's ``error`` result for it names the
    file, kpt shows it, and (the function exiting 2, a failure by the KRM spec) kpt writes
    nothing. What kpt hands the function (``kpt fn source``) has the other items converted."""
    package, script = _package(tmp_path, "quickstart")
    bad = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: big\nspec:\n  ports:\n"
           f"  - port: {'9' * 5000}\n")
    (package / "bad.yaml").write_text(bad)
    before = {p.name: p.read_text() for p in package.iterdir()}
    run = subprocess.run([KPT, "fn", "eval", str(package), "--exec", str(script),
                          "--results-dir", str(tmp_path / "results"),
                          "--truncate-output=false"], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode != 0
    message = "integer of 5,000 characters: more digits than porter reads (4,300, Python's limit)"
    assert f"[error] v1/Service/big: {message}" in run.stdout + run.stderr
    assert re.search(rf"<stdin>:\d+:13: error: {re.escape(message)}", run.stdout + run.stderr)
    results = yaml.safe_load((tmp_path / "results" / "results.yaml").read_text())
    [function] = results["items"]
    assert function["exitCode"] == 2
    [error] = [e for e in function["results"] if e["severity"] == "error"]
    assert error["file"]["path"] == "bad.yaml"
    assert error["resourceRef"] == {"apiVersion": "v1", "kind": "Service", "name": "big"}
    assert {p.name: p.read_text() for p in package.iterdir()} == before
    source = subprocess.run([KPT, "fn", "source", str(package)], capture_output=True,
                            text=True, timeout=120, check=True).stdout
    assert "9" * 5000 in source  # kpt passes the literal on as it is
    done = subprocess.run([sys.executable, "-m", "porter", "krm", "-q"], input=source,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"  - port: {'9' * 5000}\n" in done.stdout  # the bad item as it was
    from porter.yamledit.reading import load_list
    converted = [item.data for item in load_list(done.stdout, "-").items if item.data]
    expected = subprocess.run([sys.executable, "-m", "porter", "convert", "-q",
                               str(FIXTURES / "quickstart" / "input.yaml")],
                              capture_output=True, text=True, check=False).stdout
    assert {(d["kind"], d["metadata"]["name"]): _without_kpt_annotations(d)
            for d in converted} == _resources(expected)


def _without_kpt_annotations(item: dict) -> dict:
    annotations = item["metadata"].get("annotations", {})
    for key in [k for k in annotations if "config.kubernetes.io/" in k]:
        del annotations[key]
    if not annotations:
        item["metadata"].pop("annotations", None)
    return item
