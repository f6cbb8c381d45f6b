"""The YAML layer's public API: RFC 6902 patches written into one document of a text,
verified, with how each was written (porter.yamledit only)."""

from __future__ import annotations

import json

import jsonpatch
import pytest

from porter.yamledit import (
    REDUMPED,
    REFUSED,
    SPLICED,
    UNCHANGED,
    Change,
    edit_document,
    write_changes,
)
from porter.yamledit.documents import Document
from porter.yamledit.errors import InputError
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build, clone


def data_of(text: str) -> list[object]:
    return [build(raw.root, "t.yaml")[0] for raw in compose(text, "t.yaml")]


def test_a_patch_is_spliced_into_its_document_only() -> None:
    text = "a: 1  # one\n---\nb: {x: 1,   y: 2}  # two\nc: [p, q]\n"
    edited = edit_document(text, 1, [{"op": "remove", "path": "/b/x"},
                                     {"op": "add", "path": "/c/-", "value": "r s"}])
    assert edited.how == SPLICED and not edited.reason
    assert edited.text == "a: 1  # one\n---\nb: {y: 2}  # two\nc: [p, q, r s]\n"


def test_the_result_reads_back_as_the_patched_data() -> None:
    text = "spec:\n  list:\n  - name: a   # first\n    v: 1\n  - name: b\n  gone: 1\n"
    patch = [{"op": "replace", "path": "/spec/list/0/v", "value": {"deep": [1, 2]}},
             {"op": "remove", "path": "/spec/gone"},
             {"op": "add", "path": "/spec/new", "value": "yes"}]
    edited = edit_document(text, 0, patch)
    assert edited.how == SPLICED
    assert data_of(edited.text) == [jsonpatch.apply_patch(data_of(text)[0], patch)]
    assert "# first" in edited.text


def test_json_stays_json() -> None:
    text = json.dumps({"a": {"b": 1, "c": [1, 2]}, "d": "x"}, indent=2) + "\n"
    edited = edit_document(text, 0, [{"op": "add", "path": "/a/e", "value": {"f": True}},
                                     {"op": "remove", "path": "/d"}])
    assert edited.how == SPLICED
    assert json.loads(edited.text) == {"a": {"b": 1, "c": [1, 2], "e": {"f": True}}}


def test_an_explicit_key_is_written_by_the_fallback_writer() -> None:
    text = "? a\n: 1\nb: 2\n"
    edited = edit_document(text, 0, [{"op": "replace", "path": "/a", "value": 3}])
    assert edited.how == REDUMPED
    assert "explicit key" in edited.reason
    assert data_of(edited.text) == [{"a": 3, "b": 2}]


def test_a_change_on_an_aliased_node_is_refused() -> None:
    text = "base: &b {x: 1}\nuse: *b\n"
    edited = edit_document(text, 0, [{"op": "replace", "path": "/use/x", "value": 2}])
    assert (edited.how, edited.shared, edited.text) == (REFUSED, ("use",), text)
    # ... but not when the change is beside the anchor, not on it
    text = "l: [{name: &v cache, e: {m: 1}}]\nr: *v\n"
    edited = edit_document(text, 0, [{"op": "remove", "path": "/l/0/e/m"}])
    assert edited.how == SPLICED
    assert edited.text == "l: [{name: &v cache, e: {}}]\nr: *v\n"


def test_no_change_is_unchanged() -> None:
    edited = edit_document("a: 1\n", 0, [{"op": "replace", "path": "/a", "value": 1}])
    assert (edited.how, edited.text) == (UNCHANGED, "a: 1\n")


def test_bad_input_and_bad_patches_raise() -> None:
    with pytest.raises(InputError):
        edit_document("a: [\n", 0, [])
    with pytest.raises(InputError):
        edit_document("a: 1\n", 1, [])
    with pytest.raises(jsonpatch.JsonPatchException):
        edit_document("a: 1\n", 0, [{"op": "remove", "path": "/missing"}])


def test_many_documents_at_once_each_say_how() -> None:
    text = "a: 1\n---\n? k\n: v\n---\nx: &p 1\ny: *p\n"
    raws = compose(text, "t.yaml")
    changes = []
    for position, new in ((0, {"a": 2}), (1, {"k": "w"}), (2, {"x": 5, "y": 1})):
        document = Document("t.yaml", raws[position])
        assert clone(document.data) != new
        changes.append(Change(document, new, position))
    out = write_changes(text, changes, "t.yaml")
    assert [c.how for c in changes] == [SPLICED, REDUMPED, REFUSED]
    assert data_of(out) == [{"a": 2}, {"k": "w"}, {"x": 1, "y": 1}]
