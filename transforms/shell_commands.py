"""Report commands, probes and hooks that call a Linux shell or Linux tools.

Windows images have no ``sh``, ``bash``, ``/bin/*``, busybox or coreutils, so a container
whose entry point is a shell fails to start, and an exec probe or lifecycle hook that calls
one fails every time. porter does not translate scripts (that needs a human); it reports each
place with a ``cmd /S /C`` or ``powershell -Command`` suggestion, and flags init containers
that only fix file ownership or modes, which is pointless on Windows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec
from porter.yamledit.documents import Path

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
COREUTILS = frozenset({
    "cat", "test", "[", "ls", "echo", "grep", "egrep", "sed", "awk", "curl", "wget", "sleep",
    "touch", "mkdir", "chmod", "chown", "chgrp", "cp", "mv", "rm", "ln", "true", "false",
    "pgrep", "pkill", "ps", "nc", "netcat", "env", "kill", "tail", "head", "find", "xargs",
    "tar", "gzip", "stat", "id", "whoami", "su", "sudo", "setfacl", "nslookup", "dig",
})
OWNERSHIP = frozenset({"chown", "chmod", "chgrp", "setfacl"})
_SOURCE_URL = "https://kubernetes.io/docs/concepts/windows/user-guide/"

SHELL = Rule(
    code="linux-shell",
    severity=Severity.WARNING,
    summary="A command, probe or hook calls a Linux shell or tool that Windows images lack.",
    doc="""
    Converts: nothing; each place is reported with a suggestion.

    Why: Windows images have no ``sh``/``bash``, ``/bin/*``, busybox or coreutils. An
    entry point (``command``) that is a shell keeps the container from starting (reported as
    an error); an exec probe, lifecycle hook or argument list that calls one fails at run
    time (a warning).

    Example: ``command: ["sh", "-c", "exec app --port $PORT"]`` ->
    ``["cmd", "/S", "/C", "app --port %PORT%"]`` or ``["powershell", "-Command", "..."]``
    (Server Core has PowerShell; Nano Server does not). For probes, prefer ``httpGet``,
    ``tcpSocket`` or ``grpc``, which the kubelet runs itself.

    Cannot convert: the script itself; translating shell to cmd or PowerShell needs a human.

    Source: Kubernetes Windows docs (containers run Windows images); porter rules reference
    section 7 (common conversion pitfalls).
    """,
    source=_SOURCE_URL,
)
OWNERSHIP_INIT = Rule(
    code="ownership-init-container",
    severity=Severity.WARNING,
    summary="An init container changes file ownership or modes: pointless on Windows.",
    doc="""
    Converts: nothing; remove the init container once the volume permissions are checked.

    Why: Windows has no uid/gid or POSIX modes (ACLs instead), so ``chown``/``chmod``
    init containers (often written to pair with ``fsGroup``) have nothing to do, and their
    Linux image and shell do not run on Windows anyway.

    Example: ``initContainers: [{name: fix-perms, command: [sh, -c, "chown -R 1000 /data"]}]``.

    Cannot convert: nothing to convert; grant the ContainerUser write access to the volume
    if the app needs it.

    Source: Kubernetes Windows storage docs (no uid/gid permissions); porter rules reference
    section 7.
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)


def _program(value: str) -> str:
    return value.rsplit("/", 1)[-1].lower().removesuffix(".exe")


def _linux_program(argv: list[Any]) -> str | None:
    """The Linux shell or tool an argv starts with, if any."""
    if not argv or not isinstance(argv[0], str):
        return None
    first = argv[0].strip()
    program = _program(first)
    if program in SHELLS or program in COREUTILS:
        return first
    if first.startswith(("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/")):
        return first
    return None


def suggestion(argv: list[Any]) -> str:
    """A Windows form of a ``sh -c SCRIPT`` argv (the script itself still needs work)."""
    if len(argv) >= 3 and _program(str(argv[0])) in SHELLS and argv[1] in ("-c", "-ec", "-xc"):
        script = str(argv[2])
        cmd = json.dumps(["cmd", "/S", "/C", script])
        powershell = json.dumps(["powershell", "-Command", script])
        return f"use {cmd} or {powershell} after translating the script"
    return "call the program directly, or through cmd /S /C or powershell -Command"


def _exec_places(container: dict[str, Any], path: Path) -> Iterator[tuple[Path, str, Any]]:
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        spec = container.get(probe)
        action = spec.get("exec") if isinstance(spec, dict) else None
        if isinstance(action, dict):
            yield (*path, probe, "exec", "command"), f"{probe} exec", action.get("command")
    lifecycle = container.get("lifecycle")
    for hook in ("postStart", "preStop"):
        spec = lifecycle.get(hook) if isinstance(lifecycle, dict) else None
        action = spec.get("exec") if isinstance(spec, dict) else None
        if isinstance(action, dict):
            yield (*path, "lifecycle", hook, "exec", "command"), f"{hook} hook", \
                action.get("command")


def _words(container: dict[str, Any]) -> set[str]:
    words: set[str] = set()
    for field in ("command", "args"):
        values = container.get(field)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str):
                words.update(_program(w) for w in value.replace(";", " ").replace("&", " ")
                             .split())
    return words


class ShellCommands(PodSpecTransform):
    id = "shell-commands"
    keeps_pod_specs = True
    summary = "Report Linux shells and tools in commands, probes and hooks; chown init containers."
    rules = (SHELL, OWNERSHIP_INIT)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        for path, container in pod.containers():
            name = container.get("name")
            command, args = container.get("command"), container.get("args")
            if isinstance(command, list) and (program := _linux_program(command)):
                context.report(SHELL, (*path, "command"),
                               f"container {name!r} starts {program}, which Windows images lack",
                               hint=suggestion(command), severity=Severity.ERROR)
            elif not isinstance(command, list) and isinstance(args, list) and \
                    (program := _linux_program(args)):
                context.report(SHELL, (*path, "args"),
                               f"container {name!r} runs {program} (args of the image's entry "
                               "point), which Windows images lack", hint=suggestion(args))
            for where, what, argv in _exec_places(container, path):
                if isinstance(argv, list) and (program := _linux_program(argv)):
                    hint = suggestion(argv)
                    if "Probe" in what:
                        hint += "; or use an httpGet, tcpSocket or grpc probe"
                    context.report(SHELL, where, f"container {name!r}: {what} runs {program}, "
                                                 "which Windows images lack", hint=hint)
            if path[-2] == "initContainers" and _words(container) & OWNERSHIP:
                context.report(OWNERSHIP_INIT, path,
                               f"init container {name!r} changes file ownership or modes, which "
                               "Windows does not have", hint="remove it; Windows uses ACLs")
