"""Volumes: convert the in-tree Azure Files plugin, drop memory media, report the rest.

Windows nodes support emptyDir, configMap, secret, projected, downwardAPI, hostPath (Windows
paths and named pipes), persistentVolumeClaim and CSI volumes whose driver has a Windows
node plugin. The in-tree ``azureFile`` plugin was removed from Kubernetes (1.30), so it
becomes the Azure Files CSI driver inline; ``emptyDir.medium: Memory`` becomes disk-backed;
every other Linux-only volume type is reported.
"""

from __future__ import annotations

from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.storage import LINUX_ONLY_CSI_DRIVERS
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import replace_key

_STORAGE_URL = "https://kubernetes.io/docs/concepts/storage/windows-storage/"
UNSUPPORTED_TYPES = ("iscsi", "rbd", "cephfs", "glusterfs", "fc", "flexVolume", "flocker",
                     "quobyte", "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk",
                     "cinder", "gitRepo")

UNSUPPORTED = Rule(
    code="unsupported-volume-type",
    severity=Severity.ERROR,
    summary="A volume type with no Windows support.",
    doc="""
    Converts: nothing; the volume is left as it is and reported.

    Why: Windows nodes mount SMB and CSI storage (through csi-proxy) but not iSCSI, RBD,
    CephFS, GlusterFS, Fibre Channel, most FlexVolume drivers, or the removed in-tree
    plugins (Flocker, Quobyte, Portworx, ScaleIO, StorageOS, PhotonPersistentDisk, Cinder,
    gitRepo). The pod would fail to start.

    Example: ``volumes: [{name: data, cephfs: {monitors: [...]}}]``.

    Cannot convert: the storage; move the data to Azure Files (SMB, ``file.csi.azure.com``)
    or Azure Disk (``disk.csi.azure.com``) through a PersistentVolumeClaim.

    Source: Kubernetes "Windows storage" (supported volume types); "Volumes" (removed
    in-tree plugins).
    """,
    source=_STORAGE_URL,
)
AZURE_FILE = Rule(
    code="in-tree-azure-file",
    severity=Severity.INFO,
    summary="An in-tree azureFile volume became an Azure Files CSI volume.",
    doc="""
    Converts: ``azureFile: {secretName, shareName, readOnly}`` -> ``csi: {driver:
    file.csi.azure.com, readOnly, volumeAttributes: {secretName, shareName}}``.

    Why: the in-tree azureFile plugin is deprecated since 1.21 and its code was removed in
    1.30 (calls are redirected to the CSI driver); AKS stopped creating in-tree volumes at
    1.26. The CSI driver has a Windows node plugin and allows inline volumes.

    Example: as above; the Secret keeps its keys ``azurestorageaccountname`` and
    ``azurestorageaccountkey``.

    Cannot convert: ``secretNamespace`` (inline CSI volumes read Secrets from the pod's own
    namespace only); use a PersistentVolume for that.

    Source: Kubernetes "Volumes" (azureFile CSI migration); azurefile-csi-driver
    driver-parameters-intree.md.
    """,
    source="https://kubernetes.io/docs/concepts/storage/volumes/#azurefile",
)
AZURE_DISK = Rule(
    code="in-tree-azure-disk",
    severity=Severity.ERROR,
    summary="An inline in-tree azureDisk volume: move it to a PVC on disk.csi.azure.com.",
    doc="""
    Converts: nothing; the volume is reported with the replacement to write.

    Why: the in-tree azureDisk plugin was removed in Kubernetes 1.27, and the Azure Disk CSI
    driver does not support inline volumes, so the disk must be a PersistentVolume (CSI
    driver ``disk.csi.azure.com``, ``volumeHandle`` = the disk URI) bound to a claim.

    Example: ``azureDisk: {diskName: d, diskURI: /subscriptions/...}`` -> a PV with
    ``csi: {driver: disk.csi.azure.com, volumeHandle: /subscriptions/...}`` and
    ``persistentVolumeClaim: {claimName: d}`` in the pod.

    Cannot convert: creating the PV and PVC, which porter leaves to you.

    Source: Kubernetes "Volumes" (azureDisk); AKS CSI storage drivers.
    """,
    source="https://learn.microsoft.com/azure/aks/csi-storage-drivers",
)
MEMORY = Rule(
    code="memory-emptydir",
    severity=Severity.WARNING,
    summary="emptyDir.medium: Memory was dropped; Windows emptyDir volumes are disk-backed.",
    doc="""
    Converts: deletes ``medium: Memory`` (``sizeLimit`` stays).

    Why: Windows has no tmpfs or RAM disk; memory-backed emptyDir volumes are not
    supported. The API server and the kubelet accept the field, but the kubelet's Windows
    mounter makes a ``tmpfs`` mount a plain directory on the node's disk, so the volume is
    disk-backed with or without it: porter removes it so that the manifest says what the
    node does. Slower than RAM, counted as ephemeral storage rather than memory, and its
    content stays on disk until the pod goes.

    Example: ``emptyDir: {medium: Memory}`` -> ``emptyDir: {}``.

    Cannot convert: memory-backed storage.

    Source: Kubernetes "Windows storage" and Windows intro (emptyDir medium Memory not
    possible); k8s.io/mount-utils ``mount_windows.go`` (``MountSensitive``: a ``tmpfs``
    source is ``os.MkdirAll(target)``); kubernetes/kubernetes#132841.
    """,
    source=_STORAGE_URL,
)
LINUX_CSI = Rule(
    code="linux-only-csi-driver",
    severity=Severity.ERROR,
    summary="An inline CSI volume whose driver has no Windows node plugin.",
    doc="""
    Converts: nothing; the volume is left as it is and reported.

    Why: an inline ``csi`` volume is mounted by the driver's node plugin on the pod's node.
    ``nfs.csi.k8s.io`` (NFS) and ``blob.csi.azure.com`` (Azure Blob over NFS or blobfuse)
    have Linux node plugins only, the same drivers porter reports for StorageClasses and
    PersistentVolumes: the pod would never start on a Windows node.

    Example: ``csi: {driver: nfs.csi.k8s.io, volumeAttributes: {server: nfs, share: /}}``.

    Cannot convert: the storage; move the data to Azure Files (``file.csi.azure.com``, SMB)
    or Azure Disk through a PersistentVolumeClaim.

    Source: Kubernetes "Windows storage" (CSI through csi-proxy); csi-driver-nfs and
    blob-csi-driver (Linux node plugins only); AKS storage concepts.
    """,
    source=_STORAGE_URL,
)


class VolumeTypes(PodSpecTransform):
    id = "volume-types"
    keeps_pod_specs = True
    summary = "Convert in-tree azureFile, drop emptyDir Memory, report unsupported volumes."
    rules = (UNSUPPORTED, AZURE_FILE, AZURE_DISK, MEMORY, LINUX_CSI)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        volumes = pod.spec.get("volumes")
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            if isinstance(volume, dict):
                self._volume(volume, (*pod.path, "volumes", index), context)

    def _volume(self, volume: dict[str, Any], path: tuple[Any, ...], context: Context) -> None:
        name = volume.get("name")
        for kind in UNSUPPORTED_TYPES:
            if kind in volume:
                context.report(UNSUPPORTED, (*path, kind),
                               f"volume {name!r} is {kind}, which Windows nodes cannot mount",
                               hint="move the data to Azure Files or Azure Disk through a PVC")
        empty_dir = volume.get("emptyDir")
        if isinstance(empty_dir, dict) and str(empty_dir.get("medium", "")).lower() == "memory":
            context.report(MEMORY, (*path, "emptyDir", "medium"),
                           f"volume {name!r}: memory-backed emptyDir is now disk-backed")
            del empty_dir["medium"]
        azure_file = volume.get("azureFile")
        if isinstance(azure_file, dict):
            csi: dict[str, Any] = {"driver": "file.csi.azure.com"}
            if "readOnly" in azure_file:
                csi["readOnly"] = azure_file["readOnly"]
            csi["volumeAttributes"] = {"secretName": azure_file.get("secretName"),
                                       "shareName": azure_file.get("shareName")}
            context.report(AZURE_FILE, (*path, "azureFile"),
                           f"volume {name!r}: in-tree azureFile now uses the Azure Files CSI "
                           "driver", hint="secretNamespace is not honoured by inline CSI "
                                          "volumes" if "secretNamespace" in azure_file else None)
            replace_key(volume, "azureFile", "csi", csi)
        csi = volume.get("csi")
        if isinstance(csi, dict) and csi.get("driver") in LINUX_ONLY_CSI_DRIVERS:
            context.report(LINUX_CSI, (*path, "csi", "driver"),
                           f"volume {name!r} uses the CSI driver {csi['driver']}, which has no "
                           "Windows node plugin",
                           hint="use Azure Files (file.csi.azure.com, SMB) or a PVC on a "
                                "Windows-capable class")
        disk = volume.get("azureDisk")
        if isinstance(disk, dict):
            context.report(AZURE_DISK, (*path, "azureDisk"),
                           f"volume {name!r}: in-tree azureDisk was removed from Kubernetes",
                           hint=f"create a PV (csi driver disk.csi.azure.com, volumeHandle "
                                f"{disk.get('diskURI')}) and a PVC, and mount the claim")
