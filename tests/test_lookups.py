"""The cheap forms of small look-ups give the answers of the plain forms they replaced:
JSON pointers, a mapping's entry, a resource's identity, an image's Windows version."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from porter.kube.resources import Resource, resource_of
from porter.kube.windows_versions import VERSIONS, image_version
from porter.yamledit.documents import Document, _entry
from porter.yamledit.parsing import compose
from porter.yamledit.pointer import json_pointer, parse_pointer


def _plain_pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


@given(st.lists(st.one_of(st.integers(0, 99), st.text("ab~/01", max_size=4)), max_size=6))
def test_pointer_as_escaped_part_by_part(path):
    assert json_pointer(tuple(path)) == _plain_pointer(path) == json_pointer(path)
    assert parse_pointer(json_pointer(path)) == tuple(str(p) for p in path)


@pytest.mark.parametrize("path", [(), ("",), ("", ""), ("a/b",), ("~",), ("a", "~1"), (0,),
                                  ("spec", "template", "spec", "containers", 0, "image")])
def test_pointer_cases(path):
    assert json_pointer(path) == _plain_pointer(path)


def _scanned_entry(node, key):
    """The entry look-up as it was: scalar keys first, then the merged mappings in order."""
    merges = []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            if key_node.value == key:
                return key_node, value_node
            if key_node.value == "<<":
                merges.append(value_node)
    for source in merges:
        for mapping in source.value if isinstance(source, SequenceNode) else [source]:
            if isinstance(mapping, MappingNode):
                found = _scanned_entry(mapping, key)
                if found:
                    return found
    return None


MERGES = """\
base: &base {a: 1, b: 2}
other: &other {b: 3, c: 4}
m:
  ? [a, b]
  : collection key
  ? {a: 1}
  : mapping key
  <<: [*base, *other]
  d: 5
  d: 6
  "<<": quoted
n: {<<: *other, c: 7}
"""


@pytest.mark.parametrize("key", ["a", "b", "c", "d", "<<", "x", "['a', 'b']", "[a, b]"])
def test_entry_as_scanned(key):
    raw = compose(MERGES, "m.yaml")[0]
    for name in ("m", "n", "base"):
        node = _entry(raw.root, name)[1]
        assert _entry(node, key) == _scanned_entry(node, key)


def test_locate_through_merges_and_repeats():
    document = Document("m.yaml", compose(MERGES, "m.yaml")[0])
    assert document.locate(("m", "c")) == (2, 22)  # from the second merged mapping
    assert document.locate(("m", "d")) == (9, 3)  # the first of a repeated key
    assert document.locate(("n", "c")) == (12, 17)  # its own key before the merged one
    assert document.locate(("m", "<<")) == (8, 3)
    assert document.locate(("m", "zz", "y")) == (3, 1)  # the nearest existing ancestor


@pytest.mark.parametrize("obj", [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "n"}},
    {"apiVersion": 1, "kind": True, "metadata": {"name": 1.5}},
    {"kind": "Pod", "metadata": None},
    {"kind": "Pod", "metadata": ["x"]},
    [], None, "text",
])
def test_resource_of(obj):
    found = resource_of(obj)
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    text = [None if v is None else str(v) for v in (
        obj.get("apiVersion") if isinstance(obj, dict) else None,
        obj.get("kind") if isinstance(obj, dict) else None,
        metadata.get("namespace"), metadata.get("name"))]
    assert found == Resource(*text)
    assert resource_of(obj) == found


_OLD_DECISIVE = (
    (r"ltsc2016|10\.0\.14393", "ltsc2016"), (r"ltsc2019|10\.0\.17763", "ltsc2019"),
    (r"ltsc2022|10\.0\.20348", "ltsc2022"), (r"ltsc2025|10\.0\.26100", "ltsc2025"),
    (r"10\.0\.16299", "1709"), (r"10\.0\.17134", "1803"), (r"10\.0\.18362", "1903"),
    (r"10\.0\.18363", "1909"), (r"10\.0\.19041", "2004"), (r"10\.0\.19042", "20H2"))


@pytest.mark.parametrize("image", [
    "mcr.microsoft.com/windows/servercore:ltsc2022",
    "x/app:10.0.17763.1-ltsc2022",  # both named: the first in decision order wins
    "x/app:ltsc2025-10.0.14393",
    "x/app:10.0.19042", "x/APP:LTSC2019", "nginx:1.25", "x/windows:1809", "x/app:10.0.1",
])
def test_image_version_decides_as_the_patterns_did(image):
    reference = image.lower()
    name = next((name for pattern, name in _OLD_DECISIVE if re.search(pattern, reference)),
                None)
    found = image_version(image)
    if name is not None:
        assert found == next(v for v in VERSIONS if v.name == name)
    else:
        assert found is None or not any(re.search(p, reference) for p, _ in _OLD_DECISIVE)


@pytest.mark.parametrize(("image", "name"), [
    ("x/windows:1809", "ltsc2019"), ("x/servercore:20H2", "20H2"), ("x/nanoserver:2004", "2004"),
    ("nginx:1809", None), ("x/windows:11809", None), ("x/windows:1809.1", None),
])
def test_bare_releases_count_in_windows_references_only(image, name):
    found = image_version(image)
    assert (found.name if found else None) == name
