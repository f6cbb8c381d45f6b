"""Finding pod specs in workload resources (and in the items of ``kind: List``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from porter.kube.resources import Resource, resource_of
from porter.yamledit.documents import Document, Path

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

# kind -> (API groups it belongs to, path of the pod template's metadata, path of the pod spec)
_POD_PATHS: dict[str, tuple[frozenset[str], Path, Path]] = {
    "Pod": (frozenset({""}), ("metadata",), ("spec",)),
    "PodTemplate": (frozenset({""}), ("template", "metadata"), ("template", "spec")),
    "ReplicationController": (frozenset({""}), ("spec", "template", "metadata"),
                              ("spec", "template", "spec")),
    **{
        kind: (frozenset({"apps", "extensions"}), ("spec", "template", "metadata"),
               ("spec", "template", "spec"))
        for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
    },
    "Job": (frozenset({"batch"}), ("spec", "template", "metadata"), ("spec", "template", "spec")),
    "CronJob": (frozenset({"batch"}), ("spec", "jobTemplate", "spec", "template", "metadata"),
                ("spec", "jobTemplate", "spec", "template", "spec")),
}
WORKLOAD_KINDS = frozenset(_POD_PATHS)
LIST_KINDS = frozenset({"List", *(f"{kind}List" for kind in WORKLOAD_KINDS),
                        "PersistentVolumeList", "PersistentVolumeClaimList", "StorageClassList"})
"""``kind: List`` and the typed lists (``DeploymentList``, ``PodList``, ...) that ``kubectl get
-o yaml`` writes: their ``items`` are resources like any other."""


def api_group(api_version: Any) -> str:
    text = str(api_version or "")
    return text.rpartition("/")[0]


def is_workload(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    entry = _POD_PATHS.get(str(obj.get("kind")))
    return entry is not None and api_group(obj.get("apiVersion")) in entry[0]


@dataclass
class PodSpec:
    """A pod spec inside a workload: where it is, and the dict that transforms edit."""

    document: Document
    owner_path: Path
    metadata_path: Path
    path: Path
    spec: dict[str, Any]

    @property
    def owner(self) -> dict[str, Any]:
        return _get(self.document.data, self.owner_path)

    @property
    def resource(self) -> Resource:
        return resource_of(self.owner)

    @property
    def kind(self) -> str:
        return str(self.owner.get("kind"))

    def metadata(self, create: bool = False) -> dict[str, Any] | None:
        """The pod (template) metadata; with ``create``, made when missing."""
        parent: Any = self.document.data
        for part in self.metadata_path:
            if isinstance(parent, list):  # the items of a List
                parent = parent[part]
                continue
            child = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(child, list) and part == "items":
                parent = child
                continue
            if not isinstance(child, dict):
                if not create or not isinstance(parent, dict):
                    return None
                child = parent[part] = {}
            parent = child
        return parent

    def annotations(self) -> dict[str, Any]:
        """Annotations of the pod template and, for a Pod, of the pod itself."""
        metadata = self.metadata() or {}
        annotations = metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    def remove_annotation(self, key: str) -> None:
        """Delete one annotation, and the ``annotations`` mapping if that emptied it."""
        metadata = self.metadata() or {}
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(key, None)
            if not annotations:
                del metadata["annotations"]

    def containers(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Every container of every list the API server validates, with its path."""
        for list_name in CONTAINER_LISTS:
            items = self.spec.get(list_name)
            if not isinstance(items, list):
                continue
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield (*self.path, list_name, index), container

    @property
    def key(self) -> Path:
        return self.path


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def resources(data: Any) -> Iterator[tuple[Path, Any]]:
    """The resources of a document with their paths: a List's items, else the document."""
    if isinstance(data, dict) and data.get("kind") in LIST_KINDS and \
            isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            yield ("items", index), item
    else:
        yield (), data


def pod_specs(document: Document) -> Iterator[PodSpec]:
    """Every pod spec of the document (its own, or those of its List items)."""
    for owner_path, obj in resources(document.data):
        if not is_workload(obj):
            continue
        _groups, metadata_path, spec_path = _POD_PATHS[obj["kind"]]
        spec: Any = obj
        for part in spec_path:
            spec = spec.get(part) if isinstance(spec, dict) else None
        if isinstance(spec, dict):
            yield PodSpec(document, owner_path, (*owner_path, *metadata_path),
                          (*owner_path, *spec_path), spec)


def may_hold_pod_specs(kind: str | None) -> bool:
    """The cheap look: can a document of this kind carry a pod spec at all?"""
    return kind in WORKLOAD_KINDS or kind in LIST_KINDS


def pod_spec_path(obj: Any) -> Path | None:
    """Where a workload's pod spec sits in its plain data (None: not a workload)."""
    return _POD_PATHS[obj["kind"]][2] if is_workload(obj) else None
