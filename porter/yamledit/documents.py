"""Documents: one YAML document of a file, its source nodes, and the plain data transforms edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from porter.yamledit.parsing import RawDocument
from porter.yamledit.plaindata import (
    MERGE_KEY,
    AliasBudget,
    BuildInfo,
    build,
    mapping_get,
    scalar_text,
)

Path = tuple[str | int, ...]


@dataclass
class Document:
    """A document of ``file``; ``data`` is built on first use and is what transforms edit."""

    file: str
    raw: RawDocument
    _data: Any = None
    _info: BuildInfo | None = None
    state: dict[str, Any] = field(default_factory=dict)
    """Scratch the transforms of one pass over the document share (the pipeline clears it
    before they run, and once the document is written)."""
    budget: AliasBudget | None = None
    """Alias expansion left for the file (shared by its documents)."""

    @property
    def index(self) -> int:
        return self.raw.index

    @property
    def root(self) -> Node:
        return self.raw.root

    @property
    def kind(self) -> str | None:
        """The ``kind`` read straight from the nodes (no data built)."""
        return scalar_text(mapping_get(self.root, "kind"))

    @property
    def api_version(self) -> str | None:
        return scalar_text(mapping_get(self.root, "apiVersion"))

    @property
    def is_kubernetes(self) -> bool:
        return bool(self.kind) and bool(self.api_version)

    @property
    def built(self) -> bool:
        return self._info is not None

    @property
    def line_offset(self) -> int:
        return self.raw.line_offset

    @property
    def data(self) -> Any:
        if self._info is None:
            self._data, self._info = build(self.root, self.file, self.line_offset,
                                           self.budget, aliases=self.raw.anchors)
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self.data  # noqa: B018 - make sure the build info exists
        self._data = value

    @property
    def build_info(self) -> BuildInfo:
        self.data  # noqa: B018
        assert self._info is not None
        return self._info

    def locate(self, path: Path) -> tuple[int, int]:
        """1-based line and column of the deepest node of ``path`` that exists in the input.

        For a mapping entry that is the key's position, for a sequence item the item's.
        """
        node = self.root
        where = node.start_mark
        for part in path:
            if isinstance(node, MappingNode):
                found = _entry(node, str(part))
                if found is None:
                    break
                key_node, node = found
                where = key_node.start_mark
            elif isinstance(node, SequenceNode) and isinstance(part, int) and \
                    0 <= part < len(node.value):
                node = node.value[part]
                where = node.start_mark
            else:
                break
        return where.line + 1 + self.line_offset, where.column + 1

    def node_at(self, path: Path) -> Node | None:
        node: Node | None = self.root
        for part in path:
            if isinstance(node, MappingNode):
                found = _entry(node, str(part))
                node = found[1] if found else None
            elif isinstance(node, SequenceNode) and isinstance(part, int) and \
                    0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
        return node


def _entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    # Only a scalar key's value is a string: a collection key's (a list) equals no key.
    for key_node, value_node in node.value:
        if key_node.value == key:
            return key_node, value_node
    for source in [value for key_node, value in node.value if key_node.value == MERGE_KEY]:
        for mapping in source.value if isinstance(source, SequenceNode) else [source]:
            if isinstance(mapping, MappingNode):
                found = _entry(mapping, key)
                if found:
                    return found
    return None


