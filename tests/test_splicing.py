"""Unit tests of the splice engine: plain-data edits in, byte-exact text out.

Each test edits the plain data of one document through :func:`splice`, which diffs, plans
and applies the edits the way the pipeline does, checks that the result reads back as the
edited data (and that the other documents did not change), and returns the text; the tests
then compare that text byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from porter.engine.pipeline import Pipeline
from porter.yamledit.diffing import diff, same
from porter.yamledit.documents import Document
from porter.yamledit.emitting import plain_is_safe, scalar
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build, clone
from porter.yamledit.splicing import LineIndex, SharedNodeError, Splicer, apply_edits

EditFn = Callable[[Any], object]


def read(text: str) -> list[Any]:
    return [build(raw.root, "test.yaml")[0] for raw in compose(text, "test.yaml")]


def splice(text: str, edit: EditFn, index: int = 0) -> str:
    """``text`` after ``edit`` changed the data of document ``index`` (checked on re-read)."""
    raws = compose(text, "test.yaml")
    document = Document("test.yaml", raws[index])
    before = clone(document.data)
    after = clone(before)
    edit(after)
    ops = diff(before, after)
    assert ops, "the edit changed nothing"
    document.data = after
    edits = Splicer(document, LineIndex(text)).plan(ops)
    result = apply_edits(text, edits)
    expected = read(text)
    expected[index] = after
    assert same(read(result), expected), result
    return result


def y(*lines: str) -> str:
    """Lines joined with LF, with a final line break."""
    return "\n".join(lines) + "\n"


def put(mapping: dict[str, Any], key: str, value: Any, after: str | None = None) -> None:
    """Add ``key: value`` to ``mapping`` right after ``after`` (first when None)."""
    items = list(mapping.items())
    position = 0 if after is None else [k for k, _ in items].index(after) + 1
    items.insert(position, (key, value))
    mapping.clear()
    mapping.update(items)


# -- scalars -------------------------------------------------------------------------------


def test_scalar_replace_keeps_plain_single_and_double_quotes() -> None:
    text = y("a: 1", "b: 'x'", 'c: "y"', "d: z")
    out = splice(text, lambda d: d.update(a=2, b="q", c="r", d="s"))
    assert out == y("a: 2", "b: 'q'", 'c: "r"', "d: s")


def test_scalar_replace_quotes_only_when_the_value_needs_it() -> None:
    text = y("a: x", "b: 'x'", 'c: "x"')
    out = splice(text, lambda d: d.update(a="yes", b="it's", c="plain"))
    assert out == y('a: "yes"', "b: 'it''s'", 'c: "plain"')
    # A single-quoted scalar cannot hold a line break: it becomes double-quoted.
    assert splice(y("a: 'x'"), lambda d: d.update(a="two\nlines")) == y('a: "two\\nlines"')


def test_scalar_replace_keeps_trailing_comment() -> None:
    text = y("a: 1  # one", "b: x # two")
    assert splice(text, lambda d: d.update(a=2, b="C:\\data")) == \
        y("a: 2  # one", "b: C:\\data # two")


@pytest.mark.parametrize(("text", "expected"), [
    (y("a: 1", "b:", "c: 2"), y("a: 1", "b: x", "c: 2")),
    (y("a: 1", "b:  # none", "c: 2"), y("a: 1", "b: x  # none", "c: 2")),
    ("a: 1\nb:", "a: 1\nb: x"),
    (y("l:", "-", "- 2"), y("l:", "- x", "- 2")),
    (y("m: {b: , c: 1}"), y("m: {b: x, c: 1}")),
])
def test_empty_value_replaced_by_a_scalar(text: str, expected: str) -> None:
    # Regression: the new value went right after the colon ("b:x"), a different key.
    def edit(data: Any) -> None:
        if "l" in data:
            data["l"][0] = "x"
        elif "m" in data:
            data["m"]["b"] = "x"
        else:
            data["b"] = "x"
    assert splice(text, edit) == expected


def test_empty_value_at_the_end_replaced_before_lines_inserted_after_it() -> None:
    # Regression: at the end of a text without a final line break, the value's replacement
    # and the entries added after it fall on one offset; the entries went first.
    assert splice("a: 1\nb:", lambda d: d.update(b={"x": 1}, c=2)) == "a: 1\nb:\n  x: 1\nc: 2"
    assert splice("a: 1\nb:", lambda d: d.update(b="x", c=2)) == "a: 1\nb: x\nc: 2"
    assert splice("l:\n- 1\n-", lambda d: (d["l"].__setitem__(1, "x"), d["l"].append(3))) == \
        "l:\n- 1\n- x\n- 3"


def test_a_value_replaced_up_to_the_end_keeps_the_break_before_lines_added_after_it() -> None:
    # Regression (found by Hypothesis): a text without a final line break whose last value
    # is replaced from just after ``key:`` loses the break with the old lines; the entry
    # added after it must start a line of its own, not join ``b: {}``.
    text = "a:\n  b:\n    c: 1"
    assert splice(text, lambda d: (d["a"].update(b={}), d.update(n="w"))) == \
        'a:\n  b: {}\n"n": w'
    assert splice(text, lambda d: (d.update(a={}), d.update(n="w"))) == 'a: {}\n"n": w'
    assert splice("x: 1\na:\n- 1\n- 2", lambda d: d.update(a="z", n="w")) == \
        'x: 1\na: z\n"n": w'
    # Whole lines removed up to the end leave their break: no blank line, no final break.
    assert splice("x: 1\na:\n- 1\n- 2", lambda d: (d.pop("a"), d.update(n="w"))) == \
        'x: 1\n"n": w'


def test_literal_block_scalar_becomes_plain_scalar() -> None:
    text = y("a: |", "  hello", "  world", "b: 1")
    assert splice(text, lambda d: d.update(a="x")) == y("a: x", "b: 1")


def test_folded_block_scalar_in_a_sequence_becomes_plain_scalar() -> None:
    text = y("l:", "- >-", "  folded", "  text", "- next")
    assert splice(text, lambda d: d["l"].__setitem__(0, "x")) == y("l:", "- x", "- next")


# -- removing mapping entries --------------------------------------------------------------


def test_remove_middle_key() -> None:
    assert splice(y("a: 1", "b: 2", "c: 3"), lambda d: d.pop("b")) == y("a: 1", "c: 3")


def test_remove_last_key() -> None:
    assert splice(y("a: 1", "b: 2", "c: 3"), lambda d: d.pop("c")) == y("a: 1", "b: 2")


def test_remove_key_with_a_nested_block_value() -> None:
    text = y("a: 1", "b:", "  c: 2", "  d:", "  - 1", "e: 3")
    assert splice(text, lambda d: d.pop("b")) == y("a: 1", "e: 3")


def test_remove_first_key_of_a_mapping_on_a_dash_line() -> None:
    # The dash stays alone on its line: the next key's line (and its comment) is untouched.
    text = y("items:", "- name: x  # gone", "  a: 1   # kept", "  b: 2")
    out = splice(text, lambda d: d["items"][0].pop("name"))
    assert out == y("items:", "-", "  a: 1   # kept", "  b: 2")


def test_remove_first_keys_of_a_mapping_on_a_dash_line() -> None:
    text = y("items:", "- name: x", "  a: 1", "  b: 2")
    out = splice(text, lambda d: (d["items"][0].pop("name"), d["items"][0].pop("a")))
    assert out == y("items:", "-", "  b: 2")


def test_remove_first_key_on_a_dash_line_and_add_first() -> None:
    text = y("items:", "- name: x", "  b: 2")
    out = splice(text, lambda d: (d["items"][0].pop("name"),
                                  put(d["items"][0], "a", 1)))
    assert out == y("items:", "-", "  a: 1", "  b: 2")


def test_replaced_block_value_keeps_the_comment_on_its_key_line() -> None:
    text = y("sc:   # pod settings", "  u: 1", "  g: 2", "n: 1")
    assert splice(text, lambda d: d.update(sc={"w": {"x": "z"}})) == \
        y("sc:   # pod settings", "  w:", "    x: z", "n: 1")
    assert splice(text, lambda d: d.update(sc={})) == y("sc: {}   # pod settings", "n: 1")


def test_new_keys_go_after_commented_out_entries() -> None:
    text = y("spec:", "  volumes:", "  - name: a", "  # - name: cache", "  #   emptyDir: {}",
             "", "# about the next document")
    out = splice(text, lambda d: d["spec"].update(tolerations=[1]))
    assert out == y("spec:", "  volumes:", "  - name: a", "  # - name: cache",
                    "  #   emptyDir: {}", "  tolerations:", "  - 1", "",
                    "# about the next document")


def test_remove_several_consecutive_keys() -> None:
    text = y("a: 1", "b: 2", "c: 3", "d: 4", "e: 5")
    out = splice(text, lambda d: [d.pop(k) for k in "bcd"])
    assert out == y("a: 1", "e: 5")


def test_emptying_a_nested_mapping_replaces_it_with_empty_flow_mapping() -> None:
    text = y("a:", "  b: 1", "  c: 2", "d: 3")
    before = read(text)[0]
    after = clone(before)
    after["a"].clear()
    assert [op.op for op in diff(before, after)] == ["replace"]
    assert splice(text, lambda d: d["a"].clear()) == y("a: {}", "d: 3")


def test_emptying_a_mapping_on_a_dash_line() -> None:
    text = y("l:", "- a: 1", "  b: 2", "- c: 3")
    assert splice(text, lambda d: d["l"][0].clear()) == y("l:", "- {}", "- c: 3")


# -- adding mapping entries ----------------------------------------------------------------


def test_add_key_after_a_given_key() -> None:
    text = y("a: 1", "b: 2", "c: 3")
    assert splice(text, lambda d: put(d, "x", 9, after="a")) == y("a: 1", "x: 9", "b: 2", "c: 3")


def test_add_key_after_a_key_with_nested_value() -> None:
    text = y("a:", "  b: 1", "  l:", "  - x", "c: 2")
    out = splice(text, lambda d: put(d, "x", 9, after="a"))
    assert out == y("a:", "  b: 1", "  l:", "  - x", "x: 9", "c: 2")


def test_add_key_at_the_end() -> None:
    text = y("a: 1", "b:", "  c: 2")
    assert splice(text, lambda d: d.update(x="v")) == y("a: 1", "b:", "  c: 2", "x: v")


def test_add_key_at_the_start_of_a_block_mapping() -> None:
    assert splice(y("a: 1", "b: 2"), lambda d: put(d, "z", 0)) == y("z: 0", "a: 1", "b: 2")


def test_add_key_at_the_start_of_a_mapping_on_a_dash_line() -> None:
    text = y("l:", "- name: x", "  a: 1")
    out = splice(text, lambda d: put(d["l"][0], "new", {"k": [1]}))
    assert out == y("l:", "- new:", "    k:", "    - 1", "  name: x", "  a: 1")


def test_added_strings_are_quoted_when_they_need_it() -> None:
    out = splice(y("a: 1"), lambda d: d.update({"b": "yes", "c": "K:", "d": "", "n": "C:\\x"}))
    assert out == y("a: 1", 'b: "yes"', 'c: "K:"', 'd: ""', '"n": C:\\x')


# -- indentation of new collections follows the document -----------------------------------

WINDOWS = {"os": {"name": "windows"},
           "tolerations": [{"key": "os", "operator": "Exists", "effect": "NoSchedule"}]}


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(
        y("spec:", "  containers:", "  - name: a"),
        y("spec:", "  containers:", "  - name: a", "  os:", "    name: windows",
          "  tolerations:", "  - key: os", "    operator: Exists", "    effect: NoSchedule"),
        id="2-space-indentless"),
    pytest.param(
        y("spec:", "  containers:", "    - name: a"),
        y("spec:", "  containers:", "    - name: a", "  os:", "    name: windows",
          "  tolerations:", "    - key: os", "      operator: Exists", "      effect: NoSchedule"),
        id="2-space-indented"),
    pytest.param(
        y("spec:", "    containers:", "    - name: a"),
        y("spec:", "    containers:", "    - name: a", "    os:", "        name: windows",
          "    tolerations:", "    - key: os", "      operator: Exists",
          "      effect: NoSchedule"),
        id="4-space-indentless"),
    pytest.param(
        y("spec:", "    containers:", "        - name: a"),
        y("spec:", "    containers:", "        - name: a", "    os:", "        name: windows",
          "    tolerations:", "        - key: os", "          operator: Exists",
          "          effect: NoSchedule"),
        id="4-space-indented"),
])
def test_new_collections_follow_the_document_indentation(text: str, expected: str) -> None:
    assert splice(text, lambda d: d["spec"].update(clone(WINDOWS))) == expected


def test_nested_values_inside_a_sequence_item() -> None:
    text = y("containers:", "- name: a", "  image: b")
    out = splice(text, lambda d: d["containers"][0].update(
        securityContext={"windowsOptions": {"runAsUserName": "ContainerUser"}}))
    assert out == y("containers:", "- name: a", "  image: b", "  securityContext:",
                    "    windowsOptions:", "      runAsUserName: ContainerUser")


def test_nested_lists_in_four_space_documents() -> None:
    text = y("a:", "    b: 1", "    l:", "        - x")
    out = splice(text, lambda d: d["a"].update(m={"p": [1, {"q": 2, "r": [3]}]}))
    assert out == y("a:", "    b: 1", "    l:", "        - x", "    m:", "        p:",
                    "            - 1", "            - q: 2", "              r:",
                    "                  - 3")


# -- sequences -----------------------------------------------------------------------------


def test_sequence_append() -> None:
    text = y("l:", "- a: 1", "- b", "k: 2")
    out = splice(text, lambda d: d["l"].append({"c": 3, "d": [4]}))
    assert out == y("l:", "- a: 1", "- b", "- c: 3", "  d:", "  - 4", "k: 2")


@pytest.mark.parametrize(("index", "expected"), [
    (0, y("l:", "- b", "- c: 3", "  d: 4", "k: 1")),
    (1, y("l:", "- a", "- c: 3", "  d: 4", "k: 1")),
    (2, y("l:", "- a", "- b", "k: 1")),
])
def test_sequence_removal(index: int, expected: str) -> None:
    text = y("l:", "- a", "- b", "- c: 3", "  d: 4", "k: 1")
    assert splice(text, lambda d: d["l"].pop(index)) == expected


def test_sequence_insert_at_start() -> None:
    text = y("l:", "  - a", "  - b")
    assert splice(text, lambda d: d["l"].insert(0, "z")) == y("l:", "  - z", "  - a", "  - b")


def test_sequence_insert_mapping_at_start() -> None:
    text = y("l:", "- a: 1", "  b: 2")
    out = splice(text, lambda d: d["l"].insert(0, {"z": 1, "y": [1]}))
    assert out == y("l:", "- z: 1", '  "y":', "  - 1", "- a: 1", "  b: 2")


def test_nested_sequence_on_a_dash_line() -> None:
    text = y("- - a", "  - b", "- c")
    assert splice(text, lambda d: d[0].insert(0, "z")) == y("- - z", "  - a", "  - b", "- c")
    assert splice(text, lambda d: d[0].pop(0)) == y("- - b", "- c")
    assert splice(text, lambda d: d[0].pop(1)) == y("- - a", "- c")


# -- flow collections ----------------------------------------------------------------------


def test_flow_mapping_gains_a_key() -> None:
    text = y("sel: {app: web}  # keep", "b: 1")
    out = splice(text, lambda d: d["sel"].update({"kubernetes.io/os": "windows"}))
    assert out == y("sel: {app: web, kubernetes.io/os: windows}  # keep", "b: 1")


def test_flow_mapping_loses_a_key() -> None:
    text = y("sel: {x: 1, 'y': 2}  # keep")
    assert splice(text, lambda d: d["sel"].pop("x")) == y("sel: {'y': 2}  # keep")


def test_flow_sequence_additions_and_removals() -> None:
    text = y("l: [a, b, c]", "m: {a: 1}")
    out = splice(text, lambda d: (d["l"].pop(1), d["m"].update(b=[1, "x y", "a,b"])))
    assert out == y("l: [a, c]", 'm: {a: 1, b: [1, x y, "a,b"]}')


def test_flow_scalar_replaced_in_place() -> None:
    text = y('sel: {app: "web", tier: front}  # keep')
    assert splice(text, lambda d: d["sel"].update(app="api")) == \
        y('sel: {app: "api", tier: front}  # keep')


def test_flow_mapping_emptied() -> None:
    text = y("sel: {a: 1}  # keep", "b: 2")
    assert splice(text, lambda d: d["sel"].pop("a")) == y("sel: {}  # keep", "b: 2")


# -- line ends and the end of the text -----------------------------------------------------


def test_crlf_inserted_lines_use_crlf() -> None:
    text = "a: 1\r\nl:\r\n- x\r\n"
    out = splice(text, lambda d: (d["l"].append({"k": 1, "j": 2}), d.update(z={"q": [1]})))
    assert out == "a: 1\r\nl:\r\n- x\r\n- k: 1\r\n  j: 2\r\nz:\r\n  q:\r\n  - 1\r\n"


def test_crlf_removal_and_replace() -> None:
    text = "a: 1\r\nb:\r\n  c: 2\r\nd: 3\r\n"
    assert splice(text, lambda d: (d.pop("b"), d.update(d=4))) == "a: 1\r\nd: 4\r\n"


def test_insertion_at_end_keeps_missing_final_newline() -> None:
    assert splice("a: 1\nb: 2", lambda d: d.update(c=3)) == "a: 1\nb: 2\nc: 3"
    # (no sequence to learn from: new ones are indented by two)
    assert splice("a:\n  b: 1", lambda d: d["a"].update(c=[2])) == "a:\n  b: 1\n  c:\n    - 2"
    assert splice("a: 1\r\nb: 2", lambda d: d.update(c=3)) == "a: 1\r\nb: 2\r\nc: 3"


def test_removal_at_end_keeps_missing_final_newline() -> None:
    assert splice("a: 1\nb: 2", lambda d: d.pop("b")) == "a: 1"
    assert splice("a: 1\r\nb:\r\n  c: 1", lambda d: d.pop("b")) == "a: 1"
    assert splice("l:\n- a\n- b", lambda d: d["l"].pop()) == "l:\n- a"


def test_removal_and_insertion_at_end_keep_missing_final_newline() -> None:
    assert splice("a: 1\nb: 2", lambda d: (d.pop("b"), d.update(c=3))) == "a: 1\nc: 3"
    assert splice("l:\n- a\n- b", lambda d: (d["l"].pop(), d["l"].append("c"))) == "l:\n- a\n- c"
    text = "a: 1\ns:\n  x: 1\n  y: 2"
    assert splice(text, lambda d: (d["s"].pop("y"), d.update(z=3))) == "a: 1\ns:\n  x: 1\nz: 3"


def test_insertion_after_a_block_scalar_ending_the_text() -> None:
    # Regression: the line break before the new lines turned "x\ny" into "x\ny\n".
    out = splice("a: 1\nb: |\n  x\n  y", lambda d: d.update(c=1))
    assert out == "a: 1\nb: |-\n  x\n  y\nc: 1"
    out = splice("l:\n- |2+\n   x", lambda d: d["l"].append(1))
    assert out == "l:\n- |2-\n   x\n- 1"


@pytest.mark.parametrize(("header", "expected"), [
    ("|", "d:\n  m: |\n    a: b\n"),  # the value needs its line break: it stays
    ("|-", "d:\n  m: |-\n    a: b"),
    ("|+", "d:\n  m: |+\n    a: b\n\n"),  # every line break is part of the value
])
def test_removal_at_the_end_after_a_block_scalar(header: str, expected: str) -> None:
    text = f"d:\n  m: {header}\n    a: b\n\n  z: last"
    assert splice(text, lambda d: d["d"].pop("z")) == expected


def test_removal_at_the_end_after_a_replaced_block_scalar() -> None:
    # Regression: the line breaks of the block scalar (replaced) were kept as if needed.
    text = "d:\n  m: |\n    a: b\n\n  z: last"
    assert splice(text, lambda d: (d["d"].pop("z"), d["d"].update(m="x"))) == "d:\n  m: x"


def test_keep_chomping_block_scalar_owns_its_trailing_blank_lines() -> None:
    # Regression: insertions went between "x" and the blank line, which belongs to it.
    text = y("a: 1", "b: |+", "  x", "", "c: 2")
    assert splice(text, lambda d: put(d, "z", 1, after="b")) == \
        y("a: 1", "b: |+", "  x", "", "z: 1", "c: 2")
    assert splice(text, lambda d: d.pop("b")) == y("a: 1", "c: 2")
    assert splice(text, lambda d: d.update(b="q")) == y("a: 1", "b: q", "c: 2")
    assert splice(text, lambda d: d.update(b={"q": 1})) == y("a: 1", "b:", "  q: 1", "c: 2")
    text = "l:\r\n- |+\r\n  x\r\n\r\n- y\r\n"
    assert splice(text, lambda d: d["l"].__setitem__(0, "q")) == "l:\r\n- q\r\n- y\r\n"


def test_removal_after_a_keep_chomping_block_scalar_takes_the_blank_lines_after_it() -> None:
    # Regression: the blank line after the removed entry joined the scalar ("x\n\n\n").
    text = y("c:", "  v: |+", "    x", "", "  sc:", "    a: 1", "", "  o: 2")
    assert splice(text, lambda d: d["c"].pop("sc")) == y("c:", "  v: |+", "    x", "", "  o: 2")
    text = "l:\r\n- |+\r\n  x\r\n\r\n- y\r\n\r\n  \r\n- z\r\n"
    assert splice(text, lambda d: d["l"].pop(1)) == "l:\r\n- |+\r\n  x\r\n\r\n- z\r\n"


# -- comments ------------------------------------------------------------------------------


def test_comments_around_a_removed_entry_stay() -> None:
    text = y("a: 1  # one", "# about b", "b: 2  # two", "# about c", "c: 3  # three")
    assert splice(text, lambda d: d.pop("b")) == \
        y("a: 1  # one", "# about b", "# about c", "c: 3  # three")


def test_comments_around_an_insertion_stay() -> None:
    text = y("# head", "a: 1  # one", "# lead c", "c: 3", "# tail")
    assert splice(text, lambda d: put(d, "x", 9, after="a")) == \
        y("# head", "a: 1  # one", "x: 9", "# lead c", "c: 3", "# tail")


def test_comment_lines_inside_a_sequence() -> None:
    text = y("l:", "# first", "- a", "  # inner", "- b  # bee", "- c")
    assert splice(text, lambda d: d["l"].pop(1)) == y("l:", "# first", "- a", "  # inner", "- c")
    assert splice(text, lambda d: d["l"].append("d")) == \
        y("l:", "# first", "- a", "  # inner", "- b  # bee", "- c", "- d")


# -- documents -----------------------------------------------------------------------------


@pytest.mark.parametrize("first", [
    y("a: 1", "..."),
    y("---", "a: 1  # c", "...", "# between"),
    y("# only a comment and a value", "a: [1, 2]"),
])
def test_edits_in_the_second_document_leave_the_first_alone(first: str) -> None:
    second = y("# lead", "b: 2", "c:", "  d: 3")
    text = first + "---\n" + second + "...\n"
    out = splice(text, lambda d: (d.pop("b"), d["c"].update(e=4)), index=1)
    assert out == first + "---\n" + y("# lead", "c:", "  d: 3", "  e: 4") + "...\n"


def test_unicode_before_the_edits() -> None:
    text = y("# ü 日本 😀", 'name: "ünï 😀"', "b:", "  c: 2")
    out = splice(text, lambda d: (d.update(name="😀 ok"), d["b"].update(d="ö")))
    assert out == y("# ü 日本 😀", 'name: "😀 ok"', "b:", "  c: 2", "  d: ö")


# -- anchors, aliases and merge keys -------------------------------------------------------


@pytest.mark.parametrize(("text", "edit", "path"), [
    (y("a: &x {p: 1}", "b: *x"), lambda d: d["b"].update(p=2), ("b",)),
    (y("a: &x {p: 1}", "b: *x"), lambda d: d["a"].update(p=2), ("a",)),
    (y("a: &x [1]", "b: *x"), lambda d: d["b"].append(2), ("b",)),
    (y("a: &x", "  p: {q: 1}", "b: *x"), lambda d: d["a"]["p"].update(q=2), ("a",)),
    (y("base: &b {p: 1}", "m:", "  <<: *b", "  q: 2"), lambda d: d["m"].update(p=3),
     ("m", "p")),
    (y("base: &b {p: 1}", "m:", "  <<: *b", "  q: 2"), lambda d: d["m"].pop("p"), ("m", "p")),
])
def test_edits_on_shared_nodes_raise(text: str, edit: EditFn, path: tuple[str, ...]) -> None:
    with pytest.raises(SharedNodeError) as caught:
        splice(text, edit)
    assert caught.value.path == path


@pytest.mark.parametrize(("text", "edit", "path"), [
    (y("a: &p /data", "b: *p"), lambda d: d.update(a="C:"), ("a",)),
    (y("a: &p /data", "b: *p"), lambda d: d.pop("a"), ("a",)),
    (y("l:", "- &p x", "- *p"), lambda d: d["l"].__setitem__(0, "y"), ("l", 0)),
    (y("s:", "  a: &p {t: 1}", "c: *p"), lambda d: d.pop("s"), ("s",)),
    (y("s:", "  a: &p 1", "c: *p"), lambda d: d.update(s="x"), ("s",)),
    (y("base: &b {p: 1}", "m:", "  <<: *b"), lambda d: d.pop("base"), ("base",)),
    (y("l:", "- {a: &u 1}", "- *u"), lambda d: d["l"].pop(0), ("l", 0)),
])
def test_rewriting_an_aliased_anchor_raises(text: str, edit: EditFn,
                                            path: tuple[str | int, ...]) -> None:
    # Regression: the anchor went with the old text, leaving the alias undefined.
    with pytest.raises(SharedNodeError) as caught:
        splice(text, edit)
    assert caught.value.path == path


@pytest.mark.parametrize(("text", "edit", "expected"), [
    (y("a: &p /data", "b: *p"), lambda d: d.update(b="C:"), y("a: &p /data", 'b: "C:"')),
    (y("a: &p /data", "b: *p", "c: 1"), lambda d: d.pop("b"), y("a: &p /data", "c: 1")),
    (y("a: &p /data", "b: 1"), lambda d: d.update(a="C:"), y('a: "C:"', "b: 1")),
    (y("l:", "- &p x", "- *p"), lambda d: d["l"].pop(1), y("l:", "- &p x")),
    # anchors whose aliases all go with them, and aliases to anchors that stay
    (y("s:", "  a: &u 1000", "  b: *u", "c: 1"), lambda d: d.pop("s"), y("c: 1")),
    (y("x: &u 1000", "s:", "  b: *u", "c: 1"), lambda d: d.pop("s"), y("x: &u 1000", "c: 1")),
    (y("x: &u {p: 1}", "s:", "  b: *u", "c: 1"), lambda d: d.update(s=[1]),
     y("x: &u {p: 1}", "s:", "  - 1", "c: 1")),
    # entries added to a flow collection leave its anchors and aliases in place
    (y("s: {a: &u 1, b: *u}"), lambda d: d["s"].update(z=1), y("s: {a: &u 1, b: *u, z: 1}")),
    (y("a: {x: &p 1, y: 2}", "b: *p"), lambda d: d["a"].update(z=3),
     y("a: {x: &p 1, y: 2, z: 3}", "b: *p")),
])
def test_edits_at_an_alias_or_an_unused_anchor(text: str, edit: EditFn, expected: str) -> None:
    assert splice(text, edit) == expected


def test_adding_to_a_mapping_with_a_merge_key() -> None:
    # Regression: the new key's anchor (a merged-in key) has no entry; this raised KeyError.
    text = y("base: &b {p: 1}", "m:", "  <<: *b", "  q: 2")
    assert splice(text, lambda d: d["m"].update(r=3)) == \
        y("base: &b {p: 1}", "m:", "  <<: *b", "  q: 2", "  r: 3")
    text = y("m:", "  q: 2", "  <<: {p: 1}")
    assert splice(text, lambda d: d["m"].update(r=3)) == y("m:", "  q: 2", "  <<: {p: 1}", "  r: 3")


def test_pipeline_converts_a_pod_spec_with_a_merge_key() -> None:
    text = y("apiVersion: v1", "kind: Pod", "metadata:", "  name: x", "spec:",
             "  <<: {restartPolicy: Always}", "  containers:", "  - name: a",
             "    image: mcr.microsoft.com/windows/servercore:ltsc2022")
    result = Pipeline().convert_text(text)
    assert result.redumped == 0
    assert not [f for f in result.findings if f.rule == "internal-error"]
    assert result.converted.startswith(text)
    assert read(result.converted)[0]["spec"]["os"] == {"name": "windows"}


def test_pipeline_converts_a_pod_spec_with_explicit_keys_through_the_ruamel_writer() -> None:
    # The splicer does not edit `? key` entries; that one document is written by ruamel
    # instead, converted and complete, and the other document stays byte-identical.
    other = y("apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: c  # kept", "")
    text = other + "---\n" + y(
        "apiVersion: v1", "kind: Pod", "metadata:", "  name: p", "spec:", "  ? containers",
        "  : - name: a", "      image: mcr.microsoft.com/windows/servercore:ltsc2022",
        "      securityContext:", "        runAsUser: 1000")
    result = Pipeline().convert_text(text)
    assert result.redumped == 1
    assert not [f for f in result.findings if f.rule == "internal-error"]
    assert result.converted.startswith(other + "---\n")
    pod = read(result.converted)[1]
    assert pod["spec"]["os"] == {"name": "windows"}
    assert pod["spec"]["containers"][0]["securityContext"] == \
        {"windowsOptions": {"runAsUserName": "ContainerUser"}}
    again = Pipeline().convert_text(result.converted)
    assert again.converted == result.converted


@pytest.mark.parametrize("kind", ["kind: &k Pod", "kind: !!str Pod", '"kind": &k "Pod"',
                                  "kind:  # the kind\n  Pod"])
def test_pipeline_converts_a_workload_with_an_anchored_or_tagged_kind(kind: str) -> None:
    # Regression: the quick look for workload kinds did not expect an anchor, a tag or a
    # comment before the value, and the document went through unconverted.
    text = y("apiVersion: v1", kind, "metadata: {name: x}", "spec:",
             "  containers: [{name: a, image: mcr.microsoft.com/windows/servercore:ltsc2022}]")
    result = Pipeline().convert_text(text)
    assert result.patches and result.redumped == 0
    assert result.converted.startswith(text)
    assert read(result.converted)[0]["spec"]["os"] == {"name": "windows"}


@pytest.mark.parametrize(("text", "expected"), [
    (y("x: &a 1", "y: *a", "z: 3"), y("x: &a 1", "y: *a", "w: 2", "z: 3")),
    (y("x: &a 1", "y: *a  # same", "z: 3"), y("x: &a 1", "y: *a  # same", "w: 2", "z: 3")),
    (y("x: &a {p: 1}", "y: *a", "z: 3"), y("x: &a {p: 1}", "y: *a", "w: 2", "z: 3")),
    (y("x: &a", "  p: 1", "y:   *a", "z: 3"), y("x: &a", "  p: 1", "y:   *a", "w: 2", "z: 3")),
    (y("x: &a 1", "y:  # own line", "  *a", "z: 3"),
     y("x: &a 1", "y:  # own line", "  *a", "w: 2", "z: 3")),
])
def test_insertion_after_an_alias_entry(text: str, expected: str) -> None:
    assert splice(text, lambda d: put(d, "w", 2, after="y")) == expected


def test_alias_on_a_line_of_its_own() -> None:
    # Regression: the end of an alias was only looked for on the key's (or dash's) line.
    text = y("x: &a 1", "y:", "  *a", "l:", "-", "  *a", "- 2")
    assert splice(text, lambda d: d.pop("y")) == y("x: &a 1", "l:", "-", "  *a", "- 2")
    assert splice(text, lambda d: d.update(y=2)) == y("x: &a 1", "y: 2", "l:", "-", "  *a", "- 2")
    assert splice(text, lambda d: d["l"].pop(0)) == y("x: &a 1", "y:", "  *a", "l:", "- 2")


def test_insertion_after_an_alias_item() -> None:
    text = y("l:", "- &a x", "- *a", "z: 3")
    assert splice(text, lambda d: d["l"].append("n")) == y("l:", "- &a x", "- *a", '- "n"', "z: 3")


# -- quoting of new scalars ----------------------------------------------------------------

SAFE_PLAIN = ("x", "C:\\data", "a:b", "a#b", "100%", "é", "ContainerUser",
              "file.csi.azure.com", "/srv/data")
NOT_PLAIN = ("yes", "no", "on", "y", "10.0.20348", "1.0", "K:", "", " x", "x ", "a: b", "a #b",
             "#x", "2001-12-14", "0x1F", "0o17", "010", "1_000", "+1", ".5", "1e3", ".inf",
             "null", "Null", "~", "-", "- x", "1:20", "=", "<<", "*x", "&x", "!x", "%x", "@x",
             "`x", "[x]", "{x}", "'q'", '"q"', "a\tb", "x\u2028y", "line\n")


@pytest.mark.parametrize("text", SAFE_PLAIN)
def test_plain_is_safe_for_ordinary_strings(text: str) -> None:
    assert plain_is_safe(text)
    assert scalar(text) == text
    assert read(f"k: {text}\n") == [{"k": text}]


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_strings_that_need_quotes(text: str) -> None:
    assert not plain_is_safe(text)
    assert not plain_is_safe(text, flow=True)
    assert scalar(text).startswith('"')
    assert read(f"k: {scalar(text)}\n") == [{"k": text}]


@pytest.mark.parametrize("text", ("C:\\data", "a:b", "x, y", "[x]"))
def test_flow_context_needs_more_quoting(text: str) -> None:
    assert not plain_is_safe(text, flow=True)
    assert read(f"k: {{a: {scalar(text, flow=True)}}}\n") == [{"k": {"a": text}}]


@pytest.mark.parametrize("text", SAFE_PLAIN + NOT_PLAIN)
def test_kept_quote_styles_read_back(text: str) -> None:
    for style in ("'", '"'):
        written = scalar(text, style=style)
        assert written[0] in "'\""
        assert read(f"k: {written}\n") == [{"k": text}]
    if "\n" not in text and "\t" not in text and "\u2028" not in text:
        assert scalar(text, style="'") == "'" + text.replace("'", "''") + "'"


def test_non_string_scalars() -> None:
    assert [scalar(v) for v in (None, True, False, 0, 1000, 1.5)] == \
        ["null", "true", "false", "0", "1000", "1.5"]


def test_comments_introducing_the_next_key_stay_before_it() -> None:
    # A real kubernetes/website manifest: the comments describe nodeSelector, not the
    # tolerations above them, so a new toleration goes before them.
    text = y("spec:", "  tolerations:", "  - key: a", "  # the node selector varies",
             "  nodeSelector: {x: y}")
    out = splice(text, lambda d: d["spec"]["tolerations"].append({"key": "os"}))
    assert out == y("spec:", "  tolerations:", "  - key: a", "  - key: os",
                    "  # the node selector varies", "  nodeSelector: {x: y}")
