"""The self-check every run makes: each converted pod spec against the API server's Windows
rules and the scheduler, after the transforms have run.

Whatever the transforms left that the API server would refuse (``rejected-by-api``) or that
no Windows amd64 node admits (``cannot-schedule``) becomes an error finding at the offending
field, naming the Kubernetes rule, unless a transform already reported an error there (or
above it). The rules themselves live in :mod:`porter.kube.validation`, once: the transforms
that report on the same fields call the same functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from porter.engine.findings import Finding, Severity
from porter.engine.transform import Context, Rule, shared_pod_specs
from porter.kube.resources import resource_at
from porter.kube.scheduling import parse_taint
from porter.kube.validation import SCHEDULING_CHECK, Violation, pod_violations
from porter.yamledit.documents import Document, Path
from porter.yamledit.pointer import parse_pointer

if TYPE_CHECKING:
    from porter.engine.config import Config

_VALIDATION = "https://github.com/kubernetes/kubernetes/blob/master/pkg/apis/core/validation/"

REJECTED = Rule(
    code="rejected-by-api",
    severity=Severity.ERROR,
    summary="After conversion, the API server (or the kubelet) would still refuse this pod.",
    doc="""
    Converts: nothing; it checks what the transforms wrote.

    Why: a manifest that exits 0 but fails at ``kubectl apply`` is silently wrong. After the
    transforms, every pod spec is checked as the API server checks it: ``validateOS``,
    ``validateWindows`` (for ``spec.os.name: windows``), ``validateLinux``,
    ``validateWindowsSecurityContextOptions`` (``runAsUserName``, gMSA fields),
    ``validateWindowsHostProcessPod`` (pod and container ``hostProcess`` agree, every
    container, init and ephemeral ones included, is HostProcess once one is, and
    ``hostNetwork: true``), ephemeral containers (not allowed in a pod template, nor on
    create), the controller's ``selector`` against the template's labels, and what the
    kubelet refuses: a ``kubernetes.io/os`` pod label that is not the node's OS, and
    ``runAsNonRoot: true`` with ``ContainerAdministrator``.

    Example: a HostProcess pod whose init container sets ``hostProcess: false``: "Invalid
    value: pod hostProcess value must be identical if both are specified".

    Cannot convert: what the finding names; fix it in the input. A field a transform already
    reported as an error is not reported twice.

    Source: pkg/apis/core/validation/validation.go (validateOS, validateWindows,
    validateLinux, validateWindowsSecurityContextOptions, validateWindowsHostProcessPod,
    ValidatePodTemplateSpec, ValidatePodCreate, ValidateReplicationControllerSpec);
    pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, ValidateReplicaSetSpec,
    ValidateStatefulSetSpec, ValidateDaemonSetSpec); pkg/apis/batch/validation/validation.go
    (validateJobSpec); pkg/kubelet/lifecycle/predicate.go; pkg/kubelet/kuberuntime/
    security_context_windows.go (verifyRunAsNonRoot).
    """,
    source=_VALIDATION + "validation.go",
)
UNSCHEDULABLE = Rule(
    code="cannot-schedule",
    severity=Severity.ERROR,
    summary="After conversion, no Windows amd64 node admits this pod.",
    doc="""
    Converts: nothing; it checks what the transforms wrote.

    Why: a Windows pod that no node admits stays Pending forever. Every Windows node is
    labelled ``kubernetes.io/os: windows`` and ``kubernetes.io/arch: amd64`` (Windows node
    pools are amd64 only) and, with porter's default, tainted ``os=windows:NoSchedule``. A
    ``nodeSelector`` or required node affinity on those labels that excludes such a node
    (``kubernetes.io/arch: arm64``), or no toleration of the configured taint, leaves the pod
    unschedulable. Selectors on other labels are the cluster's to know and count as
    satisfiable; in RuntimeClass mode the RuntimeClass carries the toleration.

    Example: ``nodeSelector: {kubernetes.io/arch: arm64}`` on a converted pod.

    Cannot convert: which architecture was meant; build the image for Windows amd64 and drop
    or change the selector.

    Source: kube-scheduler NodeAffinity and TaintToleration plugins
    (pkg/scheduler/framework/plugins/nodeaffinity, tainttoleration); Kubernetes well-known
    labels (kubernetes.io/os, kubernetes.io/arch); Windows user guide (taints and
    tolerations).
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)
RULES = (REJECTED, UNSCHEDULABLE)


def self_check(document: Document, config: Config, enabled: frozenset[str],
               findings: list[Finding]) -> list[Finding]:
    """The error findings for what the transforms left wrong in ``document`` (its data as
    they left it); ``findings`` are theirs, ``enabled`` the ids of the enabled transforms."""
    context = Context(document, config, findings.append)
    toleration = configured_toleration(config, enabled)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    out: list[Finding] = []
    for pod in shared_pod_specs(document):
        if context.is_left_alone(pod):
            continue
        for violation in pod_violations(pod, intent=False, toleration=toleration):
            if not any(_covers(f.path, violation.pointer) for f in (*errors, *out)):
                out.append(_finding(document, violation))
    return out


def configured_toleration(config: Config, enabled: frozenset[str]) -> dict[str, str] | None:
    """The Windows pool's taint, as os-scheduling is configured to tolerate it (None when
    os-scheduling does not run, has no taint, or leaves scheduling to a RuntimeClass)."""
    if "os-scheduling" not in enabled:
        return None
    options = config.options_for("os-scheduling")
    if getattr(options, "runtime_class", None):
        return None
    taint = getattr(options, "toleration", "")
    return parse_taint(taint) if taint else None


def _covers(path: str, pointer: str) -> bool:
    return pointer == path or pointer.startswith(path + "/")


def _path(data: Any, pointer: str) -> Path:
    """The path of keys and indexes a pointer into ``data`` names."""
    path: list[str | int] = []
    for part in parse_pointer(pointer):
        step: str | int = int(part) if isinstance(data, list) and part.isdigit() else part
        path.append(step)
        data = data[step] if isinstance(data, list) and isinstance(step, int) and \
            step < len(data) else data.get(step) if isinstance(data, dict) else None
    return tuple(path)


def _finding(document: Document, violation: Violation) -> Finding:
    path = _path(document.data, violation.pointer)
    line, column = document.locate(path)
    rule = UNSCHEDULABLE if violation.check == SCHEDULING_CHECK else REJECTED
    who = "no Windows amd64 node admits the pod" if rule is UNSCHEDULABLE else \
        "the kubelet refuses the pod" if "kubelet" in violation.source else \
        "the API server rejects the pod"
    return Finding(
        rule=rule.code, severity=rule.severity,
        message=f"{who}: {violation.message} [{violation.source}]",
        file=document.file, line=line, column=column,
        resource=resource_at(document.data, path), path=violation.pointer,
        hint="porter could not make this valid; fix the input (see porter explain "
             f"{rule.code})")
