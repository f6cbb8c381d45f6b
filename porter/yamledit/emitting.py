"""Rendering new values as YAML text that fits the surrounding document's layout."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from porter.yamledit.plaindata import resolve_plain

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = frozenset(",[]{}:")
_UNSAFE_INSIDE = re.compile(r": |:$| #|[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]")
_YAML11 = yaml.resolver.Resolver()
_NUMERIC_LOOKING = re.compile(r"[-+]?[0-9._]+([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class Layout:
    """Indentation habits of a document: mapping step, sequence dash offset, line end."""

    map_step: int = 2
    seq_offset: int = 2
    newline: str = "\n"


def plain_is_safe(text: str, flow: bool = False) -> bool:
    """Can ``text`` be written as a plain scalar and still read back as that same string?

    Short texts (the keys and values transforms write again and again) are remembered.
    """
    if len(text) <= _REMEMBERED_LENGTH:
        return _remembered_plain_is_safe(text, flow)
    return _plain_is_safe(text, flow)


_REMEMBERED_LENGTH = 200


@functools.lru_cache(maxsize=4096)
def _remembered_plain_is_safe(text: str, flow: bool) -> bool:
    return _plain_is_safe(text, flow)


def _plain_is_safe(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _INDICATORS:
        return False
    if _UNSAFE_INSIDE.search(text) or (flow and any(c in _FLOW_UNSAFE for c in text)):
        return False
    if not isinstance(resolve_plain(text), str) or _NUMERIC_LOOKING.fullmatch(text):
        return False  # quote what a reader could take for a number (10.0.20348)
    # YAML 1.1 readers (PyYAML, older tools) also see timestamps, sexagesimals, '=' and '<<'.
    return _YAML11.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def double_quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\N")


def single_quoted(text: str) -> str | None:
    if any(c in text for c in "\n\r\t\x85\u2028\u2029") or not text.isprintable():
        return None
    return "'" + text.replace("'", "''") + "'"


def scalar(value: Any, flow: bool = False, style: str | None = None) -> str:
    """A scalar's text; ``style`` is the quote style to keep (``'``, ``"`` or None)."""
    if type(value) is str and style is None:  # the common case, first
        return value if plain_is_safe(value, flow) else double_quoted(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if style == "'":
        single = single_quoted(text)
        if single is not None:
            return single
    if style == '"':
        return double_quoted(text)
    return text if plain_is_safe(text, flow) else double_quoted(text)


def is_collection(value: Any) -> bool:
    return isinstance(value, (dict, list))


def inline(value: Any) -> str | None:
    """Text for a value that fits after ``key: `` or ``- `` on one line, else None."""
    if not is_collection(value):
        return scalar(value)
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return None


def flow(value: Any) -> str:
    """Flow-style text (``{a: 1, b: [x]}``) for use inside flow collections."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k, True)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value, flow=True)


def entry_lines(key: str, value: Any, indent: int, layout: Layout) -> list[str]:
    """Lines of a block mapping entry ``key: value`` at column ``indent``."""
    pad = " " * indent
    head = f"{pad}{scalar(key)}:"
    text = inline(value)
    if text is not None:
        return [f"{head} {text}"]
    return [head, *value_lines(value, indent, layout)]


def value_lines(value: Any, key_indent: int, layout: Layout) -> list[str]:
    """Lines of a block collection that is the value of a key at column ``key_indent``."""
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            lines.extend(entry_lines(key, item, key_indent + layout.map_step, layout))
        return lines
    lines = []
    for item in value:
        lines.extend(item_lines(item, key_indent + layout.seq_offset, layout))
    return lines


def item_lines(value: Any, dash: int, layout: Layout) -> list[str]:
    """Lines of a block sequence item ``- value`` with its dash at column ``dash``."""
    pad = " " * dash
    text = inline(value)
    if text is not None:
        return [f"{pad}- {text}"]
    body = mapping_after_dash(value, dash + 2, layout) if isinstance(value, dict) \
        else sequence_after_dash(value, dash + 2, layout)
    return [f"{pad}- {body[0].lstrip()}", *body[1:]]


def mapping_after_dash(value: dict[str, Any], column: int, layout: Layout) -> list[str]:
    lines: list[str] = []
    for key, item in value.items():
        lines.extend(entry_lines(key, item, column, layout))
    return lines


def sequence_after_dash(value: list[Any], column: int, layout: Layout) -> list[str]:
    lines: list[str] = []
    for item in value:
        lines.extend(item_lines(item, column, layout))
    return lines
