"""Rewrite Linux mount paths as Windows paths.

Every ``volumeMounts[*].mountPath`` that is a Linux absolute path becomes a Windows path: by
default on drive C (``/srv/data`` -> ``C:\\srv\\data``), or through a configured prefix
mapping (``/mnt/volume`` -> ``K:``, so ``/mnt/volume/logs`` -> ``K:\\logs``). Paths that are
already Windows paths (``D:``, ``C:\\data``, ``\\\\.\\pipe\\...``) are left alone. porter never
writes the ``/K/Volume`` form some docs suggest: the kubelet turns it into ``c:/K/Volume``.

Options:
  drives: Linux path prefix -> Windows drive or path, e.g. ``{/mnt/volume: "K:"}``.
  default-drive: drive for every other path (default ``C:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec

_WINDOWS_PATH = re.compile(r"^([A-Za-z]:|\\\\)")
_DRIVE = re.compile(r"^[A-Za-z]:(\\.*)?$")

REFERENCED = Rule(
    code="mount-path-referenced",
    severity=Severity.WARNING,
    summary="A rewritten mount path is still named in the container's command, args or env.",
    doc="""
    Converts: nothing beyond the mount path itself.

    Why: porter moved the volume to a Windows path, but the container's command, args or
    environment still name the Linux path, so the application will look in the wrong place.

    Example: ``mountPath: /data`` became ``C:\\data`` while ``env DATA_DIR=/data`` remains.

    Cannot convert: the application's own references; change them to the Windows path.

    Source: kubelet makeMounts / MakeAbsolutePath (Windows paths); Windows storage docs.
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)
COLLISION = Rule(
    code="mount-path-collision",
    severity=Severity.ERROR,
    summary="Two mounts of one container land on the same Windows path.",
    doc="""
    Converts: both paths are rewritten as configured, and the clash is reported.

    Why: Windows paths are case-insensitive and the drive mappings can send two Linux paths
    to one place; the API server rejects duplicate mount paths in a container.

    Example: ``/Data`` and ``/data``, or ``/mnt/a`` mapped to ``K:`` twice.

    Cannot convert: choose distinct targets (option ``drives``).

    Source: Kubernetes API validation (validateVolumeMounts: must be unique); Windows paths.
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)

ROOT_MOUNT = Rule(
    code="root-mount-path",
    severity=Severity.WARNING,
    summary="A volume mounted at / : on Windows that is the root of a drive.",
    doc="""
    Converts: ``mountPath: /`` like any other path (``C:\\``, or the drive the option
    ``drives`` maps ``/`` to), and warns.

    Why: on Linux a mount at ``/`` replaces the container's whole file system view, which
    is almost never meant; on Windows ``C:\\`` is the container's system drive, holding
    Windows itself, and a volume cannot replace it. Review what the mount was for.

    Example: ``mountPath: /`` -> ``C:\\`` with this warning.

    Cannot convert: the intent; mount the volume at a directory (``C:\\data``) or a drive
    of its own (option ``drives: {/: "K:"}``).

    Source: Kubernetes "Windows storage" (volume mounts target directories or drives of the
    container); kubelet makeMounts.
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)


@dataclass(frozen=True)
class Options:
    drives: dict[str, str] = field(default_factory=dict)
    default_drive: str = "C:"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z]:", self.default_drive):
            raise ValueError(f"default-drive must be a drive letter like 'C:', "
                             f"not {self.default_drive!r}")
        for prefix, target in self.drives.items():
            if not prefix.startswith("/"):
                raise ValueError(f"drives: {prefix!r} is not an absolute Linux path")
            if not _DRIVE.match(target):
                raise ValueError(f"drives: {target!r} is not a Windows drive or path "
                                 "(like 'K:' or 'D:\\data')")


def windows_path(path: str, options: Options) -> str:
    """The Windows path for Linux absolute ``path`` under ``options``."""
    trimmed = path.rstrip("/") or "/"
    drives = {(prefix.rstrip("/") or "/"): target for prefix, target in options.drives.items()}
    for prefix in sorted(drives, key=len, reverse=True):
        if trimmed == prefix or trimmed.startswith(prefix.rstrip("/") + "/"):
            rest = trimmed[len(prefix):].strip("/")
            target = drives[prefix]
            return target if not rest else target.rstrip("\\") + "\\" + rest.replace("/", "\\")
    return options.default_drive + "\\" + trimmed.strip("/").replace("/", "\\")


def _mentions(container: dict[str, Any], path: str) -> list[str]:
    """Where command, args and env values of ``container`` name ``path``."""
    found: list[str] = []
    pattern = re.compile(re.escape(path) + r"(?![\w.-])")
    for field_name in ("command", "args"):
        values = container.get(field_name)
        for index, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and pattern.search(value):
                found.append(f"{field_name}[{index}]")
    env = container.get("env")
    for item in env if isinstance(env, list) else []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and \
                pattern.search(item["value"]):
            found.append(f"env {item.get('name')}")
    return found


class MountPaths(PodSpecTransform):
    id = "mount-paths"
    keeps_pod_specs = True
    summary = "Rewrite Linux mountPaths as Windows paths (C:\\... or configured drives)."
    rules = (REFERENCED, COLLISION, ROOT_MOUNT)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        for path, container in pod.containers():
            mounts = container.get("volumeMounts")
            if not isinstance(mounts, list):
                continue
            seen: dict[str, int] = {}
            for index, mount in enumerate(mounts):
                if not isinstance(mount, dict) or not isinstance(mount.get("mountPath"), str):
                    continue
                old = mount["mountPath"]
                mount_path = (*path, "volumeMounts", index, "mountPath")
                if old.startswith("/"):
                    new = windows_path(old, self.options)
                    mount["mountPath"] = new
                    if not old.strip("/"):
                        context.report(ROOT_MOUNT, mount_path,
                                       f"container {container.get('name')!r} mounts volume "
                                       f"{mount.get('name')!r} at / (its whole file system); "
                                       f"now {new}",
                                       hint="mount it at a directory and point the "
                                            "application there")
                    where = _mentions(container, old.rstrip("/") or "/")
                    if where:
                        context.report(REFERENCED, mount_path,
                                       f"mount {old} is now {new}, but container "
                                       f"{container.get('name')!r} still names {old} in "
                                       f"{', '.join(where)}",
                                       hint=f"change those references to {new}")
                elif not _WINDOWS_PATH.match(old):
                    continue
                key = mount["mountPath"].rstrip("\\").lower()
                if key in seen:
                    context.report(COLLISION, mount_path,
                                   f"mount path {mount['mountPath']} of container "
                                   f"{container.get('name')!r} clashes with volumeMounts"
                                   f"[{seen[key]}] (Windows paths ignore case)",
                                   hint="map the two paths to different targets (option drives)")
                else:
                    seen[key] = index
