"""Schedule pods on Windows nodes.

Sets ``spec.os.name: windows`` (which switches on the API server's Windows validation and the
Pod Security exemptions), selects Windows nodes with ``kubernetes.io/os: windows`` (replacing a
``linux`` value and the retired ``beta.kubernetes.io/os`` label), rewrites node-affinity terms
on the OS label, rewrites the pod template's own ``kubernetes.io/os`` label (which the kubelet
checks; the beta label, which it does not check, is left) and with it the controller's
selector when that selects on the label, and tolerates the Windows node pool's taint,
without duplicating a toleration that already covers it.

In RuntimeClass mode (option ``runtime-class``) the pod names a RuntimeClass instead, whose
``scheduling`` carries the node selector and toleration (``porter convert`` writes that
RuntimeClass too: appended to stdout, or ``runtimeclass-NAME.yaml`` beside the output):
porter sets ``runtimeClassName`` and adds no selector or toleration of its own, only turning
a ``linux`` selector into ``windows`` so it cannot conflict.

Options:
  toleration: the Windows pool's taint as ``key[=value]:Effect``; empty for none.
              Default ``os=windows:NoSchedule`` (the upstream guide's convention).
  windows-build-selector: also select ``node.kubernetes.io/windows-build`` of the target
              Windows version (for clusters with several Windows versions). Default false.
  runtime-class: name of a Windows RuntimeClass to use instead of selector and toleration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.scheduling import (
    BETA_OS_LABEL,
    BUILD_LABEL,
    OS_LABEL,
    parse_taint,
    selector_matches,
    tolerates,
)
from porter.kube.validation import controller_selector
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import child, replace_key

LINUX_SELECTOR = Rule(
    code="linux-selector-replaced",
    severity=Severity.INFO,
    summary="A Linux node selector, affinity term or OS label was changed to Windows.",
    doc="""
    Converts: ``nodeSelector`` ``kubernetes.io/os: linux`` (and the retired
    ``beta.kubernetes.io/os``), node-affinity match expressions on those labels, the pod
    template label ``kubernetes.io/os`` and a ``spec.os.name`` other than ``linux`` (which
    is ``linux-os-field-replaced``) become ``windows``.

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


_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")

RUNTIME_CLASS = Rule(
    code="runtime-class-replaced",
    severity=Severity.WARNING,
    summary="runtimeClassName was replaced by the Windows RuntimeClass.",
    doc="""
    Converts: ``runtimeClassName`` -> the option ``runtime-class`` (RuntimeClass mode).

    Why: the pod named another RuntimeClass (for instance a Linux sandbox such as gVisor or
    Kata), which cannot run a Windows container.

    Example: ``runtimeClassName: gvisor`` -> ``windows-2022``.

    Cannot convert: the sandboxing the old class gave.

    Source: Kubernetes Windows user guide (RuntimeClass); RuntimeClass scheduling.
    """,
    source="https://kubernetes.io/docs/concepts/containers/runtime-class/",
)


BUILD_REPLACED = Rule(
    code="windows-build-replaced",
    severity=Severity.WARNING,
    summary="A node.kubernetes.io/windows-build selector now names the target's build.",
    doc="""
    Converts: ``nodeSelector`` ``node.kubernetes.io/windows-build`` -> the build of
    ``--target-windows`` (with the option ``windows-build-selector``).

    Why: the workload selected nodes of another Windows build; its images must match the
    nodes' build, so check that they were rebuilt for the target.

    Example: ``"10.0.17763"`` (2019) -> ``"10.0.20348"`` (2022).

    Cannot convert: the images; see ``image-build-mismatch``.

    Source: Kubernetes Windows user guide (windows-build label); well-known labels.
    """,
    source="https://kubernetes.io/docs/reference/labels-annotations-taints/",
)

SELECTOR_CHANGED = Rule(
    code="selector-changed",
    severity=Severity.WARNING,
    summary="A controller's selector on kubernetes.io/os was changed with its template label.",
    doc="""
    Converts: ``spec.selector`` of a Deployment, ReplicaSet, StatefulSet, DaemonSet,
    ReplicationController (or a Job with ``manualSelector: true``) that selects on
    ``kubernetes.io/os``: ``matchLabels`` (the RC's map) -> ``windows``, and a
    ``matchExpressions`` entry that no longer matches -> ``In [windows]``, when the pod
    template's ``kubernetes.io/os`` label was rewritten.

    Why: the API server rejects a controller whose selector does not match its template's
    labels, and the template's ``kubernetes.io/os`` label must say ``windows`` (the kubelet
    refuses a pod whose label differs from the node's OS). Selectors are immutable on live
    objects: ``kubectl apply`` of the converted manifest over the running workload fails, so
    the workload must be deleted and created again. The retired ``beta.kubernetes.io/os``
    pod label is left as it is: the kubelet does not check it, so it breaks nothing.

    Example: ``selector: {matchLabels: {app: web, kubernetes.io/os: linux}}`` with the same
    template labels -> both say ``windows``.

    Cannot convert: the live object; delete and recreate it (``kubectl delete`` then
    ``kubectl apply``, or ``kubectl replace --force``).

    Source: pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec and friends:
    "selector does not match template labels"; ValidateDeploymentUpdate: "field is
    immutable"); pkg/kubelet/lifecycle/predicate.go (only ``kubernetes.io/os`` is checked).
    """,
    source="https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector",
)
LINUX_OS_FIELD = Rule(
    code="linux-os-field-replaced",
    severity=Severity.WARNING,
    summary="An explicit spec.os.name: linux was replaced by windows.",
    doc="""
    Converts: ``spec.os.name: linux`` -> ``windows``.

    Why: ``spec.os.name: linux`` is an explicit statement that the pod is a Linux pod (the
    API server then applies the Linux rules). Converting it overrides its author's intent,
    so it is a warning, not a note: check that the workload really can run on Windows, or
    keep it on Linux (``winporter.dev/keep-on-linux: "true"``).

    Example: ``os: {name: linux}`` -> ``os: {name: windows}``.

    Cannot convert: nothing else; the decision is a human's.

    Source: Kubernetes PodSpec ``os`` field (KEP-2802 IdentifyPodOS); validation.go
    validateOS.
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)


@dataclass(frozen=True)
class Options:
    toleration: str = "os=windows:NoSchedule"
    windows_build_selector: bool = False
    runtime_class: str | None = None

    def __post_init__(self) -> None:
        if self.toleration and parse_taint(self.toleration) is None:
            raise ValueError(f"toleration must look like key[=value]:Effect, "
                             f"not {self.toleration!r}")
        if self.runtime_class is not None and not _NAME.match(self.runtime_class):
            raise ValueError(f"runtime-class {self.runtime_class!r} is not a valid name")


class OsScheduling(PodSpecTransform):
    id = "os-scheduling"
    keeps_pod_specs = True
    summary = "Set spec.os.name, the Windows node selector, affinity, labels and toleration."
    rules = (LINUX_SELECTOR, RUNTIME_CLASS, BUILD_REPLACED, SELECTOR_CHANGED, LINUX_OS_FIELD)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        spec = pod.spec
        runtime = self.options.runtime_class
        os_field = spec.get("os")
        if isinstance(os_field, dict) and os_field.get("name") not in (None, "windows"):
            explicit = os_field.get("name") == "linux"
            context.report(LINUX_OS_FIELD if explicit else LINUX_SELECTOR,
                           (*pod.path, "os", "name"),
                           f"spec.os.name was {os_field.get('name')!r}; now 'windows'",
                           hint="the manifest said it is a Linux pod: check it runs on Windows, "
                                "or keep it on Linux" if explicit else None)
        if not isinstance(os_field, dict) or os_field.get("name") != "windows":
            child(spec, "os")["name"] = "windows"
        if runtime:
            current = spec.get("runtimeClassName")
            if current not in (None, runtime):
                context.report(RUNTIME_CLASS, (*pod.path, "runtimeClassName"),
                               f"runtimeClassName {current} -> {runtime}")
            spec["runtimeClassName"] = runtime
        self._node_selector(pod, context, create=not runtime)
        if self.options.windows_build_selector and not runtime:
            selector = child(spec, "nodeSelector")
            build = context.config.target.build
            if selector.get(BUILD_LABEL) not in (None, build):
                context.report(BUILD_REPLACED, (*pod.path, "nodeSelector", BUILD_LABEL),
                               f"{BUILD_LABEL} {selector[BUILD_LABEL]} -> {build} "
                               f"({context.config.target.name})",
                               hint="make sure the images were rebuilt for the target")
            selector[BUILD_LABEL] = build
        self._affinity(pod, context)
        self._labels(pod, context)
        if not runtime:
            self._toleration(pod)

    def _node_selector(self, pod: PodSpec, context: Context, create: bool) -> None:
        if not create and not isinstance(pod.spec.get("nodeSelector"), dict):
            return
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
        if create or OS_LABEL in selector:
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
        # Only the GA label: the kubelet checks no other, and the beta one may be what the
        # controller's (immutable) selector matches on.
        metadata = pod.metadata()
        labels = metadata.get("labels") if metadata else None
        if not isinstance(labels, dict) or labels.get(OS_LABEL, "windows") == "windows":
            return
        context.report(LINUX_SELECTOR, (*pod.metadata_path, "labels", OS_LABEL),
                       f"pod label {OS_LABEL}={labels[OS_LABEL]} now says windows "
                       "(the kubelet rejects a pod whose OS label differs from the node's)")
        labels[OS_LABEL] = "windows"
        self._selector(pod, labels, context)

    def _selector(self, pod: PodSpec, labels: dict[str, Any], context: Context) -> None:
        """Keep the controller's selector matching the relabelled template."""
        found = controller_selector(pod.owner)
        if found is None or not isinstance(found[1], dict):
            return
        path, selector = found
        where = (*pod.owner_path, *path)
        plain = pod.kind == "ReplicationController"  # a map, not a LabelSelector
        if selector_matches({"matchLabels": selector} if plain else selector, labels):
            return
        changed = False
        match_labels = selector if plain else selector.get("matchLabels")
        if isinstance(match_labels, dict) and OS_LABEL in match_labels:
            match_labels[OS_LABEL] = "windows"
            changed = True
        expressions = [] if plain else selector.get("matchExpressions")
        for expression in expressions if isinstance(expressions, list) else []:
            if isinstance(expression, dict) and expression.get("key") == OS_LABEL and \
                    not selector_matches({"matchExpressions": [expression]}, labels):
                expression["operator"] = "In"
                expression["values"] = ["windows"]
                changed = True
        if changed:
            context.report(SELECTOR_CHANGED, where,
                           f"{pod.kind} selector on {OS_LABEL} now says windows, to keep "
                           "matching the pod template's label",
                           hint="a live object's selector is immutable: delete the workload "
                                "and create it again (kubectl apply alone is refused)")

    def _toleration(self, pod: PodSpec) -> None:
        wanted = parse_taint(self.options.toleration) if self.options.toleration else None
        if wanted is None:
            return
        tolerations = pod.spec.get("tolerations")
        if not isinstance(tolerations, list):
            tolerations = pod.spec["tolerations"] = []
        if not any(tolerates(existing, wanted) for existing in tolerations):
            tolerations.append(wanted)
