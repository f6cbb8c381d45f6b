"""Pod specs found once per document (``shared_pod_specs``): the same answers as finding them
again for every transform, and found again whenever they may have moved."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import CASES, FIXTURES, case_config

from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.engine.transform import PodSpecTransform, shared_pod_specs
from porter.kube.workloads import pod_specs
from porter.yamledit.documents import Document
from porter.yamledit.parsing import compose

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx:1.25}
"""


def _where(document: Document) -> list[tuple[object, ...]]:
    return [(p.owner_path, p.metadata_path, p.path, id(p.spec)) for p in pod_specs(document)]


def _summary(result: FileResult) -> tuple[object, ...]:
    return (result.converted, [f.to_dict() for f in result.findings], result.resources,
            [dataclasses.astuple(p) for p in result.patches], [str(e) for e in result.errors])


def _convert(pipeline: Pipeline, case: str) -> FileResult:
    return pipeline.convert_text((FIXTURES / case / "input.yaml").read_text(), case)


@pytest.mark.parametrize("case", CASES)
def test_transforms_that_keep_pod_specs_keep_them(case):
    pipeline = Pipeline(case_config(case))
    for transform in pipeline.transforms:
        assert transform.keeps_pod_specs  # every built-in one says so: checked here

        def checked(document, context, apply=transform.apply):
            before = _where(document)
            apply(document, context)
            assert _where(document) == before

        transform.apply = checked  # type: ignore[method-assign]
    _convert(pipeline, case)


@pytest.mark.parametrize("case", CASES)
def test_same_results_as_finding_pod_specs_for_each_transform(case):
    shared = Pipeline(case_config(case))
    each = Pipeline(case_config(case))
    for transform in each.transforms:
        transform.keeps_pod_specs = False  # type: ignore[misc]
    assert _summary(_convert(shared, case)) == _summary(_convert(each, case))


class _Moves(PodSpecTransform):
    """Replaces each pod spec by a copy with an extra container (moves every pod spec)."""

    id = "moves"
    summary = "test"
    order = 11

    def apply_pod(self, pod, context):
        template = pod.owner["spec"]["template"]
        template["spec"] = {**pod.spec, "containers": [
            *pod.spec["containers"], {"name": "added", "image": "busybox:1.36"}]}


def test_later_transforms_see_a_moved_pod_spec():
    pipeline = Pipeline()
    pipeline.transforms = sorted([*pipeline.transforms, _Moves()], key=lambda t: t.order)
    result = pipeline.convert_text(DEPLOYMENT, "web.yaml")
    assert "image: busybox:1.36" in result.converted
    assert any(f.rule == "linux-image" and "'added'" in f.message for f in result.findings)
    assert result.resources[0].images == (
        ("/spec/template/spec/containers/0/image", "nginx:1.25"),
        ("/spec/template/spec/containers/1/image", "busybox:1.36"))


def test_found_again_when_the_data_is_replaced():
    document = Document("web.yaml", compose(DEPLOYMENT, "web.yaml")[0])
    first = shared_pod_specs(document)
    assert shared_pod_specs(document) is first
    document.data = {"kind": "Pod", "apiVersion": "v1", "spec": {"containers": []}}
    again = shared_pod_specs(document)
    assert [p.path for p in again] == [("spec",)]
    assert again[0].spec is document.data["spec"]
