"""Property tests: generated manifests, each written in two random layouts (block and flow,
indentation, quoting, comments, blank lines, anchors, markers, line ends; the renderer of
tests/test_properties.py), convert to the same data, with no line changed outside the
changed fields and no comment lost except on removed lines. The fallback writer counts as a
failure (the renderer writes no explicit key)."""

from __future__ import annotations

import random
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from layouts import check_fidelity
from test_properties import COMMENTS, FULL, SETTINGS, Renderer, documents, merged, read_back

from porter.yamledit.diffing import same

REFUSALS = ("yaml-aliases", "yaml-custom-tag")
_COMMENTS = re.compile("|".join(re.escape(c) for c in COMMENTS))


def render(data: list[dict[str, Any]], seed: int, indent: int, indented: bool,
           newline: str) -> str:
    rnd = random.Random(seed)
    renderer = Renderer(rnd, indent, indented)
    lines: list[str] = []
    for index, doc in enumerate(data):
        if index:
            lines.append("---")
        if rnd.random() < 0.5:
            lines.append(rnd.choice(COMMENTS))
        lines.extend(renderer.document(doc, anchors=rnd.random() < 0.2))
    return newline.join(lines) + newline


layouts = st.tuples(st.integers(0, 2**32 - 1), st.sampled_from((2, 4)), st.booleans(),
                    st.sampled_from(("\n", "\r\n")))


@SETTINGS
@given(documents, layouts, layouts)
def test_two_layouts_convert_alike_and_touch_only_changed_fields(data, first, second) -> None:
    data = list(data)
    converted = []
    for seed, indent, indented, newline in (first, second):
        text = render(data, seed, indent, indented, newline)
        assert same(read_back(text), [merged(doc) for doc in data])
        result = FULL.convert_text(text, "in.yaml")
        assert not result.errors, result.errors
        assert not result.internal_error, result.findings
        assert result.redumped == 0, "the fallback writer wrote a document"
        patches = {patch.index: patch.operations for patch in result.patches}
        fidelity = check_fidelity(text, result.converted, patches, comments=_COMMENTS)
        assert not fidelity.stray_lines, (fidelity.stray_lines, text, result.converted)
        assert not fidelity.lost_comments, (fidelity.lost_comments, text, result.converted)
        refused = {f.path for f in result.findings if f.rule in REFUSALS}
        converted.append((read_back(result.converted), refused))
    (one, refused_one), (two, refused_two) = converted
    if not refused_one and not refused_two:
        assert same(one, two)
