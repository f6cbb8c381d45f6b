"""Replace NFS volumes with Azure Files (SMB) through the CSI driver ``file.csi.azure.com``.

Windows nodes cannot mount NFS. Each inline ``nfs`` volume becomes an inline ``csi`` volume
of the Azure Files driver, which has a Windows node plugin, keeping ``readOnly``:

    csi:
      driver: file.csi.azure.com
      volumeAttributes:
        secretName: azure-secret
        shareName: exports-data

The Secret (keys ``azurestorageaccountname`` and ``azurestorageaccountkey``) must exist in
the pod's namespace and the share must hold the data: porter says which ones, per volume.

Options:
  secret-name: the Secret with the storage account credentials (default ``azure-secret``).
  share-name: template for the share name; ``{path}`` (the NFS export path), ``{volume}``
              (the volume name) and ``{server}`` are filled in, then the result is made a
              valid share name (lower case, digits, hyphens, 3-63 characters). Default ``{path}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import replace_key

DRIVER = "file.csi.azure.com"

NFS = Rule(
    code="nfs-to-azure-files",
    severity=Severity.WARNING,
    summary="An NFS volume now mounts an Azure Files share: create the Secret and the share.",
    doc="""
    Converts: ``volumes[*].nfs`` -> inline ``csi`` with driver ``file.csi.azure.com``,
    ``volumeAttributes.secretName`` and ``shareName``; ``readOnly`` is kept.

    Why: Windows nodes cannot mount NFS. Azure Files over SMB works on Windows nodes
    through its CSI driver (csi-proxy), and the driver allows inline (ephemeral) volumes.

    Example: ``nfs: {server: 10.0.0.4, path: /exports/data}`` -> ``csi: {driver:
    file.csi.azure.com, volumeAttributes: {secretName: azure-secret, shareName:
    exports-data}}``.

    Cannot convert: the data and the credentials. Create the share, copy the data from the
    NFS export, and create the Secret in the pod's namespace (inline volumes only read
    Secrets from their own namespace).

    Source: Windows storage docs (no NFS); azurefile-csi-driver driver-parameters.md and the
    inline-volume example; AKS "Create and use a volume with Azure Files".
    """,
    source="https://learn.microsoft.com/azure/aks/azure-csi-files-storage-provision",
)


@dataclass(frozen=True)
class Options:
    secret_name: str = "azure-secret"
    share_name: str = "{path}"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", self.secret_name):
            raise ValueError(f"secret-name {self.secret_name!r} is not a valid Secret name")
        try:
            self.share_name.format(path="p", volume="v", server="s")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"share-name template {self.share_name!r}: {exc}") from None


def share_name(raw: str) -> str:
    """A valid Azure Files share name made from ``raw``."""
    name = re.sub(r"[^a-z0-9-]+", "-", raw.lower())
    name = re.sub(r"-{2,}", "-", name).strip("-")[:63].strip("-")
    if len(name) < 3:
        name = (name + "-share").strip("-") if name else "share"
    return name


class NfsToAzureFiles(PodSpecTransform):
    id = "nfs-to-azure-files"
    keeps_pod_specs = True
    summary = "Replace inline NFS volumes with Azure Files CSI volumes."
    rules = (NFS,)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        volumes = pod.spec.get("volumes")
        namespace = pod.resource.namespace or "the pod's namespace"
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            if not isinstance(volume, dict) or not isinstance(volume.get("nfs"), dict):
                continue
            nfs: dict[str, Any] = volume["nfs"]
            server, export = str(nfs.get("server", "")), str(nfs.get("path", ""))
            name = str(volume.get("name", ""))
            share = share_name(self.options.share_name.format(
                path=export.strip("/") or name, volume=name, server=server))
            csi: dict[str, Any] = {"driver": DRIVER}
            if "readOnly" in nfs:
                csi["readOnly"] = nfs["readOnly"]
            csi["volumeAttributes"] = {"secretName": self.options.secret_name,
                                       "shareName": share}
            context.report(NFS, (*pod.path, "volumes", index, "nfs"),
                           f"NFS volume {name!r} ({server}:{export}) now mounts Azure Files "
                           f"share {share!r} with Secret {self.options.secret_name!r}",
                           hint=f"create share {share!r} with the data of {server}:{export}, and "
                                f"Secret {self.options.secret_name!r} (azurestorageaccountname, "
                                f"azurestorageaccountkey) in {namespace}")
            replace_key(volume, "nfs", "csi", csi)
