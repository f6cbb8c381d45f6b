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

from porter.errors import InputError

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
    """One document of a stream: its position in the stream and its root node."""

    index: int
    root: Node


def compose(text: str, name: str) -> list[RawDocument]:
    """All documents of ``text``; raises :class:`InputError` with a location for bad input."""
    composer = _Composer(text)
    documents: list[RawDocument] = []
    try:
        while composer.check_node():
            documents.append(RawDocument(len(documents), composer.get_node()))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, name) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", name, 1, 1) from None
    finally:
        composer.dispose()
    if "{{" in text:
        _refuse_templates(documents, text, name)
    return documents


_TEMPLATE_HINT = "a Helm/Go template, not YAML: render it first (helm template) or pass the chart"


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, name: str) -> InputError:
    template = _template_action(text)
    if template is not None:
        return InputError(_TEMPLATE_HINT, name, *template)
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return InputError(f"invalid YAML: {problem}", name, 1, 1)
    return InputError(f"invalid YAML: {problem}", name, mark.line + 1, mark.column + 1)


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
        for node in _walk(document.root):
            if isinstance(node, ScalarNode):
                if node.style is None and "{{" in node.value:
                    raise InputError(_TEMPLATE_HINT, name, node.start_mark.line + 1,
                                     node.start_mark.column + 1)
            elif isinstance(node, MappingNode):
                for key, _ in node.value:
                    if isinstance(key, MappingNode) and node.flow_style:
                        raise InputError(_TEMPLATE_HINT, name, node.start_mark.line + 1,
                                         node.start_mark.column + 1)


def _walk(root: Node) -> Iterator[Node]:
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
