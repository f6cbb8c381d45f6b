"""Persistent storage for Windows pods: PersistentVolumes, claims and storage classes.

Windows nodes mount Azure Files (SMB) and Azure Disk through their CSI drivers, not NFS,
Blob (NFS or FUSE) or the removed in-tree plugins. porter turns NFS and in-tree Azure
PersistentVolumes into CSI PersistentVolumes, moves claims off Linux-only storage classes
(to ``azurefile-csi`` by default) and reports storage classes Windows pods cannot use.
Moving the data itself is left to you, and said so.

Options:
  storage-classes: old class -> new class (exact names), applied before the defaults.
  default-class: class for claims on NFS/Blob classes (default ``azurefile-csi``).
  secret-name: Secret with the storage account for converted PVs (default ``azure-secret``).
  secret-namespace: namespace of that Secret (default ``default``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from porter.transforms.nfs_to_azure_files import share_name

from porter.engine.findings import Severity
from porter.engine.transform import Context, Rule, Transform
from porter.kube.storage import LINUX_ONLY_CSI_DRIVERS
from porter.kube.workloads import LIST_KINDS
from porter.yamledit.dictedit import replace_key
from porter.yamledit.documents import Document, Path

FILE_DRIVER = "file.csi.azure.com"
DISK_DRIVER = "disk.csi.azure.com"
NFS_PROVISIONERS = re.compile(r"(nfs-subdir-external-provisioner|nfs-client|(^|/)nfs$|"
                              r"^kubernetes\.io/(glusterfs|cephfs|rbd|iscsi|quobyte|portworx))")
LINUX_CLASSES = re.compile(r"(^|-)nfs(-|$)|^azureblob-(nfs|fuse)-|blobfuse|^nfs")
IN_TREE_CLASSES = {"azurefile": "azurefile-csi", "azurefile-premium": "azurefile-csi-premium"}
_UNSUPPORTED = ("iscsi", "rbd", "cephfs", "glusterfs", "fc", "flexVolume", "flocker",
                "quobyte", "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk",
                "cinder")
_PV_SOURCES = ("nfs", "csi", "azureFile", "azureDisk", "hostPath", "local",
               "gcePersistentDisk", "awsElasticBlockStore", "vsphereVolume", *_UNSUPPORTED)
"""The volume sources of a PersistentVolume spec (the API server allows exactly one)."""
_AKS_URL = "https://learn.microsoft.com/azure/aks/concepts-storage"

PV_CONVERTED = Rule(
    code="persistent-volume-converted",
    severity=Severity.WARNING,
    summary="A PersistentVolume now uses an Azure CSI driver: move the data, check the Secret.",
    doc="""
    Converts: ``nfs`` (and ``csi`` with driver ``nfs.csi.k8s.io``) and in-tree ``azureFile``
    -> ``csi`` with ``file.csi.azure.com`` (``volumeHandle`` unique per share,
    ``volumeAttributes.shareName``, ``nodeStageSecretRef``); in-tree ``azureDisk`` -> ``csi``
    with ``disk.csi.azure.com`` (``volumeHandle`` = the disk URI). NFS ``mountOptions`` are
    dropped.

    Why: Windows nodes cannot mount NFS; the in-tree Azure plugins were removed
    (azureDisk in 1.27, azureFile in 1.30). The Azure CSI drivers have Windows node plugins.

    Example: ``nfs: {server: 10.0.0.4, path: /exports/data}`` -> ``csi: {driver:
    file.csi.azure.com, volumeHandle: data-pv#exports-data, volumeAttributes: {shareName:
    exports-data}, nodeStageSecretRef: {name: azure-secret, namespace: default}}``.

    Cannot convert: the data (copy it to the share), and a disk formatted ext4/xfs, which
    Windows cannot read (Windows disks are NTFS).

    Source: Windows storage (no NFS); Kubernetes "Volumes" (CSI migration of azureFile and
    azureDisk); azurefile-csi-driver static provisioning; AKS CSI storage drivers.
    """,
    source=_AKS_URL,
)
PV_UNSUPPORTED = Rule(
    code="unsupported-persistent-volume",
    severity=Severity.ERROR,
    summary="A PersistentVolume of a type Windows nodes cannot mount.",
    doc="""
    Converts: nothing.

    Why: iSCSI, RBD, CephFS, GlusterFS, Fibre Channel, FlexVolume, the removed in-tree
    plugins and CSI drivers without a Windows node plugin (``blob.csi.azure.com``) have no
    Windows node support here; pods on Windows nodes cannot use the volume.

    A PersistentVolume naming more than one volume source (which the API server refuses)
    is reported here too and left as it is: which source was meant is for a human to say.

    Example: a PV with ``cephfs: {...}``.

    Cannot convert: the storage; move the data to Azure Files or Azure Disk.

    Source: Kubernetes "Windows storage".
    """,
    source="https://kubernetes.io/docs/concepts/storage/windows-storage/",
)
CLAIM_CLASS = Rule(
    code="claim-storage-class",
    severity=Severity.WARNING,
    summary="A claim (or PV) moved from a Linux-only storage class to a Windows-capable one.",
    doc="""
    Converts: ``storageClassName`` (and the old ``volume.beta.kubernetes.io/storage-class``
    annotation) of claims on NFS, Blob NFS/FUSE or in-tree Azure classes ->
    ``azurefile-csi`` (or what the option ``storage-classes`` says); ``azurefile`` ->
    ``azurefile-csi``, ``azurefile-premium`` -> ``azurefile-csi-premium``.

    Why: NFS and Blob classes are Linux-only on AKS; Windows pods need SMB (Azure Files) or
    Azure Disk classes. A new class means a new, empty volume.

    Example: ``storageClassName: nfs-client`` -> ``azurefile-csi``.

    Cannot convert: the data; copy it into the new volume. A bound claim (``volumeName``)
    must be recreated, since a claim's class cannot change in place.

    Source: AKS storage concepts (storage classes; NFS and Blob are Linux-only);
    azurefile-csi-driver.
    """,
    source=_AKS_URL,
)
LINUX_CLASS = Rule(
    code="linux-only-storage-class",
    severity=Severity.WARNING,
    summary="A StorageClass whose volumes Windows pods cannot mount.",
    doc="""
    Converts: nothing (claims using it are moved to another class).

    Why: its provisioner makes NFS, Blob (NFS or FUSE) or other Linux-only volumes.

    Example: ``provisioner: nfs.csi.k8s.io``, or ``file.csi.azure.com`` with
    ``parameters.protocol: nfs``.

    Cannot convert: keep the class for Linux workloads; use ``azurefile-csi`` or
    ``managed-csi`` for Windows ones.

    Source: AKS storage concepts; azurefile-csi-driver driver parameters (protocol).
    """,
    source=_AKS_URL,
)


@dataclass(frozen=True)
class Options:
    storage_classes: dict[str, str] = field(default_factory=dict)
    default_class: str = "azurefile-csi"
    secret_name: str = "azure-secret"
    secret_namespace: str = "default"


class PersistentStorage(Transform):
    id = "persistent-storage"
    keeps_pod_specs = True
    summary = "Convert NFS and in-tree Azure PVs to CSI; move claims off Linux-only classes."
    rules = (PV_CONVERTED, PV_UNSUPPORTED, CLAIM_CLASS, LINUX_CLASS)
    Options = Options
    kinds = frozenset({"PersistentVolume", "PersistentVolumeClaim", "StorageClass"}) | LIST_KINDS

    def apply(self, document: Document, context: Context) -> None:
        data = document.data
        if not isinstance(data, dict):
            return
        if data.get("kind") in LIST_KINDS and isinstance(data.get("items"), list):
            targets: list[tuple[Path, Any]] = [(("items", i), item)
                                               for i, item in enumerate(data["items"])]
        else:
            targets = [((), data)]
        for path, obj in targets:
            if not isinstance(obj, dict) or _skipped(obj):
                continue
            kind = obj.get("kind")
            if kind == "PersistentVolume":
                self._volume(obj, path, context)
            elif kind == "PersistentVolumeClaim":
                self._claim(obj, path, context)
            elif kind == "StorageClass":
                self._class(obj, path, context)

    def new_class(self, name: Any) -> str | None:
        if not isinstance(name, str) or not name:
            return None
        if name in self.options.storage_classes:
            return self.options.storage_classes[name]
        if name in IN_TREE_CLASSES:
            return IN_TREE_CLASSES[name]
        return self.options.default_class if LINUX_CLASSES.search(name) else None

    def _claim(self, claim: dict[str, Any], path: Path, context: Context) -> None:
        spec = claim.get("spec")
        if isinstance(spec, dict):
            self._reclass(spec, "storageClassName", (*path, "spec", "storageClassName"),
                          claim, context)
        metadata = claim.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        if isinstance(annotations, dict):
            key = "volume.beta.kubernetes.io/storage-class"
            self._reclass(annotations, key, (*path, "metadata", "annotations", key), claim,
                          context)

    def _reclass(self, holder: dict[str, Any], key: str, where: Path, claim: dict[str, Any],
                 context: Context) -> None:
        old = holder.get(key)
        new = self.new_class(old)
        if new is None or new == old:
            return
        bound = isinstance(claim.get("spec"), dict) and claim["spec"].get("volumeName")
        context.report(CLAIM_CLASS, where, f"{claim.get('kind')} storage class {old} -> {new}",
                       hint="a new class means a new, empty volume: copy the data"
                            + ("; the bound claim must be recreated" if bound else ""))
        holder[key] = new

    def _volume(self, volume: dict[str, Any], path: Path, context: Context) -> None:
        spec = volume.get("spec")
        if not isinstance(spec, dict):
            return
        metadata = volume.get("metadata")
        name = str(metadata.get("name", "pv")) if isinstance(metadata, dict) else "pv"
        spec_path = (*path, "spec")
        sources = [key for key in _PV_SOURCES if key in spec]
        if len(sources) > 1:
            context.report(PV_UNSUPPORTED, (*spec_path, sources[1]),
                           f"PersistentVolume {name} names more than one volume source "
                           f"({', '.join(sources)}), which the API server refuses; not "
                           "converted", hint="keep the one volume source that is meant")
            return
        for kind in _UNSUPPORTED:
            if kind in spec:
                context.report(PV_UNSUPPORTED, (*spec_path, kind),
                               f"PersistentVolume {name}: {kind} cannot be mounted on Windows "
                               "nodes", hint="move the data to Azure Files or Azure Disk")
        driver = spec["csi"].get("driver") if isinstance(spec.get("csi"), dict) else None
        if driver in LINUX_ONLY_CSI_DRIVERS and driver != "nfs.csi.k8s.io":  # NFS converts
            context.report(PV_UNSUPPORTED, (*spec_path, "csi", "driver"),
                           f"PersistentVolume {name}: CSI driver {driver} has no Windows node "
                           "plugin", hint="move the data to Azure Files or Azure Disk")
        converted = self._file_csi(spec, name) or self._disk_csi(spec)
        if converted is None:
            self._reclass(spec, "storageClassName", (*spec_path, "storageClassName"), volume,
                          context)
            return
        source_key, csi, note = converted
        context.report(PV_CONVERTED, (*spec_path, source_key),
                       f"PersistentVolume {name}: {source_key} -> CSI {csi['driver']}{note}",
                       hint="copy the data to the new share or disk before switching")
        replace_key(spec, source_key, "csi", csi)
        if source_key == "nfs" or (source_key == "csi" and "mountOptions" in spec):
            spec.pop("mountOptions", None)
        self._reclass(spec, "storageClassName", (*spec_path, "storageClassName"), volume,
                      context)

    def _file_csi(self, spec: dict[str, Any], name: str) -> tuple[str, dict[str, Any], str] | None:
        secret = {"name": self.options.secret_name, "namespace": self.options.secret_namespace}
        nfs = spec.get("nfs")
        csi_source = spec.get("csi")
        if isinstance(nfs, dict):
            key, export, read_only = "nfs", str(nfs.get("path", "")), nfs.get("readOnly")
        elif isinstance(csi_source, dict) and csi_source.get("driver") == "nfs.csi.k8s.io":
            attributes = csi_source.get("volumeAttributes")
            attributes = attributes if isinstance(attributes, dict) else {}
            key, export = "csi", str(attributes.get("share", ""))
            read_only = csi_source.get("readOnly")
        elif isinstance(spec.get("azureFile"), dict):
            azure = spec["azureFile"]
            share = str(azure.get("shareName", ""))
            secret = {"name": azure.get("secretName", self.options.secret_name),
                      "namespace": azure.get("secretNamespace", self.options.secret_namespace)}
            return "azureFile", self._file_spec(name, share, secret, azure.get("readOnly")), ""
        else:
            return None
        share = share_name(export.strip("/") or name)
        return key, self._file_spec(name, share, secret, read_only), \
            f" (share {share}, Secret {secret['namespace']}/{secret['name']})"

    @staticmethod
    def _file_spec(name: str, share: str, secret: dict[str, Any],
                   read_only: Any) -> dict[str, Any]:
        csi: dict[str, Any] = {"driver": FILE_DRIVER}
        if read_only is not None:
            csi["readOnly"] = read_only
        csi["volumeHandle"] = f"{name}#{share}"
        csi["volumeAttributes"] = {"shareName": share}
        csi["nodeStageSecretRef"] = secret
        return csi

    @staticmethod
    def _disk_csi(spec: dict[str, Any]) -> tuple[str, dict[str, Any], str] | None:
        disk = spec.get("azureDisk")
        if not isinstance(disk, dict):
            return None
        csi: dict[str, Any] = {"driver": DISK_DRIVER, "volumeHandle": disk.get("diskURI")}
        fs_type = str(disk.get("fsType", "ext4")).lower()
        csi["fsType"] = "ntfs"
        if "readOnly" in disk:
            csi["readOnly"] = disk["readOnly"]
        if "cachingMode" in disk:
            csi["volumeAttributes"] = {"cachingMode": disk["cachingMode"]}
        note = "" if fs_type == "ntfs" else \
            f"; the disk was {fs_type}, which Windows cannot read: migrate its data to NTFS"
        return "azureDisk", csi, note

    def _class(self, storage_class: dict[str, Any], path: Path, context: Context) -> None:
        provisioner = str(storage_class.get("provisioner", ""))
        parameters = storage_class.get("parameters")
        protocol = str(parameters.get("protocol", "")).lower() \
            if isinstance(parameters, dict) else ""
        if provisioner in LINUX_ONLY_CSI_DRIVERS or NFS_PROVISIONERS.search(provisioner) or \
                (provisioner == FILE_DRIVER and protocol == "nfs"):
            metadata = storage_class.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else None
            context.report(LINUX_CLASS, (*path, "provisioner"),
                           f"StorageClass {name}: {provisioner}"
                           + (" (protocol nfs)" if protocol == "nfs" else "")
                           + " volumes cannot be mounted by Windows pods",
                           hint="keep it for Linux workloads; Windows claims go to "
                                f"{self.options.default_class}")


def _skipped(obj: dict[str, Any]) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return False
    return str(annotations.get("winporter.dev/skip", "")).lower() in ("true", "yes", "1")
