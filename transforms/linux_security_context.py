"""Remove the Linux-only security settings the API server rejects for Windows pods.

Deletes (never sets to false) every field that ``validateWindows`` forbids once
``spec.os.name`` is ``windows``, at pod level and in every container list (containers,
initContainers, ephemeralContainers), plus pod-level ``resources`` and the retired seccomp and
AppArmor annotations. Maps ``runAsUser``/``runAsNonRoot`` to
``securityContext.windowsOptions.runAsUserName``: uid 0 becomes ``ContainerAdministrator``,
any other uid or ``runAsNonRoot: true`` becomes ``ContainerUser`` (configurable). A
``runAsUserName`` already present is kept. In a HostProcess pod, which runs on the host
where the container accounts do not exist, both map to a host account instead.

Options:
  user: the Windows user for non-root Linux users (default ``ContainerUser``).
  root-user: the Windows user for uid 0 (default ``ContainerAdministrator``).
  host-process-user: the host account for runAsUser/runAsNonRoot in HostProcess pods
             (default ``NT AUTHORITY\\Local service``; '' to report instead of mapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.validation import is_host_process, non_root_conflicts, run_as_user_name_errors
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import child
from porter.yamledit.documents import Path

_SOURCE = ("Kubernetes API validation, validateWindows in pkg/apis/core/validation/"
           "validation.go (KEP-2802, IdentifyPodOS); Windows intro.md, field compatibility")
_URL = "https://kubernetes.io/docs/concepts/windows/intro/#compatibility-v1-pod"

LINUX_ONLY = Rule(
    code="linux-only-field",
    severity=Severity.INFO,
    summary="A Linux-only pod or container field without effect on Windows was removed.",
    doc="""
    Converts: deletes seccompProfile, seLinuxOptions, seLinuxChangePolicy, appArmorProfile,
    runAsGroup, supplementalGroups, supplementalGroupsPolicy, fsGroupChangePolicy,
    capabilities, allowPrivilegeEscalation, procMount, ulimits, and hostPID/hostIPC/
    shareProcessNamespace/privileged/readOnlyRootFilesystem when they ask for nothing
    (false), plus hostUsers: true.

    Why: with ``spec.os.name: windows`` the API server rejects each of these when merely
    present, even ``capabilities: {drop: [ALL]}`` or ``allowPrivilegeEscalation: false``
    (nil and false differ: only deletion works). None of them has an effect on Windows.

    Example: ``securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}``
    in a container is deleted.

    Cannot convert: nothing; the Linux hardening has no Windows equivalent.

    Source: Kubernetes API validation ``validateWindows`` (validation.go); Windows intro,
    "Field compatibility for container specifications".
    """,
    source=_URL,
)
FS_GROUP = Rule(
    code="fs-group-removed",
    severity=Severity.WARNING,
    summary="fsGroup was removed: volume ownership is not remapped on Windows.",
    doc="""
    Converts: deletes ``spec.securityContext.fsGroup``.

    Why: the API server rejects fsGroup for Windows pods. On Linux it changed the group of
    mounted volumes so a non-root user could write them; Windows uses ACLs, so an app that
    relied on it may lose write access.

    Example: ``fsGroup: 2000`` is deleted; check that ContainerUser can write the volumes.

    Cannot convert: group-based volume permissions.

    Source: validation.go validateWindows; Windows storage docs (no uid/gid permissions).
    """,
    source=_URL,
)
READ_ONLY_ROOT = Rule(
    code="read-only-root-filesystem",
    severity=Severity.WARNING,
    summary="readOnlyRootFilesystem: true was removed; Windows needs a writable root.",
    doc="""
    Converts: deletes ``readOnlyRootFilesystem`` from container security contexts.

    Why: the API server rejects the field for Windows pods, and Windows containers need a
    writable root file system (registry and SAM). Read-only *volumes* remain possible.

    Example: ``readOnlyRootFilesystem: true`` is deleted; the container root becomes writable.

    Cannot convert: an immutable root file system.

    Source: validation.go validateWindows; Windows intro and storage docs.
    """,
    source=_URL,
)
PRIVILEGED = Rule(
    code="privileged-container",
    severity=Severity.ERROR,
    summary="A privileged container cannot run on Windows; use a HostProcess container.",
    doc="""
    Converts: deletes ``privileged: true`` so the manifest is admitted, and reports it (a
    warning in a HostProcess pod, which already runs with the host's privileges).

    Why: Windows has no privileged containers; the API server rejects the field for Windows
    pods. What the container did with its privileges will not work.

    Example: a node agent with ``privileged: true``.

    Cannot convert: the privileged behaviour. The Windows equivalent is a HostProcess pod:
    ``securityContext.windowsOptions.hostProcess: true`` on the pod (every container must
    be HostProcess), ``hostNetwork: true``, ``runAsUserName`` such as
    ``NT AUTHORITY\\SYSTEM``, a Windows image built for it, containerd 1.6+, and a namespace
    whose Pod Security level is ``privileged``.

    Source: Windows intro ("privileged containers: use HostProcess"); create-hostprocess-pod.
    """,
    source="https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
)
HOST_NAMESPACES = Rule(
    code="host-namespaces",
    severity=Severity.ERROR,
    summary="hostPID, hostIPC or shareProcessNamespace cannot be honoured on Windows.",
    doc="""
    Converts: deletes ``hostPID: true``, ``hostIPC: true`` and
    ``shareProcessNamespace: true`` so the manifest is admitted, and reports each.

    Why: Windows pods cannot share the host's process or IPC namespace, nor a process
    namespace between containers; the API server rejects the fields for Windows pods.

    Example: a debugging sidecar that reads other containers' processes.

    Cannot convert: the shared namespace; only the network namespace is shared in a
    Windows pod.

    Source: validation.go validateWindows; Windows intro, pod field compatibility.
    """,
    source=_URL,
)
USER_NAMESPACE = Rule(
    code="user-namespace-removed",
    severity=Severity.WARNING,
    summary="hostUsers: false (a user namespace) was removed; Windows has none.",
    doc="""
    Converts: deletes ``spec.hostUsers``.

    Why: the API server rejects ``hostUsers`` for Windows pods whatever its value. With
    ``false`` the pod ran in a user namespace on Linux, an isolation Windows does not offer.

    Example: ``hostUsers: false`` is deleted.

    Cannot convert: user-namespace isolation.

    Source: validation.go validateWindows (spec.hostUsers).
    """,
    source=_URL,
)
SYSCTLS = Rule(
    code="sysctls",
    severity=Severity.ERROR,
    summary="Pod sysctls were removed; Windows has no equivalent.",
    doc="""
    Converts: deletes ``spec.securityContext.sysctls``.

    Why: kernel parameters are Linux-only; the API server rejects non-empty sysctls for
    Windows pods. The application may depend on the tuning.

    Example: ``sysctls: [{name: net.core.somaxconn, value: "1024"}]``.

    Cannot convert: the kernel tuning; configure the Windows node or the app instead.

    Source: validation.go validateWindows (spec.securityContext.sysctls).
    """,
    source=_URL,
)
POD_RESOURCES = Rule(
    code="pod-level-resources",
    severity=Severity.WARNING,
    summary="Pod-level resources were removed; Windows pods only take container resources.",
    doc="""
    Converts: deletes ``spec.resources`` (pod-level requests and limits).

    Why: since Kubernetes 1.34 the API server rejects pod-level resources for Windows pods
    and the Windows kubelet refuses such pods.

    Example: ``spec.resources.limits.memory: 1Gi`` is deleted; set container limits instead.

    Cannot convert: the shared pod budget; move the limits to the containers.

    Source: kubernetes/kubernetes PR #133046; PodSpec.os field documentation.
    """,
    source="https://github.com/kubernetes/kubernetes/pull/133046",
)
RUN_AS_USER = Rule(
    code="run-as-user-mapped",
    severity=Severity.INFO,
    summary="runAsUser/runAsNonRoot mapped to windowsOptions.runAsUserName.",
    doc="""
    Converts: ``runAsUser: 0`` -> ``windowsOptions.runAsUserName: ContainerAdministrator``;
    any other uid, or ``runAsNonRoot: true`` without a uid -> ``ContainerUser``. runAsUser is
    deleted; runAsNonRoot is kept (Windows honours it).

    Why: Windows has no numeric uids and the API server rejects runAsUser for Windows pods;
    runAsUserName names the Windows account the container runs as.

    Example: ``runAsUser: 1000`` -> ``windowsOptions: {runAsUserName: ContainerUser}``.

    Cannot convert: a particular uid's file ownership; Windows uses ACLs.

    Source: Kubernetes docs "Configure RunAsUserName for Windows pods and containers";
    validation.go validateWindows.
    """,
    source="https://kubernetes.io/docs/tasks/configure-pod-container/configure-runasusername/",
)
NON_ROOT_ADMIN = Rule(
    code="run-as-non-root-admin",
    severity=Severity.ERROR,
    summary="runAsNonRoot: true with ContainerAdministrator: the kubelet will refuse to start.",
    doc="""
    Converts: nothing.

    Why: the Windows kubelet refuses to start a container whose effective runAsUserName is
    ContainerAdministrator when runAsNonRoot is true. It compares ignoring case
    (``strings.EqualFold``, kubernetes/kubernetes PR #111009, in every release since 1.25 and
    back-ported to 1.22-1.24), so ``containeradministrator`` is refused too.

    Example: pod ``runAsNonRoot: true`` with a container ``runAsUser: 0``.

    Cannot convert: decide whether the container needs administrator rights; if not, use
    ContainerUser; if it does, drop runAsNonRoot.

    Source: pkg/kubelet/kuberuntime/security_context_windows.go verifyRunAsNonRoot
    (porter.kube.validation.non_root_conflicts is the same check, used by the self-check).
    """,
    source="https://kubernetes.io/docs/concepts/windows/intro/",
)
HOST_USER = Rule(
    code="host-process-user",
    severity=Severity.WARNING,
    summary="runAsUser/runAsNonRoot of a HostProcess pod mapped to a host account.",
    doc="""
    Converts: in a HostProcess pod (``windowsOptions.hostProcess: true``),
    ``runAsUser``/``runAsNonRoot`` -> ``windowsOptions.runAsUserName`` of the option
    ``host-process-user`` (default ``NT AUTHORITY\\Local service``) instead of
    ``ContainerUser``/``ContainerAdministrator``. With ``host-process-user: ''`` nothing is
    set and the finding is an error.

    Why: HostProcess containers run directly on the node as a host account; the accounts of
    Windows container images do not exist there. Local service is the least privileged of
    the built-in accounts HostProcess containers accept (SYSTEM, Local service,
    NetworkService, or a local group of the node).

    Example: a HostProcess pod with ``runAsNonRoot: true`` gets ``runAsUserName:
    NT AUTHORITY\\Local service``.

    Cannot convert: whether the agent needs more than Local service (``NT AUTHORITY\\SYSTEM``
    for node management); review the account.

    Source: Kubernetes "Create a Windows HostProcess Pod" (choosing a user account).
    """,
    source="https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
)
ANNOTATIONS = Rule(
    code="linux-security-annotation",
    severity=Severity.INFO,
    summary="A seccomp or AppArmor annotation was removed.",
    doc="""
    Converts: deletes ``seccomp.security.alpha.kubernetes.io/pod``,
    ``container.seccomp.security.alpha.kubernetes.io/*`` and
    ``container.apparmor.security.beta.kubernetes.io/*`` pod annotations.

    Why: they configure Linux kernel features Windows does not have; the API server skips the
    AppArmor annotation-to-field sync for Windows pods, so they are dead configuration.

    Example: ``container.apparmor.security.beta.kubernetes.io/app: runtime/default``.

    Cannot convert: nothing to convert.

    Source: pod strategy.go (applyAppArmorVersionSkew skips Windows pods); Windows security.
    """,
    source="https://kubernetes.io/docs/concepts/security/windows-security/",
)

_POD_QUIET = ("seLinuxOptions", "seLinuxChangePolicy", "seccompProfile", "appArmorProfile",
              "fsGroupChangePolicy", "runAsGroup", "supplementalGroups",
              "supplementalGroupsPolicy")
_CONTAINER_QUIET = ("seLinuxOptions", "seccompProfile", "appArmorProfile", "capabilities",
                    "allowPrivilegeEscalation", "procMount", "runAsGroup", "ulimits")
_ANNOTATION_PREFIXES = ("seccomp.security.alpha.kubernetes.io/",
                        "container.seccomp.security.alpha.kubernetes.io/",
                        "container.apparmor.security.beta.kubernetes.io/")
ADMIN = "containeradministrator"


@dataclass(frozen=True)
class Options:
    user: str = "ContainerUser"
    root_user: str = "ContainerAdministrator"
    host_process_user: str = "NT AUTHORITY\\Local service"

    def __post_init__(self) -> None:
        for name in ("user", "root_user", "host_process_user"):
            value = getattr(self, name)
            problems = run_as_user_name_errors(value) if value or name != \
                "host_process_user" else []
            if problems:
                raise ValueError(f"{name.replace('_', '-')} {value!r}: {'; '.join(problems)}")


class LinuxSecurityContext(PodSpecTransform):
    id = "linux-security-context"
    keeps_pod_specs = True
    summary = "Delete Linux-only security fields; map runAsUser/runAsNonRoot to runAsUserName."
    rules = (LINUX_ONLY, FS_GROUP, READ_ONLY_ROOT, PRIVILEGED, HOST_NAMESPACES, USER_NAMESPACE,
             SYSCTLS, POD_RESOURCES, RUN_AS_USER, HOST_USER, NON_ROOT_ADMIN, ANNOTATIONS)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        spec = pod.spec
        self._host_process = is_host_process(pod)
        self._pod_fields(pod, context)
        pod_context = spec.get("securityContext")
        pod_user = None
        if isinstance(pod_context, dict):
            before = len(pod_context)
            pod_path = (*pod.path, "securityContext")
            for field in _POD_QUIET:
                self._remove(pod_context, field, pod_path, context, LINUX_ONLY)
            self._remove(pod_context, "fsGroup", pod_path, context, FS_GROUP)
            self._remove_sysctls(pod_context, pod_path, context)
            pod_user = self._map_user(pod_context, pod_path, context)
            if before and not pod_context:
                del spec["securityContext"]
        for path, container in pod.containers():
            self._container(container, path, pod_user, context)
        for path, user in non_root_conflicts(pod):
            context.report(NON_ROOT_ADMIN, (*pod.path, *path),
                           f"runAsNonRoot is true but the container runs as {user}; the "
                           "kubelet will refuse to start it",
                           hint="use ContainerUser, or drop runAsNonRoot if it needs admin")
        self._annotations(pod, context)

    def _pod_fields(self, pod: PodSpec, context: Context) -> None:
        spec = pod.spec
        for field in ("hostPID", "hostIPC", "shareProcessNamespace"):
            if field in spec:
                rule = HOST_NAMESPACES if spec[field] is True else LINUX_ONLY
                context.report(rule, (*pod.path, field),
                               f"{field}: {_show(spec[field])} removed (not possible on Windows)")
                del spec[field]
        if "hostUsers" in spec:
            rule = USER_NAMESPACE if spec["hostUsers"] is False else LINUX_ONLY
            context.report(rule, (*pod.path, "hostUsers"),
                           f"hostUsers: {_show(spec['hostUsers'])} removed")
            del spec["hostUsers"]
        if "resources" in spec:
            context.report(POD_RESOURCES, (*pod.path, "resources"),
                           "pod-level resources removed (rejected for Windows pods)",
                           hint="set requests and limits on each container instead")
            del spec["resources"]

    def _container(self, container: dict[str, Any], path: Path, pod_user: str | None,
                   context: Context) -> None:
        security = container.get("securityContext")
        if not isinstance(security, dict):
            return
        before = len(security)
        sc_path = (*path, "securityContext")
        for field in _CONTAINER_QUIET:
            self._remove(security, field, sc_path, context, LINUX_ONLY)
        if "privileged" in security:
            if security["privileged"] is True:
                hint = "a HostProcess container already has the host's privileges; nothing " \
                    "else to do" if self._host_process else "rebuild it as a HostProcess pod " \
                    "(windowsOptions.hostProcess, hostNetwork: true, a privileged namespace)"
                context.report(PRIVILEGED, (*sc_path, "privileged"),
                               f"container {container.get('name')!r} is privileged; Windows has "
                               "no privileged containers (field removed)", hint=hint,
                               severity=Severity.WARNING if self._host_process else None)
                del security["privileged"]
            else:
                self._remove(security, "privileged", sc_path, context, LINUX_ONLY)
        if "readOnlyRootFilesystem" in security:
            rule = READ_ONLY_ROOT if security["readOnlyRootFilesystem"] is True else LINUX_ONLY
            self._remove(security, "readOnlyRootFilesystem", sc_path, context, rule)
        self._map_user(security, sc_path, context, inherited=pod_user)
        if before and not security:
            del container["securityContext"]

    def _map_user(self, security: dict[str, Any], path: Path, context: Context,
                  inherited: str | None = None) -> str | None:
        """Set runAsUserName from runAsUser/runAsNonRoot; return the effective user name.

        ``inherited`` is the pod-level user a container gets anyway.
        """
        options = security.get("windowsOptions")
        existing = options.get("runAsUserName") if isinstance(options, dict) else None
        uid = security.get("runAsUser")
        name: str | None = None
        if isinstance(uid, int) and not isinstance(uid, bool):
            name = self.options.root_user if uid == 0 else self.options.user
        elif security.get("runAsNonRoot") is True and existing is None and \
                (inherited is None or inherited.lower() == ADMIN):
            name = self.options.user
        if name is not None and existing is None and self._host_process:
            # ContainerUser and ContainerAdministrator exist only inside a container image.
            host = self.options.host_process_user
            context.report(HOST_USER, (*path, "runAsUser" if "runAsUser" in security
                                       else "runAsNonRoot"),
                           f"HostProcess pod: {name} does not exist on the host; "
                           + (f"runAsUserName set to {host}" if host else
                              "runAsUserName not set"),
                           hint="HostProcess containers run as NT AUTHORITY\\SYSTEM, "
                                "NT AUTHORITY\\Local service, NT AUTHORITY\\NetworkService or a "
                                "local group of the node",
                           severity=None if host else Severity.ERROR)
            name = host or None
        if "runAsUser" in security:
            del security["runAsUser"]
            if existing is not None:
                context.report(RUN_AS_USER, (*path, "runAsUser"),
                               f"runAsUser: {_show(uid)} removed; windowsOptions.runAsUserName "
                               f"{existing!r} was already set")
            elif name is not None:
                context.report(RUN_AS_USER, (*path, "runAsUser"),
                               f"runAsUser: {_show(uid)} -> windowsOptions.runAsUserName: {name}")
            else:
                context.report(LINUX_ONLY, (*path, "runAsUser"),
                               f"runAsUser: {_show(uid)} removed (not a numeric uid)")
        if existing is not None:
            return str(existing)
        if name is not None:
            child(security, "windowsOptions")["runAsUserName"] = name
        return name

    def _remove(self, mapping: dict[str, Any], field: str, path: Path, context: Context,
                rule: Rule) -> None:
        if field in mapping:
            context.report(rule, (*path, field),
                           f"{field}: {_show(mapping[field])} removed (Linux-only)")
            del mapping[field]

    def _remove_sysctls(self, security: dict[str, Any], path: Path, context: Context) -> None:
        if "sysctls" not in security:
            return
        sysctls = security.pop("sysctls")
        if sysctls:
            names = ", ".join(str(s.get("name")) for s in sysctls if isinstance(s, dict))
            context.report(SYSCTLS, (*path, "sysctls"),
                           f"sysctls removed: {names or sysctls}",
                           hint="tune the Windows node or the application instead")

    def _annotations(self, pod: PodSpec, context: Context) -> None:
        for key in [k for k in pod.annotations() if k.startswith(_ANNOTATION_PREFIXES)]:
            context.report(ANNOTATIONS, (*pod.metadata_path, "annotations", key),
                           f"annotation {key} removed (Linux-only)")
            pod.remove_annotation(key)


def _show(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict | list):
        return "{...}" if isinstance(value, dict) else "[...]"
    return str(value)
