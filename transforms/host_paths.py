"""Check hostPath volumes against what exists on a Windows node.

Windows hostPath volumes take Windows paths (``/x`` is read as ``c:/x``) and named pipes
(``\\\\.\\pipe\\...``). Linux runtime sockets, ``/proc``, ``/sys``, ``/dev`` and most of
``/etc`` and ``/run`` have no meaning there: each is reported, with the named pipe that
replaces a container-runtime socket. A ``type`` on a named-pipe hostPath is removed (the
kubelet wants it empty for pipes). Container logs live under ``C:\\var\\log\\pods`` on
Windows nodes, so ``/var/log`` paths still resolve (a warning).
"""

from __future__ import annotations

import re
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec

_URL = "https://kubernetes.io/docs/concepts/storage/windows-storage/"

SOCKETS = {
    "/var/run/docker.sock": r"\\.\pipe\docker_engine",
    "/run/docker.sock": r"\\.\pipe\docker_engine",
    "/var/run/containerd/containerd.sock": r"\\.\pipe\containerd-containerd",
    "/run/containerd/containerd.sock": r"\\.\pipe\containerd-containerd",
    "/var/run/crio/crio.sock": "",
    "/run/crio/crio.sock": "",
}
_LINUX_ONLY = re.compile(r"^/(proc|sys|dev|etc|run|var/run|lib/modules|usr/src|boot|"
                         r"var/lib/docker|var/lib/containerd|var/lib/kubelet|"
                         r"var/lib/cni|opt/cni|cgroup)(/|$)")
_LOGS = re.compile(r"^/var/log(/|$)")

LINUX_PATH = Rule(
    code="linux-host-path",
    severity=Severity.ERROR,
    summary="A hostPath to a Linux-only location (socket, /proc, /sys, /dev, /etc, /run ...).",
    doc="""
    Converts: nothing; the volume is reported, with the named pipe to use where one exists.

    Why: on a Windows node ``/var/run/docker.sock`` and other runtime sockets do not exist,
    and ``/proc``, ``/sys``, ``/dev``, ``/etc``, ``/run``, ``/lib/modules`` and the runtime's
    state directories have no meaning. The kubelet would mount an empty ``C:\\...`` folder.

    Example: ``hostPath: {path: /var/run/docker.sock}`` -> for Docker Engine
    ``\\\\.\\pipe\\docker_engine``; for containerd (AKS)
    ``\\\\.\\pipe\\containerd-containerd`` (hostPath with the pipe path, ``type`` unset,
    mountPath the same pipe path). Pipe mounts do not work in HostProcess containers.

    Cannot convert: what the container does with the Linux path; node agents usually need
    a Windows build running as a HostProcess container.

    Source: Kubernetes Windows storage (named pipe host mounts); kubernetes/kubernetes
    #69484; porter rules reference section 7 (hostPath mappings).
    """,
    source=_URL,
)
LOGS = Rule(
    code="host-path-logs",
    severity=Severity.WARNING,
    summary="A hostPath under /var/log: it resolves to C:\\var\\log on Windows nodes.",
    doc="""
    Converts: nothing.

    Why: the Windows kubelet has the runtime write container logs to
    ``C:\\var\\log\\pods``, and ``/var/log/...`` hostPaths become ``c:/var/log/...``, so log
    collectors can still find pod logs there; other Linux log files (syslog, journal) do
    not exist.

    Example: ``hostPath: {path: /var/log}``.

    Cannot convert: Linux system logs.

    Source: Kubernetes "Logging architecture" (Windows log locations); kubelet
    MakeAbsolutePath.
    """,
    source="https://kubernetes.io/docs/concepts/cluster-administration/logging/",
)
PIPE_TYPE = Rule(
    code="named-pipe-type",
    severity=Severity.INFO,
    summary="A named-pipe hostPath had a type; it was removed.",
    doc="""
    Converts: deletes ``hostPath.type`` for ``\\\\.\\pipe\\...`` paths.

    Why: the kubelet checks hostPath types with Linux file semantics; named pipes must be
    mounted with the type unset.

    Example: ``hostPath: {path: '\\\\.\\pipe\\docker_engine', type: Socket}``.

    Cannot convert: nothing.

    Source: Kubernetes Windows storage; kubernetes/kubernetes #69484.
    """,
    source=_URL,
)


class HostPaths(PodSpecTransform):
    id = "host-paths"
    keeps_pod_specs = True
    summary = "Report hostPaths to Linux-only locations; fix named-pipe hostPaths."
    rules = (LINUX_PATH, LOGS, PIPE_TYPE)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        volumes = pod.spec.get("volumes")
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            host_path = volume.get("hostPath") if isinstance(volume, dict) else None
            if not isinstance(host_path, dict) or not isinstance(host_path.get("path"), str):
                continue
            assert isinstance(volume, dict)
            self._check(volume, host_path, (*pod.path, "volumes", index, "hostPath"), context)

    def _check(self, volume: dict[str, Any], host_path: dict[str, Any], path: tuple[Any, ...],
               context: Context) -> None:
        name, target = volume.get("name"), host_path["path"]
        normal = "/" + target.strip("/") if target.startswith("/") else target
        if normal.lower().startswith("\\\\.\\pipe\\"):
            if host_path.get("type"):
                context.report(PIPE_TYPE, (*path, "type"),
                               f"volume {name!r}: type {host_path['type']} removed from a named "
                               "pipe")
                del host_path["type"]
            return
        if normal in SOCKETS:
            pipe = SOCKETS[normal]
            hint = (f"mount the named pipe {pipe} (hostPath path and mountPath, type unset)"
                    if pipe else "CRI-O does not run on Windows; talk to containerd through "
                                 r"\\.\pipe\containerd-containerd")
            context.report(LINUX_PATH, (*path, "path"),
                           f"volume {name!r} mounts the Linux socket {target}", hint=hint)
        elif _LINUX_ONLY.match(normal):
            context.report(LINUX_PATH, (*path, "path"),
                           f"volume {name!r} mounts {target}, which has no meaning on a Windows "
                           "node", hint="a node agent needs a Windows build, usually as a "
                                        "HostProcess container")
        elif _LOGS.match(normal):
            context.report(LOGS, (*path, "path"),
                           f"volume {name!r} mounts {target}: on Windows nodes this is "
                           f"C:{normal.replace('/', chr(92))}; pod logs are under "
                           "C:\\var\\log\\pods, Linux system logs do not exist")
