"""Resource identity: which Kubernetes object (apiVersion, kind, namespace, name) a thing is
about."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Resource:
    """The Kubernetes object a finding is about."""

    api_version: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None

    def __reduce__(self) -> tuple[type[Resource], tuple[str | None, ...]]:
        # Rebuilt from its fields: cheaper to unpickle than a slotted dataclass's state.
        return Resource, (self.api_version, self.kind, self.namespace, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def label(self) -> str:
        """Short human form, e.g. ``Deployment/web``."""
        kind = self.kind or "?"
        return f"{kind}/{self.name}" if self.name else kind


def resource_at(data: Any, path: tuple[str | int, ...] = ()) -> Resource:
    """The resource at ``path`` in a document's data (the document itself, or an item of a
    ``kind: List``)."""
    obj = data
    if path and path[0] == "items" and isinstance(obj, dict):
        items = obj.get("items")
        if isinstance(items, list) and len(path) > 1 and isinstance(path[1], int) \
                and path[1] < len(items):
            obj = items[path[1]]
    return resource_of(obj)


def resource_of(obj: Any) -> Resource:
    if not isinstance(obj, dict):
        return Resource()
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    return _resource(_text(obj.get("apiVersion")), _text(obj.get("kind")),
                     _text(metadata.get("namespace")), _text(metadata.get("name")))


@lru_cache(maxsize=1024)
def _resource(api_version: str | None, kind: str | None, namespace: str | None,
              name: str | None) -> Resource:
    """The (immutable) resource of these fields: made once, not for each of its findings."""
    return Resource(api_version, kind, namespace, name)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
