"""Composing YAML text into node trees with exact source marks (libyaml when available).

Nodes are composed but not constructed: porter reads values itself (see ``plaindata``) and
keeps every node's start and end offset, which is what the splicer edits by.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.yamledit.errors import InputError

PLAIN = "?plain"
"""Tag given to untagged plain scalars: resolved later, the way the API server resolves them."""

STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


class _DeferredResolver:
    """Leaves plain scalars unresolved, which keeps composing cheap."""

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _Composer(CParser, _DeferredResolver):  # type: ignore[misc]
        pass
else:  # pragma: no cover - exercised only where PyYAML lacks libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Composer(Reader, Scanner, Parser, Composer, _DeferredResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

        def dispose(self) -> None:
            return None


@dataclass
class RawDocument:
    """One document of a stream: its index in the file and its root node.

    Node marks count from the start of the segment the document was composed from, which
    starts ``line_offset`` lines into the file.
    """

    index: int
    root: Node
    line_offset: int = 0
    anchors: bool = True
    """Whether the text it was composed from may define an anchor (has an ``&``): without
    one, no node is reached through an alias."""


@dataclass
class Segment:
    """A slice of a file holding whole documents; ``documents`` is None for a slice that
    passes through as text without being parsed."""

    start: int
    end: int
    documents: list[RawDocument] | None
    count: int
    """How many documents the slice holds."""
    line: int = 0
    """How many lines of the file come before the slice."""
    error: InputError | None = None
    """Why a slice passed through unparsed could not be read (nesting deeper than libyaml
    goes): an error for that document alone, the others are still read."""


_CONTENT = re.compile(r"^[ \t]*[^ \t\r\n#]", re.MULTILINE)
"""A line with content: YAML's blanks are space and tab only (U+2000 is content)."""
_DOCUMENT_END = re.compile(r"^\.\.\.(?=[ \t\r\n]|$)", re.MULTILINE)
_ALIAS = re.compile(r"(?:^|[ \t\[{,])\*[^ \t\r\n,\[\]{}]", re.MULTILINE)
_LINE_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")
_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")
_KIND_LINE = re.compile(r"kind[ \t]*:[ \t]+([A-Za-z0-9][A-Za-z0-9._-]*)(?:[ \t]+#[^\r\n]*)?"
                        r"[ \t]*\r?(?:\n|$)")
"""A root ``kind`` whose value is a one-line plain word (after the comment, nothing)."""
_KEY_STARTS = re.compile("\n[\"'?{\\[*]")
"""Line starts that may spell a root key other than as plain ``kind``: quoted (maybe with
escapes), explicit, an alias, or a flow mapping."""
_MERGE = re.compile(r"<<[\"']?[ \t]*:")
UNKNOWN = object()
"""What :func:`certain_kind` says of a document whose kind only parsing can tell."""


def certain_kind(chunk: str) -> str | object | None:
    """The ``kind`` of the one document of ``chunk`` when its text leaves no doubt (None: it
    has none), else :data:`UNKNOWN`.

    Certain means: no merge key (it could bring ``kind`` in) and either no ``kind`` and
    no escape anywhere (no key can spell it), or exactly one line that starts with ``kind:``
    followed by a plain word alone on its line and not continued on the next line, and no
    line starting the way a quoted, explicit, alias or flow key does. A line at column 0 can only
    be a key of the root block mapping (the content of a nested block scalar or flow
    collection is indented); anything else (``kind: |-``, ``kind: "Po\\``, ``kind: !!str
    Pod``, ``? kind``, a JSON document) is left to the parser.
    """
    if "<<" in chunk and _MERGE.search(chunk):
        return UNKNOWN
    if "kind" not in chunk:
        return UNKNOWN if "\\" in chunk else None
    text = chunk[4:] if chunk.startswith("---") else chunk  # the marker line may hold a key
    if (text and text[0] in "\"'?{[*") or _KEY_STARTS.search(text):
        return UNKNOWN
    first = _CONTENT.search(text)
    if first is None:
        return None
    starts = [0] if text.startswith("kind") else []
    position = text.find("\nkind")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\nkind", position + 1)
    found = None
    for start in starts:
        if text[start + 4:start + 5] not in (" ", "\t", ":"):
            continue  # another key: ``kinds:``, ``kind_of:``
        match = _KIND_LINE.match(text, start)
        if match is None or found is not None or _continued(text, match.end()):
            return UNKNOWN
        found = match.group(1)
    if found is not None:
        return found
    # No ``kind`` line: certain only when the root is a block mapping at column 0 (its
    # first line starts with a plain key there), whose every key starts a line.
    return None if first.group().isalnum() else UNKNOWN


def _continued(text: str, start: int) -> bool:
    """Does a plain value go on at ``start`` (an indented line after blank lines)?"""
    length = len(text)
    while start < length:
        end = text.find("\n", start)
        end = length if end == -1 else end + 1
        line = text[start:end].strip(" \t\r\n")
        if line:
            return text[start] in " \t" and not line.startswith("#")
        start = end
    return False


def _bare_document_after_end(chunk: str) -> bool:
    """Is there content after a ``...`` line (a document without its own ``---``)?"""
    if not (chunk.startswith("...") or "\n..." in chunk):
        return False
    for ending in _DOCUMENT_END.finditer(chunk):
        newline = chunk.find("\n", ending.end())
        if newline != -1 and _CONTENT.search(chunk, newline + 1):
            return True
    return False


def well_formed(text: str) -> bool:
    """Does libyaml parse ``text`` without error (no Python objects made)?"""
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    parser = CParser(text)
    try:
        parser.raw_parse()
    except yaml.YAMLError:
        return False
    finally:
        parser.dispose()
    return True


def _aliases_defined(chunk: str) -> bool:
    """Does every alias of ``chunk`` name an anchor defined before it (libyaml's events, far
    cheaper than composing)?"""
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    parser = CParser(chunk)
    anchors: set[str] = set()
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    return False
            elif isinstance(event, yaml.DocumentStartEvent):
                anchors.clear()
            elif getattr(event, "anchor", None) is not None:
                anchors.add(event.anchor)
    except yaml.YAMLError:
        return False
    finally:
        parser.dispose()
    return True


def _slow_path(text: str) -> bool:
    """Does ``text`` hold what the line-based fast path does not see: a template, a
    directive, a lone CR or a Unicode line break?"""
    if "{{" in text or text.startswith("%") or "\n%" in text:
        return True
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return True
    return not text.isascii() and any(c in text for c in _UNICODE_BREAKS)


def _document_starts(text: str) -> list[int]:
    """Offsets of the ``---`` marker lines (and 0)."""
    starts = [0]
    position = 0 if text.startswith("---") else text.find("\n---")
    while position != -1:
        at = position if position == 0 and text.startswith("---") else position + 1
        if text[at + 3:at + 4] in ("", " ", "\t", "\r", "\n") and at:
            starts.append(at)
        position = text.find("\n---", at + 1)
    return starts


def segments(text: str, name: str, kinds: Collection[str] | None = None) -> list[Segment]:
    """Split ``text`` into document slices, composing only those whose kind may be one of
    ``kinds`` (None: every slice).

    The fast path splits at ``---`` lines (document markers can never sit inside content at
    the start of a line) and leaves unparsed only the slices :func:`certain_kind` proves are
    of another kind. Any doubt (invalid YAML, directives, templates, a bare document after
    ``...``, lone CR or Unicode line breaks, which the line tests here do not see) takes the
    slow path: the whole file composed as one segment, with exact error messages. Only a
    slice nesting deeper than libyaml goes costs just itself: it comes back unparsed, with
    its ``error``.
    """
    if _slow_path(text):
        documents = compose(text, name)
        return [Segment(0, len(text), documents, len(documents))]
    checked = not well_formed(text)  # then each slice is checked on its own
    starts = _document_starts(text)
    result: list[Segment] = []
    index = 0
    line = 0
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        chunk = text[start:end]
        expected = 1 if chunk.startswith("---") or _CONTENT.search(chunk) else 0
        if _bare_document_after_end(chunk):
            documents = compose(text, name)
            return [Segment(0, len(text), documents, len(documents))]
        if checked and expected and not well_formed(chunk):
            too_deep = _too_deep(chunk, name, line)
            if too_deep is None:  # any other error: the whole text, for its exact place
                documents = compose(text, name)
                return [Segment(0, len(text), documents, len(documents))]
            result.append(Segment(start, end, None, expected, line, too_deep))
            index += expected
            line += chunk.count("\n")
            continue
        kind = certain_kind(chunk) if expected and kinds is not None else UNKNOWN
        wanted = expected and (kind is UNKNOWN or kind in kinds)  # type: ignore[operator]
        if wanted or (expected and "*" in chunk and _ALIAS.search(chunk) and
                      not _aliases_defined(chunk)):
            # A slice with an undefined alias is composed too: that is an error the raw
            # parse of ``well_formed`` does not see, and composing says where it is.
            try:
                documents = compose(chunk, name)
            except InputError:
                documents = []  # the whole text again, for the error's place in the file
            if len(documents) != expected:
                documents = compose(text, name)
                return [Segment(0, len(text), documents, len(documents))]
            for document in documents:
                document.index = index
                document.line_offset = line
            result.append(Segment(start, end, documents, expected, line))
        else:
            result.append(Segment(start, end, None, expected, line))
        index += expected
        line += chunk.count("\n")  # the fast path has no other line break than LF, CRLF
    if checked and not any(piece.error for piece in result):
        # No slice alone fails, the whole text does: the whole text, as before.
        documents = compose(text, name)
        return [Segment(0, len(text), documents, len(documents))]
    return result


_TOO_DEEP = "exceeded maximum nesting depth"
"""libyaml's own bound on nesting (1,000 levels)."""


def _too_deep(chunk: str, name: str, line: int) -> InputError | None:
    """The error of a slice that nests deeper than libyaml goes, placed in the file (the
    slice starts ``line`` lines into it); None for any other error."""
    try:
        compose("\n" * line + chunk, name)  # blank lines first: every line it names is right
    except InputError as exc:
        if _TOO_DEEP in exc.message:
            return exc
    return None


def compose(text: str, name: str, templates: bool = True) -> list[RawDocument]:
    """All documents of ``text``; raises :class:`InputError` with a location for bad input.

    ``templates`` refuses unrendered ``{{ }}`` where YAML reads it as structure or plain text
    (manifests); a values file may hold such strings for ``tpl``."""
    composer = _Composer(text)
    documents: list[RawDocument] = []
    anchors = "&" in text
    try:
        while composer.check_node():
            documents.append(RawDocument(len(documents), composer.get_node(), 0, anchors))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, name) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, name) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {' '.join(str(exc).split())}", name, 1, 1) from None
    finally:
        composer.dispose()
    if templates and "{{" in text:
        _refuse_templates(documents, text, name)
    return documents


_TEMPLATE_HINT = "a Helm/Go template, not YAML: render it first (helm template) or pass the chart"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, name: str) -> InputError:
    template = _template_action(text)
    if template is not None:
        return InputError(_TEMPLATE_HINT, name, *template)
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if (exc.context or "").startswith("found duplicate anchor") and mark is not None \
            and exc.context_mark is not None:
        anchor = _ANCHOR.match(text, mark.index)
        what = anchor.group() if anchor else "an anchor"
        return InputError(f"invalid YAML: {what} is defined twice (first at line "
                          f"{exc.context_mark.line + 1}); rename one of them", name,
                          mark.line + 1, mark.column + 1)
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return InputError(f"invalid YAML: {problem}", name, 1, 1)
    return InputError(f"invalid YAML: {problem}", name, mark.line + 1, mark.column + 1)


def _reader_error(exc: yaml.reader.ReaderError, text: str, name: str) -> InputError:
    """A character YAML does not allow (a control character, U+FFFE): libyaml gives its
    offset in the UTF-8 encoding of the text."""
    head = text.encode("utf-8", "surrogatepass")[:exc.position].decode("utf-8", "ignore")
    breaks = list(_LINE_BREAK.finditer(head))
    line = len(breaks) + 1
    column = len(head) - (breaks[-1].end() if breaks else 0) + 1
    character = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return InputError(f"invalid YAML: unacceptable character U+{character:04X}: {exc.reason}",
                      name, line, column)


_ANCHOR = re.compile(r"&[^\s,\[\]{}]+")
_ACTION = re.compile(r"\{\{-?\s*[-.$/(a-zA-Z\"]")


def _template_action(text: str) -> tuple[int, int] | None:
    """Line and column of the first Go template action outside a comment, if any."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        match = _ACTION.search(line)
        if match:
            return number, match.start() + 1
    return None


def _refuse_templates(documents: list[RawDocument], text: str, name: str) -> None:
    """Raise when template actions sit where YAML reads them as structure or plain text.

    ``{{ ... }}`` inside quoted or block scalars is ordinary data (alert templates, for one);
    in a plain scalar or as a flow-mapping key it means an unrendered chart template.
    """
    for document in documents:
        for node in walk(document.root):
            if isinstance(node, ScalarNode):
                if node.style is None and "{{" in node.value:
                    raise InputError(_TEMPLATE_HINT, name, node.start_mark.line + 1,
                                     node.start_mark.column + 1)
            elif isinstance(node, MappingNode):
                for key, _ in node.value:
                    if isinstance(key, MappingNode) and node.flow_style:
                        raise InputError(_TEMPLATE_HINT, name, node.start_mark.line + 1,
                                         node.start_mark.column + 1)


def walk(root: Node) -> Iterator[Node]:
    """Every node under ``root`` once (a node reached through aliases is not seen again)."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
