"""Fuzz targets: what porter must do with any bytes at all.

Each target takes the raw bytes of one input file and raises ``AssertionError`` (or any other
exception) only when porter misbehaves. Bad input is fine as long as porter reports it the
way it promises: an :class:`~porter.errors.InputError` with a file, line and column, never a
crash. The targets are engine-neutral: ``fuzz/fuzz_*.py`` run them under atheris
(coverage-guided), ``tests/test_fuzzing.py`` under atheris or hypothesis for a few seconds.
"""

from __future__ import annotations

from typing import Any

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.yamledit.parsing import compose, segments
from porter.yamledit.plaindata import build
from porter.yamledit.textfile import SourceText, decode

NAME = "fuzz.yaml"
"""A ``wanted`` pattern that makes ``segments`` compose every slice."""

_pipeline: Pipeline | None = None


def pipeline() -> Pipeline:
    global _pipeline
    if _pipeline is None:
        _pipeline = Pipeline(Config())
    return _pipeline


def _check_error(error: InputError, text: str | None) -> None:
    assert error.file == NAME, error
    assert "\n" not in str(error), repr(str(error))
    if text is not None and error.line is not None:
        lines = max(1, len(text.splitlines()) + (1 if text.endswith(("\n", "\r")) else 0))
        assert 1 <= error.line <= lines + 1, (str(error), lines)
        assert error.column is not None and error.column >= 1, str(error)


def read(data: bytes) -> tuple[SourceText | None, list[Any]]:
    """Decode and read every document of ``data`` into plain data, as porter would."""
    try:
        source = decode(data, NAME)
    except InputError as exc:
        _check_error(exc, None)
        return None, []
    assert source.encode(source.text) == data, "decoding must give back the exact bytes"
    documents: list[Any] = []
    try:
        pieces = segments(source.text, NAME)
    except InputError as exc:
        _check_error(exc, source.text)
        return source, []
    for piece in pieces:
        for raw in piece.documents or ():
            try:
                documents.append(build(raw.root, NAME, raw.line_offset)[0])
            except InputError as exc:
                _check_error(exc, source.text)
    return source, documents


def fuzz_reader(data: bytes) -> None:
    """Decoding and reading: only located InputErrors; the fast path reads what the slow
    path reads."""
    source, documents = read(data)
    if source is None:
        return
    try:
        whole = compose(source.text, NAME)
    except InputError:
        return
    assert len(whole) == sum(p.count for p in segments(source.text, NAME))
    del documents


def convert(data: bytes) -> tuple[SourceText, FileResult] | None:
    try:
        source = decode(data, NAME)
    except InputError as exc:
        _check_error(exc, None)
        return None
    return source, pipeline().convert_text(source.text, NAME)


def _composes(text: str) -> bool:
    """Does the whole text compose? (Slices no transform wants are passed through unparsed;
    an anchor defined twice in one of them is valid for the API server's YAML reader.)"""
    try:
        compose(text, NAME)
    except InputError:
        return False
    return True


def fuzz_pipeline(data: bytes) -> None:
    """The whole conversion: never a crash or an internal error; errors are located; the
    output is valid YAML (when the input was) that converts to itself (idempotence), and
    every finding points at a line of the input."""
    converted = convert(data)
    if converted is None:
        return
    source, result = converted
    for error in result.errors:
        assert isinstance(error, InputError), error
        _check_error(error, source.text)
    internal = [f for f in result.findings if f.rule == "internal-error"]
    assert not internal, internal
    lines = source.text.splitlines() or [""]
    for finding in result.findings:
        assert 1 <= finding.line <= len(lines), finding
    if not result.changed:
        return
    if not result.errors and _composes(source.text):
        compose(result.converted, "converted.yaml")  # valid YAML: raises if not
    again = pipeline().convert_text(result.converted, NAME)
    assert len(again.errors) == len(result.errors), (again.errors, result.errors)
    assert again.converted == result.converted, "a second run must change nothing"
    assert decode(source.encode(result.converted), NAME).text == result.converted


TARGETS = {"reader": fuzz_reader, "pipeline": fuzz_pipeline}
