"""The changes as RFC 6902 JSON Patches, one per resource (``--patch``).

These are the very operations the splicer wrote into the text, so the patch and the converted
YAML cannot disagree. Each entry names its file, the document's index in the file and the
resource; ``pointer`` (RFC 6901) says where the resource sits in the document: ``""`` for the
document itself, ``/items/N`` for an item of a ``kind: List`` (its operations are relative to
the item, the way kubectl and kustomize see List items: as resources of their own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from porter.engine.results import DocumentPatch, FileResult
from porter.errors import PorterError
from porter.kube.resources import Resource, resource_of
from porter.kube.workloads import LIST_KINDS
from porter.outputs.encoding import dumps
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build

VERSION = 1
_ITEM = re.compile(r"/items/(\d+)(?=/)")


@dataclass(frozen=True)
class ResourcePatch:
    """The operations that turn one resource's data into its converted data."""

    file: str
    document: int
    pointer: str
    resource: Resource
    operations: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "document": self.document, "pointer": self.pointer,
                "resource": self.resource.to_dict(), "patch": self.operations}


def _by_item(patch: DocumentPatch) -> dict[int, list[dict[str, Any]]] | None:
    """A List document's operations split by item (None when an operation touches the list
    itself rather than the inside of one item)."""
    items: dict[int, list[dict[str, Any]]] = {}
    for op in patch.operations:
        match = _ITEM.match(op["path"])
        if match is None:
            return None
        rebased = {**op, "path": op["path"][match.end():]}
        items.setdefault(int(match.group(1)), []).append(rebased)
    return items


def _list_items(result: FileResult, index: int) -> list[Any]:
    """The items of the List that is document ``index`` of the input (read from the text: a
    patch keeps only the List's own name)."""
    try:
        root = compose(result.original, result.path)[index].root
        data, _ = build(root, result.path)
    except (PorterError, IndexError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def resource_patches(result: FileResult) -> list[ResourcePatch]:
    """The patches of one file, in document order."""
    out: list[ResourcePatch] = []
    for patch in sorted(result.patches, key=lambda p: p.index):
        items = _by_item(patch) if patch.resource.kind in LIST_KINDS else None
        if not items:
            out.append(ResourcePatch(result.path, patch.index, "", patch.resource,
                                     patch.operations))
            continue
        listed = _list_items(result, patch.index)
        for item, operations in sorted(items.items()):
            resource = resource_of(listed[item]) if item < len(listed) else Resource()
            out.append(ResourcePatch(result.path, patch.index, f"/items/{item}", resource,
                                     operations))
    return out


def patch_document(results: Sequence[FileResult]) -> dict[str, Any]:
    """The ``--patch`` document: ``{"version": 1, "patches": [...]}``, in file order."""
    return {"version": VERSION,
            "patches": [p.to_dict() for result in results for p in resource_patches(result)]}


def render(results: Sequence[FileResult]) -> str:
    return dumps(patch_document(results), indent=2) + "\n"
