"""Container resources on Windows: huge pages are not available.

Windows nodes have no huge pages; ``hugepages-*`` requests and limits cannot be satisfied,
so they are removed and reported. CPU and memory requests and limits stay (pod-level
``resources`` are handled by the security-context transform, which removes them).
"""

from __future__ import annotations

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec

HUGEPAGES = Rule(
    code="hugepages",
    severity=Severity.ERROR,
    summary="Huge pages are not available on Windows; the requests and limits were removed.",
    doc="""
    Converts: deletes ``hugepages-*`` keys from container ``requests`` and ``limits``.

    Why: Windows nodes do not offer huge pages; a pod asking for them cannot be scheduled
    there. The application may depend on them for performance or correctness.

    Example: ``limits: {hugepages-2Mi: 100Mi, memory: 100Mi}`` -> ``{memory: 100Mi}``.

    Cannot convert: huge-page memory.

    Source: Kubernetes Windows intro (HugePages not supported).
    """,
    source="https://kubernetes.io/docs/concepts/windows/intro/",
)


class ResourceLimits(PodSpecTransform):
    id = "resource-limits"
    keeps_pod_specs = True
    summary = "Remove hugepages requests and limits (not available on Windows)."
    rules = (HUGEPAGES,)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        for path, container in pod.containers():
            resources = container.get("resources")
            if not isinstance(resources, dict):
                continue
            emptied = False
            for kind in ("limits", "requests"):
                values = resources.get(kind)
                if not isinstance(values, dict):
                    continue
                huge = [k for k in values if str(k).startswith("hugepages-")]
                for key in huge:
                    context.report(HUGEPAGES, (*path, "resources", kind, key),
                                   f"container {container.get('name')!r}: {kind} {key}: "
                                   f"{values[key]} removed (no huge pages on Windows)")
                    del values[key]
                if huge and not values:  # emptied by the removal, not empty before
                    del resources[kind]
                    emptied = True
            if emptied and not resources:
                del container["resources"]
