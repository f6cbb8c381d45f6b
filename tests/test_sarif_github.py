"""SARIF for GitHub code scanning: paths relative to the repository root, stable fingerprints,
regions with an end, distinct rule names; validated by the JSON Schema and by the Microsoft
SARIF Multitool's SARIF and GitHub rules (``.ci/install-sarif-multitool.sh`` installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT

from porter.engine.registry import all_rules
from porter.outputs import sarif

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
MULTITOOL = ROOT / ".ci" / "tools" / "sarif-multitool" / "node_modules" / "@microsoft" / \
    "sarif-multitool-linux" / "Sarif.Multitool"
CASES = ("security-context", "quickstart", "volumes", "images")


def _porter(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, check=False)


def _repository(tmp_path: Path) -> Path:
    """A git repository with manifests in ``deploy/CASE.yaml``."""
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    for case in CASES:
        shutil.copyfile(FIXTURES / case / "input.yaml", repo / "deploy" / f"{case}.yaml")
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def _log(path: Path) -> dict:
    log = json.loads(path.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def _uris(log: dict) -> set[tuple[str, str | None]]:
    return {(loc["physicalLocation"]["artifactLocation"]["uri"],
             loc["physicalLocation"]["artifactLocation"].get("uriBaseId"))
            for result in log["runs"][0]["results"] for loc in result["locations"]}


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_paths_are_relative_to_the_git_top_level(tmp_path):
    repo = _repository(tmp_path)
    # run from a subdirectory, naming files relative to it: URIs are still from the root
    _porter("check", ".", "--report", str(tmp_path / "out.sarif"), "-q", cwd=repo / "deploy")
    log = _log(tmp_path / "out.sarif")
    assert _uris(log) == {(f"deploy/{case}.yaml", "%SRCROOT%") for case in CASES}
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == (repo.resolve().as_uri() + "/")
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert Path(sarif.path_of(location, repo.resolve().as_posix())).is_file()


def test_sarif_root_option(tmp_path):
    repo = _repository(tmp_path)
    _porter("check", "deploy", "--sarif-root", "deploy", "--report", "o.sarif", "-q", cwd=repo)
    assert _uris(_log(repo / "o.sarif")) == {(f"{case}.yaml", "%SRCROOT%") for case in CASES}
    # a file outside the root is named by an absolute file: URI
    _porter("check", str(repo / "deploy"), "--sarif-root", str(tmp_path / "elsewhere"),
            "--report", "x.sarif", "-q", cwd=repo)
    uris = _uris(_log(repo / "x.sarif"))
    assert all(uri.startswith("file:///") and base is None for uri, base in uris), uris


def test_fingerprints_follow_findings_when_lines_move(tmp_path):
    repo = _repository(tmp_path)
    _porter("check", "deploy", "--sarif-root", ".", "--report", "before.sarif", "-q", cwd=repo)
    target = repo / "deploy" / "security-context.yaml"
    target.write_text("# a comment\n# and another\n" + target.read_text())
    _porter("check", "deploy", "--sarif-root", ".", "--report", "after.sarif", "-q", cwd=repo)

    def keyed(path: Path) -> dict[str, int]:
        results = _log(path)["runs"][0]["results"]
        prints = [r["partialFingerprints"]["porterFinding/v1"] for r in results]
        assert len(set(prints)) == len(prints)  # one per finding
        return {p: r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for p, r in zip(prints, results, strict=True)}

    before, after = keyed(repo / "before.sarif"), keyed(repo / "after.sarif")
    assert before.keys() == after.keys()
    moved = {p for p, line in after.items() if line == before[p] + 2}
    assert moved and all(before[p] == after[p] for p in after.keys() - moved)


def test_regions_end_at_the_end_of_the_key(tmp_path):
    repo = _repository(tmp_path)
    _porter("check", "deploy", "--report", "o.sarif", "-q", "--sarif-root", ".", cwd=repo)
    lines = {case: (repo / "deploy" / f"{case}.yaml").read_text().splitlines()
             for case in CASES}
    checked = 0
    for result in _log(repo / "o.sarif")["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        region = physical["region"]
        assert region["endLine"] == region["startLine"]
        assert region["endColumn"] > region["startColumn"]
        key = result["properties"]["path"].rsplit("/", 1)[-1].replace("~1", "/")
        if key and not key.isdigit():
            case = physical["artifactLocation"]["uri"].removeprefix("deploy/")[:-5]
            line = lines[case][region["startLine"] - 1]
            text = line[region["startColumn"] - 1:region["endColumn"] - 1]
            if text == key:  # keys written plain; a quoted key spans its quotes
                checked += 1
    assert checked > 10


def test_rule_names_differ_from_ids_and_carry_metadata():
    for owner, rule in all_rules():
        descriptor = sarif.rule_descriptor(owner, rule)
        assert descriptor["name"].lower() != descriptor["id"].lower()
        assert descriptor["properties"]["precision"] in ("very-high", "high", "medium", "low")
        if "security" in descriptor["properties"]["tags"]:
            assert 0 < float(descriptor["properties"]["security-severity"]) <= 10
    assert sarif.report([])["runs"][0]["tool"]["driver"]["informationUri"].startswith("https")


def _multitool() -> str | None:
    if os.environ.get("SARIF_MULTITOOL"):
        return os.environ["SARIF_MULTITOOL"]
    if MULTITOOL.is_file() and os.access(MULTITOOL, os.X_OK):
        return str(MULTITOOL)
    return shutil.which("sarif-multitool")


def test_sarif_multitool_github_rules(tmp_path):
    tool = _multitool()
    if tool is None:
        pytest.skip("the SARIF Multitool is not installed (.ci/install-sarif-multitool.sh)")
    repo = _repository(tmp_path)
    _porter("check", "deploy", "--report", "porter.sarif", "-q", "--sarif-root", ".", cwd=repo)
    (repo / "deploy" / "broken.yaml").write_text("a: [\n")  # a tool notification too
    _porter("check", "deploy", "--report", "broken.sarif", "-q", "--sarif-root", ".",
            cwd=repo)
    for name in ("porter.sarif", "broken.sarif"):
        out = tmp_path / f"{name}.validation.sarif"
        run = subprocess.run([tool, "validate", "--rule-kind", "Gh;Sarif", "--level",
                              "Error;Warning", "-o", str(out), str(repo / name)],
                             capture_output=True, text=True, timeout=600, check=False)
        assert out.is_file(), run.stdout + run.stderr
        found = [(r["ruleId"], r["message"]) for r in
                 json.loads(out.read_text())["runs"][0].get("results", [])]
        assert found == [], found
