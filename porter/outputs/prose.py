"""Documentation text re-flowed to a width: rule docs and module docstrings are written as
paragraphs, which are joined and wrapped again; indented blocks (YAML examples) stay as they
are, and ``Options:`` entries are wrapped with a hanging indent."""

from __future__ import annotations

import re
import textwrap

_ENTRY = re.compile(r"^( {1,4})(\S[^:]*:)\s")
"""An entry of an ``Options:`` block: a short indent, a key and a colon."""


def _fill(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, initial_indent=first,
                         subsequent_indent=rest, break_long_words=False,
                         break_on_hyphens=False)


def _entries(lines: list[str], width: int) -> list[str]:
    """A heading line and its indented entries, each entry re-flowed under its key."""
    out = _fill(lines[0], width) if not lines[0][:1].isspace() else [lines[0]]
    entry: list[str] = []
    indent = ""

    def flush() -> None:
        if entry:
            out.extend(_fill(" ".join(entry), width, indent, indent + "    "))

    for line in lines[1:]:
        match = _ENTRY.match(line)
        if match:
            flush()
            entry, indent = [line.strip()], match.group(1)
        else:
            entry.append(line.strip())
    flush()
    return out


def reflow(text: str, width: int) -> str:
    """``text`` with every paragraph wrapped to ``width`` columns (words are never split)."""
    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = paragraph.splitlines()
        if lines[0][:1].isspace():
            paragraphs.append(paragraph)                 # an example block: verbatim
        elif len(lines) > 1 and all(_ENTRY.match(line) or line[:1].isspace()
                                    for line in lines[1:]) and _ENTRY.match(lines[1]):
            paragraphs.append("\n".join(_entries(lines, width)))
        else:
            paragraphs.append("\n".join(_fill(paragraph, width)))
    return "\n\n".join(paragraphs) + "\n"
