"""Validating converted resources: the API server's Windows rules and the OpenAPI schema.

The one implementation of each rule: the pipeline's self-check (:mod:`porter.engine.selfcheck`,
every run) and the transforms that report on the same fields call these functions, and the
tests check porter's written output with them. Two independent checks, exposed together
through :func:`violations`:

- :func:`windows_violations` re-implements the pod-spec checks of the Kubernetes API server
  that concern the pod OS (``pkg/apis/core/validation/validation.go``: ``validateOS``,
  ``validateWindows``, ``validateLinux``, ``validateWindowsSecurityContextOptions``,
  ``validateWindowsHostProcessPod``; see ``windows-rules.md`` §1-§2), ephemeral containers
  (``ValidatePodTemplateSpec``, ``ValidatePodCreate``), the controllers' selector against the
  template's labels (apps ``Validate*Spec``, ``ValidateReplicationControllerSpec``, batch
  ``validateJobSpec``), the kubelet's ``kubernetes.io/os`` label check (``predicate.go``) and
  ``verifyRunAsNonRoot``, scheduling onto a Windows amd64 node that carries the Windows taint,
  and (for the tests) the intent porter gives a converted pod: ``spec.os.name: windows``
  unless it is pinned to Linux.
- :func:`schema_violations` validates a whole resource against the Kubernetes OpenAPI schema
  shipped by the ``kubernetes-validate`` package (strict: unknown fields are errors, as with
  ``kubectl apply``'s default ``--validate=strict``).

Both work on plain data (what :class:`porter.yamledit.documents.Document` builds) and return
:class:`Violation` objects: an RFC 6901 pointer into the document and a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from porter.kube.scheduling import (
    WINDOWS_NODE,
    node_term_problems,
    selector_matches,
    tolerates,
)
from porter.kube.workloads import CONTAINER_LISTS, PodSpec, pod_specs, resources
from porter.yamledit.pointer import json_pointer

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from porter.yamledit.documents import Document, Path

OS_LABEL = "kubernetes.io/os"
WINDOWS = "windows"
LINUX = "linux"

WINDOWS_CHECK = "windows"
SCHEMA_CHECK = "schema"
SCHEDULING_CHECK = "scheduling"


@dataclass(frozen=True)
class Violation:
    """Something the API server (or the kubelet, for the OS label) would refuse."""

    pointer: str
    """RFC 6901 pointer into the document ("" for the document itself)."""
    message: str
    check: str = WINDOWS_CHECK
    """``windows`` (API server and kubelet rules), ``scheduling`` (no Windows amd64 node
    admits the pod) or ``schema`` (OpenAPI schema)."""
    source: str = ""
    """The Kubernetes code the rule comes from (``validation.go validateWindows``)."""

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


# --- Windows rules ------------------------------------------------------------------------

def _present(value: Any) -> bool:
    # A JSON null decodes to a nil pointer: the API server treats it as absent.
    return value is not None


def _true(value: Any) -> bool:
    return value is True


def _non_empty(value: Any) -> bool:
    return bool(value)


_FORBIDDEN = "Forbidden: cannot be set for a windows pod"

# validateWindows, pod level: (path below the pod spec, when it is rejected). Plain booleans
# hostPID/hostIPC only when true, sysctls only when non-empty; every pointer field (and the
# supplementalGroups slice) as soon as it is non-nil, even false or [].
POD_FORBIDDEN: tuple[tuple[tuple[str, ...], Callable[[Any], bool]], ...] = (
    (("securityContext", "appArmorProfile"), _present),
    (("securityContext", "seLinuxOptions"), _present),
    (("hostUsers",), _present),
    (("hostPID",), _true),
    (("hostIPC",), _true),
    (("securityContext", "seccompProfile"), _present),
    (("securityContext", "fsGroup"), _present),
    (("securityContext", "fsGroupChangePolicy"), _present),
    (("securityContext", "sysctls"), _non_empty),
    (("shareProcessNamespace",), _present),
    (("securityContext", "runAsUser"), _present),
    (("securityContext", "runAsGroup"), _present),
    (("securityContext", "supplementalGroups"), _present),
    (("securityContext", "supplementalGroupsPolicy"), _present),
    (("securityContext", "seLinuxChangePolicy"), _present),
    # kubernetes/kubernetes PR #133046 (~1.34): pod-level resources.
    (("resources",), _present),
)

# validateWindows, every container of every list; ``ulimits`` from open PR #137023 (KEP-5758).
CONTAINER_FORBIDDEN: tuple[str, ...] = (
    "appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities",
    "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount",
    "runAsUser", "runAsGroup", "ulimits",
)

# validateWindowsSecurityContextOptions (validation.go), byte for byte.
MAX_GMSA_SPEC_BYTES = 64 * 1024
MAX_DOMAIN_BYTES = 256
MAX_USER_BYTES = 104
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # Go's [[:cntrl:]]
_NETBIOS = re.compile(r'[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}')
_DNS_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_DOMAIN_DNS = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")
_USER_BAD_CHARS = re.compile(r'["/\\:;|=,+*?<>@\[\]]')
_USER_DOTS_SPACES = re.compile(r"[. ]+")
# k8s.io/apimachinery IsDNS1123Subdomain.
_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*")
_DNS1123_MAX = 253


def _get(mapping: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(part)
    return mapping


class _PlainDocument:
    """Just what :func:`porter.kube.workloads.pod_specs` reads of a document: its data."""

    def __init__(self, data: Any) -> None:
        self.data = data


def plain_pod_specs(data: Any) -> Iterator[PodSpec]:
    """Every pod spec of a resource given as plain data (its own, or its List items')."""
    return pod_specs(cast("Document", _PlainDocument(data)))


def windows_violations(data: Any, toleration: dict[str, str] | None = None) -> list[Violation]:
    """Every Windows (or, for pods pinned to Linux, Linux) rule the pod specs of ``data`` break.

    A pod counts as pinned to Linux when its ``nodeSelector`` says ``kubernetes.io/os:
    linux`` (what porter writes for workloads it keeps on Linux); every other pod spec must
    be a Windows pod, ``spec.os.name: windows``. ``toleration`` is the Windows pool's taint
    (as the toleration that matches it) every Windows pod must tolerate.
    """
    found: list[Violation] = []
    for pod in plain_pod_specs(data):
        found.extend(pod_violations(pod, toleration=toleration))
    return found


def pod_violations(pod: PodSpec, intent: bool = True,
                   toleration: dict[str, str] | None = None) -> list[Violation]:
    """The rules one pod spec breaks.

    With ``intent`` (what porter's output must be), a pod not pinned to Linux must be a
    Windows pod (see :func:`windows_violations`). Without it, the pod is judged as the API
    server judges it: by its own ``spec.os.name`` (Windows rules only for ``windows``),
    which is the self-check every run makes (:mod:`porter.engine.selfcheck`).
    """
    out = _Collector(pod.path)
    spec = pod.spec
    node_selector = spec.get("nodeSelector")
    pinned_linux = isinstance(node_selector, dict) and node_selector.get(OS_LABEL) == LINUX
    os_name = _check_os(spec, out)
    target: str | None
    out.source = "porter: a converted pod is a Windows pod"
    if intent:
        target = LINUX if pinned_linux else WINDOWS
        if pinned_linux and os_name == WINDOWS:
            out.add(("os", "name"), "Invalid: the pod is pinned to Linux by nodeSelector "
                    f"{OS_LABEL}: linux but spec.os.name is windows")
        elif not pinned_linux and os_name is None:
            out.add(("os",), "Required: spec.os.name must be windows for a pod converted to "
                    "Windows (it switches on the API server's Windows validation)")
        elif not pinned_linux and os_name != WINDOWS:
            out.add(("os", "name"), f"Invalid: spec.os.name is {os_name!r}, must be windows "
                    "for a pod converted to Windows")
    else:
        target = os_name if os_name in (LINUX, WINDOWS) else None
    if target == LINUX:
        _check_linux(pod, out)
    elif target == WINDOWS:
        _check_windows(pod, out)
        _check_non_root(pod, out)
        _check_scheduling(spec, toleration, out)
    if target is not None:
        _check_os_label(pod, target, out)
    _check_windows_options(pod, out)
    _check_host_process(pod, out)
    _check_ephemeral(pod, out)
    _check_selector(pod, out)
    return out.violations


class _Collector:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.violations: list[Violation] = []
        self.source = ""
        """The rule being checked, for the violations that name none."""

    def add(self, path: Path, message: str, absolute: bool = False, source: str = "",
            check: str = WINDOWS_CHECK) -> None:
        full = path if absolute else (*self.base, *path)
        self.violations.append(Violation(json_pointer(full), message, check,
                                         source or self.source))


def _check_os(spec: dict[str, Any], out: _Collector) -> str | None:
    """validateOS; the pod's OS name, or None when ``os`` is not set."""
    out.source = "pkg/apis/core/validation/validation.go validateOS"
    os_field = spec.get("os")
    if os_field is None:
        return None
    name = os_field.get("name") if isinstance(os_field, dict) else None
    if not name:
        out.add(("os", "name"), "Required value: cannot be empty (validateOS)")
        return ""
    if name not in (LINUX, WINDOWS):
        out.add(("os", "name"), f'Unsupported value: {name!r}: supported values: "linux", '
                '"windows" (validateOS)')
    return str(name)


def _containers(pod: PodSpec) -> Iterator[tuple[Path, dict[str, Any]]]:
    for list_name in CONTAINER_LISTS:
        items = pod.spec.get(list_name)
        if isinstance(items, list):
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield (list_name, index), container


def _check_windows(pod: PodSpec, out: _Collector) -> None:
    """validateWindows (with pod-level resources and container ulimits)."""
    out.source = "pkg/apis/core/validation/validation.go validateWindows"
    for path, rejected in POD_FORBIDDEN:
        if rejected(_get(pod.spec, path)):
            out.add(path, _FORBIDDEN)
    for path, container in _containers(pod):
        security = container.get("securityContext")
        if not isinstance(security, dict):
            continue
        for name in CONTAINER_FORBIDDEN:
            if _present(security.get(name)):
                out.add((*path, "securityContext", name), _FORBIDDEN)


def _check_linux(pod: PodSpec, out: _Collector) -> None:
    """validateLinux: no windowsOptions anywhere in a Linux pod."""
    out.source = "pkg/apis/core/validation/validation.go validateLinux"
    message = "Forbidden: windows options cannot be set for a linux pod (validateLinux)"
    if _present(_get(pod.spec, ("securityContext", "windowsOptions"))):
        out.add(("securityContext", "windowsOptions"), message)
    for path, container in _containers(pod):
        if _present(_get(container, ("securityContext", "windowsOptions"))):
            out.add((*path, "securityContext", "windowsOptions"), message)


_NODE_AFFINITY = "kube-scheduler NodeAffinity plugin (scheduler/framework/plugins/nodeaffinity)"
_TAINTS = "kube-scheduler TaintToleration plugin (scheduler/framework/plugins/tainttoleration)"


def _check_scheduling(spec: dict[str, Any], toleration: dict[str, str] | None,
                      out: _Collector) -> None:
    """A Windows pod must admit a Windows amd64 node (Windows node pools are amd64): its
    ``nodeSelector``, its required node-affinity terms, and a toleration of the pool's taint.
    Labels other than the OS and architecture ones are the cluster's to know, so they count
    as satisfiable."""
    selector = spec.get("nodeSelector")
    for key, value in (selector.items() if isinstance(selector, dict) else ()):
        if key in WINDOWS_NODE and str(value) != WINDOWS_NODE[key]:
            out.add(("nodeSelector", key), f"nodeSelector {key}={value} matches no Windows "
                    f"node ({key}={WINDOWS_NODE[key]} on every Windows node)",
                    source=_NODE_AFFINITY, check=SCHEDULING_CHECK)
    base = ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms")
    terms = _get(spec, base)
    if isinstance(terms, list) and terms:
        problems = [node_term_problems(term) for term in terms]
        if all(problems):  # the terms are ORed: one term that admits the node is enough
            for t, term_problems in enumerate(problems):
                for e, message in term_problems:
                    out.add((*base, t, "matchExpressions", e),
                            f"node affinity {message} excludes Windows amd64 nodes",
                            source=_NODE_AFFINITY, check=SCHEDULING_CHECK)
    if toleration is not None and not spec.get("runtimeClassName"):
        existing = spec.get("tolerations")
        if not any(tolerates(t, toleration) for t in
                   (existing if isinstance(existing, list) else [])):
            taint = f"{toleration['key']}" + (f"={toleration['value']}"
                                              if "value" in toleration else "")
            out.add(("tolerations",), f"no toleration for the Windows nodes' taint "
                    f"{taint}:{toleration['effect']}", source=_TAINTS,
                    check=SCHEDULING_CHECK)


def _check_os_label(pod: PodSpec, wanted: str, out: _Collector) -> None:
    """The kubelet refuses a pod whose kubernetes.io/os label differs from the node's OS."""
    labels = _get(pod.metadata(), ("labels",))
    if isinstance(labels, dict) and OS_LABEL in labels and labels[OS_LABEL] != wanted:
        out.add((*pod.metadata_path, "labels", OS_LABEL),
                f"Invalid: pod label {OS_LABEL}={labels[OS_LABEL]} but the pod runs on "
                f"{wanted} nodes (kubelet PodOSSelectorNodeLabelDoesNotMatch)", absolute=True,
                source="kubelet lifecycle/predicate.go rejectPodAdmissionBasedOnOSSelector")


def _check_windows_options(pod: PodSpec, out: _Collector) -> None:
    """validateWindowsSecurityContextOptions, pod level and every container."""
    out.source = "pkg/apis/core/validation/validation.go validateWindowsSecurityContextOptions"
    places: list[tuple[Path, Any]] = [(("securityContext", "windowsOptions"),
                                       _get(pod.spec, ("securityContext", "windowsOptions")))]
    for path, container in _containers(pod):
        places.append(((*path, "securityContext", "windowsOptions"),
                       _get(container, ("securityContext", "windowsOptions"))))
    for path, options in places:
        if not isinstance(options, dict):
            continue
        name = options.get("gmsaCredentialSpecName")
        if isinstance(name, str):
            for message in dns1123_subdomain_errors(name):
                out.add((*path, "gmsaCredentialSpecName"), f"Invalid value: {name!r}: {message}")
        spec = options.get("gmsaCredentialSpec")
        if isinstance(spec, str):
            if not spec:
                out.add((*path, "gmsaCredentialSpec"),
                        "Invalid value: gmsaCredentialSpec cannot be an empty string")
            elif len(spec.encode()) > MAX_GMSA_SPEC_BYTES:
                out.add((*path, "gmsaCredentialSpec"),
                        "Invalid value: gmsaCredentialSpec size must be under 64 KiB")
        user = options.get("runAsUserName")
        if isinstance(user, str):
            for message in run_as_user_name_errors(user):
                out.add((*path, "runAsUserName"), f"Invalid value: {user!r}: {message}")


def dns1123_subdomain_errors(value: str) -> list[str]:
    """k8s.io/apimachinery ``IsDNS1123Subdomain``."""
    errors = []
    if len(value) > _DNS1123_MAX:
        errors.append(f"must be no more than {_DNS1123_MAX} characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                      "characters, '-' or '.', and must start and end with an alphanumeric "
                      "character")
    return errors


def run_as_user_name_errors(value: str) -> list[str]:
    """validateWindowsSecurityContextOptions for ``runAsUserName`` (``DOMAIN\\USER``).

    Lengths are in bytes, as Go's ``len`` counts them.
    """
    if not value:
        return ["runAsUserName cannot be an empty string"]
    if _CONTROL.search(value):
        return ["runAsUserName cannot contain control characters"]
    parts = value.split("\\")
    if len(parts) > 2:
        return ["runAsUserName cannot contain more than one backslash"]
    domain, user = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    errors = []
    if len(domain.encode()) >= MAX_DOMAIN_BYTES:
        errors.append(f"runAsUserName's Domain length must be under {MAX_DOMAIN_BYTES} "
                      "characters")
    if len(parts) == 2 and not (_NETBIOS.fullmatch(domain) or _DOMAIN_DNS.fullmatch(domain)):
        errors.append("runAsUserName's Domain doesn't match the NetBios nor the DNS format")
    if not user:
        errors.append("runAsUserName's User cannot be empty")
    elif len(user.encode()) > MAX_USER_BYTES:
        errors.append(f"runAsUserName's User length must not be longer than {MAX_USER_BYTES} "
                      "characters")
    if _USER_DOTS_SPACES.fullmatch(user):
        errors.append("runAsUserName's User cannot contain only periods or spaces")
    if _USER_BAD_CHARS.search(user):
        errors.append('runAsUserName\'s User cannot contain the following characters: '
                      '"/\\:;|=,+*?<>@[]')
    return errors


def host_process_containers(pod: PodSpec) -> list[tuple[Path, str, bool]]:
    """Every container (init, regular, ephemeral) with its path below the pod spec, its name,
    and whether it is a HostProcess container (its own ``hostProcess``, else the pod's), as
    validateWindowsHostProcessPod counts them."""
    pod_value = _get(pod.spec, ("securityContext", "windowsOptions", "hostProcess"))
    found = []
    for path, container in _containers(pod):
        value = _get(container, ("securityContext", "windowsOptions", "hostProcess"))
        effective = value is True or (not isinstance(value, bool) and pod_value is True)
        found.append((path, str(container.get("name")), effective))
    return found


def is_host_process(pod: PodSpec) -> bool:
    """Does the pod have any HostProcess container (which makes it a HostProcess pod, with
    what the API server then requires of it)?"""
    return any(effective for _, _, effective in host_process_containers(pod))


def host_process_violations(pod: PodSpec) -> list[Violation]:
    """validateWindowsHostProcessPod alone (pointers from the document root)."""
    out = _Collector(pod.path)
    _check_host_process(pod, out)
    return out.violations


def _check_host_process(pod: PodSpec, out: _Collector) -> None:
    """validateWindowsHostProcessPod (runs for every pod, whatever its OS).

    Not checked: "hostProcess containers are disallowed by cluster policy", which depends on
    the cluster's --allow-privileged setting.
    """
    out.source = "pkg/apis/core/validation/validation.go validateWindowsHostProcessPod"
    pod_value = _get(pod.spec, ("securityContext", "windowsOptions", "hostProcess"))
    pod_value = pod_value if isinstance(pod_value, bool) else None
    containers = host_process = 0
    for path, container in _containers(pod):
        containers += 1
        value = _get(container, ("securityContext", "windowsOptions", "hostProcess"))
        value = value if isinstance(value, bool) else None
        if pod_value is not None and value is not None and pod_value != value:
            out.add((*path, "securityContext", "windowsOptions", "hostProcess"),
                    "Invalid value: pod hostProcess value must be identical if both are "
                    f"specified, was {str(pod_value).lower()}")
        if value is True or (value is None and pod_value is True):
            host_process += 1
    if not host_process:
        return
    if host_process != containers:
        out.add((), "Invalid value: If pod contains any hostProcess containers then all "
                "containers must be HostProcess containers")
    if pod.spec.get("hostNetwork") is not True:
        out.add(("hostNetwork",), "Invalid value: hostNetwork must be true if pod contains "
                "any hostProcess containers")


_KUBELET_NON_ROOT = "pkg/kubelet/kuberuntime/security_context_windows.go verifyRunAsNonRoot"
WINDOWS_ROOT_USER = "ContainerAdministrator"


def _effective(pod: PodSpec, container: dict[str, Any], name: str,
               windows: bool = False) -> Any:
    """securitycontext.DetermineEffectiveSecurityContext for one field: the container's
    value, else the pod's (``windows``: a field of ``windowsOptions``)."""
    path = ("securityContext", "windowsOptions", name) if windows else ("securityContext", name)
    value = _get(container, path)
    return value if value is not None else _get(pod.spec, path)


def non_root_conflicts(pod: PodSpec) -> Iterator[tuple[Path, str]]:
    """Containers the Windows kubelet refuses to start (verifyRunAsNonRoot): effective
    ``runAsNonRoot: true`` with an effective ``runAsUserName`` equal to
    ``ContainerAdministrator`` ignoring case (``strings.EqualFold``, since
    kubernetes/kubernetes PR #111009). Yields each container's path (relative to the pod spec)
    and its user name. An image's default user is not known here."""
    for path, container in _containers(pod):
        if _effective(pod, container, "runAsNonRoot") is not True:
            continue
        user = _effective(pod, container, "runAsUserName", windows=True)
        if isinstance(user, str) and user.casefold() == WINDOWS_ROOT_USER.casefold():
            yield path, user


def _check_non_root(pod: PodSpec, out: _Collector) -> None:
    for path, user in non_root_conflicts(pod):
        out.add(path, f"runAsNonRoot is true but the container runs as {user}, which the "
                "kubelet regards as root: the container never starts",
                source=_KUBELET_NON_ROOT)


def _check_ephemeral(pod: PodSpec, out: _Collector) -> None:
    """Ephemeral containers are added to running pods through the ``ephemeralcontainers``
    subresource only."""
    if not pod.spec.get("ephemeralContainers"):
        return
    if pod.kind == "Pod":
        out.add(("ephemeralContainers",), "Forbidden: cannot be set on create",
                source=f"{_CORE}ValidatePodCreate")
    else:
        out.add(("ephemeralContainers",), "Forbidden: ephemeral containers not allowed in "
                "pod template", source=f"{_CORE}ValidatePodTemplateSpec")


_CORE = "pkg/apis/core/validation/validation.go "
_APPS = "pkg/apis/apps/validation/validation.go "
_SELECTOR_SOURCES = {
    "Deployment": f"{_APPS}ValidateDeploymentSpec",
    "ReplicaSet": f"{_APPS}ValidateReplicaSetSpec",
    "StatefulSet": f"{_APPS}ValidateStatefulSetSpec",
    "DaemonSet": f"{_APPS}ValidateDaemonSetSpec",
    "ReplicationController": f"{_CORE}ValidateReplicationControllerSpec",
    "Job": "pkg/apis/batch/validation/validation.go validateJobSpec (manualSelector)",
}
def controller_selector(owner: Any) -> tuple[Path, Any] | None:
    """Where a controller's selector is (relative to the owner) and its value, for the
    controllers whose selector the API server matches against the pod template's labels
    (a Job only with ``manualSelector: true``); None for the others."""
    if not isinstance(owner, dict) or owner.get("kind") not in _SELECTOR_SOURCES:
        return None
    spec = owner.get("spec")
    if not isinstance(spec, dict):
        return None
    if owner["kind"] == "Job" and spec.get("manualSelector") is not True:
        return None
    return ("spec", "selector"), spec.get("selector")


def _check_selector(pod: PodSpec, out: _Collector) -> None:
    owner = pod.owner
    found = controller_selector(owner)
    if found is None:
        return
    path, selector = found
    kind = owner["kind"]
    source = _SELECTOR_SOURCES[kind]
    where = (*pod.owner_path, *path)
    metadata = pod.metadata() or {}
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    if selector is None:
        # A missing selector is defaulted from the template's labels (ReplicationController,
        # the retired API versions) or is an error of the input porter does not judge.
        return
    if kind == "ReplicationController":  # a plain map
        selector = {"matchLabels": selector} if isinstance(selector, dict) else selector
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or
                                              selector.get("matchExpressions")):
        return  # empty: as above, not a Windows matter
    if not selector_matches(selector, labels):
        out.add(where, "Invalid value: selector does not match template labels",
                absolute=True, source=source)


# --- OpenAPI schema -----------------------------------------------------------------------

class SchemaUnavailable(RuntimeError):
    """The ``kubernetes-validate`` package (test extra) is not installed."""


def _kubernetes_validate() -> Any:
    try:
        import kubernetes_validate.utils as utils
    except ImportError:
        raise SchemaUnavailable("schema validation needs the kubernetes-validate package "
                                "(pip install 'winporter[test]')") from None
    return utils


@cache
def schema_version() -> str:
    """The newest Kubernetes version whose schemas kubernetes-validate ships, e.g. ``1.37.0``."""
    return str(_kubernetes_validate().latest_version())


def _schema_dir(version: str, strict: bool) -> str:
    return f"kubernetes-json-schema/v{version}-local{'-strict' if strict else ''}"


@cache
def _registry(version: str, strict: bool) -> Any:
    """The shared ``_definitions.json`` of one schema set, loaded once (1.8 MB of JSON)."""
    from referencing import Registry, Resource

    utils = _kubernetes_validate()
    definitions = utils.schema_contents(f"{_schema_dir(version, strict)}/_definitions.json",
                                        version)
    return Resource.from_contents(definitions) @ Registry()


def _schema_file(kind: str, api_version: str) -> str:
    # kubernetes-validate's naming: rbac.authorization.k8s.io/v1 -> rbac-v1, apps/v1 -> apps-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@cache
def _validator(kind: str, api_version: str, version: str, strict: bool) -> Validator | None:
    """A cached validator for one kind and apiVersion, or None when there is no schema."""
    import jsonschema
    from referencing import Resource

    utils = _kubernetes_validate()
    try:
        schema = utils.schema_contents(
            f"{_schema_dir(version, strict)}/{_schema_file(kind, api_version)}", version)
    except FileNotFoundError:
        return None
    registry = Resource.from_contents(schema) @ _registry(version, strict)
    return cast("Validator", jsonschema.Draft202012Validator(schema, registry=registry))


def has_schema(data: Any, version: str | None = None, strict: bool = True) -> bool:
    """Whether the schema set knows the kind and apiVersion of ``data``."""
    kind, api_version = _kind_of(data)
    return bool(kind and api_version) and \
        _validator(kind, api_version, version or schema_version(), strict) is not None


def _kind_of(data: Any) -> tuple[str | None, str | None]:
    if not isinstance(data, dict):
        return None, None
    kind, api_version = data.get("kind"), data.get("apiVersion")
    return (kind if isinstance(kind, str) else None,
            api_version if isinstance(api_version, str) else None)


def schema_violations(data: Any, version: str | None = None,
                      strict: bool = True) -> list[Violation]:
    """Where ``data`` breaks the OpenAPI schema of its kind (items of a ``kind: List`` each
    against their own). Kinds without a schema (custom resources, removed API versions) are
    not checked: see :func:`has_schema`.

    ``strict`` uses the schemas that refuse unknown fields.
    """
    version = version or schema_version()
    found: list[Violation] = []
    for prefix, resource in resources(data):
        kind, api_version = _kind_of(resource)
        if not (kind and api_version):
            continue
        validator = _validator(kind, api_version, version, strict)
        if validator is None:
            continue
        for error in validator.iter_errors(resource):
            pointer = json_pointer((*prefix, *error.absolute_path))
            found.append(Violation(pointer, error.message, SCHEMA_CHECK))
    return sorted(found, key=lambda v: (v.pointer, v.message))


# --- Both ---------------------------------------------------------------------------------

def violations(data: Any, schema: bool = True, version: str | None = None,
               strict: bool = True) -> list[Violation]:
    """Everything the API server would refuse in one resource: the Windows rules for every
    pod spec, then (with ``schema``) the OpenAPI schema of the resource."""
    found = windows_violations(data)
    if schema:
        found.extend(schema_violations(data, version, strict))
    return found


def plain_documents(text: str, name: str = "-",
                    wanted: Collection[str] | None = None) -> dict[int, Any]:
    """The plain data of the documents of a YAML stream, by index (raises InputError for bad
    YAML). With ``wanted`` (kinds, such as :attr:`porter.engine.pipeline.Pipeline.kinds`), only
    the documents that may be of those kinds are parsed, as the pipeline does."""
    from porter.yamledit.parsing import compose, segments
    from porter.yamledit.plaindata import build

    raws = compose(text, name) if wanted is None else \
        [raw for piece in segments(text, name, wanted) for raw in piece.documents or ()]
    return {raw.index: build(raw.root, name)[0] for raw in raws}


def text_violations(text: str, name: str = "-", schema: bool = True,
                    version: str | None = None) -> list[tuple[int, Violation]]:
    """:func:`violations` for every document of a YAML stream, with the document's index."""
    return [(index, violation)
            for index, data in plain_documents(text, name).items()
            for violation in violations(data, schema, version)]
