"""The readiness model behind the HTML and Markdown reports: every workload is listed with the
right status, each resource's diff holds exactly its own changes, image verdicts group the
images transform's findings."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import CASES, convert_case

from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.kube.resources import Resource
from porter.outputs import json_patch, unified_diff
from porter.outputs.readiness import Status, readiness, status_of

_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def _finding(rule: str, severity: Severity) -> Finding:
    return Finding(rule, severity, "m")


@pytest.mark.parametrize(("rules", "changed", "status"), [
    ([], False, Status.READY),
    ([], True, Status.CONVERTED),
    ([("run-as-user-mapped", Severity.INFO)], True, Status.CONVERTED),
    ([("linux-image", Severity.WARNING)], True, Status.REVIEW),
    ([("linux-image", Severity.WARNING)], False, Status.REVIEW),
    ([("privileged-container", Severity.ERROR), ("linux-image", Severity.WARNING)], True,
     Status.BLOCKED),
    ([("kept-on-linux", Severity.INFO)], True, Status.LINUX),
    ([("kept-on-linux", Severity.INFO), ("internal-error", Severity.ERROR)], False,
     Status.BLOCKED),
    ([("skipped", Severity.INFO)], False, Status.UNEXAMINED),
    ([("not-examined", Severity.INFO)], False, Status.UNEXAMINED),
])
def test_status(rules, changed, status):
    assert status_of([_finding(r, s) for r, s in rules], changed) is status


def _changed_lines(diff: str) -> Counter[str]:
    """The removed and added lines of a diff (hunk lengths followed, headers skipped)."""
    lines: Counter[str] = Counter()
    old = new = 0
    for line in diff.splitlines():
        if old or new:
            if line.startswith("-"):
                old -= 1
                lines[line] += 1
            elif line.startswith("+"):
                new -= 1
                lines[line] += 1
            elif line.startswith(" "):
                old, new = old - 1, new - 1
        elif (hunk := _HUNK.match(line)) is not None:
            old, new = (int(n) if n is not None else 1 for n in hunk.group(1, 2))
    return lines


@pytest.mark.parametrize("case", CASES)
def test_resource_diffs_partition_the_file_diff(case):
    """Metamorphic: the resources' diffs together remove and add exactly the lines the file's
    diff does, and only changed resources have one."""
    result = convert_case(case)
    model = readiness([result])
    whole = _changed_lines(unified_diff.file_diff(result).lstrip("\ufeff"))
    parts: Counter[str] = Counter()
    for workload in model.workloads:
        assert bool(workload.diff) <= workload.changed, workload
        parts += _changed_lines(workload.diff)
    assert parts == whole


@pytest.mark.parametrize("case", CASES)
def test_every_workload_finding_and_patch_is_listed(case):
    result = convert_case(case)
    model = readiness([result])
    listed = {(w.resource, w.status) for w in model.workloads}
    resources = {w.resource for w in model.workloads}
    for finding in result.findings:
        assert finding.resource in resources or not finding.resource.kind, finding
    # A patch names the resource as it was in the input: its apiVersion may be the removed one
    # that api-versions rewrote (the one identity change porter makes).
    names = {(r.kind, r.namespace, r.name) for r in resources}
    for patch in json_patch.resource_patches(result):
        assert (patch.resource.kind, patch.resource.namespace, patch.resource.name) in names, patch
    assert sum(len(w.findings) for w in model.workloads) + len(model.loose_findings) == \
        len(result.findings)
    assert len(listed) >= len({(s.resource.kind, s.resource.name) for s in result.resources
                              if s.resource.kind in ("Deployment", "Pod")})


def test_ready_workloads_are_listed():
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: done}
spec:
  template:
    spec:
      os: {name: windows}
      nodeSelector: {kubernetes.io/os: windows}
      tolerations: [{key: os, operator: Equal, value: windows, effect: NoSchedule}]
      containers: [{name: app, image: "mcr.microsoft.com/windows/nanoserver:ltsc2022"}]
---
apiVersion: v1
kind: Service
metadata: {name: done}
"""
    result = Pipeline().convert_text(text, "ready.yaml")
    assert not result.changed and not result.findings
    model = readiness([result])
    assert [(w.label, w.status, w.line) for w in model.workloads] == \
        [("Deployment done", Status.READY, 1)]
    assert model.images == []  # no image finding: no images picture


def test_list_items_get_their_own_status_and_diff():
    result = convert_case("kind-list")
    model = readiness([result])
    by_name = {w.label: w for w in model.workloads}
    assert by_name["Pod debug"].status is Status.BLOCKED
    assert by_name["Deployment data/cache"].status in (Status.CONVERTED, Status.REVIEW)
    assert "Service cache" not in by_name  # no change, no finding: not a workload row
    cache = by_name["Deployment data/cache"].diff
    assert "mountPath: C:\\data" in cache and "privileged" not in cache


def test_image_verdicts_group_images_rules():
    result = convert_case("images")
    model = readiness([result])
    verdicts = {v.verdict: v for v in model.images}
    assert verdicts["windows-server-2016-image"].severity is Severity.ERROR
    assert "mcr.microsoft.com/windows/servercore:ltsc2016" in \
        verdicts["windows-server-2016-image"].images
    every = [image for v in model.images for image in v.images]
    assert len(every) == len(set(every))  # each distinct image once


def test_findings_without_resource_are_file_findings():
    finding = Finding("internal-error", Severity.ERROR, "crashed", "x.yaml")
    result = Pipeline().convert_text("a: 1\n", "x.yaml")
    result.findings.append(finding)
    model = readiness([result])
    assert model.loose_findings == [finding] and model.workloads == []
    assert model.blockers()[0][0] == "internal-error"


def test_unexamined_resource_rows_come_from_findings():
    result = convert_case("not-examined")
    model = readiness([result])
    rows = {w.resource.kind: w for w in model.workloads}
    assert rows["Rollout"].status is Status.UNEXAMINED
    assert Resource("argoproj.io/v1alpha1", "Rollout", None, "canary") in \
        {w.resource for w in model.workloads}


def test_chart_workloads_name_their_template():
    pytest.importorskip("helm_python", reason="no Helm engine: pip install -e '.[helm]'")
    from conftest import FIXTURES

    from porter.charts.convert import ChartOptions, convert_chart
    from porter.charts.inputs import ChartInput
    from porter.charts.render import HelmSdk

    chart = FIXTURES / "charts" / "web"
    result = convert_chart(ChartInput(str(chart), chart, ""), Pipeline(), ChartOptions(),
                           HelmSdk())
    model = readiness([result])
    assert len(model.engines) == 1 and model.engines[0].startswith("helm-python-sdk")
    deployments = [w for w in model.workloads if w.kind == "Deployment"]
    assert deployments and all(w.template.endswith("templates/deployment.yaml")
                               for w in deployments)
    rendered = result.original.splitlines()
    for w in deployments:  # the line is the rendered stream's: where the resource starts
        assert rendered[w.line - 1].startswith("apiVersion:")
