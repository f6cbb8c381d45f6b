"""Splicing edit ops into the original text, so that every untouched byte stays as it was.

The splicer knows each node's offsets from the composer. Mapping entries and sequence items
are removed as whole lines, new entries are inserted as lines rendered in the document's own
indentation, and scalars are replaced in place in their original quote style. Flow
collections that gain or lose entries are rendered again on their own.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.yamledit.diffing import START, Op
from porter.yamledit.documents import Document, Path
from porter.yamledit.emitting import (
    Layout,
    entry_lines,
    flow,
    inline,
    is_collection,
    item_lines,
    mapping_after_dash,
    scalar,
    sequence_after_dash,
    value_lines,
)
from porter.yamledit.parsing import walk
from porter.yamledit.plaindata import MERGE_KEY

_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
_BLANKS = " \t\r\n\x85\u2028\u2029"
_BREAKS = "\r\n\x85\u2028\u2029"
_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")
_BLOCK_HEADER = re.compile(r"(?:[!&]\S*[ \t]+)*[|>]([0-9+-]*)")
_IN_PLACE = -(1 << 30)
"""Rank of a value's replacement: an empty value (``key:`` at the end of a text) is replaced
at the offset where the lines after it are inserted, and must come first."""
_ALIAS_END = re.compile(r"[^\s,\[\]{}]*")


class SpliceError(Exception):
    """The text has a layout the splicer does not handle; the caller falls back."""


class SharedNodeError(Exception):
    """An edit falls on a node reached through an alias or a merge key."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]``; at one offset, lower ``rank`` goes first."""

    start: int
    end: int
    text: str = ""
    rank: int = 0


def _line_starts(text: str) -> list[int]:
    """Offsets of line starts: the lengths of the lines between LFs added up, in a text
    with no other line break."""
    if "\r" in text or (not text.isascii() and any(c in text for c in _UNICODE_BREAKS)):
        return [0, *(m.end() for m in _BREAK.finditer(text))]
    starts = list(accumulate(map(add, map(len, text.split("\n")), repeat(1)), initial=0))
    starts.pop()  # the end of the last line, past the end of the text
    return starts


class LineIndex:
    """Offsets of line starts, with the same line breaks as libyaml."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = _line_starts(text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def line_start(self, offset: int) -> int:
        return self.starts[self.line_of(offset)]

    def next_line_start(self, offset: int) -> int:
        """Start of the line after the one holding ``offset`` (or the end of the text)."""
        line = self.line_of(offset)
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)

    def first_on_line(self, offset: int) -> bool:
        return not self.text[self.line_start(offset):offset].strip()

    def newline_near(self, offset: int) -> str:
        match = _BREAK.search(self.text, offset) or _BREAK.search(self.text)
        return match.group() if match else "\n"


def explicit_key(text: str, start: int) -> bool:
    """Does a ``?`` come before ``start`` on its line, with only blanks between them?"""
    position = start
    while position and text[position - 1] in " \t":
        position -= 1
    return text[position - 1:position] == "?"


def detect_layout(root: Node, lines: LineIndex) -> Layout:
    """The indentation habits of a document, from its own block collections: the most
    common step of each kind (the first counted, on a tie)."""
    steps: dict[int, int] = {}
    offsets: dict[int, int] = {}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(value, ScalarNode):
                    continue  # nothing under it to count
                if isinstance(value, MappingNode):
                    if value.value and not value.flow_style:
                        mark = key.start_mark
                        step = value.value[0][0].start_mark.column - mark.column
                        if step > 0 and value.start_mark.line > mark.line:
                            steps[step] = steps.get(step, 0) + 1
                elif isinstance(value, SequenceNode) and value.value and not value.flow_style:
                    mark = key.start_mark
                    offset = value.start_mark.column - mark.column
                    if offset >= 0 and value.start_mark.line > mark.line:
                        offsets[offset] = offsets.get(offset, 0) + 1
                push(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return Layout(
        map_step=max(steps, key=steps.__getitem__) if steps else 2,
        seq_offset=max(offsets, key=offsets.__getitem__) if offsets else 2,
        newline=lines.newline_near(root.start_mark.index),
    )


class Splicer:
    """Plans text edits for one document's ops."""

    def __init__(self, document: Document, lines: LineIndex) -> None:
        self.document = document
        self.lines = lines
        self.text = lines.text
        self.shared = document.build_info.shared
        self.merged = document.build_info.merged
        self.layout = detect_layout(document.root, lines)
        self.nl = self.layout.newline
        self._references: dict[int, int] | None = None
        self._resolved: dict[Path, Node] = {}
        """Nodes found by :meth:`resolve`, by path (each past every check on the way)."""
        self._explicit_free: set[int] | None = set() if "?" in self.text else None
        """Block mappings seen without an explicit key (None: the text has no ``?``)."""
        root = document.root
        self.json = isinstance(root, MappingNode) and bool(root.flow_style) and bool(
            root.value) and all(getattr(k, "style", None) == '"' for k, _ in root.value)
        """A JSON document: what is inserted is written as JSON."""

    # -- locating -------------------------------------------------------------------------

    def resolve(self, path: Path) -> Node:
        """The node at ``path`` (str keys, int indexes), walked from the node of its longest
        prefix resolved before: the checks on the way there passed then."""
        node, start = self.document.root, 0
        for cut in range(len(path), 0, -1):
            known = self._resolved.get(path[:cut])
            if known is not None:
                node, start = known, cut
                break
        for depth in range(start, len(path)):
            part = path[depth]
            if id(node) in self.shared:
                raise SharedNodeError(path[:depth])
            if isinstance(node, MappingNode):
                if not node.flow_style:
                    self._refuse_explicit_keys(node)
                found = self._own_entry(node, str(part))
                if found is None:
                    if id(node) in self.merged:
                        raise SharedNodeError(path[:depth + 1])
                    raise SpliceError(f"no node at {path}")
                node = found[1]
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                node = node.value[part]
            else:
                raise SpliceError(f"no node at {path}")
            self._resolved[path[:depth + 1]] = node
        if id(node) in self.shared:
            raise SharedNodeError(path)
        return node

    def _refuse_explicit_keys(self, node: MappingNode) -> None:
        """An explicit key (``? key`` / ``: value``) is a layout the splicer does not write.

        A text without a ``?`` has none; a mapping found without one is not looked at again.
        """
        if self._explicit_free is None or id(node) in self._explicit_free:
            return
        for key, _ in node.value:
            if explicit_key(self.text, key.start_mark.index):
                raise SpliceError("an explicit key (? key) where the change falls")
        self._explicit_free.add(id(node))

    @staticmethod
    def _own_entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return key_node, value_node
        return None

    # -- extents --------------------------------------------------------------------------

    def _alias_end(self, after: int) -> int:
        """End of an alias token (``*name``) that follows ``after``, maybe on a later line."""
        position = after
        while position < len(self.text) and self.text[position] in " \t#" + _BREAKS:
            if self.text[position] == "#":
                position = self.lines.next_line_start(position)
            else:
                position += 1
        if self.text[position:position + 1] != "*":
            raise SpliceError("expected an alias")
        match = _ALIAS_END.match(self.text, position + 1)
        assert match is not None
        return match.end()

    def _block_header(self, node: ScalarNode) -> re.Match[str] | None:
        """The ``|``/``>`` header of a block scalar (its group 1: the indicators)."""
        return _BLOCK_HEADER.match(self.text, node.start_mark.index)

    def node_end(self, node: Node) -> int:
        """Offset just after the last character of the node's own text.

        A block scalar that keeps its final line breaks (``|+``, ``>+``) owns its trailing
        blank lines: its end is then the start of the line after them.
        """
        if isinstance(node, ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                header = self._block_header(node)
                if header is not None and "+" in header.group(1):
                    return end
                return self._block_content_end(node)
            return end
        if node.flow_style or not node.value:
            return node.end_mark.index
        if isinstance(node, MappingNode):
            key, value = node.value[-1]
            return self.entry_end(key, value)
        dashes = self.dashes(node)
        return self.item_end(dashes[-1], node.value[-1])

    def _block_content_end(self, node: ScalarNode) -> int:
        """End of the last content line of a clipped or stripped block scalar.

        Its trailing lines of spaces no deeper than its indentation are not part of it; a
        line of spaces past the indentation is content (``"echo hi\\n  \\n"``), so lines
        inserted after the scalar must go after that line, not inside the scalar.
        """
        start, end = node.start_mark.index, node.end_mark.index
        indent = self._block_indent(node)
        header_end = self.lines.next_line_start(start)
        while end > header_end:
            line_start = self.lines.line_start(end - 1)
            line = self.text[line_start:end].rstrip(_BREAKS)
            if line.strip(" ") or len(line) > indent:
                return line_start + len(line)
            end = line_start
        end = node.end_mark.index  # no content line: the header's line ends it
        while end > start and self.text[end - 1] in _BLANKS:
            end -= 1
        return end

    def _block_indent(self, node: ScalarNode) -> int:
        """The content indentation of a block scalar: the first content line's, less the
        spaces that line keeps in the value (so an indentation indicator needs no parent)."""
        position = self.lines.next_line_start(node.start_mark.index)
        end = node.end_mark.index
        while position < end:
            line_end = self.lines.next_line_start(position)
            line = self.text[position:line_end].rstrip(_BREAKS)
            if line.strip(" "):
                kept = next((len(v) - len(v.lstrip(" ")) for v in node.value.split("\n")
                             if v.strip(" ")), 0)
                return len(line) - len(line.lstrip(" ")) - kept
            position = line_end
        return 1 << 30  # no content line: every trailing line is blank

    def _before_break(self, end: int) -> int:
        """``end`` without the line break it follows (only a ``|+`` scalar ends after one).

        Edits that replace a node up to its end stop there, so the next line stays a line.
        """
        if end and self.text[end - 1] in _BREAKS:
            return end - 2 if self.text[end - 2:end] == "\r\n" else end - 1
        return end

    def colon_after(self, key: Node) -> int:
        position = key.end_mark.index
        while position < len(self.text) and self.text[position] != ":":
            position += 1
        return position

    def entry_end(self, key: Node, value: Node) -> int:
        if value.start_mark.index < key.end_mark.index:  # an alias to an earlier anchor
            return self._alias_end(self.colon_after(key) + 1)
        return max(self.node_end(value), key.end_mark.index)

    def item_end(self, dash: int, item: Node) -> int:
        if item.start_mark.index < dash:  # an alias to an earlier anchor
            return self._alias_end(dash + 1)
        return max(self.node_end(item), dash + 1)

    def dashes(self, node: SequenceNode) -> list[int]:
        """Offsets of the ``-`` of every item of a block sequence."""
        result: list[int] = []
        position = node.start_mark.index
        for item in node.value:
            position = self._skip_to_dash(position)
            result.append(position)
            position = self.item_end(position, item)
        return result

    def _skip_to_dash(self, position: int) -> int:
        text = self.text
        while position < len(text):
            char = text[position]
            if char == "-":
                return position
            if char == "#":
                position = self.lines.next_line_start(position)
            elif char.isspace() or char == "\ufeff":
                position += 1
            elif char in "!&":  # the sequence's own tag or anchor, before its first dash
                while position < len(text) and not text[position].isspace():
                    position += 1
            else:
                break
        raise SpliceError("sequence item without a dash")

    def _line_span(self, start: int, end: int) -> tuple[int, int]:
        """Whole lines from the line of ``start`` to the line holding ``end - 1``.

        After a block scalar that keeps its final line breaks (``|+``), the blank lines
        after the span go too: they would become part of the scalar's value.
        """
        first = self.lines.line_start(start)
        after = self.lines.next_line_start(max(end - 1, start))
        if any(node.end_mark.index == first for node in self._keeping_blocks()):
            while after < len(self.text) and not self.text[
                    after:self.lines.next_line_start(after)].strip(_BLANKS):
                after = self.lines.next_line_start(after)
        return first, after

    def _keeping_blocks(self) -> list[ScalarNode]:
        """Block scalars with the keep indicator (``|+``, ``>+``)."""
        if "+" not in self.text:
            return []
        return [node for node in self._block_scalars()
                if (header := self._block_header(node)) and "+" in header.group(1)]

    def _insertion(self, position: int, lines: list[str], depth: int) -> Edit:
        """Lines inserted at a line start; deeper containers' lines go first at one offset."""
        body = self.nl.join(lines)
        if position == len(self.text) and self.text and self.text[-1] not in "\r\n":
            return Edit(position, position, self.nl + body, -depth)
        return Edit(position, position, body + self.nl, -depth)

    # -- planning ------------------------------------------------------------------------

    def plan(self, ops: list[Op]) -> list[Edit]:
        edits: list[Edit] = []
        groups: dict[Path, list[Op]] = defaultdict(list)
        for op in ops:
            if op.op == "replace" and not op.path:
                edits.append(self._replace_root(op.value))
                continue
            groups[op.parent].append(op)
        for parent in sorted(groups, key=len):
            container = self.resolve(parent)
            group = groups[parent]
            if getattr(container, "flow_style", False):
                self._plan_flow(parent, container, group, edits)
            elif isinstance(container, MappingNode):
                self._plan_mapping(parent, container, group, edits)
            elif isinstance(container, SequenceNode):
                self._plan_sequence(parent, container, group, edits)
            else:
                raise SpliceError(f"cannot edit inside a scalar at {parent}")
        return self._end_of_text(edits)

    def _end_of_text(self, edits: list[Edit]) -> list[Edit]:
        """Adjust the edits of a text without a final line break, so that it keeps none.

        Lines inserted at the end start with a line break, which would give a block scalar
        ending the text a final newline: it gets the strip indicator (``|-``) to keep its
        value. Whatever ends the edited text (inserted lines, or original lines before the
        lines removed up to the end) then leaves its final line break off, unless that
        break belongs to a block scalar.
        """
        text = self.text
        size = len(text)
        if not text or text[-1] in _BREAKS or not edits:
            return edits
        appended = [e for e in edits if e.start == e.end == size and e.text]
        if appended:
            removed_to_end = any(not e.text and e.start < size == e.end for e in edits)
            before = apply_edits(text, [e for e in edits if e not in appended]) \
                if removed_to_end else ""
            if removed_to_end and (not before or before[-1] in _BREAKS):
                # Lines removed up to the end left a line break before the new lines (not
                # when the removal took the break itself, after ``key:`` say).
                edits = [Edit(e.start, e.end, e.text[len(self.nl):] + self.nl, e.rank)
                         if e in appended and e.text.startswith(self.nl) else e
                         for e in edits]
            else:
                edits = edits + self._strip_last_block(edits)
        for _ in range(size):  # a round leaves off one break: blank lines hide more
            fixed = self._drop_final_break(edits)
            if fixed is None:
                break
            edits = fixed
        return edits

    def _drop_final_break(self, edits: list[Edit]) -> list[Edit] | None:
        """Edits whose result does not end with the line break it would end with, or None."""
        position = len(self.text)
        tail: Edit | None = None
        for edit in reversed(_merged(edits)):
            if edit.end < position:
                break
            if edit.text:
                tail = edit
                break
            position = edit.start
        if tail is not None:
            trimmed = self._before_break_in(tail.text)
            if trimmed == tail.text:
                return None
            return [Edit(e.start, e.end, trimmed, e.rank) if e is tail else e for e in edits]
        before = self._before_break(position)
        if before == position or any(e.start < position and e.end > before for e in edits):
            return None
        for node in self._block_scalars():
            if any(e.start <= node.start_mark.index < e.end for e in edits):
                continue  # the scalar goes anyway
            header = self._block_header(node)
            indicators = header.group(1) if header else ""
            if "+" in indicators:  # every line break to its end is part of its value
                needed = node.start_mark.index < before < node.end_mark.index
            else:  # clipped: the first line break after its text is (stripped: none is)
                needed = "-" not in indicators and before == self.node_end(node)
            if needed:
                return None
        return [*edits, Edit(before, position, "")]

    @staticmethod
    def _before_break_in(text: str) -> str:
        for end in ("\r\n", *_BREAKS):
            if text.endswith(end):
                return text[:-len(end)]
        return text

    def _block_scalars(self) -> list[ScalarNode]:
        return [node for node in walk(self.document.root)
                if isinstance(node, ScalarNode) and node.style in ("|", ">")]

    def _strip_last_block(self, edits: list[Edit]) -> list[Edit]:
        """The edit that makes a block scalar ending the text strip its final line break."""
        for node in self._block_scalars():
            header = self._block_header(node)
            if node.end_mark.index != len(self.text) or node.value.endswith("\n") or \
                    header is None or "-" in header.group(1):
                continue
            plus = header.group(1).find("+")
            at = header.start(1) + plus if plus >= 0 else header.start(1)
            if any(e.start <= at < e.end or e.start == e.end == at for e in edits):
                continue  # the scalar is being replaced anyway
            return [Edit(at, at + 1 if plus >= 0 else at, "-")]
        return []

    # -- flow collections ---------------------------------------------------------------

    def _flow_spans(self, node: Node) -> list[tuple[int, int]]:
        """Start and end of every entry of a flow collection (a mapping entry from its key,
        or its ``?``, to the end of its value), commas and comments between them excluded."""
        text = self.text
        position = node.start_mark.index
        while position < len(text) and text[position] not in "[{":
            position += 1  # the collection's own tag or anchor
        position += 1
        spans: list[tuple[int, int]] = []
        for entry in node.value:
            while position < len(text):
                char = text[position]
                if char == "#":
                    position = self.lines.next_line_start(position)
                elif char in _BLANKS or char == ",":
                    position += 1
                else:
                    break
            if isinstance(node, MappingNode):
                key, value = entry
                if key.start_mark.index < position and text[position] != "?":
                    raise SpliceError("an alias as a flow mapping key")
                end = self.entry_end(key, value)
            elif text[position:position + 1] == "*":
                end = self._alias_end(position)
            else:
                if entry.start_mark.index != position:
                    raise SpliceError("unexpected text in a flow sequence")
                end = self.node_end(entry)
            spans.append((position, end))
            position = end
        return spans

    def _flow_entry(self, node: Node, key: Any, value: Any, column: int, step: int,
                    multiline: bool) -> str:
        """An entry (``key`` None for a sequence item) in the collection's own style: JSON
        in a JSON document, YAML flow otherwise; JSON pretty-printed when the collection
        has one entry a line."""
        if self.json:
            indent = step if multiline else None
            body = json.dumps(value, ensure_ascii=False, indent=indent)
            if indent:
                body = body.replace("\n", self.nl + " " * column)
            return body if key is None else f"{json.dumps(key, ensure_ascii=False)}: {body}"
        body = flow(value)
        return body if key is None else f"{scalar(key, True)}: {body}"

    def _plan_flow(self, parent: Path, node: Node, group: list[Op], edits: list[Edit]) -> None:
        """Edit inside a flow collection: values replaced, entries removed with their commas
        and entries inserted in the collection's layout (one a line, or all on one)."""
        spans = self._flow_spans(node)
        mapping = isinstance(node, MappingNode)
        keys = [k.value if isinstance(k, ScalarNode) else None for k, _ in node.value] \
            if mapping else list(range(len(node.value)))
        index = {k: i for i, k in enumerate(keys) if k is not None}
        removed: set[int] = set()
        for op in group:
            if op.op == "remove":
                if op.source not in index or op.source == MERGE_KEY:
                    raise SharedNodeError((*parent, op.source))
                removed.add(index[op.source])
        multiline = any(self.lines.first_on_line(start) for start, _ in spans)
        step = self._flow_step(node, spans)
        for run in _runs(sorted(removed)):
            first, last = run[0], run[-1]
            for i in run:
                value = node.value[i][1] if mapping else node.value[i]
                self._check_own(value, (*parent, keys[i]))
                self._check_anchors(spans[i][0], spans[i][1], list(node.value[i]) if mapping
                                    else [value], (*parent, keys[i]))
            if last + 1 < len(spans):
                start, end = spans[first][0], spans[last + 1][0]
                if self.lines.first_on_line(end):
                    if self.lines.first_on_line(start):
                        start, end = self.lines.line_start(start), self.lines.line_start(end)
                    else:  # the line of the next entry stays as it is
                        end = self._before_break(self.lines.line_start(end))
                edits.append(Edit(start, end, ""))
            elif first > 0 and not self.json and self._alone_on_lines(spans[first][0],
                                                                      spans[last][1]):
                # YAML allows the comma left after the entry before: its line stays.
                edits.append(Edit(self.lines.line_start(spans[first][0]),
                                  self.lines.next_line_start(spans[last][1]), ""))
            elif first > 0 and not self.json and self.lines.first_on_line(spans[first][0]):
                # ``}`` follows on the last line: the entry before keeps its line and comma.
                edits.append(Edit(spans[first][0], spans[last][1], ""))
            elif first > 0:
                edits.append(Edit(spans[first - 1][1], spans[last][1], ""))
            else:  # every entry goes
                edits.append(Edit(spans[0][0], spans[-1][1], ""))
        adds: dict[Any, list[Op]] = defaultdict(list)
        for op in group:
            if op.op == "replace":
                if op.source not in index:
                    raise SharedNodeError((*parent, op.source))
                i = index[op.source]
                value = node.value[i][1] if mapping else node.value[i]
                self._check_own(value, (*parent, op.source))
                edit = self._scalar_edit(value, op.value, in_flow=True)
                if edit is None:
                    start = spans[i][0] if not mapping else \
                        self._value_start(node.value[i][0], value)
                    self._check_anchors(start, spans[i][1], [value], (*parent, op.source))
                    column = len(self.text[self.lines.line_start(spans[i][0]):spans[i][0]])
                    spread = self.lines.line_of(spans[i][1]) > self.lines.line_of(start)
                    rendered = self._flow_entry(node, None, op.value, column,
                                                step, spread)
                    prefix = " " if mapping and start == self.colon_after(node.value[i][0]) \
                        + 1 else ""
                    edit = Edit(start, spans[i][1], prefix + rendered, _IN_PLACE)
                edits.append(edit)
            elif op.op == "add":
                adds[op.anchor].append(op)
        if not adds:
            return
        if not spans:  # an empty collection: its brackets hold the new entries
            close = node.end_mark.index - 1
            rendered = [self._flow_entry(node, op.path[-1] if mapping else None, op.value, 0,
                                         self.layout.map_step, False)
                        for ops in adds.values() for op in ops]
            edits.append(Edit(close, close, ", ".join(rendered)))
            return
        for anchor, ops in adds.items():
            at = spans[0][0] if anchor is START else spans[index[anchor]][1]
            near = spans[0][0] if anchor is START else spans[index[anchor]][0]
            column = len(self.text[self.lines.line_start(near):near])
            on_lines = multiline and self.lines.first_on_line(near)
            rendered = [self._flow_entry(node, op.path[-1] if mapping else None, op.value,
                                         column, step, on_lines) for op in ops]
            if anchor is START and on_lines:
                body = "".join(" " * column + r + "," + self.nl for r in rendered)
                edits.append(Edit(self.lines.line_start(at), self.lines.line_start(at), body,
                                  -len(parent)))
            elif anchor is START:
                edits.append(Edit(at, at, "".join(r + ", " for r in rendered), -len(parent)))
            elif on_lines:
                # When every entry after the anchor goes, so does its comma: the new entries
                # then start right at the anchor's end.
                tail_removed = index[anchor] + 1 in removed and \
                    all(i in removed for i in range(index[anchor] + 1, len(spans)))
                edits.extend(self._flow_lines_after(at, column, rendered, len(parent),
                                                    tail_removed))
            else:
                edits.append(Edit(at, at, "".join(", " + r for r in rendered), len(parent)))

    def _flow_lines_after(self, at: int, column: int, rendered: list[str], depth: int,
                          tail_removed: bool) -> list[Edit]:
        """New entries on lines of their own after the entry ending at ``at``, below the rest
        of its line (its comma and comment stay where they are)."""
        line_end = self._before_break(self.lines.next_line_start(at))
        rest = self.text[at:line_end].strip(" \t")
        comma = rest.startswith(",")
        after_comma = rest[1:].lstrip(" \t") if comma else rest
        pad = self.nl + " " * column
        if tail_removed or not rest or (after_comma and not after_comma.startswith("#")):
            return [Edit(at, at, "".join("," + pad + r for r in rendered), depth)]
        if comma:
            return [Edit(line_end, line_end, "".join(pad + r + "," for r in rendered), depth)]
        return [Edit(at, at, ",", depth),
                Edit(line_end, line_end, ",".join(pad + r for r in rendered), depth)]

    def _flow_step(self, node: Node, spans: list[tuple[int, int]]) -> int:
        """How far a flow collection spread over lines indents its entries (for JSON written
        inside it), else the document's mapping step."""
        opening = self.lines.line_start(node.start_mark.index)
        indent = len(self.text[opening:node.start_mark.index]) - len(
            self.text[opening:node.start_mark.index].lstrip(" "))
        for start, _ in spans:
            if self.lines.first_on_line(start):
                step = len(self.text[self.lines.line_start(start):start]) - indent
                return step if step > 0 else self.layout.map_step
        return self.layout.map_step

    def _alone_on_lines(self, start: int, end: int) -> bool:
        """Do ``text[start:end]`` and a comma or comment after it fill their lines?"""
        rest = self.text[end:self._before_break(self.lines.next_line_start(end))].strip(" \t")
        rest = rest[1:].lstrip(" \t") if rest.startswith(",") else rest
        return self.lines.first_on_line(start) and (not rest or rest.startswith("#"))

    def _value_start(self, key: Node, value: Node) -> int:
        """Where a mapping value's own text starts (an alias's ``*``, or after the colon
        for an empty value)."""
        colon = self.colon_after(key)
        if value.start_mark.index > colon:
            return value.start_mark.index
        position = colon + 1
        while position < len(self.text) and self.text[position] in " \t":
            position += 1
        return position if self.text[position:position + 1] == "*" else colon + 1

    def _replace_root(self, value: Any) -> Edit:
        root = self.document.root
        if id(root) in self.shared:
            raise SharedNodeError(())
        if isinstance(value, dict) and value:
            text = self.nl.join(mapping_after_dash(value, 0, self.layout))
        elif isinstance(value, list) and value:
            text = self.nl.join(sequence_after_dash(value, 0, self.layout))
        else:
            text = inline(value) or ""
        return Edit(root.start_mark.index, self._before_break(self.node_end(root)), text)

    def _scalar_edit(self, node: Node, value: Any, in_flow: bool = False) -> Edit | None:
        if not isinstance(node, ScalarNode) or is_collection(value):
            return None
        if node.tag not in ("?plain",) and not node.tag.startswith("tag:yaml.org,2002:"):
            return None  # a custom tag: render the value afresh instead
        style = node.style if node.style in ("'", '"') else None
        start = node.start_mark.index
        if self.text[start:start + 1] in ("&", "!"):
            return None
        text = scalar(value, flow=in_flow, style=style)
        end = self._before_break(self.node_end(node))
        if start == end and start and not self.text[start - 1].isspace():
            text = " " + text  # an empty value right after ``key:`` or ``-``
        return Edit(start, end, text, _IN_PLACE)

    def _plan_mapping(self, parent: Path, node: MappingNode, group: list[Op],
                      edits: list[Edit]) -> None:
        self._refuse_explicit_keys(node)
        entries = node.value
        index = {k.value: i for i, (k, _) in enumerate(entries) if isinstance(k, ScalarNode)}
        column = entries[0][0].start_mark.column if entries else 0
        removed = set()
        for op in group:
            if op.op == "remove":
                if op.source not in index or op.source == MERGE_KEY:
                    raise SharedNodeError((*parent, op.source))
                removed.add(index[op.source])
        survivors = [i for i in range(len(entries)) if i not in removed]
        for i in sorted(removed):
            key, value = entries[i]
            self._check_own(value, (*parent, key.value))
            end = self.entry_end(key, value)
            self._check_anchors(key.start_mark.index, end, [key, value], (*parent, key.value))
            if self.lines.first_on_line(key.start_mark.index):
                edits.append(Edit(*self._line_span(key.start_mark.index, end), ""))
            else:
                following = next((j for j in survivors if j > i), None)
                if following is None:
                    raise SpliceError("removing every entry of a mapping on a dash line")
                edits.append(self._remove_after_dash(key.start_mark.index, end,
                                                     entries[following][0].start_mark.index))
        adds: dict[Any, list[Op]] = defaultdict(list)
        for op in group:
            if op.op == "replace":
                if op.source not in index:
                    raise SharedNodeError((*parent, op.source))
                key, value = entries[index[op.source]]
                self._check_own(value, (*parent, op.source))
                edit = self._scalar_edit(value, op.value)
                if edit is None:
                    self._check_anchors(key.end_mark.index, self.entry_end(key, value), [value],
                                        (*parent, op.source))
                    edits.extend(self._replace_entry_value(key, value, op.value, column))
                else:
                    edits.append(edit)
            elif op.op == "add":
                adds[op.anchor].append(op)
        for anchor, ops in adds.items():
            lines: list[str] = []
            for op in ops:
                lines.extend(entry_lines(str(op.path[-1]), op.value, column, self.layout))
            if anchor is START:
                if not entries:
                    raise SpliceError("adding to an empty block mapping")
                first = entries[0][0].start_mark.index
                if 0 in removed and survivors:  # the first key's dash line is kept bare
                    first = entries[survivors[0]][0].start_mark.index
                if self.lines.first_on_line(first):
                    edits.append(self._insertion(self.lines.line_start(first), lines, len(parent)))
                else:
                    body = self.nl.join(lines)[column:] + self.nl + " " * column
                    edits.append(Edit(first, first, body))
            else:
                # A key merged in through ``<<`` has no entry of its own: what follows it
                # goes after the last entry (a mapping's key order is not part of its data).
                at = index.get(anchor, len(entries) - 1)
                key, value = entries[at]
                position = self.lines.next_line_start(self.entry_end(key, value) - 1)
                if at == len(entries) - 1:
                    position = self._past_commented_out(position, column)
                edits.append(self._insertion(position, lines, len(parent)))

    def _past_commented_out(self, position: int, column: int) -> int:
        """The line start after the comment lines at ``position`` indented at least to
        ``column`` (commented-out entries of the collection that ends there): what is added
        at the end goes after them. Blank lines count only before another such comment."""
        text = self.text
        start = after = position
        while position < len(text):
            line_end = self.lines.next_line_start(position)
            line = text[position:line_end]
            stripped = line.lstrip(" ")
            if not stripped.strip(_BLANKS):
                position = line_end
                continue
            if not stripped.startswith("#") or len(line) - len(stripped) < column:
                break
            position = after = line_end
        if after == start:
            return start
        # Comments before a sibling at the same column (``nodeSelector:`` after a sequence
        # written flush with its key) introduce that sibling: what is added goes before them.
        while position < len(text):
            line_end = self.lines.next_line_start(position)
            line = text[position:line_end]
            stripped = line.lstrip(" ")
            if stripped.strip(_BLANKS) and not stripped.startswith("#"):
                return start if len(line) - len(stripped) >= column else after
            position = line_end
        return after

    def _check_own(self, node: Node, path: Path) -> None:
        if id(node) in self.shared:
            raise SharedNodeError(path)

    def _check_anchors(self, start: int, end: int, roots: list[Node], path: Path) -> None:
        """Refuse to remove or rewrite ``text[start:end]`` (the text of ``roots``) when it
        holds an anchor that an alias elsewhere reads.

        The anchor goes with the text: the alias would be left undefined, or read the new
        value. Aliases in the text to anchors outside it go harmlessly, and so does an
        anchor whose aliases all go with it. Scalars count too: their data is not shared,
        but their anchors are.
        """
        references = self._referenced()
        if not references:
            return
        inside: Counter[int] = Counter()
        stack = list(roots)
        while stack:
            node = stack.pop()
            if not start <= node.start_mark.index < end:
                continue  # an alias to an anchor outside
            if id(node) in references:
                inside[id(node)] += 1
                if inside[id(node)] > 1:
                    continue
            if isinstance(node, MappingNode):
                stack.extend(part for pair in node.value for part in pair)
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
        if any(count < references[key] for key, count in inside.items()):
            raise SharedNodeError(path)

    def _referenced(self) -> dict[int, int]:
        """How often the document refers to each node it refers to more than once."""
        if self._references is None:
            counts: Counter[int] = Counter()
            if "*" in self.text:  # no alias, no node reached twice
                stack: list[Node] = [self.document.root]
                while stack:
                    node = stack.pop()
                    counts[id(node)] += 1
                    if counts[id(node)] > 1:
                        continue
                    if isinstance(node, MappingNode):
                        stack.extend(part for pair in node.value for part in pair)
                    elif isinstance(node, SequenceNode):
                        stack.extend(node.value)
            self._references = {key: count for key, count in counts.items() if count > 1}
        return self._references

    def _remove_after_dash(self, start: int, end: int, following: int) -> Edit:
        """Remove the first entry of a mapping that starts on a ``- `` line, up to the end of
        its last line: the dash stays alone on its line and the next key's line is kept as
        it is (``- a: 1`` / ``  b: 2`` -> ``-`` / ``  b: 2``)."""
        dash = start
        while dash > 0 and self.text[dash - 1] in " \t":
            dash -= 1
        if self.text[dash - 1:dash] != "-" or not self.lines.first_on_line(following):
            return Edit(start, following, "")
        return Edit(dash, self._before_break(self.lines.next_line_start(end - 1)), "")

    def _replace_entry_value(self, key: Node, value: Node, new: Any,
                             column: int) -> list[Edit]:
        colon = self.colon_after(key)
        end = self._before_break(self.entry_end(key, value))
        text = inline(new)
        # A value on the lines after its key leaves the key's line (and its comment) alone.
        below = self.lines.line_of(self._value_start(key, value)) > self.lines.line_of(colon)
        start = self._before_break(self.lines.next_line_start(colon)) if below else colon + 1
        if text is not None:
            if below:
                return [Edit(colon + 1, colon + 1, " " + text, _IN_PLACE),
                        Edit(start, self._through_comment(end), "")]
            return [Edit(colon + 1, end, " " + text, _IN_PLACE)]
        # A trailing comment belonged to the old value's last line: it goes with it, rather
        # than end up behind the new block's last line.
        return [Edit(start, self._through_comment(end),
                     self.nl + self.nl.join(value_lines(new, column, self.layout)), _IN_PLACE)]

    def _through_comment(self, end: int) -> int:
        """``end`` moved past trailing blanks and a comment on the same line."""
        line_end = self.lines.next_line_start(end)
        rest = self.text[end:line_end].rstrip("\r\n\x85\u2028\u2029")
        stripped = rest.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            return end + len(rest)
        return end

    def _plan_sequence(self, parent: Path, node: SequenceNode, group: list[Op],
                       edits: list[Edit]) -> None:
        items = node.value
        dashes = self.dashes(node) if items else []
        column = self.lines.text[self.lines.line_start(dashes[0]):dashes[0]] if dashes else ""
        dash_column = len(column)
        removed = {op.source for op in group if op.op == "remove"}
        survivors = [i for i in range(len(items)) if i not in removed]
        for i in sorted(removed):
            assert isinstance(i, int)
            self._check_own(items[i], (*parent, i))
            end = self.item_end(dashes[i], items[i])
            self._check_anchors(dashes[i], end, [items[i]], (*parent, i))
            if self.lines.first_on_line(dashes[i]):
                edits.append(Edit(*self._line_span(dashes[i], end), ""))
            else:
                following = next((j for j in survivors if j > i), None)
                if following is None:
                    raise SpliceError("removing the last items of a nested sequence")
                edits.append(Edit(dashes[i], dashes[following], ""))
        adds: dict[Any, list[Op]] = defaultdict(list)
        for op in group:
            if op.op == "replace":
                assert isinstance(op.source, int)
                item = items[op.source]
                self._check_own(item, (*parent, op.source))
                edit = self._scalar_edit(item, op.value)
                if edit is None:
                    dash = dashes[op.source]
                    self._check_anchors(dash, self.item_end(dash, item), [item],
                                        (*parent, op.source))
                    rendered = self.nl.join(item_lines(op.value, dash_column, self.layout))
                    end = self._before_break(self.item_end(dash, item))
                    if is_collection(op.value) and op.value:
                        end = self._through_comment(end)
                    edit = Edit(dash + 1, end, rendered[dash_column + 1:], _IN_PLACE)
                edits.append(edit)
            elif op.op == "add":
                adds[op.anchor].append(op)
        for anchor, ops in adds.items():
            lines: list[str] = []
            for op in ops:
                lines.extend(item_lines(op.value, dash_column, self.layout))
            if anchor is START:
                first = dashes[0]
                if self.lines.first_on_line(first):
                    edits.append(self._insertion(self.lines.line_start(first), lines, len(parent)))
                else:
                    body = self.nl.join(lines)[dash_column:] + self.nl + " " * dash_column
                    edits.append(Edit(first, first, body))
            else:
                position = self.lines.next_line_start(
                    self.item_end(dashes[anchor], items[anchor]) - 1)
                if anchor == len(items) - 1 and self.lines.first_on_line(dashes[anchor]):
                    position = self._past_commented_out(position, dash_column)
                edits.append(self._insertion(position, lines, len(parent)))


def _runs(indexes: list[int]) -> list[list[int]]:
    """Sorted indexes as runs of consecutive ones."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _merged(edits: list[Edit]) -> list[Edit]:
    """Edits in the order they apply, overlapping pure deletions merged into one."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end, e.rank))
    merged: list[Edit] = []
    for edit in ordered:
        if merged and edit.start < merged[-1].end:
            last = merged[-1]
            if last.text or edit.text:
                raise SpliceError("overlapping edits")
            merged[-1] = Edit(last.start, max(last.end, edit.end), "")
        else:
            merged.append(edit)
    return merged


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (pure deletions may overlap and are merged)."""
    parts: list[str] = []
    position = 0
    for edit in _merged(edits):
        parts.append(text[position:edit.start])
        parts.append(edit.text)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)
