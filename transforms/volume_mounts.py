"""Volume mounts: remove mount propagation, report block devices and SMB subPaths.

Windows has no mount propagation and no raw block devices; ``subPath`` mounts of SMB
volumes (Azure Files) fail on Windows nodes. Runs after the NFS conversion, so NFS volumes
that became Azure Files are checked too.
"""

from __future__ import annotations

from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec

_URL = "https://kubernetes.io/docs/concepts/storage/windows-storage/"
SMB_DRIVERS = frozenset({"file.csi.azure.com", "smb.csi.k8s.io"})

PROPAGATION = Rule(
    code="mount-propagation",
    severity=Severity.WARNING,
    summary="mountPropagation was removed; Windows does not propagate mounts.",
    doc="""
    Converts: deletes ``volumeMounts[*].mountPropagation``.

    Why: mount propagation (HostToContainer, Bidirectional) is a Linux mount-namespace
    feature; Windows nodes do not support it. Mounts made later on the host (or in the
    container) are not seen on the other side.

    Example: ``mountPropagation: HostToContainer`` is deleted.

    Cannot convert: the propagation itself.

    Source: Kubernetes Windows intro (mountPropagation not possible); Windows storage.
    """,
    source=_URL,
)
BLOCK_DEVICE = Rule(
    code="raw-block-device",
    severity=Severity.ERROR,
    summary="volumeDevices (raw block volumes) are not supported on Windows.",
    doc="""
    Converts: nothing; ``volumeDevices`` stays and is reported.

    Why: Windows nodes cannot attach raw block devices to containers; a pod with
    ``volumeDevices`` does not start.

    Example: ``volumeDevices: [{name: data, devicePath: /dev/xvda}]``.

    Cannot convert: block access; use a filesystem volume (``volumeMounts``) on a
    filesystem-mode claim.

    Source: Kubernetes Windows intro (volumeDevices not implemented); Windows storage.
    """,
    source=_URL,
)
SMB_SUBPATH = Rule(
    code="smb-subpath",
    severity=Severity.WARNING,
    summary="A subPath mount of an SMB (Azure Files) volume: fails on Windows nodes.",
    doc="""
    Converts: nothing.

    Why: the Kubernetes docs list subPath mounts as unsupported on Windows; in practice
    directory subPaths of local and disk volumes often work with containerd, but subPaths of
    SMB volumes and single-file subPaths fail.

    Example: an Azure Files volume mounted with ``subPath: config``.

    Cannot convert: mount the whole volume and point the application at the subfolder, or
    use a separate share.

    Source: Kubernetes Windows storage; kubernetes/kubernetes #65890 and #97802.
    """,
    source=_URL,
)


def _smb_volumes(spec: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    volumes = spec.get("volumes")
    for volume in volumes if isinstance(volumes, list) else []:
        if not isinstance(volume, dict):
            continue
        csi = volume.get("csi")
        if "azureFile" in volume or (isinstance(csi, dict) and csi.get("driver") in SMB_DRIVERS):
            names.add(str(volume.get("name")))
    return names


class VolumeMounts(PodSpecTransform):
    id = "volume-mounts"
    summary = "Remove mountPropagation; report volumeDevices and subPath mounts of SMB volumes."
    rules = (PROPAGATION, BLOCK_DEVICE, SMB_SUBPATH)
    order = 110

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        smb = _smb_volumes(pod.spec)
        for path, container in pod.containers():
            name = container.get("name")
            devices = container.get("volumeDevices")
            if devices:
                context.report(BLOCK_DEVICE, (*path, "volumeDevices"),
                               f"container {name!r} uses raw block devices, which Windows does "
                               "not support", hint="use a filesystem volume instead")
            mounts = container.get("volumeMounts")
            for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
                if not isinstance(mount, dict):
                    continue
                where = (*path, "volumeMounts", index)
                if "mountPropagation" in mount:
                    context.report(PROPAGATION, (*where, "mountPropagation"),
                                   f"container {name!r}: mountPropagation "
                                   f"{mount['mountPropagation']} of {mount.get('name')!r} "
                                   "removed")
                    del mount["mountPropagation"]
                sub = "subPath" if "subPath" in mount else "subPathExpr" \
                    if "subPathExpr" in mount else None
                if sub and str(mount.get("name")) in smb:
                    context.report(SMB_SUBPATH, (*where, sub),
                                   f"container {name!r} mounts {sub} {mount[sub]!r} of SMB "
                                   f"volume {mount.get('name')!r}, which fails on Windows",
                                   hint="mount the whole volume and use the subfolder")
