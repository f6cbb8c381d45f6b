"""The review outputs over every fixture, each checked against the tool that consumes it:
the diff with ``git apply`` and ``patch``, the JSON Patch with jsonpatch, the kustomize
overlay with real kustomize, SARIF and the JSON report with their JSON Schemas; plus
snapshots of each artifact (reviewed by hand: a snapshot of a wrong answer is a bug)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonpatch
import jsonschema
import pytest
from conftest import FIXTURES, ROOT, DiffSnapshot, JsonSnapshot, YamlSnapshot, convert_case
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from porter.engine.findings import Finding, Severity
from porter.engine.results import DocumentPatch, FileResult
from porter.kube.resources import Resource, resource_of
from porter.kube.workloads import LIST_KINDS
from porter.outputs import (
    github,
    json_patch,
    kustomize,
    report_json,
    report_text,
    sarif,
    summary,
    unified_diff,
)
from porter.yamledit.diffing import same
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build
from porter.yamledit.textfile import SourceText


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = "txt"

    def serialize(self, data, **kwargs):  # type: ignore[no-untyped-def]
        return data.encode("utf-8")


class SarifSnapshot(TextSnapshot):
    file_extension = "sarif"


REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
OVERLAY_DIR, OVERLAY_CWD = "/repo/overlays/windows", "/repo/fixtures"


@functools.cache
def converted(case: str) -> FileResult:
    return convert_case(case)


def documents(text: str) -> list[Any]:
    """Every document of ``text`` as porter reads it (YAML 1.1 scalars, as the API server)."""
    return [build(raw.root, "t")[0] for raw in compose(text, "t")]


# --- unified diff -------------------------------------------------------------------------

def _apply_with(tool: list[str], original: bytes, patch: str, tmp_path: Path, name: str) -> bytes:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(original)
    (tmp_path / "change.diff").write_bytes(patch.encode("utf-8"))
    subprocess.run([*tool, str(tmp_path / "change.diff")], cwd=tmp_path, check=True,
                   capture_output=True)
    return target.read_bytes()


TOOLS = {"git": ["git", "apply", "-p1"], "patch": ["patch", "-p1", "-s", "-i"]}


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_diff_applies_with_git_and_patch(case, tool, tmp_path):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    result = converted(case)
    patch = unified_diff.file_diff(result)
    if not patch:
        assert not result.changed
        return
    original = (FIXTURES / case / "input.yaml").read_bytes()
    assert _apply_with(TOOLS[tool], original, patch, tmp_path, f"{case}/input.yaml") == \
        result.converted_bytes()


EDGE_CASES = {
    "crlf": ("a: 1\r\nb: 2\r\nc: 3\r\n", "a: 1\r\nb: 9\r\nc: 3\r\n"),
    "no-final-newline": ("a: 1\nb: 2", "a: 1\nb: 9"),
    "crlf-no-final-newline": ("a: 1\r\nb: 2", "a: 1\r\nb: 9"),
    "newline-added": ("a: 1", "a: 1\n"),
    "document-appended": ("a: 1\nb: 2", "a: 1\nb: 2\n---\nc: 3\n"),
    "document-removed": ("a: 1\n---\nb: 2\n", "a: 1\n"),
    "document-prepended": ("b: 2\n", "a: 1\n---\nb: 2\n"),
    "dashes-removed": ("x: 1\n-- x\n--- \n", "x: 1\n"),
    "from-empty": ("", "a: 1\n"),
    "line-separator-in-value": ("a: \"x\u2028y\"\nb: 2\n", "a: \"x\u2028y\"\nb: 3\n"),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_diff_edge_cases_apply(name, tmp_path):
    before, after = EDGE_CASES[name]
    result = FileResult(path="./deploy/app.yaml", original=before, converted=after)
    patch = unified_diff.file_diff(result)
    assert patch.startswith("--- a/deploy/app.yaml\n+++ b/deploy/app.yaml\n@@ ")
    for tool in ("git", "patch"):
        if shutil.which(tool):
            applied = _apply_with(TOOLS[tool], before.encode(), patch, tmp_path / tool,
                                  "deploy/app.yaml")
            assert applied == after.encode(), (tool, patch)
    # colour changes nothing but the escape codes
    assert re.sub(r"\x1b\[[0-9;]*m", "", unified_diff.colorize(patch)) == patch


def test_diff_only_shows_changed_lines():
    result = converted("quickstart")
    patch = unified_diff.file_diff(result, context=0)
    removed = [line[1:] for line in patch.splitlines(keepends=True)
               if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in patch.splitlines(keepends=True)
             if line.startswith("+") and not line.startswith("+++")]
    original, output = result.original.splitlines(True), result.converted.splitlines(True)
    assert all(line not in output or original.count(line) > output.count(line)
               for line in removed)
    assert all(line not in original or output.count(line) > original.count(line)
               for line in added)


def test_diff_header_names():
    assert unified_diff.diff_path("./.config/app.yaml") == ".config/app.yaml"
    assert unified_diff.diff_path("<stdin>") == "stdin.yaml"
    spaced = FileResult(path="my app.yaml", original="a: 1\n", converted="a: 2\n")
    assert unified_diff.file_diff(spaced).startswith("--- a/my app.yaml\t\n+++ b/my app.yaml\t\n")
    odd = FileResult(path="naïve.yaml", original="a: 1\n", converted="a: 2\n")
    assert unified_diff.file_diff(odd).startswith('--- "a/na\\303\\257ve.yaml"\n')


@pytest.mark.parametrize("case_name", ["quickstart", "crlf-bom"])
def test_diff_colour_snapshot(case_name, snapshot):
    coloured = unified_diff.colorize(unified_diff.file_diff(converted(case_name)))
    assert coloured == snapshot(extension_class=DiffSnapshot)


# --- JSON Patch ---------------------------------------------------------------------------

def test_patch_snapshot(case, snapshot):
    assert json_patch.render([converted(case)]) == snapshot(extension_class=JsonSnapshot)


def _resolve(document: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        document = document[int(part) if isinstance(document, list) else part]
    return document


def test_patch_turns_the_input_into_the_output(case):
    """Applying each resource's patch (with jsonpatch) to the parsed input gives the parsed
    output; documents without a patch are equal as they are."""
    result = converted(case)
    before, after = documents(result.original), documents(result.converted)
    assert len(before) == len(after)
    patched = [json.loads(json.dumps(doc)) for doc in before]
    entries = json.loads(json_patch.render([result]))["patches"]
    for entry in entries:
        assert entry["file"] == result.path
        document = patched[entry["document"]]
        target = _resolve(document, entry["pointer"])
        assert resource_of(target).to_dict() == entry["resource"]
        new = jsonpatch.apply_patch(target, entry["patch"])
        if entry["pointer"]:
            parent, _, index = entry["pointer"].rpartition("/")
            _resolve(document, parent)[int(index)] = new
        else:
            patched[entry["document"]] = new
    for index, (got, want) in enumerate(zip(patched, after, strict=True)):
        assert same(got, json.loads(json.dumps(want))), f"document {index}"
    assert bool(entries) == result.changed


def test_patch_of_a_list_item_names_the_item():
    result = converted("kind-list")
    patches = json_patch.resource_patches(result)
    assert patches and all(p.pointer.startswith("/items/") for p in patches)
    assert all(p.resource.kind not in (None, "List") for p in patches)


# --- kustomize ----------------------------------------------------------------------------

def test_kustomization_snapshot(case, snapshot):
    overlay = kustomize.overlay([converted(case)], OVERLAY_DIR, OVERLAY_CWD, "overlays/windows")
    assert overlay.text == snapshot(extension_class=YamlSnapshot)
    assert overlay.resources == [f"../../fixtures/{case}/input.yaml"]
    assert overlay.outside


def test_kustomize_targets_are_exact():
    assert kustomize.target(Resource("apps/v1", "Deployment", "shop", "web.v2")) == \
        {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "shop",
         "name": "web\\.v2"}
    # no namespace: kustomize's "default", or a target would match every namespace
    assert kustomize.target(Resource("v1", "Pod", None, "p"))["namespace"] == "default"
    assert "namespace" not in kustomize.target(Resource("v1", "PersistentVolume", None, "pv"))


def test_overlay_inside_its_directory_needs_no_load_restrictor():
    result = FileResult(path="base/app.yaml", original="", converted="",
                        source=SourceText(""))
    overlay = kustomize.overlay([result], "/repo", "/repo")
    assert overlay.resources == ["base/app.yaml"]
    assert not overlay.outside and "LoadRestrictionsNone" not in overlay.text


@functools.cache
def _kustomize() -> list[str] | str:
    """The kustomize command (standalone, or kubectl's), or why there is none fit to use."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build"]
        version = subprocess.run(["kustomize", "version"], capture_output=True, text=True,
                                 check=False).stdout
    elif shutil.which("kubectl"):
        command = ["kubectl", "kustomize"]
        version = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                                 text=True, check=False).stdout
        version = (re.findall(r"Kustomize Version: (\S+)", version) or [""])[0]
    else:
        return "neither kustomize nor kubectl is installed (.ci/run installs kubectl)"
    match = re.search(r"v?(\d+)\.\d+", version)
    if not match or int(match.group(1)) < 4:
        return f"kustomize {version.strip() or '(unknown version)'} is too old: the overlay " \
               "needs kustomize v4 or newer (patches with inline JSON 6902 and targets)"
    return command


def _resources(text: str) -> dict[tuple[Any, ...], Any]:
    found: dict[tuple[Any, ...], Any] = {}
    for data in documents(text):
        if not isinstance(data, dict):
            continue
        for item in data["items"] if data.get("kind") in LIST_KINDS else [data]:
            resource = resource_of(item)
            key = (resource.api_version, resource.kind, resource.namespace, resource.name)
            assert key not in found, f"{key} twice"
            found[key] = item
    return found


def test_kustomize_builds_the_converted_output(case, tmp_path):
    """kustomize builds the overlay (upstream file + patches) into exactly what porter's
    converted file holds, resource by resource."""
    command = _kustomize()
    if isinstance(command, str):
        pytest.skip(command)
    result = converted(case)
    upstream = tmp_path / "upstream" / case
    upstream.mkdir(parents=True)
    shutil.copyfile(FIXTURES / case / "input.yaml", upstream / "input.yaml")
    directory = tmp_path / "overlay"
    directory.mkdir()
    overlay = kustomize.overlay([result], str(directory), str(tmp_path / "upstream"))
    (directory / "kustomization.yaml").write_text(overlay.text)
    assert f"Build: {' '.join(command[:2])}" in overlay.text or "kubectl kustomize" in overlay.text
    built = subprocess.run([*command, "--load-restrictor", "LoadRestrictionsNone",
                            str(directory)], capture_output=True, text=True, check=False)
    if built.returncode and any("YAML directive" in note for note in overlay.notes):
        pytest.skip(f"kustomize cannot read this input (porter said so: {overlay.notes[0]})")
    assert built.returncode == 0, built.stderr
    assert not overlay.notes
    got, want = _resources(built.stdout), _resources(result.converted)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert same(got[key], value), key


# --- reports ------------------------------------------------------------------------------

def test_sarif_snapshot_and_schema(case, snapshot):
    text = sarif.render([converted(case)])
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(text))
    assert text == snapshot(extension_class=SarifSnapshot)


def test_sarif_rules_carry_their_documentation():
    log = sarif.report([converted("security-context")])
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({rule["id"] for rule in rules}) == len(rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "Why:" in rule["help"]["text"] and "**Why:**" in rule["help"]["markdown"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    privileged = next(r for r in rules if r["id"] == "privileged-container")
    assert privileged["defaultConfiguration"]["level"] == "error"
    assert privileged["helpUri"].startswith("https://")


def test_sarif_input_errors_are_notifications():
    from porter.errors import InputError

    bad = FileResult(path="bad dir/x.yaml", original="", converted="",
                     errors=[InputError("invalid YAML: oops", "bad dir/x.yaml", 3, 1)])
    log = sarif.report([bad])
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    location = invocation["toolExecutionNotifications"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "bad%20dir/x.yaml"
    assert sarif.artifact_uri("/abs/app.yaml") == "file:///abs/app.yaml"


def test_json_report_validates_against_its_schema(case):
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(
        json.loads(report_json.render([converted(case)])))


def test_json_schema_rejects_what_breaks_the_contract():
    report = json.loads(report_json.render([converted("security-context")]))
    validator = jsonschema.Draft202012Validator(REPORT_SCHEMA)
    validator.validate(report)
    for broken in ({**report, "version": 2}, {**report, "extra": 1},
                   {**report, "findings": [{**report["findings"][0], "line": 0}]},
                   {**report, "findings": [{**report["findings"][0], "severity": "fatal"}]}):
        assert not validator.is_valid(broken)


def test_text_report_snapshot(case, snapshot):
    text = report_text.render([converted(case)])
    for line in text.splitlines():
        assert re.match(r"[^:]+:\d+:\d+: (error|warning|info) [a-z0-9-]+ ", line), line
    assert text == snapshot(extension_class=TextSnapshot)


def test_github_snapshot(case, snapshot):
    text = github.render([converted(case)])
    for line in text.splitlines():
        assert re.match(r"::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=[^:]+::",
                        line), line
    assert text == snapshot(extension_class=TextSnapshot)


def test_github_escapes_commands():
    finding = Finding("r", Severity.ERROR, "50% done\nnext, line", file="a,b:c.yaml", line=2,
                      column=3, hint=None)
    result = FileResult(path="a,b:c.yaml", original="", converted="", findings=[finding])
    assert github.render([result]) == \
        "::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=porter r::50%25 done%0Anext, line " \
        "(?, /)\n"


# --- human summary ------------------------------------------------------------------------

def test_summary_snapshot(case, snapshot):
    text = summary.render([converted(case)])
    assert all(len(line) <= summary.WIDTH for line in text.splitlines()), text
    assert text == snapshot(extension_class=TextSnapshot)


def test_summary_fits_80_columns_with_long_names():
    finding = Finding("a-very-long-rule-code-from-some-third-party-plugin-transform",
                      Severity.ERROR, "m", file="deploy/" + "x" * 90 + ".yaml", line=3)
    results = [FileResult(path=f"deploy/{'very-long-directory-name/' * 3}app{n}.yaml",
                          original="a", converted="b", findings=[finding]) for n in range(8)]
    text = summary.render(results, "8 written to some/where/far/away", check=True)
    # a line is over 80 columns only when it is one path that cannot be broken
    assert all(len(line) <= summary.WIDTH or len(line.split()) == 1
               for line in text.splitlines()), text
    assert "and 3 more" in text and "next: 8 items need manual work" in text
    for result in results[:summary.MAX_FILES]:  # no path is broken mid-word
        assert result.path in text.replace("\n    ", " ")


def test_summary_next_step_in_check_mode():
    result = FileResult(path="a.yaml", original="a: 1\n", converted="a: 2\n",
                        patches=[DocumentPatch(0, Resource("v1", "Pod", None, "p"), [])])
    text = summary.render([result], check=True)
    assert "1 would change" in text and "next: apply the changes with porter convert" in text
