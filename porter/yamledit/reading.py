"""The one bounded reader for the YAML (and JSON) porter reads besides manifests: its
configuration, KRM ResourceLists, Helm values files, reports.

It composes with libyaml and builds plain data with the limits manifests have (aliases
expanding to at most ``MAX_ALIAS_NODES`` nodes, ``MAX_DEPTH`` levels, ``MAX_NODES`` nodes,
integers Python can convert): a hostile file is one located error, in bounded time and memory.
A list read item by item (a KRM ResourceList's ``items``) costs a bad item only itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from porter.yamledit.errors import InputError
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import AliasBudget, build, mapping_get


def load_one(text: str, name: str, *, templates: bool = True,
             last_key_wins: bool = False) -> Any:
    """The plain data of the single document in ``text`` (None when it holds none).

    ``templates`` refuses unrendered ``{{ }}`` outside quoted strings; ``last_key_wins``
    reads a repeated key as its last value, as Helm reads values files, instead of refusing it.
    Raises :class:`InputError` naming ``name``, line and column.
    """
    root = _single_root(text, name, templates)
    if root is None:
        return None
    data, _ = build(root, name, budget=AliasBudget(), last_key_wins=last_key_wins)
    return data


def _single_root(text: str, name: str, templates: bool) -> Node | None:
    """The root node of the one document ``text`` holds (None for none); a second document
    is an :class:`InputError` at its start."""
    documents = compose(text, name, templates=templates)
    if not documents:
        return None
    if len(documents) > 1:
        second = documents[1].root.start_mark
        raise InputError("a second YAML document where one is expected", name,
                         second.line + 1, second.column + 1)
    return documents[0].root


@dataclass
class ListItem:
    """One item of a list read item by item: its node, and its data or why it cannot be read."""

    node: Node
    data: Any = None
    error: InputError | None = None


@dataclass
class ListDocument:
    """A document whose list under one key is read item by item (see :func:`load_list`)."""

    root: Node
    data: Any
    """Everything but the list's items, read whole: the key holds ``[]``."""
    items: list[ListItem] | None
    """None when the key is absent or does not hold a sequence (``data`` then holds it)."""


def load_list(text: str, name: str, key: str = "items", *,
              templates: bool = False) -> ListDocument | None:
    """The single document of ``text`` (None when it holds none), with the sequence under
    its root's ``key`` read one item at a time: an item that cannot be read (too deep, an
    integer Python cannot convert, an alias bomb) is an ``error`` for that item alone, and
    the rest of the document reads as :func:`load_one` reads it. One alias budget bounds
    the whole text. Raises :class:`InputError` for anything outside the items.
    """
    root = _single_root(text, name, templates)
    if root is None:
        return None
    budget = AliasBudget()
    listed = mapping_get(root, key) if isinstance(root, MappingNode) else None
    if not isinstance(listed, SequenceNode):
        data, _ = build(root, name, budget=budget)
        return ListDocument(root, data, None)
    empty = SequenceNode(listed.tag, [], listed.start_mark, listed.end_mark)
    shell = MappingNode(root.tag, [(k, empty if v is listed else v) for k, v in root.value],
                        root.start_mark, root.end_mark, root.flow_style)
    data, _ = build(shell, name, budget=budget)
    items = []
    for node in listed.value:
        try:
            items.append(ListItem(node, build(node, name, budget=budget)[0]))
        except InputError as exc:
            items.append(ListItem(node, error=exc))
    return ListDocument(root, data, items)
