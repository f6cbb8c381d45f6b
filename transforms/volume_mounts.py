"""Volume mounts: remove mount propagation, report block devices and subPath mounts.

Windows has no mount propagation and no raw block devices, and the Kubernetes Windows
storage docs support mounting only whole volumes (no ``subPath``). Runs after the NFS
conversion, so NFS volumes that became Azure Files are named as SMB volumes.
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
SUBPATH = Rule(
    code="subpath-mount",
    severity=Severity.WARNING,
    summary="A subPath mount: the Kubernetes Windows docs list subPath mounts as unsupported.",
    doc="""
    Converts: nothing; every ``subPath`` and ``subPathExpr`` mount is reported.

    Why: the Kubernetes "Windows Storage" page lists, among the storage functionality not
    supported on Windows nodes, "Volume subpath mounts: only the entire volume can be mounted
    in a Windows container" and "Subpath volume mounting for Secrets". The kubelet has
    Windows code for subPaths (kubernetes/kubernetes #92869), but the documented contract is
    the whole volume; subPaths of SMB volumes (Azure Files) and single-file subPaths are
    known to fail (kubernetes/kubernetes #65890, #97802; moby/moby #30555 with Docker).

    Example: a ConfigMap volume mounted with ``subPath: app.conf``, or an Azure Files volume
    with ``subPath: config``.

    Cannot convert: mount the whole volume at a directory of its own and point the
    application at the file or subfolder inside it (or use one volume per directory).

    Source: https://kubernetes.io/docs/concepts/storage/windows-storage/ ("Persistent
    storage": functionality not supported on Windows nodes).
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
    keeps_pod_specs = True
    summary = "Remove mountPropagation; report volumeDevices and subPath mounts."
    rules = (PROPAGATION, BLOCK_DEVICE, SUBPATH)
    order = 110

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        smb = _smb_volumes(pod.spec)
        volumes = pod.spec.get("volumes")
        secrets = {str(v.get("name")) for v in (volumes if isinstance(volumes, list) else [])
                   if isinstance(v, dict) and "secret" in v}
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
                if sub:
                    volume = str(mount.get("name"))
                    what = "SMB volume" if volume in smb else "Secret volume" \
                        if volume in secrets else "volume"
                    context.report(SUBPATH, (*where, sub),
                                   f"container {name!r} mounts {sub} {mount[sub]!r} of {what} "
                                   f"{volume!r}; Windows nodes support mounting only the "
                                   "entire volume", hint="mount the whole volume and use the "
                                                         "file or folder inside it")
