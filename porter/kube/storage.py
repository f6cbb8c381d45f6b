"""Storage facts: the CSI drivers that have no Windows node plugin."""

from __future__ import annotations

LINUX_ONLY_CSI_DRIVERS = frozenset({"nfs.csi.k8s.io", "blob.csi.azure.com"})
"""CSI drivers whose volumes Windows nodes cannot mount: NFS (csi-driver-nfs ships only a
Linux node plugin) and Azure Blob (NFS or blobfuse, Linux-only on AKS)."""
