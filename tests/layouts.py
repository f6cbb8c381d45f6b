"""The same data written in many YAML layouts, and what a conversion may change in each.

Used by the metamorphic test (tests/test_layouts.py) and the property tests: every layout
of a document must convert to the same data, change no line outside the changed fields,
lose no comment except on removed lines, and convert again to itself.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.yamledit.documents import Document
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build
from porter.yamledit.pointer import parse_pointer

# -- writers -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """PyYAML's writer with a chosen style for strings."""

    string_style: str | None = None
    block_scripts = False

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, indentless and not getattr(self, "indent_items", False))


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = dumper.string_style
    if "\n" in value:
        style = "|" if dumper.block_scripts and value.strip() and not value.startswith(" ") \
            and all(line == line.rstrip(" \t") for line in value.split("\n")) else '"'
    elif style == "'" and not value.isprintable():
        style = '"'
    if style is None:
        return dumper.represent_str(value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _pyyaml(data: Any, *, indent: int = 2, flow: bool | None = False,
            style: str | None = None, scripts: bool = False, items: bool = False) -> str:
    dumper = type("D", (_Dumper,), {"string_style": style, "block_scripts": scripts,
                                    "indent_items": items})
    dumper.add_representer(str, _represent_str)
    return yaml.dump(data, Dumper=dumper, indent=indent, default_flow_style=flow,
                     sort_keys=False, width=1 << 30, allow_unicode=True)


def _ruamel(data: Any, mapping: int, sequence: int, offset: int) -> str:
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.width = 1 << 30
    writer.indent(mapping=mapping, sequence=sequence, offset=offset)
    writer.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    out = io.StringIO()
    writer.dump(data, out)
    return out.getvalue()


def _block_lines(text: str) -> set[int]:
    """0-based lines inside block scalars and multi-line flow scalars (no comment fits)."""
    inside: set[int] = set()
    for raw in compose(text, "layout.yaml"):
        for node in _walk(raw.root):
            if isinstance(node, ScalarNode) and node.start_mark.line != node.end_mark.line:
                inside.update(range(node.start_mark.line, node.end_mark.line + 1))
    return inside


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _walk(key)
            yield from _walk(value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item)


def with_comments(text: str) -> str:
    """A numbered comment after every line that can carry one, and before the first."""
    lines = text.split("\n")
    inside = _block_lines(text)
    out = ["# c0 head"]
    for number, line in enumerate(lines):
        if line and number not in inside:
            line += f"   # c{number + 1}"
        out.append(line)
    return "\n".join(out)


def with_blank_lines(text: str) -> str:
    lines = text.split("\n")
    inside = _block_lines(text)
    return "\n".join(line + ("" if n in inside or not line else "\n")
                     for n, line in enumerate(lines))


LAYOUTS: dict[str, Callable[[Any], str]] = {
    "block-2": lambda d: _pyyaml(d),
    "block-4": lambda d: _pyyaml(d, indent=4),
    "indented-sequences": lambda d: _pyyaml(d, items=True),
    "ruamel-4-6-4": lambda d: _ruamel(d, 4, 6, 4),
    "ruamel-2-4-2": lambda d: _ruamel(d, 2, 4, 2),
    "flow-leaves": lambda d: _pyyaml(d, flow=None),
    "flow": lambda d: _pyyaml(d, flow=True),
    "double-quoted": lambda d: _pyyaml(d, style='"'),
    "single-quoted": lambda d: _pyyaml(d, style="'"),
    "block-scripts": lambda d: _pyyaml(d, scripts=True),
    "comments": lambda d: with_comments(_pyyaml(d)),
    "comments-indented": lambda d: with_comments(_pyyaml(d, items=True, indent=4)),
    "comments-flow-leaves": lambda d: with_comments(_pyyaml(d, flow=None)),
    "blank-lines": lambda d: with_blank_lines(_pyyaml(d, items=True)),
    "json": lambda d: json.dumps(d, indent=2, ensure_ascii=False) + "\n",
    "json-4": lambda d: json.dumps(d, indent=4, ensure_ascii=False) + "\n",
    "json-line": lambda d: json.dumps(d, ensure_ascii=False) + "\n",
}
"""Each writes one document's data; the stream forms below add markers and line ends."""

STREAMS: dict[str, Callable[[list[str]], str]] = {
    "plain": lambda docs: "---\n".join(docs),
    "markers": lambda docs: "".join(f"---\n{d}...\n" for d in docs),
    "crlf": lambda docs: "---\n".join(docs).replace("\n", "\r\n"),
}


def layout(documents: list[Any], name: str, stream: str = "plain") -> str:
    return STREAMS[stream]([LAYOUTS[name](data) for data in documents])


# -- what a conversion may change ------------------------------------------------------------


@dataclass
class Fidelity:
    """What changed in a converted text beyond what its patches allow."""

    stray_lines: list[str]
    """Lines removed or rewritten that belong to no changed field."""
    lost_comments: list[str]
    """Comments gone although their line was not a changed field's."""


_COMMENT = re.compile(r"# c\d+\b[^\r\n]*")


def check_fidelity(original: str, converted: str, patches: dict[int, list[dict[str, Any]]],
                   json_text: bool = False, comments: re.Pattern[str] = _COMMENT) -> Fidelity:
    """Compare ``converted`` with ``original`` line by line: every line that is gone must
    belong to a field some patch operation removes or replaces (or to a flow collection an
    operation adds to), and every comment must still be there unless its line is such.

    In JSON, removing the last entries of an object takes the comma off the line before
    (JSON has no trailing comma): a line that only lost or gained its final comma counts as
    unchanged there."""
    allowed = allowed_lines(original, patches)
    before = original.splitlines(keepends=True)
    after = converted.splitlines(keepends=True)
    if json_text:
        before = [line.rstrip("\r\n").rstrip(",") for line in before]
        after = [line.rstrip("\r\n").rstrip(",") for line in after]
    # Every line outside the changed fields must still be there, in order: the lines kept
    # are a subsequence of the output (found greedily, which finds one if there is one).
    stray = []
    position = 0
    for n, line in enumerate(before):
        if n in allowed:
            continue
        found = next((j for j in range(position, len(after)) if after[j] == line), None)
        if found is None:
            stray.append(f"{n + 1}: {line!r}")
        else:
            position = found + 1
    needed = Counter(c for n, line in enumerate(before) if n not in allowed
                     for c in comments.findall(line))
    have = Counter(comments.findall(converted))
    lost = [f"{c} ({needed[c] - have[c]} of {needed[c]})" for c in needed if have[c] < needed[c]]
    return Fidelity(stray, lost)


def allowed_lines(text: str, patches: dict[int, list[dict[str, Any]]]) -> set[int]:
    """0-based lines of ``text`` a conversion with these patches may rewrite."""
    raws = compose(text, "layout.yaml")
    text_lines = text.splitlines()
    allowed: set[int] = set()
    for index, operations in patches.items():
        document = Document("layout.yaml", raws[index])
        for operation in operations:
            path = _path(document, parse_pointer(operation["path"]))
            if operation["op"] == "add":
                parent = document.node_at(path[:-1])
                if parent is None or getattr(parent, "flow_style", False):
                    allowed.update(_span(document, path[:-1], text_lines))
                elif parent.value:  # a first key may be put before the first on its line
                    first = parent.value[0]
                    node = first[0] if isinstance(parent, MappingNode) else first
                    allowed.add(node.start_mark.line)
                    allowed.update(_flow_ancestors(document, path[:-1]))
                continue
            allowed.update(_span(document, path, text_lines))
            allowed.update(_flow_ancestors(document, path[:-1]))
    return allowed


def _path(document: Document, parts: tuple[str, ...]) -> tuple[str | int, ...]:
    """Pointer parts as keys and indexes, following the original document."""
    path: list[str | int] = []
    node: Node | None = document.root
    for part in parts:
        if isinstance(node, SequenceNode):
            path.append(int(part) if part.isdigit() else len(node.value))
        else:
            path.append(part)
        node = document.node_at(tuple(path)) if node is not None else None
    return tuple(path)


def _span(document: Document, path: tuple[str | int, ...], text_lines: list[str]) -> set[int]:
    """Lines of the deepest node along ``path`` that exists, from its key's line."""
    while path and document.node_at(path) is None:
        path = path[:-1]
    node = document.node_at(path)
    assert node is not None
    first = document.locate(path)[0] - 1 - document.line_offset
    if node.start_mark.line < first:  # an alias to an anchor above: its key's line, and the
        lines = {first}                 # alias's own when it is written below the key
        after = first + 1
        while after < len(text_lines) and text_lines[after].lstrip().startswith(("*", "#")):
            lines.add(after)
            if text_lines[after].lstrip().startswith("*"):
                break
            after += 1
        return lines
    last = node.end_mark.line
    if isinstance(node, ScalarNode) and node.style not in ("|", ">"):
        last = node.end_mark.line
    elif node.end_mark.column == 0 and node.end_mark.line > first:
        last -= 1  # a block collection ends at the start of the next line
    return set(range(first, last + 1))


def _flow_ancestors(document: Document, path: tuple[str | int, ...]) -> set[int]:
    """A change inside a one-line flow collection rewrites that line."""
    lines: set[int] = set()
    for end in range(len(path) + 1):
        node = document.node_at(path[:end])
        if getattr(node, "flow_style", False) and node is not None \
                and node.start_mark.line == node.end_mark.line:
            lines.add(node.start_mark.line)
    return lines


def read_all(text: str) -> list[Any]:
    return [build(raw.root, "layout.yaml")[0] for raw in compose(text, "layout.yaml")]
