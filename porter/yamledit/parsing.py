"""Composing YAML text into node trees with exact source marks (libyaml when available).

Nodes are composed but not constructed: porter reads values itself (see ``plaindata``) and
keeps every node's start and end offset, which is what the splicer edits by.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^ \t\r\n#]", re.MULTILINE)
"""A line with content: YAML's blanks are space and tab only (U+2000 is content)."""
_DOCUMENT_END = re.compile(r"^\.\.\.(?=[ \t\r\n]|$)", re.MULTILINE)
_LONE_CR = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_ALIAS = re.compile(r"(?:^|[ \t\[{,])\*[^ \t\r\n,\[\]{}]", re.MULTILINE)
_LINE_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def _bare_document_after_end(chunk: str) -> bool:
    """Is there content after a ``...`` line (a document without its own ``---``)?"""
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


def segments(text: str, name: str, wanted: re.Pattern[str]) -> list[Segment]:
    """Split ``text`` into document slices, composing only those ``wanted`` matches.

    The fast path splits at ``---`` lines (document markers can never sit inside content at
    the start of a line) and leaves slices that cannot interest any transform unparsed. Any
    doubt (invalid YAML, directives, templates, a bare document after ``...``, lone CR or
    Unicode line breaks, which the line patterns here do not see) takes the slow path: the
    whole file composed as one segment, with exact error messages.
    """
    if "{{" in text or _DIRECTIVE.search(text) or _LONE_CR.search(text) or \
            not well_formed(text):
        documents = compose(text, name)
        return [Segment(0, len(text), documents, len(documents))]
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
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
        if expected and (wanted.search(chunk) or _ALIAS.search(chunk)):
            # A slice with aliases is composed too: an undefined alias is an error that
            # only composing finds (the raw parse of ``well_formed`` does not).
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
        line += len(_LINE_BREAK.findall(chunk))
    return result


def compose(text: str, name: str, templates: bool = True) -> list[RawDocument]:
    """All documents of ``text``; raises :class:`InputError` with a location for bad input.

    ``templates`` refuses unrendered ``{{ }}`` where YAML reads it as structure or plain text
    (manifests); a values file may hold such strings for ``tpl``."""
    composer = _Composer(text)
    documents: list[RawDocument] = []
    try:
        while composer.check_node():
            documents.append(RawDocument(len(documents), composer.get_node()))
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
