"""Secret and file-mode behaviour of configMap, secret, projected and downwardAPI volumes.

On Windows, file modes (``defaultMode``, ``items[*].mode``) are ignored: there are no POSIX
permissions, only ACLs. Secret volumes are written to the node's disk in clear text, as
there is no tmpfs. Both are behaviour changes to review, reported as warnings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec
from porter.yamledit.documents import Path

FILE_MODE = Rule(
    code="file-mode-ignored",
    severity=Severity.WARNING,
    summary="defaultMode/mode of a projected file is ignored on Windows.",
    doc="""
    Converts: nothing (the field stays; it is harmless).

    Why: Windows has no uid/gid or POSIX permission bits; file access is controlled by ACLs.
    An application that relies on, say, ``0400`` keys being unreadable to others is not
    protected that way on Windows.

    Example: ``secret: {secretName: tls, defaultMode: 0400}``.

    Cannot convert: POSIX file permissions.

    Source: Kubernetes Windows storage ("defaultMode not supported", no uid/gid
    permissions).
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)
SECRET_ON_DISK = Rule(
    code="secret-on-node-disk",
    severity=Severity.WARNING,
    summary="Secret volumes are written to the Windows node's disk in clear text.",
    doc="""
    Converts: nothing.

    Why: on Linux, secret volumes live in tmpfs (memory). Windows has no tmpfs, so the
    kubelet writes secret files to the node's disk in clear text. Protect the nodes
    (BitLocker or encrypted OS disks) and limit who can reach them.

    Example: ``volumes: [{name: tls, secret: {secretName: web-tls}}]``.

    Cannot convert: memory-only secret storage.

    Source: Kubernetes "Windows security" (Secrets written to node disk).
    """,
    source="https://kubernetes.io/docs/concepts/security/windows-security/",
)


def _modes(volume: dict[str, Any], path: Path) -> Iterator[tuple[Path, Any]]:
    for kind in ("secret", "configMap", "downwardAPI", "projected"):
        source = volume.get(kind)
        if not isinstance(source, dict):
            continue
        if "defaultMode" in source:
            yield (*path, kind, "defaultMode"), source["defaultMode"]
        items_lists: list[tuple[Path, Any]] = [((*path, kind, "items"), source.get("items"))]
        if kind == "projected":
            sources = source.get("sources")
            for index, projection in enumerate(sources if isinstance(sources, list) else []):
                for sub in ("secret", "configMap", "downwardAPI"):
                    inner = projection.get(sub) if isinstance(projection, dict) else None
                    if isinstance(inner, dict):
                        items_lists.append(((*path, kind, "sources", index, sub, "items"),
                                            inner.get("items")))
        for items_path, items in items_lists:
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and "mode" in item:
                    yield (*items_path, index, "mode"), item["mode"]


def _holds_secret(volume: dict[str, Any]) -> bool:
    if isinstance(volume.get("secret"), dict):
        return True
    projected = volume.get("projected")
    sources = projected.get("sources") if isinstance(projected, dict) else None
    return any(isinstance(s, dict) and "secret" in s for s in
               (sources if isinstance(sources, list) else []))


class SecretVolumes(PodSpecTransform):
    id = "secret-volumes"
    keeps_pod_specs = True
    summary = "Report ignored file modes and secrets written to the node's disk."
    rules = (FILE_MODE, SECRET_ON_DISK)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        volumes = pod.spec.get("volumes")
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            if not isinstance(volume, dict):
                continue
            path = (*pod.path, "volumes", index)
            name = volume.get("name")
            for where, mode in _modes(volume, path):
                shown = oct(mode) if isinstance(mode, int) and not isinstance(mode, bool) \
                    else repr(mode)
                context.report(FILE_MODE, where,
                               f"volume {name!r}: file mode {shown} is ignored on Windows "
                               "(ACLs, not POSIX modes)")
            if _holds_secret(volume):
                context.report(SECRET_ON_DISK, path,
                               f"volume {name!r}: secret files are written to the node's disk "
                               "in clear text on Windows",
                               hint="encrypt node disks and restrict node access")
