"""Property tests for what tests/test_properties.py does not check yet: every converted pod
spec passes the Windows validation helper (tests/validating.py), every finding points at a
line that exists and holds the field it names (or the nearest one that exists), and hostile
edits of generated streams (broken indentation, stray characters, mixed line ends, other
encodings) never crash porter.

The generated streams come from tests/test_properties.py (its ``streams`` strategy); the
invariants for mangled input are the fuzz targets' (fuzz/targets.py), so that the property
tests, the fuzzer and its regression inputs all hold porter to the same promises.
"""

from __future__ import annotations

import codecs
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import Stream, streams
from validating import check_result, describe

from porter.engine.findings import Finding
from porter.engine.pipeline import Pipeline
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build
from porter.yamledit.pointer import parse_pointer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fuzz"))
import targets

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FULL = Pipeline()


@SETTINGS
@given(streams())
def test_converted_pod_specs_pass_the_windows_validation_helper(stream: Stream) -> None:
    """porter.kube.validation's Windows rules hold for every pod spec porter converted (see
    tests/validating.py for what porter's own findings excuse). Workloads kept on Linux
    are not converted: they are checked by tests/test_properties.py (pinned, otherwise
    untouched)."""
    result = FULL.convert_text(stream.text, "in.yaml")
    spans = [(first, last) for first, last, _ in _documents(stream.text)]
    kept = {(index, finding.path) for finding in result.findings
            if finding.rule == "kept-on-linux"
            for index, (first, last) in enumerate(spans) if first <= finding.line <= last}
    checked = check_result(result, schema=False)
    checked.violations = [
        (index, violation) for index, violation in checked.violations
        if not any(index == owner_index and (violation.pointer + "/").startswith(owner + "/")
                   for owner_index, owner in kept)]
    assert not checked.violations, describe("in.yaml", checked)


# -- findings point at their field ---------------------------------------------------------


def _documents(text: str) -> list[tuple[int, int, Any]]:
    """First line, last line (1-based) and data of each document."""
    return [(raw.root.start_mark.line + 1, raw.root.end_mark.line + 1,
             build(raw.root, "-")[0]) for raw in compose(text, "-")]


def _deepest(data: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], Any]:
    """The longest prefix of ``path`` that exists in ``data``, and the value there."""
    for end, part in enumerate(path):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return path[:end], data
    return path, data


def _resource_at(data: Any, path: tuple[str, ...]) -> Any:
    if path[:1] == ("items",) and len(path) > 1 and isinstance(data, dict):
        items = data.get("items")
        if isinstance(items, list) and path[1].isdigit() and int(path[1]) < len(items):
            return items[int(path[1])]
    return data


def _check_place(finding: Finding, lines: list[str], documents: list[tuple[int, int, Any]]):
    assert 1 <= finding.line <= len(lines), finding
    line = lines[finding.line - 1]
    assert 1 <= finding.column <= len(line) + 1, finding
    owners = [data for first, last, data in documents if first <= finding.line <= last]
    path = parse_pointer(finding.path)
    if not owners:
        # A key reached through an alias or merge key sits in another document's text only
        # if the anchor is there; anchors are per document, so this cannot happen.
        raise AssertionError(f"{finding} is in no document")
    data = owners[0]
    resource = _resource_at(data, path)
    metadata = resource.get("metadata") if isinstance(resource, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    assert finding.resource.name == (None if name is None else str(name)), finding
    found, _ = _deepest(data, path)
    at = line[finding.column - 1:]
    if not found:
        return
    last = found[-1]
    if last.isdigit():
        # A sequence item: the column is where the item starts, after its dash, a flow
        # bracket or comma, or (for an alias to an anchored item) the anchor's key.
        before = line[:finding.column - 1].rstrip()
        assert at and not at[0].isspace(), (finding, line)
        assert before == "" or before[-1] in "-[,:", (finding, line)
    else:
        quoted = (last, f'"{last}"', f"'{last}'")
        assert at.startswith(quoted), (finding, line)


@SETTINGS
@given(streams())
def test_findings_point_at_a_line_holding_the_named_field(stream: Stream) -> None:
    """The finding's line and column hold the deepest key (or item) of its path that exists
    in the input, in the document of the resource the finding names."""
    result = FULL.convert_text(stream.text, "in.yaml")
    lines = stream.text.splitlines()
    documents = _documents(stream.text)
    for finding in result.findings:
        assert finding.file == "in.yaml"
        _check_place(finding, lines, documents)


# -- hostile edits ---------------------------------------------------------------------------

NOISE = ("\t", " ", "  ", "-", "- ", ":", ": ", "#", "&a ", "*a", "!t ", "!!binary ", "<<: ",
         "{", "}", "[", "]", ",", "'", '"', "|", ">", "%", "@", "`", "?", "---\n", "...\n",
         "\n", "\r", "\r\n", "\x00", "\x07", "\ufeff", "\u2028", "\ufffe", "{{ x }}",
         "kind: Pod\n", "containers:\n- {}\n", "apiVersion: v1\n")


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """A generated stream with a few edits of the kind a broken file has."""
    text = draw(streams()).text
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True) or [""]
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        edit = draw(st.sampled_from(("insert", "delete", "indent", "dedent", "duplicate",
                                     "swap", "line-end")))
        if edit == "insert":
            text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        else:
            number = draw(st.integers(0, len(lines) - 1))
            line = lines[number]
            if edit == "indent":
                lines[number] = draw(st.sampled_from((" ", "  ", "\t"))) + line
            elif edit == "dedent":
                lines[number] = line[min(len(line) - len(line.lstrip(" ")), 2):]
            elif edit == "duplicate":
                lines.insert(number, line)
            elif edit == "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[number], lines[other] = lines[other], line
            else:
                body = line.rstrip("\r\n")
                lines[number] = body + draw(st.sampled_from(("\n", "\r\n", "\r")))
            text = "".join(lines)
    return text


ENCODINGS = (("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", b""),
             ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE))


@settings(SETTINGS, max_examples=150)
@given(mangled(), st.sampled_from(ENCODINGS))
def test_mangled_streams_never_crash(text: str, encoding: tuple[str, bytes]) -> None:
    """Whatever the edits did: no exception, errors located on one line, no internal error,
    output valid YAML (when the input was) and stable under a second run."""
    try:
        data = encoding[1] + text.encode(encoding[0])
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    targets.fuzz_reader(data)
    targets.fuzz_pipeline(data)


@settings(SETTINGS, max_examples=40)
@given(streams(), st.sampled_from(ENCODINGS[2:]))
def test_other_encodings_convert_exactly_like_utf8(stream: Stream,
                                                   encoding: tuple[str, bytes]) -> None:
    from porter.yamledit.textfile import decode

    data = encoding[1] + stream.text.encode(encoding[0])
    source = decode(data, "in.yaml")
    assert (source.encoding, source.bom, source.text) == (*encoding, stream.text)
    result = FULL.convert_text(source.text, "in.yaml")
    assert result.converted == FULL.convert_text(stream.text, "in.yaml").converted
    out = source.encode(result.converted)
    assert out.startswith(encoding[1])
    assert decode(out, "out.yaml").text == result.converted
