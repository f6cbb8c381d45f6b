"""Transforms and rule sets are found from entry points exactly as importlib.metadata finds
them (porter reads them without importing it): a third-party plugin works end to end."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from porter.engine.entry_points import entry_points

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "fixtures" / "quickstart" / "input.yaml"

PLUGIN = '''
from porter.engine.findings import Severity
from porter.engine.transform import PodSpecTransform, Rule

HELLO = Rule(code="hello-plugin", severity=Severity.INFO, summary="A plugin saw a pod spec.",
             doc="Converts: nothing.", source="tests/test_entry_points.py")


class Hello(PodSpecTransform):
    id = "hello"
    summary = "Says hello to every pod spec."
    rules = (HELLO,)

    def apply_pod(self, pod, context):
        context.report(HELLO, pod.path, "hello from a plugin")
'''


def _standard(group: str) -> list[tuple[str, str]]:
    return [(e.name, e.value) for e in importlib.metadata.entry_points(group=group)]


def _ours(group: str) -> list[tuple[str, str]]:
    return [(e.name, e.value) for e in entry_points(group)]


def _distribution(site: Path, name: str, entries: str, suffix: str = ".dist-info") -> None:
    info = site / f"{name}-1.0{suffix}"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entries)


@pytest.mark.parametrize("group", ["porter.transforms", "porter.rules", "console_scripts",
                                   "pytest11", "no.such.group"])
def test_the_same_entry_points_as_importlib_metadata(group):
    assert _ours(group) == _standard(group)


def test_first_distribution_of_a_name_wins_and_egg_info_counts(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    _distribution(first, "my_plugin", "[porter.transforms]\nhello = first:Hello\n")
    _distribution(second, "My.Plugin", "[porter.transforms]\nhello = second:Hello\n")
    _distribution(second, "other", "# a comment\n[porter.transforms]\n; another\n"
                  "  other = other.mod:Thing [extra]  \n[console_scripts]\nx = y:z\n",
                  suffix=".egg-info")
    _distribution(first, "other", "[porter.transforms]\nfrom-egg = other:X\n",
                  suffix=".egg-info")
    monkeypatch.setattr(sys, "path", [str(first), str(second), *sys.path])
    ours = _ours("porter.transforms")
    assert ours == _standard("porter.transforms")
    assert ("hello", "first:Hello") in ours and ("hello", "second:Hello") not in ours
    assert ("from-egg", "other:X") in ours and ("other", "other.mod:Thing [extra]") not in ours


def test_a_zip_on_the_path_is_read_by_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt",
                        "[porter.transforms]\nzipped = zipped:Z\n")
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    assert ("zipped", "zipped:Z") in _ours("porter.transforms")
    assert _ours("porter.transforms") == _standard("porter.transforms")


def test_a_third_party_transform_runs_in_porter(tmp_path):
    site = tmp_path / "site"
    _distribution(site, "porter_hello", "[porter.transforms]\nhello = hello_plugin:Hello\n")
    (site / "hello_plugin.py").write_text(PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(site)}
    rules = subprocess.run([sys.executable, "-m", "porter", "rules"], capture_output=True,
                           text=True, env=env, check=True)
    assert "hello-plugin" in rules.stdout
    report = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "porter", "convert", str(QUICKSTART), "-o",
                          str(tmp_path / "out"), "--report", str(report)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert "info     hello-plugin                   1" in run.stderr
    findings = json.loads(report.read_text())["findings"]
    assert [f["message"] for f in findings if f["rule"] == "hello-plugin"] == \
        ["hello from a plugin"]
