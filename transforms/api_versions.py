"""Workloads in API versions that Kubernetes removed.

``extensions/v1beta1``, ``apps/v1beta1`` and ``apps/v1beta2`` Deployments, DaemonSets,
ReplicaSets and StatefulSets (removed in 1.16) and ``batch/v1beta1``/``batch/v2alpha1``
CronJobs (removed in 1.25) are refused by every cluster that knows ``spec.os`` (1.23 and
later for workloads, 1.25 for CronJobs), so converting them for Windows alone would produce
manifests no such cluster accepts. Each is an error naming the replacement and what it
needs; the opt-in ``rewrite`` writes the current apiVersion where that is mechanical.

Options:
  rewrite: rewrite the apiVersion (apps/v1, batch/v1), add the ``spec.selector`` that the old
           version defaulted from the template's labels, and drop the fields the new version
           does not have (default false: report only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, Rule, Transform
from porter.kube.workloads import LIST_KINDS, resources
from porter.yamledit.documents import Document, Path
from porter.yamledit.plaindata import clone

_GUIDE = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/"
_APPS_REMOVED = {"extensions/v1beta1": ("Deployment", "DaemonSet", "ReplicaSet"),
                 "apps/v1beta1": ("Deployment", "StatefulSet"),
                 "apps/v1beta2": ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")}
REMOVED: dict[tuple[str, str], tuple[str, str]] = {
    **{(version, kind): ("apps/v1", "1.16") for version, kinds in _APPS_REMOVED.items()
       for kind in kinds},
    ("batch/v1beta1", "CronJob"): ("batch/v1", "1.25"),
    ("batch/v2alpha1", "CronJob"): ("batch/v1", "1.21"),
}
"""(apiVersion, kind) -> (replacement apiVersion, the Kubernetes release that removed it)."""
SELECTOR_DEFAULTED = frozenset({"extensions/v1beta1", "apps/v1beta1"})
"""Versions whose defaulting set a missing ``spec.selector`` from the template's labels."""
DROPPED = {("extensions/v1beta1", "Deployment"): ("rollbackTo",),
           ("apps/v1beta1", "Deployment"): ("rollbackTo",),
           ("extensions/v1beta1", "DaemonSet"): ("templateGeneration",)}
"""Spec fields the replacement version does not have."""
DEFAULTS_CHANGED = {
    ("extensions/v1beta1", "Deployment"): "revisionHistoryLimit (all -> 10), "
    "progressDeadlineSeconds (none -> 600), rollingUpdate maxSurge/maxUnavailable (1 -> 25%)",
    ("apps/v1beta1", "Deployment"): "revisionHistoryLimit (2 -> 10)",
    ("extensions/v1beta1", "DaemonSet"): "updateStrategy (OnDelete -> RollingUpdate)",
    ("apps/v1beta1", "StatefulSet"): "updateStrategy (OnDelete -> RollingUpdate)",
}
"""Defaults that differ in the replacement version (set them to keep the old behaviour)."""

REMOVED_API = Rule(
    code="removed-api-version",
    severity=Severity.ERROR,
    summary="A workload in an API version Kubernetes removed; no current cluster accepts it.",
    doc="""
    Converts: nothing unless the option ``rewrite`` is set; then see
    ``api-version-rewritten``.

    Why: ``extensions/v1beta1``, ``apps/v1beta1`` and ``apps/v1beta2`` workloads were removed
    in Kubernetes 1.16, ``batch/v1beta1`` CronJobs in 1.25 (``batch/v2alpha1`` earlier);
    ``spec.os``, which every converted pod needs, exists only in far later clusters. The
    replacement is ``apps/v1`` (``spec.selector`` required, and it must match the template's
    labels; the old versions but ``apps/v1beta2`` defaulted it from them) or ``batch/v1``.

    Example: ``apiVersion: extensions/v1beta1``, ``kind: Deployment`` without a selector.

    Cannot convert: without ``rewrite``, the apiVersion; with it, a workload that needs a
    selector and has no template labels to take it from.

    Source: Kubernetes Deprecated API Migration Guide (v1.16, v1.25 removals).
    """,
    source=_GUIDE,
)
REWRITTEN = Rule(
    code="api-version-rewritten",
    severity=Severity.WARNING,
    summary="A removed apiVersion was rewritten to its replacement (option rewrite).",
    doc="""
    Converts: the apiVersion to ``apps/v1`` or ``batch/v1``; for ``apps/v1`` a missing
    ``spec.selector`` becomes ``matchLabels`` of the template's labels (what
    ``extensions/v1beta1`` and ``apps/v1beta1`` defaulted it to); ``spec.rollbackTo`` and
    ``spec.templateGeneration``, which ``apps/v1`` does not have, are dropped.

    Why: the schemas are otherwise the same, so the rewrite is mechanical. Some defaults
    differ and the finding names them (a Deployment's ``revisionHistoryLimit``,
    ``progressDeadlineSeconds`` and rolling-update sizes; a DaemonSet's or StatefulSet's
    ``updateStrategy``): set them explicitly to keep the old behaviour.

    Example: ``extensions/v1beta1`` Deployment -> ``apps/v1`` with ``selector: {matchLabels:
    {app: web}}``.

    Cannot convert: the live object's history; apply to a cluster that never had the old
    object, or recreate it.

    Source: Kubernetes Deprecated API Migration Guide; apps/v1 and extensions/v1beta1
    defaulting (pkg/apis/apps/v1/defaults.go, pkg/apis/extensions/v1beta1/defaults.go).
    """,
    source=_GUIDE,
)


@dataclass(frozen=True)
class Options:
    rewrite: bool = False


class ApiVersions(Transform):
    id = "api-versions"
    keeps_pod_specs = True
    summary = "Report workloads in removed API versions; optionally rewrite to apps/v1, batch/v1."
    rules = (REMOVED_API, REWRITTEN)
    Options = Options
    order = 5
    kinds = frozenset({"Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "CronJob"}) | \
        LIST_KINDS

    def apply(self, document: Document, context: Context) -> None:
        for path, obj in list(resources(document.data)):
            if not isinstance(obj, dict) or _skipped(obj):
                continue
            key = (str(obj.get("apiVersion")), str(obj.get("kind")))
            if key in REMOVED:
                self._removed(obj, key, path, context)

    def _removed(self, obj: dict[str, Any], key: tuple[str, str], path: Path,
                 context: Context) -> None:
        version, kind = key
        replacement, release = REMOVED[key]
        where = (*path, "apiVersion")
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else None
        labels = _template_labels(spec)
        needs_selector = replacement == "apps/v1" and spec is not None and \
            spec.get("selector") is None
        if not self.options.rewrite or (needs_selector and version not in SELECTOR_DEFAULTED) \
                or (needs_selector and not labels):
            needs = " (which needs a spec.selector matching the template's labels)" \
                if needs_selector else ""
            context.report(REMOVED_API, where,
                           f"{kind} {version} was removed in Kubernetes {release}; use "
                           f"{replacement}{needs}",
                           hint="rerun with -O api-versions.rewrite=true" if
                           not self.options.rewrite else "add spec.selector by hand")
            return
        obj["apiVersion"] = replacement
        done = [f"apiVersion {version} -> {replacement}"]
        if needs_selector and spec is not None:
            spec["selector"] = {"matchLabels": clone(labels)}
            done.append("spec.selector set from the template's labels")
        for field in DROPPED.get(key, ()):
            if spec is not None and field in spec:
                del spec[field]
                done.append(f"spec.{field} dropped")
        changed = DEFAULTS_CHANGED.get(key)
        context.report(REWRITTEN, where, f"{kind}: " + "; ".join(done),
                       hint=f"defaults that differ in {replacement}: {changed}; set them to "
                            "keep the old behaviour" if changed else None)


def _template_labels(spec: dict[str, Any] | None) -> dict[str, Any]:
    if spec is None:
        return {}
    template = spec.get("jobTemplate") if "jobTemplate" in spec else spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def _skipped(obj: dict[str, Any]) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and \
        str(annotations.get("winporter.dev/skip", "")).lower() in ("true", "yes", "1")
