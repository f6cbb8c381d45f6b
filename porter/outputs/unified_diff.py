"""Unified diffs with git-style headers (``--- a/PATH``, ``+++ b/PATH``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from porter.results import FileResult

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def file_diff(result: FileResult, context: int = 3) -> str:
    """The diff of one file ('' when unchanged)."""
    if not result.changed:
        return ""
    path = result.path.lstrip("./") if result.path != "<stdin>" else "stdin.yaml"
    out: list[str] = []
    for line in difflib.unified_diff(_lines(result.original), _lines(result.converted),
                                     f"a/{path}", f"b/{path}", n=context):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
            continue
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n" + NO_NEWLINE)
    return "".join(out)


def diff(results: Iterable[FileResult], context: int = 3) -> str:
    return "".join(file_diff(result, context) for result in results)
