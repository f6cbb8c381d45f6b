"""The splicer's shortcuts give the answers of the plain ways they replace: the layout count,
the explicit-key test (skipped in a text without ``?``, once a mapping) and the remembered
plain-scalar test."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import SETTINGS, documents
from test_properties_layouts import layouts, render
from test_splicing import NOT_PLAIN, SAFE_PLAIN, y
from yaml.nodes import MappingNode, Node, SequenceNode

from porter.yamledit.diffing import diff
from porter.yamledit.documents import Document
from porter.yamledit.emitting import Layout, _plain_is_safe, plain_is_safe
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import clone
from porter.yamledit.splicing import (
    LineIndex,
    SpliceError,
    Splicer,
    detect_layout,
    explicit_key,
)


def reference_layout(root: Node, lines: LineIndex) -> Layout:
    """The layout count as it was first written: every node walked, Counter.most_common."""
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(value, MappingNode) and not value.flow_style and value.value:
                    step = value.value[0][0].start_mark.column - key.start_mark.column
                    if step > 0 and value.start_mark.line > key.start_mark.line:
                        steps[step] += 1
                elif isinstance(value, SequenceNode) and not value.flow_style and value.value:
                    offset = value.start_mark.column - key.start_mark.column
                    if offset >= 0 and value.start_mark.line > key.start_mark.line:
                        offsets[offset] += 1
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return Layout(
        map_step=steps.most_common(1)[0][0] if steps else 2,
        seq_offset=offsets.most_common(1)[0][0] if offsets else 2,
        newline=lines.newline_near(root.start_mark.index),
    )


def reference_explicit_key(text: str, start: int) -> bool:
    lines = LineIndex(text)
    return text[lines.line_start(start):start].rstrip(" \t").endswith("?")


def layouts_of(text: str) -> list[tuple[Layout, Layout]]:
    lines = LineIndex(text)
    return [(detect_layout(raw.root, lines), reference_layout(raw.root, lines))
            for raw in compose(text, "test.yaml")]


# -- layout ----------------------------------------------------------------------------------

LAYOUTS = [
    y("a:", "  b: 1", "c:", "    d: 1"),  # a tie: the first counted wins
    y("a:", "    b: 1", "c:", "  d: 1"),
    y("a:", "- 1", "b:", "  - 2", "c:", "  x: 1"),
    y("a:", "  - 1", "b:", "- 2", "c:", "    x: 1", "d:", "    y: 2", "e:", "  z: 3"),
    y("a: &x", "   b:", "     c: 1", "d: *x", "e:", "  f: 1"),  # an alias counts again
    y("a: {b: 1}", "c: [1]", "d:", "  e:", "  - {f: 1}", "  - g:", "      h: 1"),
    y("- a:", "    b: 1", "- - c:", "      d: 1"),
    y("? a", ": b: 1", "c:", "   d: 1"),
    "a:\r\n  b: 1\r\nc:\r\n   d:\r\n   - 1\r\n",
    y("a: 1", "---", "b:", "   c: 1", "---", "- 1", "---", "plain"),
]


@pytest.mark.parametrize("text", LAYOUTS)
def test_the_layout_is_counted_as_before(text: str) -> None:
    for fast, slow in layouts_of(text):
        assert fast == slow


@pytest.mark.parametrize(("text", "step"), [(LAYOUTS[0], 2), (LAYOUTS[1], 4)])
def test_a_tie_goes_to_the_first_counted(text: str, step: int) -> None:
    assert [fast.map_step for fast, _ in layouts_of(text)] == [step]


@SETTINGS
@given(documents, layouts)
def test_generated_layouts_are_counted_as_before(data, layout) -> None:
    for fast, slow in layouts_of(render(list(data), *layout)):
        assert fast == slow


# -- explicit keys ---------------------------------------------------------------------------

@given(st.text(alphabet="?: \t\r\n\x85\u2028\u2029a#-", max_size=30))
def test_explicit_key_answers_as_the_line_test(text: str) -> None:
    for start in range(len(text) + 1):
        assert explicit_key(text, start) == reference_explicit_key(text, start), (text, start)


def plan(text: str, edit) -> list:
    raw = compose(text, "test.yaml")[0]
    document = Document("test.yaml", raw)
    after = clone(document.data)
    edit(after)
    ops = diff(document.data, after)
    return Splicer(document, LineIndex(text)).plan(ops)


EXPLICIT = y("a:", "  ? b", "  : 1", "  c: 2", "d: 3")


def test_an_explicit_key_is_declined_each_time() -> None:
    splicer = Splicer(Document("test.yaml", compose(EXPLICIT, "test.yaml")[0]),
                      LineIndex(EXPLICIT))
    for _ in range(2):  # a mapping that failed the test is tested again
        with pytest.raises(SpliceError, match="explicit key"):
            splicer.resolve(("a", "c"))
    assert splicer.resolve(("d",)).value == "3"


@pytest.mark.parametrize(("text", "declined"), [
    (EXPLICIT, True),
    (y("a:", "  b: 1", "  c: 2", "d: 3"), False),  # no `?`: not looked at
    (y("a:", "  b: 'what?'", "  c: 2?", "d: 3"), False),  # `?` in values only
    (y("a:", "  b: 1", "  c: 2", "? d", ": 3"), True),  # the root mapping is resolved too
])
def test_explicit_keys_where_the_change_falls(text: str, declined: bool) -> None:
    def edit(data):
        data["a"]["c"] = 5
        data["a"]["e"] = 6

    if declined:
        with pytest.raises(SpliceError, match="explicit key"):
            plan(text, edit)
    else:
        assert plan(text, edit)


def test_an_explicit_key_elsewhere_is_not_in_the_way() -> None:
    text = y("a:", "  b: 1", "x:", "  ? y", "  : 2")
    assert plan(text, lambda data: data["a"].update(b=2))


# -- plain scalars ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", SAFE_PLAIN + NOT_PLAIN)
@pytest.mark.parametrize("flow", [False, True])
def test_remembered_plain_tests_answer_as_the_plain_test(text: str, flow: bool) -> None:
    for _ in range(2):
        assert plain_is_safe(text, flow) == _plain_is_safe(text, flow)
    long = text * 300
    assert plain_is_safe(long, flow) == _plain_is_safe(long, flow)


@given(st.text(max_size=12), st.booleans())
def test_remembered_plain_tests_on_any_text(text: str, flow: bool) -> None:
    assert plain_is_safe(text, flow) == _plain_is_safe(text, flow)
    assert plain_is_safe(text, flow) == _plain_is_safe(text, flow)


# -- line starts -----------------------------------------------------------------------------

_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


@given(st.text(alphabet="a \n\r\x85\u2028\u2029é\t", max_size=40))
def test_line_starts_are_those_of_every_line_break(text: str) -> None:
    assert LineIndex(text).starts == [0, *(m.end() for m in _BREAK.finditer(text))]


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "a\nb", "\n\n", "é\nü\n", "a\r\nb",
                                  "a\rb", "é\x85b", "a\u2028b\n", "a\u2029"])
def test_line_starts_of_short_texts(text: str) -> None:
    assert LineIndex(text).starts == [0, *(m.end() for m in _BREAK.finditer(text))]


# -- resolving paths -------------------------------------------------------------------------

RESOLVED = y("a: &m", "  b: 1", "  c: [x, {d: 2}]", "e: *m", "f:", "  <<: *m", "  g: 3",
             "h:", "  ? i", "  : 4", "l:", "- k: 5", "- [6, 7]")
PATHS = [("a",), ("a", "b"), ("a", "c"), ("a", "c", 1, "d"), ("a", "c", 5), ("e",), ("e", "b"),
         ("f",), ("f", "g"), ("f", "b"), ("f", "z"), ("h",), ("h", "i"), ("l",), ("l", 0, "k"),
         ("l", 1, 0), ("l", 0, "k", "x"), ("z",), ("z", "y"), ("a", "c", 0, "q"), ()]


def outcome(splicer: Splicer, path: tuple) -> object:
    try:
        return splicer.resolve(path)
    except Exception as exc:  # the kind of refusal, and where
        return type(exc).__name__, str(exc), getattr(exc, "path", None)


@pytest.mark.parametrize("seed", range(5))
def test_paths_resolve_alike_whatever_was_resolved_before(seed: int) -> None:
    document = Document("test.yaml", compose(RESOLVED, "test.yaml")[0])
    lines = LineIndex(RESOLVED)
    order = PATHS * 2
    random.Random(seed).shuffle(order)
    warm = Splicer(document, lines)
    for path in order:
        assert outcome(warm, path) == outcome(Splicer(document, lines), path), path
