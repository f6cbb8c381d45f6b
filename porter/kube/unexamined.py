"""Pod templates porter does not examine: pod specs inside resources of kinds it does not
convert (custom resources such as Argo Rollouts, Knative Services, operators' CRs).

porter converts only the workload kinds it knows (``porter.kube.workloads``); a pod template in
any other resource is left alone and reported as ``not-examined``, so that nobody takes a
clean run for a converted cluster. Finding them must stay cheap: most slices of a file are
never parsed (the fast path in ``porter.yamledit.parsing``), and only those whose text holds a
``containers`` key with a list value are looked at here.
"""

from __future__ import annotations

import re
from typing import Any

from porter.kube.workloads import is_workload, resources
from porter.yamledit.documents import Path

MAX_REPORTED = 20
"""At most this many pod templates are reported per resource."""

MAY_HOLD_POD_TEMPLATE = re.compile(
    r"""\bcontainers["']?[ \t]*:[ \t]*(?:\[|(?:\#[^\r\n]*)?(?:\r\n|\r|\n)"""
    r"""(?:[ \t]*(?:\#[^\r\n]*)?(?:\r\n|\r|\n))*[ \t]*-[ \t\r\n])""")
"""The cheap look: a ``containers:`` key whose value is a list (block or flow). A CRD's
schema has ``containers:`` followed by a mapping (``description:``, ``items:``), which this
does not match."""

_DEFINITION = re.compile(r"(?m)^kind[ \t]*:[ \t]*[\"']?CustomResourceDefinition\b")


def may_hold_pod_template(text: str) -> bool:
    """Might ``text`` (a slice of a file) hold a pod template? False is certain."""
    return _DEFINITION.search(text) is None and MAY_HOLD_POD_TEMPLATE.search(text) is not None


def _is_pod_spec(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    containers = value.get("containers")
    return isinstance(containers, list) and all(isinstance(c, dict) for c in containers)


def pod_templates(obj: Any, limit: int = MAX_REPORTED) -> list[Path]:
    """Paths of the pod specs (mappings with a ``containers`` list of mappings) in ``obj``."""
    found: list[Path] = []
    stack: list[tuple[Path, Any]] = [((), obj)]
    while stack and len(found) < limit:
        path, value = stack.pop()
        if _is_pod_spec(value):
            found.append(path)
            continue
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(value.items())
                         if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value)))
                         if isinstance(v, dict | list))
    return found


def unexamined(data: Any) -> list[Path]:
    """Pod specs in ``data`` (a document, or the items of a ``kind: List``) that belong to no
    workload kind porter converts."""
    found: list[Path] = []
    for owner, obj in resources(data):
        if isinstance(obj, dict) and obj.get("kind") and not is_workload(obj):
            found.extend((*owner, *path) for path in pod_templates(obj))
    return found
