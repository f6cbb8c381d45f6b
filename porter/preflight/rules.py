"""The rules of ``porter preflight``: what an AKS cluster needs for Windows node pools."""

from __future__ import annotations

from porter.engine.findings import Severity
from porter.engine.transform import Rule

_SHARED = ("porter's shared reference windows-rules.md (section 5, AKS specifics, from\n"
           "    MicrosoftDocs/azure-aks-docs)")
_NOT_SHARED = ("this limit is not in porter's shared reference (windows-rules.md): it is\n"
               "    the AKS documentation's well-known rule, stated without more precision\n"
               "    than that; check the current AKS docs when in doubt")

NETWORK_PLUGIN = Rule(
    code="aks-network-plugin",
    severity=Severity.ERROR,
    summary="Windows node pools need Azure CNI; kubenet does not support them.",
    doc=f"""
    Converts: nothing (preflight checks the cluster, it does not change it). Reports
    ``networkProfile.networkPlugin`` when it is ``kubenet`` (error), ``none`` or another
    value porter cannot vouch for (warning), or when the description does not say.

    Why: AKS runs Windows nodes only with Azure CNI (``networkPlugin: azure``, in either the
    classic or the overlay mode); a kubenet cluster cannot get a Windows node pool at all, so
    converted workloads would have nowhere to run. With ``none`` (bring your own CNI) the
    plug-in must support Windows nodes itself.

    Example: ``"networkProfile": {{"networkPlugin": "kubenet"}}`` in ``az aks show`` output.

    Cannot convert: the network plug-in of an existing cluster; create the cluster with
    ``--network-plugin azure`` (optionally ``--network-plugin-mode overlay``) or migrate it
    to Azure CNI Overlay.

    Source: AKS Windows documentation (Windows node pools need Azure CNI; kubenet is not
    supported for them); {_NOT_SHARED}.
    """,
    source="https://learn.microsoft.com/azure/aks/windows-faq",
)
WINDOWS_POOL_NAME = Rule(
    code="aks-windows-pool-name",
    severity=Severity.ERROR,
    summary="A Windows node pool name has at most 6 characters (lowercase letters, digits).",
    doc=f"""
    Converts: nothing. Reports a Windows node pool whose name is longer than 6 characters,
    or that is not lowercase letters and digits starting with a letter.

    Why: AKS builds the Windows computer names of the nodes from the pool name, and Windows
    computer names are short (NetBIOS: 15 characters), so AKS accepts Windows pool names of
    at most 6 characters (Linux pools: 12). Every AKS pool name is lowercase alphanumeric and
    starts with a letter.

    Example: ``az aks nodepool add --os-type Windows --name windows2022`` is refused;
    ``--name win22`` works.

    Cannot convert: a pool's name; create a pool with a short name and move the workloads.

    Source: AKS Windows FAQ and node pool documentation (Windows node pool names are limited
    to 6 characters); {_NOT_SHARED}.
    """,
    source="https://learn.microsoft.com/azure/aks/windows-faq",
)
FIRST_POOL = Rule(
    code="aks-first-pool-linux",
    severity=Severity.ERROR,
    summary="The first (system) node pool must be Linux; Windows pools can only be user pools.",
    doc=f"""
    Converts: nothing. Reports a cluster description without a Linux system node pool and
    every Windows node pool whose ``mode`` is ``System``.

    Why: an AKS cluster starts with a Linux system node pool (the first pool, which runs
    CoreDNS, metrics-server and the other system pods) and must keep one; Windows node pools
    are added next to it as user pools and cannot be system pools. porter checks that
    substance rather than the order of the list, because ``az`` need not list the pools in
    the order they were created.

    Example: a pool ``{{"name": "win22", "osType": "Windows", "mode": "System"}}``.

    Cannot convert: the pools of a cluster; add a Linux system pool (``az aks nodepool add
    --mode System``) or create the Windows pool with ``--mode User``.

    Source: AKS Windows FAQ (the first node pool is Linux; Windows pools are user pools) and
    the system node pool documentation; {_NOT_SHARED}.
    """,
    source="https://learn.microsoft.com/azure/aks/use-system-pools",
)
NODE_LIMITS = Rule(
    code="aks-node-limits",
    severity=Severity.ERROR,
    summary="Too many node pools, or too many nodes in a pool or in the cluster, for AKS.",
    doc=f"""
    Converts: nothing. Reports more node pools than the cluster's ``maxAgentPools`` (which
    ``az aks show`` prints; 100 when absent), a Virtual Machine Scale Sets pool that may
    grow past 1,000 nodes (its ``count``, or ``maxCount`` with the autoscaler on), and a
    cluster whose pools may add up to more than 5,000 nodes.

    Why: AKS refuses to add pools or scale nodes past its quotas, so a migration plan that
    adds Windows pools to a cluster near the limits fails at ``az aks nodepool add`` time.

    Example: a pool with ``"enableAutoScaling": true, "maxCount": 1200``.

    Cannot convert: the quotas; spread the nodes over more pools or clusters. Availability
    set clusters (legacy) and other per-subscription quotas (vCPU cores) are not checked.

    Source: AKS "Quotas, virtual machine size restrictions, and region availability"
    (maximum node pools per cluster, nodes per node pool and nodes per cluster for Virtual
    Machine Scale Sets); {_NOT_SHARED}.
    """,
    source="https://learn.microsoft.com/azure/aks/quotas-skus-regions",
)
OS_VERSION = Rule(
    code="aks-windows-os-version",
    severity=Severity.ERROR,
    summary="A Windows pool's Windows Server version is unsupported (or retiring) at its "
            "Kubernetes version.",
    doc=f"""
    Converts: nothing. Reads each Windows pool's ``osSku`` (Windows2019, Windows2022,
    Windows2025, WindowsAnnual; when it is not set, the AKS default for the pool's
    Kubernetes version) and its Kubernetes version (``currentOrchestratorVersion``, else
    ``orchestratorVersion``, else the cluster's).

    Why: AKS ties Windows Server versions to Kubernetes versions. Windows Server 2019 is not
    supported on Kubernetes 1.33 and later (no new pools from 1 March 2026; its images are
    removed on 1 April 2027, so a 2019 pool on an older version gets a warning); Windows
    Server 2022 is the default for 1.25 to 1.35 and unavailable from 1.37 (it retires on 30
    June 2028); Windows Server 2025 is supported from 1.32 and the default from 1.36.

    Example: ``"osSku": "Windows2019"`` on a pool at ``"currentOrchestratorVersion":
    "1.33.2"``.

    Cannot convert: the OS of a pool. Upgrading the Windows version means a new pool with
    the new ``--os-sku``, images rebuilt for it, and a ``nodeSelector`` moving the
    workloads (``kubernetes.azure.com/os-sku``).

    Source: {_SHARED}: AKS-BP, AKS-UPG, AKS-QS and the Windows Server 2019/2022 retirement
    notes.
    """,
    source="https://learn.microsoft.com/azure/aks/upgrade-windows-os",
)
TARGET_VERSION = Rule(
    code="aks-windows-version-target",
    severity=Severity.ERROR,
    summary="No Windows node pool runs the target Windows Server version (or one runs another).",
    doc=f"""
    Converts: nothing. Compares each Windows pool's Windows Server version with the target
    (``--target-windows``, default ltsc2022): an error when no Windows pool runs it (or
    there is no Windows pool), a warning for each pool that runs another version while some
    pool runs the target.

    Why: AKS uses process isolation only, where a container image's Windows build must equal
    the node's, and a node pool runs one Windows version. Images built for the target cannot
    start on a pool of another version; when pools of several versions exist, the converted
    pods need a ``nodeSelector`` (``kubernetes.azure.com/os-sku`` or
    ``node.kubernetes.io/windows-build``) to land on the right ones. The Annual Channel
    (``WindowsAnnual``, preview) runs ltsc2022 images on newer hosts: a warning.

    Example: target ltsc2022 and a single Windows pool with ``"osSku": "Windows2019"``.

    Cannot convert: the pools; add a pool with the target's ``--os-sku`` (Windows2019,
    Windows2022, Windows2025), or convert for the version the pools run.

    Source: {_SHARED}: AKS-BP, AKS-UPG, AKS-ANN; Windows container version compatibility
    (VC).
    """,
    source="https://learn.microsoft.com/azure/aks/upgrade-windows-os",
)

RULES = (NETWORK_PLUGIN, WINDOWS_POOL_NAME, FIRST_POOL, NODE_LIMITS, OS_VERSION, TARGET_VERSION)

# AKS quotas for Virtual Machine Scale Sets clusters (see NODE_LIMITS' source).
