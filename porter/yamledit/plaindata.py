"""Plain Python data (dict, list, str, int, float, bool, None) from composed nodes.

Plain scalars are resolved the way the API server's YAML reader (go-yaml v2, YAML 1.1 style)
resolves them, so ``privileged: yes`` is ``True`` here as it is in the cluster.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.yamledit.errors import InputError
from porter.yamledit.parsing import PLAIN

_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
                    False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_INT_BASED = re.compile(r"[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_TAG = "tag:yaml.org,2002:"
MERGE_KEY = "<<"
MAX_NODES = 1_000_000
MAX_DEPTH = 400
MAX_ALIAS_NODES = 100_000
"""Nodes one file may build by expanding aliases, over all its documents (alias bombs)."""


def resolve_plain(value: str) -> Any:
    """The value of an untagged plain scalar."""
    if value in _NULLS:
        return None
    if len(value) <= 5 and value in _BOOLS:
        return _BOOLS[value]
    first = value[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(value):
            return int(value.replace("_", ""))
        if _INT_BASED.match(value):
            sign = -1 if value[0] == "-" else 1
            digits = value.lstrip("+-").replace("_", "")
            base = {"x": 16, "o": 8, "b": 2}.get(digits[1:2], 8)
            body = digits[2:] if digits[1:2] in ("x", "o", "b") else digits[1:]
            return sign * int(body or "0", base)
        if _FLOAT.match(value):
            return float(value)
        if value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
    return value


MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
"""Python converts integers of at most this many decimal digits to and from text."""
_INT_LIMIT = 10 ** MAX_INT_DIGITS


def _scalar(node: ScalarNode, name: str = "-", line_offset: int = 0) -> Any:
    try:
        value = resolve_plain(node.value) if node.tag == PLAIN else \
            _scalar_value(node, name, _located(node, line_offset))
    except ValueError as exc:  # Python refuses to convert integers of more than 4,300 digits
        if "digits" not in str(exc):
            raise
        raise InputError(f"integer of {len(node.value):,} characters: more digits than porter "
                         f"reads ({MAX_INT_DIGITS:,}, Python's limit)", name,
                         *_located(node, line_offset)) from None
    if type(value) is int and not -_INT_LIMIT < value < _INT_LIMIT:
        # Hexadecimal, octal and binary text converts at any length, but the number could
        # never be written back or put in a message (str() refuses it).
        raise InputError(f"integer of {len(node.value):,} characters: larger than porter "
                         f"reads ({MAX_INT_DIGITS:,} decimal digits, Python's limit)", name,
                         *_located(node, line_offset))
    return value


def _located(node: Node, line_offset: int) -> tuple[int, int]:
    return node.start_mark.line + 1 + line_offset, node.start_mark.column + 1


def _scalar_value(node: ScalarNode, name: str, where: tuple[int, int]) -> Any:
    tag = node.tag
    if tag == PLAIN:
        return resolve_plain(node.value)
    if tag.startswith(_TAG):
        short = tag[len(_TAG):]
        if short in ("int", "float", "bool", "null"):
            resolved = resolve_plain(node.value)
            wanted = {"int": int, "float": float, "bool": bool, "null": type(None)}[short]
            if isinstance(resolved, wanted) and not (short == "int" and isinstance(resolved, bool)):
                return resolved
            if short == "float" and isinstance(resolved, int):
                return float(resolved)
        elif short == "binary":
            return _binary(node.value, name, where)
    # Any other tag (``!Ref``, ``!!timestamp``) reads as its text, as the API server reads it.
    return node.value


def _binary(value: str, name: str, where: tuple[int, int]) -> str:
    """A ``!!binary`` scalar as the API server's reader sees it: the decoded bytes as text
    (go-yaml decodes base64, ignoring line breaks, and refuses anything else)."""
    try:
        data = base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise InputError("!!binary value is not valid base64", name, *where) from None
    return data.decode("utf-8", "replace")


@dataclass
class AliasBudget:
    """How many more nodes the documents of one file may build through aliases: a bound for
    the whole file, so that many small alias bombs cannot add up to hours."""

    left: int = MAX_ALIAS_NODES


@dataclass
class BuildInfo:
    """What building noticed: nodes reached through aliases or merge keys cannot be edited."""

    shared: set[int] = field(default_factory=set)
    merged: set[int] = field(default_factory=set)


class _Builder:
    def __init__(self, name: str, line_offset: int, budget: AliasBudget | None,
                 last_key_wins: bool = False, aliases: bool = True) -> None:
        self.name = name
        self.last_key_wins = last_key_wins
        self.line_offset = line_offset
        self.aliases = aliases
        """Whether the nodes may hold aliases (else nothing is tracked for them)."""
        self.seen: set[int] = set()
        self.open: set[int] = set()
        """Collections being built (an alias to one of them would never end)."""
        self.expanding = 0
        """How many aliases deep the node being built is."""
        self.budget = budget or AliasBudget()
        self.info = BuildInfo()
        self.count = 0

    def build(self, node: Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(f"document expands to more than {MAX_NODES:,} nodes "
                             "(alias bomb?); refusing it", self.name, *self._where(node))
        if self.expanding:
            self.budget.left -= 1
            if self.budget.left < 0:
                raise InputError(f"aliases in this file expand to more than "
                                 f"{MAX_ALIAS_NODES:,} nodes (alias bomb?); refusing the "
                                 "document", self.name, *self._where(node))
        if depth > MAX_DEPTH:
            raise InputError(f"document nests deeper than {MAX_DEPTH} levels", self.name,
                             *self._where(node))
        kind = type(node)
        if kind is ScalarNode:
            return _scalar(node, self.name, self.line_offset)
        if not self.aliases:  # no node is reached twice: nothing to track
            if kind is MappingNode:
                return self._mapping(node, depth)
            if kind is SequenceNode:
                return [self.build(item, depth + 1) for item in node.value]
        key = id(node)
        if key in self.open:
            raise InputError("recursive alias: an anchored node contains an alias to itself",
                             self.name, *self._where(node))
        repeated = key in self.seen
        if repeated:
            self.info.shared.add(key)
            self.expanding += 1
        self.seen.add(key)
        self.open.add(key)
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, depth + 1) for item in node.value]
            if isinstance(node, MappingNode):
                return self._mapping(node, depth)
            raise InputError(f"unexpected YAML node {type(node).__name__}", self.name,
                             *self._where(node))
        finally:
            self.open.discard(key)
            self.expanding -= repeated

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.value == MERGE_KEY and isinstance(key_node, ScalarNode) and \
                    key_node.tag in (PLAIN, _TAG + "merge"):
                merges.append(value_node)
                continue
            key = self._key(key_node)
            if key in result and not self.last_key_wins:
                first = next(k for k, _ in node.value if k is not key_node and
                             isinstance(k, ScalarNode) and k.value == key)
                raise InputError(
                    f"duplicate key {key!r} (first at line {self._where(first)[0]})",
                    self.name, *self._where(key_node))
            result[key] = self.build(value_node, depth + 1)
        if merges:
            self.info.merged.add(id(node))
            for source in merges:
                sources = source.value if isinstance(source, SequenceNode) else [source]
                for mapping in sources:
                    merged = self.build(mapping, depth + 1)
                    if not isinstance(merged, dict):
                        raise InputError("merge key '<<' needs a mapping or list of mappings",
                                         self.name, *self._where(mapping))
                    for key, value in merged.items():
                        result.setdefault(key, value)
        return result

    def _key(self, node: Node) -> str:
        if type(node) is ScalarNode:
            return node.value
        raise InputError("complex mapping key (a collection used as a key)", self.name,
                         *self._where(node))

    def _where(self, node: Node) -> tuple[int, int]:
        return _located(node, self.line_offset)


def build(node: Node, name: str, line_offset: int = 0,
          budget: AliasBudget | None = None, last_key_wins: bool = False,
          aliases: bool = True) -> tuple[Any, BuildInfo]:
    """Plain data for ``node`` and what building noticed; raises InputError for bad data.

    ``line_offset`` is added to the lines errors name (the node's segment starts there);
    ``budget`` bounds alias expansion over several documents of one file;
    ``last_key_wins`` takes a repeated key's last value (Helm's values reader) instead of
    refusing it (the API server's strict reader); ``aliases=False`` says the nodes hold no
    alias (their text has no anchor), which saves tracking the nodes seen.
    """
    builder = _Builder(name, line_offset, budget, last_key_wins, aliases)
    return builder.build(node), builder.info


def mapping_get(node: Node, key: str) -> Node | None:
    """The value node under ``key`` of a mapping node, without building anything."""
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node
    return None


def scalar_text(node: Node | None) -> str | None:
    """The text of a scalar node, or None."""
    return node.value if isinstance(node, ScalarNode) else None


def clone(value: Any) -> Any:
    """A deep copy of plain data (much faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value
