"""Selecting and suppressing findings without editing upstream YAML: ``select``/``ignore``
rule codes (config or flags), and per resource the annotation ``winporter.dev/ignore``
(comma-separated rule codes) on the resource's metadata or its pod template's metadata.

Suppressed findings move to ``FileResult.suppressed``: they count for no exit status and
appear in no report. ``internal-error`` is never suppressed.
"""

from __future__ import annotations

import re
from typing import Any

from porter.engine.config import Config
from porter.engine.findings import Finding
from porter.engine.registry import INTERNAL_ERROR
from porter.engine.results import FileResult
from porter.errors import PorterError
from porter.kube.resources import Resource, resource_of
from porter.kube.workloads import LIST_KINDS, pod_specs
from porter.yamledit.documents import Document, Path
from porter.yamledit.parsing import compose

IGNORE_ANNOTATION = "winporter.dev/ignore"
_SEPARATORS = re.compile(r"[\s,]+")


def codes(value: Any) -> frozenset[str]:
    """The rule codes of an annotation value: ``"a, b"`` -> ``{"a", "b"}``."""
    if not isinstance(value, str):
        return frozenset()
    return frozenset(code for code in _SEPARATORS.split(value) if code)


def _annotated(metadata: Any) -> frozenset[str]:
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return codes(annotations.get(IGNORE_ANNOTATION)) if isinstance(annotations, dict) \
        else frozenset()


def _ignored_by_resource(result: FileResult) -> dict[Resource, frozenset[str]]:
    """The rules each resource of the file ignores, read from the file's text (a chart's
    rendered stream); resources are known by apiVersion, kind, namespace and name."""
    if IGNORE_ANNOTATION not in result.original:  # the cheap look: most files have none
        return {}
    try:
        documents = compose(result.original, result.path)
    except PorterError:
        return {}
    ignored: dict[Resource, frozenset[str]] = {}
    for raw in documents:
        document = Document(result.path, raw)
        try:
            data = document.data
        except PorterError:
            continue
        if not isinstance(data, dict):
            continue
        items = data.get("items") if data.get("kind") in LIST_KINDS else None
        owners: dict[Path, Any] = {(): data}
        for index, item in enumerate(items if isinstance(items, list) else []):
            owners[("items", index)] = item
        codes_of = {path: _annotated(owner.get("metadata")) if isinstance(owner, dict)
                    else frozenset() for path, owner in owners.items()}
        for pod in pod_specs(document):
            codes_of[pod.owner_path] = codes_of.get(pod.owner_path, frozenset()) | \
                _annotated(pod.metadata())
        for path, found in codes_of.items():
            if found:
                key = resource_of(owners[path])
                ignored[key] = ignored.get(key, frozenset()) | found
    return ignored


def suppress(result: FileResult, config: Config) -> FileResult:
    """Move the findings that ``config`` or an annotation suppresses to ``suppressed``."""
    if not result.findings:
        return result
    annotated = _ignored_by_resource(result)
    kept: list[Finding] = []
    for finding in result.findings:
        if finding.rule == INTERNAL_ERROR.code or not (
                (config.select is not None and finding.rule not in config.select)
                or finding.rule in config.ignore
                or finding.rule in annotated.get(finding.resource, ())):
            kept.append(finding)
        else:
            result.suppressed.append(finding)
    result.findings = kept
    return result
