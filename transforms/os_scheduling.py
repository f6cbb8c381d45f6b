"""Schedule pods on Windows nodes.

Sets ``spec.os.name: windows`` (which switches on the API server's Windows validation and the
Pod Security exemptions), selects Windows nodes with ``kubernetes.io/os: windows`` (replacing a
``linux`` value and the retired ``beta.kubernetes.io/os`` label), rewrites node-affinity terms
on the OS label, rewrites the pod template's own ``kubernetes.io/os`` label (which the kubelet
checks), and tolerates the Windows node pool's taint, without duplicating a toleration that
already covers it.

Options:
  toleration: the Windows pool's taint as ``key[=value]:Effect``; empty for none.
              Default ``os=windows:NoSchedule`` (the upstream guide's convention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from porter.dictedit import child, replace_key
from porter.findings import Severity
from porter.transform import Context, PodSpecTransform, Rule
from porter.workloads import PodSpec

OS_LABEL = "kubernetes.io/os"
BETA_OS_LABEL = "beta.kubernetes.io/os"
_TAINT = re.compile(r"^(?P<key>[^=:\s]+)(=(?P<value>[^:\s]*))?:(?P<effect>NoSchedule|"
                    r"PreferNoSchedule|NoExecute)$")

LINUX_SELECTOR = Rule(
    code="linux-selector-replaced",
    severity=Severity.INFO,
    summary="A Linux node selector, affinity term or OS label was changed to Windows.",
    doc="""
    Converts: ``nodeSelector`` ``kubernetes.io/os: linux`` (and the retired
    ``beta.kubernetes.io/os``), node-affinity match expressions on those labels, the pod
    template label ``kubernetes.io/os`` and ``spec.os.name: linux`` become ``windows``.

    Why: the manifest explicitly asked for Linux nodes; porting it means asking for Windows
    nodes instead. The kubelet also refuses a pod whose ``kubernetes.io/os`` label differs
    from the node's OS. Reported so that a reviewer sees the intent was reversed on purpose.

    Example: ``nodeSelector: {kubernetes.io/os: linux}`` -> ``{kubernetes.io/os: windows}``.

    Cannot convert: nothing; this is informational.

    Source: Kubernetes docs, "Guide for running Windows containers" (user-guide.md) and
    well-known labels (kubernetes.io/os); kubelet predicate.go
    (rejectPodAdmissionBasedOnOSSelector).
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)


@dataclass(frozen=True)
class Options:
    toleration: str = "os=windows:NoSchedule"

    def __post_init__(self) -> None:
        if self.toleration and not _TAINT.match(self.toleration):
            raise ValueError(f"toleration must look like key[=value]:Effect, "
                             f"not {self.toleration!r}")


def parse_taint(text: str) -> dict[str, str] | None:
    """The toleration that matches a ``key[=value]:Effect`` taint."""
    match = _TAINT.match(text)
    if not match:
        return None
    toleration = {"key": match["key"]}
    if match["value"]:
        toleration |= {"operator": "Equal", "value": match["value"]}
    else:
        toleration["operator"] = "Exists"
    toleration["effect"] = match["effect"]
    return toleration


def tolerates(existing: Any, wanted: dict[str, str]) -> bool:
    """Does toleration ``existing`` already tolerate the taint ``wanted`` tolerates?"""
    if not isinstance(existing, dict):
        return False
    effect = existing.get("effect")
    if effect not in (None, "", wanted["effect"]):
        return False
    operator = existing.get("operator") or "Equal"
    key = existing.get("key")
    if operator == "Exists":
        return key in (None, "", wanted["key"])
    return key == wanted["key"] and str(existing.get("value", "")) == wanted.get("value", "")


class OsScheduling(PodSpecTransform):
    id = "os-scheduling"
    summary = "Set spec.os.name, the Windows node selector, affinity, labels and toleration."
    rules = (LINUX_SELECTOR,)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        spec = pod.spec
        os_field = spec.get("os")
        if isinstance(os_field, dict) and os_field.get("name") not in (None, "windows"):
            context.report(LINUX_SELECTOR, (*pod.path, "os", "name"),
                           f"spec.os.name was {os_field.get('name')!r}; now 'windows'")
        if not isinstance(os_field, dict) or os_field.get("name") != "windows":
            child(spec, "os")["name"] = "windows"
        self._node_selector(pod, context)
        self._affinity(pod, context)
        self._labels(pod, context)
        self._toleration(pod)

    def _node_selector(self, pod: PodSpec, context: Context) -> None:
        selector = child(pod.spec, "nodeSelector")
        for label in (OS_LABEL, BETA_OS_LABEL):
            value = selector.get(label)
            if value is not None and value != "windows":
                context.report(LINUX_SELECTOR, (*pod.path, "nodeSelector", label),
                               f"nodeSelector {label}={value} replaced by {OS_LABEL}=windows")
        if BETA_OS_LABEL in selector:
            if OS_LABEL in selector:
                del selector[BETA_OS_LABEL]
            else:
                replace_key(selector, BETA_OS_LABEL, OS_LABEL, "windows")
        selector[OS_LABEL] = "windows"

    def _affinity(self, pod: PodSpec, context: Context) -> None:
        affinity = pod.spec.get("affinity")
        node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
        if not isinstance(node_affinity, dict):
            return
        base = (*pod.path, "affinity", "nodeAffinity")
        required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        terms = required.get("nodeSelectorTerms") if isinstance(required, dict) else None
        for index, term in enumerate(terms if isinstance(terms, list) else []):
            self._term(term, (*base, "requiredDuringSchedulingIgnoredDuringExecution",
                              "nodeSelectorTerms", index), context)
        preferred = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")
        for index, weighted in enumerate(preferred if isinstance(preferred, list) else []):
            if isinstance(weighted, dict) and isinstance(weighted.get("preference"), dict):
                self._term(weighted["preference"],
                           (*base, "preferredDuringSchedulingIgnoredDuringExecution", index,
                            "preference"), context)

    def _term(self, term: Any, path: tuple[Any, ...], context: Context) -> None:
        expressions = term.get("matchExpressions") if isinstance(term, dict) else None
        for index, expression in enumerate(expressions if isinstance(expressions, list) else []):
            if not isinstance(expression, dict) or \
                    expression.get("key") not in (OS_LABEL, BETA_OS_LABEL):
                continue
            wanted = {"key": OS_LABEL, "operator": "In", "values": ["windows"]}
            current = {k: expression.get(k) for k in wanted}
            if current == wanted:
                continue
            context.report(LINUX_SELECTOR, (*path, "matchExpressions", index),
                           f"node affinity on {expression.get('key')} "
                           f"({expression.get('operator')} {expression.get('values')}) now "
                           f"requires {OS_LABEL} In [windows]")
            if expression.get("key") != OS_LABEL:
                expression["key"] = OS_LABEL
            expression["operator"] = "In"
            expression["values"] = ["windows"]

    def _labels(self, pod: PodSpec, context: Context) -> None:
        metadata = pod.metadata()
        labels = metadata.get("labels") if metadata else None
        if not isinstance(labels, dict):
            return
        for label in (OS_LABEL, BETA_OS_LABEL):
            if label in labels and labels[label] != "windows":
                context.report(LINUX_SELECTOR, (*pod.metadata_path, "labels", label),
                               f"pod label {label}={labels[label]} now says windows "
                               "(the kubelet rejects a pod whose OS label differs from "
                               "the node's)")
                labels[label] = "windows"

    def _toleration(self, pod: PodSpec) -> None:
        wanted = parse_taint(self.options.toleration) if self.options.toleration else None
        if wanted is None:
            return
        tolerations = pod.spec.get("tolerations")
        if not isinstance(tolerations, list):
            tolerations = pod.spec["tolerations"] = []
        if not any(tolerates(existing, wanted) for existing in tolerations):
            tolerations.append(wanted)
