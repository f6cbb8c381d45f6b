"""``--kustomize`` over a directory with its own kustomization: the overlay builds on that
base (with real kustomize), and duplicate resource ids are one clear error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_review import _kustomize, _resources

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def _porter(*args: str, cwd: Path, stdin: str | None = None) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          text=True, cwd=cwd, input=stdin, timeout=120, check=False)


def _tree(tmp_path: Path) -> Path:
    base = tmp_path / "base"
    (base / "web").mkdir(parents=True)
    (base / "variants").mkdir()
    (base / "kustomization.yaml").write_text(
        KUSTOMIZATION + "namespace: shop\nresources:\n- app.yaml\n- web\n")
    shutil.copyfile(FIXTURES / "os-scheduling" / "input.yaml", base / "app.yaml")
    (base / "web" / "kustomization.yaml").write_text(KUSTOMIZATION + "resources: [web.yaml]\n")
    shutil.copyfile(FIXTURES / "security-context" / "input.yaml", base / "web" / "web.yaml")
    # not listed by the base: a variant that repeats a resource of app.yaml
    shutil.copyfile(base / "app.yaml", base / "variants" / "app.yaml")
    return base


def test_overlay_builds_on_the_existing_kustomization(tmp_path):
    command = _kustomize()
    if isinstance(command, str):
        pytest.skip(command)
    _tree(tmp_path)
    run = _porter("convert", "base", "--kustomize", "overlay", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    text = (tmp_path / "overlay" / "kustomization.yaml").read_text()
    assert "resources:\n- ../base\npatches:\n" in text
    assert "kustomization.yaml\n" not in text.split("patches:")[0].split("resources:")[1]
    assert "porter: overlay: base/variants/app.yaml: not among the resources of " \
        "base/kustomization.yaml" in run.stderr
    restrict = ["--load-restrictor", "LoadRestrictionsNone"]
    built = subprocess.run([*command, *restrict, str(tmp_path / "overlay")],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    upstream = subprocess.run([*command, str(tmp_path / "base")], capture_output=True,
                              text=True, check=True).stdout
    expected = _porter("convert", "-", "-q", cwd=tmp_path, stdin=upstream).stdout
    got, want = _resources(built.stdout), _resources(expected)
    assert got.keys() == want.keys()
    assert all(key[2] == "shop" for key in got if key[1] not in ("PersistentVolume",))
    for key, item in want.items():
        assert got[key] == item, key


def test_duplicate_resource_ids_are_a_clear_error(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", tmp_path / name)
    run = _porter("convert", "a.yaml", "b.yaml", "--kustomize", "overlay", "-q", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("b.yaml: error: ") and "is also in a.yaml (document 0)" in \
        run.stderr and len(run.stderr.splitlines()) == 1, run.stderr
    assert not (tmp_path / "overlay" / "kustomization.yaml").exists()
