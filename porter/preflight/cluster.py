"""Preflight: check an AKS cluster description against what Windows node pools need.

Reads the JSON that ``az aks show`` prints (the cluster, with its ``agentPoolProfiles``) and,
optionally, the JSON of ``az aks nodepool list`` (the node pools), and reports findings in
porter's usual form: rule, severity, file, line and column of the offending JSON key, the
resource (the cluster or a node pool) and a JSON Pointer into the file. Pure logic: reading
the files and writing the reports is the command's job (``porter/commands/preflight.py``).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

from porter.engine.findings import Finding, Severity
from porter.engine.transform import Rule
from porter.errors import InputError
from porter.kube.resources import Resource
from porter.kube.windows_versions import VERSIONS, WindowsVersion
from porter.preflight.rules import (
    FIRST_POOL,
    NETWORK_PLUGIN,
    NODE_LIMITS,
    OS_VERSION,
    TARGET_VERSION,
    WINDOWS_POOL_NAME,
)
from porter.yamledit.pointer import json_pointer

Path = tuple[str | int, ...]

MAX_POOLS = 100
MAX_NODES_PER_POOL = 1000
MAX_NODES_PER_CLUSTER = 5000
MAX_WINDOWS_POOL_NAME = 6
_POOL_NAME = re.compile(r"[a-z][a-z0-9]*")

ANNUAL_SKU = "WindowsAnnual"
_SKU_YEARS = {v.aks_sku: v for v in VERSIONS if v.aks_sku}


# --- JSON with positions ------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPACE = " \t\n\r"


@dataclass
class JsonFile:
    """A JSON file: its name, text, data and where each key (or array item) starts."""

    name: str
    text: str
    data: Any
    offsets: dict[Path, int] = field(default_factory=dict)
    _lines: list[int] = field(default_factory=list)

    def locate(self, path: Path) -> tuple[int, int]:
        """1-based line and column of the deepest part of ``path`` the file has."""
        for end in range(len(path), -1, -1):
            offset = self.offsets.get(path[:end])
            if offset is not None:
                break
        else:
            offset = 0
        if not self._lines:
            self._lines = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
        line = bisect.bisect_right(self._lines, offset) - 1
        return line + 1, offset - self._lines[line] + 1


def read_json(text: str, name: str) -> JsonFile:
    """Parse ``text``; raises InputError (with line and column) for anything but JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", name, exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", name, 1, 1) from None
    if not isinstance(data, dict | list):
        raise InputError("expected a JSON object or list", name, 1, 1)
    offsets: dict[Path, int] = {}
    try:
        _scan(text, _skip(text, 0), (), offsets)
    except RecursionError:
        raise InputError("JSON nested too deeply", name, 1, 1) from None
    return JsonFile(name, text, data, offsets)


def _skip(text: str, index: int) -> int:
    """The index of the first non-whitespace character at or after ``index``."""
    while index < len(text) and text[index] in _SPACE:
        index += 1
    return index


def _scan(text: str, index: int, path: Path, offsets: dict[Path, int]) -> int:
    """Record where every key and array item below ``path`` starts; return the end of the
    value at ``index`` (the text is known to be valid JSON)."""
    offsets.setdefault(path, index)
    char = text[index]
    if char == "{":
        index = _skip(text, index + 1)
        if text[index] == "}":
            return index + 1
        while True:
            key_start = index
            key, index = scanstring(text, index + 1)
            index = _skip(text, index) + 1  # the colon
            index = _skip(text, index)
            offsets[(*path, key)] = key_start
            index = _scan(text, index, (*path, key), offsets)
            offsets[(*path, key)] = key_start  # the key, not the value
            index = _skip(text, index)
            if text[index] == "}":
                return index + 1
            index = _skip(text, index + 1)
    if char == "[":
        index = _skip(text, index + 1)
        position = 0
        if text[index] == "]":
            return index + 1
        while True:
            index = _scan(text, index, (*path, position), offsets)
            position += 1
            index = _skip(text, index)
            if text[index] == "]":
                return index + 1
            index = _skip(text, index + 1)
    if char == '"':
        return scanstring(text, index + 1)[1]
    for literal in ("true", "false", "null"):
        if text.startswith(literal, index):
            return index + len(literal)
    match = _NUMBER.match(text, index)
    assert match is not None, (path, index)
    return match.end()


# --- The cluster --------------------------------------------------------------------------

def minor_version(value: Any) -> tuple[int, int] | None:
    """``(1, 33)`` for ``"1.33.2"`` or ``"1.33"``; None for anything else."""
    match = re.match(r"v?(\d+)\.(\d+)", str(value or ""))
    return (int(match[1]), int(match[2])) if match else None


def default_windows_sku(version: tuple[int, int]) -> str:
    """The osSku AKS gives a Windows pool that does not name one (windows-rules.md §5)."""
    if version >= (1, 36):
        return "Windows2025"
    if version >= (1, 25):
        return "Windows2022"
    return "Windows2019"


@dataclass
class Pool:
    """One node pool: an item of ``agentPoolProfiles`` or of ``az aks nodepool list``."""

    file: JsonFile
    path: Path
    data: dict[str, Any]
    cluster_version: Any = None

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def is_windows(self) -> bool:
        return str(self.data.get("osType") or "").lower() == "windows"

    @property
    def is_linux(self) -> bool:
        return str(self.data.get("osType") or "Linux").lower() == "linux"

    @property
    def is_system(self) -> bool:
        return str(self.data.get("mode") or "").lower() == "system"

    def version_key(self) -> str | None:
        for key in ("currentOrchestratorVersion", "orchestratorVersion"):
            if minor_version(self.data.get(key)):
                return key
        return None

    @property
    def version_text(self) -> str:
        """The pool's Kubernetes version as the file gives it (e.g. ``1.33.2``)."""
        key = self.version_key()
        return str(self.data[key] if key else self.cluster_version)

    @property
    def kubernetes(self) -> tuple[int, int] | None:
        return minor_version(self.version_text)

    @property
    def sku(self) -> str | None:
        """The pool's Windows osSku, the AKS default when not set, None when unknown."""
        sku = self.data.get("osSku")
        if sku:
            return str(sku)
        version = self.kubernetes
        return default_windows_sku(version) if self.is_windows and version else None

    @property
    def max_nodes(self) -> tuple[int, str]:
        """The most nodes the pool may have, and the key that says so."""
        count = _int(self.data.get("count"))
        if self.data.get("enableAutoScaling") and _int(self.data.get("maxCount")) > count:
            return _int(self.data.get("maxCount")), "maxCount"
        return count, "count"

    @property
    def scale_set(self) -> bool:
        """A Virtual Machine Scale Sets pool (the kind the node limits are for)?"""
        # az aks nodepool list renames the pool's type to typePropertiesType ("type" is then
        # the ARM resource type); az aks show keeps it as "type".
        kind = self.data.get("typePropertiesType") or self.data.get("type")
        return kind in (None, "VirtualMachineScaleSets")

    def resource(self) -> Resource:
        return Resource(kind="AgentPool", name=self.name or None)

    def at(self, *keys: str | int) -> Path:
        return (*self.path, *keys)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass
class Description:
    """What preflight checks: the cluster (optional) and its node pools."""

    cluster: JsonFile | None
    pools_file: JsonFile
    pools_path: Path
    pools: list[Pool]

    @property
    def cluster_data(self) -> dict[str, Any]:
        data = self.cluster.data if self.cluster else None
        return data if isinstance(data, dict) else {}

    def cluster_resource(self) -> Resource:
        name = self.cluster_data.get("name")
        return Resource(kind="ManagedCluster", name=str(name) if name else None)


def describe(cluster: JsonFile | None, nodepools: JsonFile | None) -> Description:
    """Put the files together; raises InputError for JSON of the wrong shape."""
    if cluster is not None and not isinstance(cluster.data, dict):
        raise InputError("expected the JSON object that 'az aks show' prints"
                         + (" (this looks like 'az aks nodepool list' output: pass it with "
                            "--nodepools)" if isinstance(cluster.data, list) else ""),
                         cluster.name, 1, 1)
    version = None
    if cluster is not None:
        version = cluster.data.get("currentKubernetesVersion") or \
            cluster.data.get("kubernetesVersion")
    if nodepools is not None:
        data = nodepools.data
        if isinstance(data, dict) and isinstance(data.get("value"), list):
            entries = [(("value", i), item) for i, item in enumerate(data["value"])]
            path: Path = ("value",)  # the shape of the ARM REST API's list
        elif isinstance(data, list):
            entries, path = [((i,), item) for i, item in enumerate(data)], ()
        elif isinstance(data, dict):
            entries, path = [((), data)], ()  # az aks nodepool show: one pool
        else:
            raise InputError("expected the JSON list that 'az aks nodepool list' prints",
                             nodepools.name, 1, 1)
        file = nodepools
        pools = [Pool(nodepools, where, item, version)
                 for where, item in entries if isinstance(item, dict)]
    else:
        assert cluster is not None
        profiles = cluster.data.get("agentPoolProfiles")
        if not isinstance(profiles, list) or not profiles:
            raise InputError("no node pools: the cluster JSON has no agentPoolProfiles; pass "
                             "'az aks nodepool list' output with --nodepools", cluster.name,
                             *cluster.locate(("agentPoolProfiles",)))
        file, path = cluster, ("agentPoolProfiles",)
        pools = [Pool(cluster, (*path, i), item, version)
                 for i, item in enumerate(profiles) if isinstance(item, dict)]
    if not pools:
        raise InputError("no node pools in the description", file.name, 1, 1)
    return Description(cluster, file, path, pools)


# --- The checks ---------------------------------------------------------------------------

class _Findings:
    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, rule: Rule, file: JsonFile, path: Path, resource: Resource, message: str,
            hint: str | None = None, severity: Severity | None = None) -> None:
        line, column = file.locate(path)
        self.items.append(Finding(rule=rule.code, severity=severity or rule.severity,
                                  message=message, file=file.name, line=line, column=column,
                                  resource=resource, path=json_pointer(path), hint=hint))


def check(description: Description, target: WindowsVersion) -> list[Finding]:
    """Every finding about the cluster and its pools for workloads built for ``target``."""
    out = _Findings()
    _network(description, out)
    _pool_names(description, out)
    _system_pool(description, out)
    _limits(description, out)
    _os_versions(description, out)
    _target(description, target, out)
    return sorted(out.items, key=Finding.sort_key)


def _network(description: Description, out: _Findings) -> None:
    if description.cluster is None:
        return
    cluster, resource = description.cluster, description.cluster_resource()
    profile = description.cluster_data.get("networkProfile")
    plugin = profile.get("networkPlugin") if isinstance(profile, dict) else None
    path: Path = ("networkProfile", "networkPlugin")
    if not plugin:
        out.add(NETWORK_PLUGIN, cluster, path, resource,
                "the cluster description does not say which network plugin it uses; Windows "
                "node pools need Azure CNI", severity=Severity.WARNING)
    elif str(plugin).lower() == "kubenet":
        out.add(NETWORK_PLUGIN, cluster, path, resource,
                "network plugin kubenet does not support Windows node pools; AKS needs Azure "
                "CNI (networkPlugin azure)",
                hint="create the cluster with --network-plugin azure (optionally "
                     "--network-plugin-mode overlay), or migrate it to Azure CNI Overlay")
    elif str(plugin).lower() == "none":
        out.add(NETWORK_PLUGIN, cluster, path, resource,
                "network plugin none (bring your own CNI): porter cannot tell whether it "
                "supports Windows nodes", severity=Severity.WARNING,
                hint="make sure the CNI you install has Windows support, or use Azure CNI")
    elif str(plugin).lower() != "azure":
        out.add(NETWORK_PLUGIN, cluster, path, resource,
                f"unknown network plugin {plugin!r}; Windows node pools need Azure CNI "
                "(networkPlugin azure)", severity=Severity.WARNING)


def _windows(description: Description) -> Iterator[Pool]:
    return (pool for pool in description.pools if pool.is_windows)


def _pool_names(description: Description, out: _Findings) -> None:
    for pool in _windows(description):
        name = pool.name
        if len(name) > MAX_WINDOWS_POOL_NAME:
            out.add(WINDOWS_POOL_NAME, pool.file, pool.at("name"), pool.resource(),
                    f"Windows node pool name {name!r} has {len(name)} characters; AKS allows "
                    f"at most {MAX_WINDOWS_POOL_NAME}",
                    hint=f"use a name such as {_short_name(pool)!r}")
        elif not _POOL_NAME.fullmatch(name):
            out.add(WINDOWS_POOL_NAME, pool.file, pool.at("name"), pool.resource(),
                    f"node pool name {name!r} must be lowercase letters and digits, starting "
                    "with a letter")


def _short_name(pool: Pool) -> str:
    year = (pool.sku or "")[-2:] if (pool.sku or "")[-2:].isdigit() else ""
    return f"win{year}" if year else "win"


def _system_pool(description: Description, out: _Findings) -> None:
    for pool in _windows(description):
        if pool.is_system:
            out.add(FIRST_POOL, pool.file, pool.at("mode"), pool.resource(),
                    f"Windows node pool {pool.name!r} is a System pool; Windows pools can only "
                    "be User pools", hint="create it with --mode User")
    if not any(pool.is_linux and pool.is_system for pool in description.pools):
        out.add(FIRST_POOL, description.pools_file, description.pools_path,
                description.cluster_resource(),
                "no Linux System node pool: the first node pool of an AKS cluster is a Linux "
                "system pool, and the cluster must keep one",
                hint="add one with az aks nodepool add --mode System --os-type Linux")


def _limits(description: Description, out: _Findings) -> None:
    pools = description.pools
    limit = description.cluster_data.get("maxAgentPools")
    limit = limit if isinstance(limit, int) and limit > 0 else MAX_POOLS
    file, path = description.pools_file, description.pools_path
    if len(pools) > limit:
        out.add(NODE_LIMITS, file, path, description.cluster_resource(),
                f"{len(pools)} node pools; an AKS cluster has at most {limit}")
    total = 0
    for pool in pools:
        nodes, key = pool.max_nodes
        total += nodes
        if nodes > MAX_NODES_PER_POOL and pool.scale_set:
            out.add(NODE_LIMITS, pool.file, pool.at(key), pool.resource(),
                    f"node pool {pool.name!r} may have {nodes} nodes ({key}); an AKS node "
                    f"pool has at most {MAX_NODES_PER_POOL}",
                    hint="spread the nodes over more pools")
    if total > MAX_NODES_PER_CLUSTER:
        out.add(NODE_LIMITS, file, path, description.cluster_resource(),
                f"the node pools may add up to {total} nodes; an AKS cluster has at most "
                f"{MAX_NODES_PER_CLUSTER}")


def _sku_place(pool: Pool) -> Path:
    """Where a finding about a pool's Windows version points: its osSku, else its version."""
    if pool.data.get("osSku"):
        return pool.at("osSku")
    key = pool.version_key()
    return pool.at(key) if key else pool.at("osType")


def _sku_text(pool: Pool) -> str:
    sku = pool.sku or "?"
    if pool.data.get("osSku"):
        return sku
    return f"{sku} (osSku not set: the AKS default on Kubernetes {pool.version_text})"


def _os_versions(description: Description, out: _Findings) -> None:
    for pool in _windows(description):
        sku, version = pool.sku, pool.kubernetes
        if sku is None or version is None:
            continue
        shown = pool.version_text
        problem = None
        if sku == "Windows2019" and version >= (1, 33):
            problem = f"Windows Server 2019 is not supported on Kubernetes 1.33 and later " \
                      f"(pool at {shown})"
        elif sku == "Windows2022" and version >= (1, 37):
            problem = f"Windows Server 2022 is not available on Kubernetes 1.37 and later " \
                      f"(pool at {shown})"
        elif sku == "Windows2025" and version < (1, 32):
            problem = f"Windows Server 2025 needs Kubernetes 1.32 or later (pool at {shown})"
        elif sku not in _SKU_YEARS and sku != ANNUAL_SKU:
            out.add(OS_VERSION, pool.file, _sku_place(pool), pool.resource(),
                    f"unknown Windows osSku {sku!r} on node pool {pool.name!r} (known: "
                    f"{', '.join([*_SKU_YEARS, ANNUAL_SKU])})", severity=Severity.WARNING)
            continue
        if problem:
            out.add(OS_VERSION, pool.file, _sku_place(pool), pool.resource(),
                    f"node pool {pool.name!r}: {problem}",
                    hint="add a pool with a supported --os-sku and move the workloads there")
        elif sku == "Windows2019":
            out.add(OS_VERSION, pool.file, _sku_place(pool), pool.resource(),
                    f"node pool {pool.name!r} runs Windows Server 2019, which AKS retires: no "
                    "new pools from 1 March 2026, images removed on 1 April 2027",
                    severity=Severity.WARNING, hint="plan the move to Windows2022 or "
                    "Windows2025 (new pool, rebuilt images)")


def _target(description: Description, target: WindowsVersion, out: _Findings) -> None:
    windows = list(_windows(description))
    if not windows:
        out.add(TARGET_VERSION, description.pools_file, description.pools_path,
                description.cluster_resource(),
                f"no Windows node pool: workloads converted for {target.name} have nowhere "
                "to run",
                hint=f"add one: az aks nodepool add --os-type Windows --os-sku "
                     f"{target.aks_sku} --name {('win' + str(target.year)[-2:])}")
        return
    exact = [pool for pool in windows if pool.sku == target.aks_sku]
    annual = [pool for pool in windows if pool.sku == ANNUAL_SKU and target.name == "ltsc2022"]
    for pool in annual:
        out.add(TARGET_VERSION, pool.file, _sku_place(pool), pool.resource(),
                f"node pool {pool.name!r} runs the Windows Annual Channel (preview), which "
                f"runs {target.name} images on a newer host build", severity=Severity.WARNING)
    runs_target = bool(exact or annual)
    for pool in windows:
        if pool in exact or pool in annual or pool.sku is None:
            continue
        if runs_target:
            out.add(TARGET_VERSION, pool.file, _sku_place(pool), pool.resource(),
                    f"node pool {pool.name!r} runs {_sku_text(pool)}, not {target.aks_sku}: "
                    f"images built for {target.name} cannot start there",
                    severity=Severity.WARNING,
                    hint=f"keep the converted pods off it with nodeSelector "
                         f"kubernetes.azure.com/os-sku: {target.aks_sku} (or "
                         f"node.kubernetes.io/windows-build: {target.build})")
        else:
            out.add(TARGET_VERSION, pool.file, _sku_place(pool), pool.resource(),
                    f"node pool {pool.name!r} runs {_sku_text(pool)}, and no Windows pool runs "
                    f"{target.aks_sku}: images built for {target.name} cannot start on it",
                    hint=f"add a pool with --os-sku {target.aks_sku}, or convert for the "
                         "version the pools run (--target-windows)")
