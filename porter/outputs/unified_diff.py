"""Unified diffs with git-style headers (``--- a/PATH``, ``+++ b/PATH``), as ``git apply`` and
``patch -p1`` read them.

Lines are split at ``\\n`` only, as git and patch split them: a CRLF file's lines keep their
``\\r``, and a file without a final newline gets git's ``\\ No newline at end of file``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from porter.engine.results import FileResult

NO_NEWLINE = "\\ No newline at end of file\n"

BOLD, CYAN, RED, GREEN, RESET = "\x1b[1m", "\x1b[36m", "\x1b[31m", "\x1b[32m", "\x1b[0m"
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n",
              "\v": "\\v", "\f": "\\f", "\r": "\\r"}


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def diff_path(path: str) -> str:
    """The path as a diff names it: relative, ``/``-separated, stdin as ``stdin.yaml``."""
    if path in ("<stdin>", "-"):
        return "stdin.yaml"
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def _git_name(name: str) -> str:
    """A header file name the way git writes it: C-quoted when it holds quotes, backslashes,
    control or non-ASCII characters, and followed by a tab when it holds a space."""
    if any(c in _C_ESCAPES or ord(c) < 0x20 or ord(c) >= 0x7F for c in name):
        quoted = "".join(_C_ESCAPES.get(c) or (c if 0x20 <= ord(c) < 0x7F else "".join(
            f"\\{b:03o}" for b in c.encode("utf-8", "surrogateescape"))) for c in name)
        return f'"{quoted}"'
    return name + "\t" if " " in name else name


def file_diff(result: FileResult, context: int = 3) -> str:
    """The diff of one file ('' when unchanged)."""
    if not result.changed:
        return ""
    path = diff_path(result.path)
    out = [f"--- {_git_name('a/' + path)}\n", f"+++ {_git_name('b/' + path)}\n"]
    # The BOM is part of the first line in the file, so it is in the diff too.
    bom = "\ufeff" if result.source is not None and result.source.bom else ""
    lines = list(difflib.unified_diff(_lines(bom + result.original),
                                      _lines(bom + result.converted), n=context))
    for line in lines[2:]:  # after difflib's own header lines
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + NO_NEWLINE)
    return "".join(out)


def diff(results: Iterable[FileResult], context: int = 3) -> str:
    return "".join(file_diff(result, context) for result in results)


def colorize(text: str) -> str:
    """The diff with terminal colours (file headers bold, hunk headers cyan, removals red,
    additions green). Hunk lengths are followed, so a removed line that reads ``-- x`` is
    not taken for a header; colour codes close before each line's end (CRLF stays intact)."""
    out: list[str] = []
    old = new = 0  # lines still to come in the current hunk
    for line in _lines(text):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        colour = ""
        if old or new:
            if line.startswith("-"):
                colour, old = RED, old - 1
            elif line.startswith("+"):
                colour, new = GREEN, new - 1
            elif line.startswith(" "):
                old, new = old - 1, new - 1
        elif line.startswith(("--- ", "+++ ")):
            colour = BOLD
        elif (hunk := _HUNK.match(line)) is not None:
            colour = CYAN
            old, new = (int(n) if n is not None else 1 for n in hunk.group(1, 2))
        out.append(f"{colour}{body}{RESET}{end}" if colour else line)
    return "".join(out)
