"""The fast path's document filter: a document is left unparsed only when its text proves
its kind is not wanted (porter.yamledit only)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from porter.yamledit.parsing import UNKNOWN, certain_kind, compose, segments
from porter.yamledit.plaindata import build

WANTED = frozenset({"Pod", "Deployment"})


def kind_of(text: str) -> object:
    data = build(compose(text, "t.yaml")[0].root, "t.yaml")[0]
    return data.get("kind") if isinstance(data, dict) else None


@pytest.mark.parametrize("text", [
    'apiVersion: v1\nkind: |-\n  Pod\n',
    'apiVersion: v1\nkind: "Po\\\n  d"\n',
    'apiVersion: v1\nkind: "\\x50od"\n',
    'apiVersion: v1\nkind: !!str Pod\n',
    'apiVersion: v1\nkind:\n  Pod\n',
    'apiVersion: v1\nkind: Po\n  d\n',
    'apiVersion: v1\n? kind\n: Pod\n',
    'apiVersion: v1\n"kind": Pod\n',
    '{"apiVersion": "v1", "kind": "Pod"}\n',
    'base: &b {kind: Pod}\n<<: *b\n',
    '<<: {kind: Pod}\napiVersion: v1\n',
    '  apiVersion: v1\n  kind: Pod\n',
    'apiVersion: v1\n"\\x6bind": Pod\n',
    '--- {kind: Pod}\n',
])
def test_kinds_only_the_parser_can_tell_are_parsed(text: str) -> None:
    assert certain_kind(text) is UNKNOWN
    (piece,) = segments(text, "t.yaml", WANTED)
    assert piece.documents, "a document the filter cannot rule out must be parsed"


@pytest.mark.parametrize(("text", "kind"), [
    ("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n", "Service"),
    ("kind: ConfigMap   # a comment\r\ndata:\r\n  kind: Pod\r\n", "ConfigMap"),
    ("---\napiVersion: v1\nkind: Secret\n\n", "Secret"),
    ("apiVersion: v1\nkinds: [Pod]\n", None),
    ("a: 1\nb: [x]\n", None),
    ("# only a comment\n", None),
])
def test_certain_kinds(text: str, kind: str | None) -> None:
    assert certain_kind(text) == kind


def test_the_issue_cases_convert_as_pods() -> None:
    for value in ("|-\n  Pod", '"Po\\\n  d"', '"\\x50od"'):
        text = f"apiVersion: v1\nkind: {value}\nmetadata:\n  name: a\n---\nkind: Service\n"
        first, second = segments(text, "t.yaml", WANTED)
        assert first.documents and kind_of(text[first.start:first.end]) == "Pod"
        assert second.documents is None


_SCALAR = st.sampled_from(["Pod", "Service", "'Pod'", '"Pod"', '"P\\x6fd"', "|-\n  Pod",
                           ">\n  Pod\n", "Po\n  d", "!!str Pod", "&k Pod", "Pod # c",
                           "Pod\n\n  more", "Deployment", "[Pod]"])
_KEY = st.sampled_from(["kind", '"kind"', "'kind'", "? kind\n", "kinds", '"\\x6bind"'])


@given(st.lists(st.tuples(_KEY, _SCALAR), min_size=0, max_size=3),
       st.sampled_from(["", "  "]), st.sampled_from(["\n", "\r\n"]))
def test_a_document_left_unparsed_is_never_wanted(entries, indent, newline) -> None:
    lines = [f"{indent}apiVersion: v1"]
    for number, (key, value) in enumerate(entries):
        key = key if key != "kinds" else f"kinds{number}"
        separator = "" if key.endswith("\n") else " "
        body = f"{key}:{separator}{value}" if not key.endswith("\n") else f"{key}: {value}"
        lines.extend(indent + line for line in body.split("\n"))
    text = newline.join(lines) + newline
    try:
        documents = compose(text, "t.yaml")
        data = build(documents[0].root, "t.yaml")[0]
    except Exception:
        return  # invalid YAML or duplicate keys: the parser reports it either way
    (piece,) = segments(text, "t.yaml", WANTED)
    kind = data.get("kind") if isinstance(data, dict) else None
    if piece.documents is None:
        assert kind not in WANTED, text
    verdict = certain_kind(text)
    if verdict is not UNKNOWN:
        assert verdict == kind, text
