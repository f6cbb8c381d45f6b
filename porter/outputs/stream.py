"""The converted YAML as one stream: a file's exact text, or several files in sequence."""

from __future__ import annotations

from collections.abc import Sequence

from porter.engine.results import FileResult


def render(results: Sequence[FileResult]) -> bytes:
    """One readable result: its bytes exactly (BOM and encoding kept). Several: UTF-8 text,
    each file after ``---`` and a ``# Source:`` line."""
    readable = [r for r in results if r.source is not None]
    if len(readable) == 1:
        return readable[0].converted_bytes()
    return b"".join(piece(result) for result in readable)


def piece(result: FileResult) -> bytes:
    """One file's part of a several-file stream: ``---``, a source line, then its text."""
    text = result.converted
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    return f"---\n# Source: {result.path}\n{text}".encode("utf-8", "surrogateescape")
