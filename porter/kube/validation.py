"""Validating converted resources: the API server's Windows rules and the OpenAPI schema.

Two independent checks, exposed together through :func:`violations`:

- :func:`windows_violations` re-implements the pod-spec checks of the Kubernetes API server
  that concern the pod OS (``pkg/apis/core/validation/validation.go``: ``validateOS``,
  ``validateWindows``, ``validateLinux``, ``validateWindowsSecurityContextOptions``,
  ``validateWindowsHostProcessPod``; see ``windows-rules.md`` §1-§2) plus the kubelet's
  ``kubernetes.io/os`` label check (``predicate.go``) and the intent porter gives a converted
  pod: ``spec.os.name: windows`` unless it is pinned to Linux.
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


@dataclass(frozen=True)
class Violation:
    """Something the API server (or the kubelet, for the OS label) would refuse."""

    pointer: str
    """RFC 6901 pointer into the document ("" for the document itself)."""
    message: str
    check: str = WINDOWS_CHECK
    """``windows`` (pod OS rules) or ``schema`` (OpenAPI schema)."""

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


def windows_violations(data: Any) -> list[Violation]:
    """Every Windows (or, for pods pinned to Linux, Linux) rule the pod specs of ``data`` break.

    A pod counts as pinned to Linux when its ``nodeSelector`` says ``kubernetes.io/os:
    linux`` (what porter writes for workloads it keeps on Linux); every other pod spec must
    be a Windows pod, ``spec.os.name: windows``.
    """
    found: list[Violation] = []
    for pod in plain_pod_specs(data):
        found.extend(pod_violations(pod))
    return found


def pod_violations(pod: PodSpec) -> list[Violation]:
    """The Windows/Linux rules one pod spec breaks (see :func:`windows_violations`)."""
    out = _Collector(pod.path)
    spec = pod.spec
    node_selector = spec.get("nodeSelector")
    pinned_linux = isinstance(node_selector, dict) and node_selector.get(OS_LABEL) == LINUX
    os_name = _check_os(spec, out)
    if pinned_linux:
        if os_name == WINDOWS:
            out.add(("os", "name"), "Invalid: the pod is pinned to Linux by nodeSelector "
                    f"{OS_LABEL}: linux but spec.os.name is windows")
        _check_linux(pod, out)
    else:
        if os_name is None:
            out.add(("os",), "Required: spec.os.name must be windows for a pod converted to "
                    "Windows (it switches on the API server's Windows validation)")
        elif os_name != WINDOWS:
            out.add(("os", "name"), f"Invalid: spec.os.name is {os_name!r}, must be windows "
                    "for a pod converted to Windows")
        _check_windows(pod, out)
        _check_affinity(spec, out)
    _check_os_label(pod, LINUX if pinned_linux else WINDOWS, out)
    _check_windows_options(pod, out)
    _check_host_process(pod, out)
    return out.violations


class _Collector:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.violations: list[Violation] = []

    def add(self, path: Path, message: str, absolute: bool = False) -> None:
        full = path if absolute else (*self.base, *path)
        self.violations.append(Violation(json_pointer(full), message, WINDOWS_CHECK))


def _check_os(spec: dict[str, Any], out: _Collector) -> str | None:
    """validateOS; the pod's OS name, or None when ``os`` is not set."""
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
    message = "Forbidden: windows options cannot be set for a linux pod (validateLinux)"
    if _present(_get(pod.spec, ("securityContext", "windowsOptions"))):
        out.add(("securityContext", "windowsOptions"), message)
    for path, container in _containers(pod):
        if _present(_get(container, ("securityContext", "windowsOptions"))):
            out.add((*path, "securityContext", "windowsOptions"), message)


def _check_affinity(spec: dict[str, Any], out: _Collector) -> None:
    """Required node-affinity terms on kubernetes.io/os must admit Windows nodes."""
    terms = _get(spec, ("affinity", "nodeAffinity",
                        "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"))
    if not isinstance(terms, list):
        return
    base = ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms")
    for t, term in enumerate(terms):
        expressions = term.get("matchExpressions") if isinstance(term, dict) else None
        for e, expression in enumerate(expressions if isinstance(expressions, list) else []):
            if not isinstance(expression, dict) or expression.get("key") != OS_LABEL:
                continue
            values = expression.get("values")
            values = values if isinstance(values, list) else []
            operator = expression.get("operator")
            if (operator == "In" and WINDOWS not in values) or \
                    (operator == "NotIn" and WINDOWS in values):
                out.add((*base, t, "matchExpressions", e),
                        f"Invalid: node affinity {OS_LABEL} {operator} {values} excludes "
                        "Windows nodes")


def _check_os_label(pod: PodSpec, wanted: str, out: _Collector) -> None:
    """The kubelet refuses a pod whose kubernetes.io/os label differs from the node's OS."""
    labels = _get(pod.metadata(), ("labels",))
    if isinstance(labels, dict) and OS_LABEL in labels and labels[OS_LABEL] != wanted:
        out.add((*pod.metadata_path, "labels", OS_LABEL),
                f"Invalid: pod label {OS_LABEL}={labels[OS_LABEL]} but the pod runs on "
                f"{wanted} nodes (kubelet PodOSSelectorNodeLabelDoesNotMatch)", absolute=True)


def _check_windows_options(pod: PodSpec, out: _Collector) -> None:
    """validateWindowsSecurityContextOptions, pod level and every container."""
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


def _check_host_process(pod: PodSpec, out: _Collector) -> None:
    """validateWindowsHostProcessPod (runs for every pod, whatever its OS).

    Not checked: "hostProcess containers are disallowed by cluster policy", which depends on
    the cluster's --allow-privileged setting.
    """
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
