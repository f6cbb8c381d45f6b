"""A template's switches: the ``.Values`` paths its ``if`` actions test, and which of them
guard a given line. Charts guard optional, often Linux-only parts (a ``/dev/shm`` tmpfs, a
root ``sysctl`` init container, a volume-permissions fixer) with such booleans; turning one
off is how a values overlay reaches what no value feeds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from porter.charts.values import ValuePath

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_OPENS = re.compile(r"(if|range|with|define|block)\b")
_VALUES = re.compile(r"(?<![\w.])\$?\.Values((?:\.[A-Za-z_][\w-]*)+)")


@dataclass(frozen=True)
class Guard:
    """A value path an ``if`` (or ``else if``) tests, and the lines of its block."""

    path: ValuePath
    first: int
    last: int


def guards(text: str, prefix: ValuePath = ()) -> list[Guard]:
    """Every ``.Values`` path tested by an ``if``/``else if`` of ``text``, with the lines it
    encloses, in the order of the template; ``prefix`` places a subchart's values."""
    found: list[Guard] = []
    stack: list[tuple[list[ValuePath], int]] = []  # paths tested by each open block, start
    for match in _ACTION.finditer(text):
        action = match.group(1)
        if action.startswith("/*"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        words = action.split(None, 1)
        head = words[0] if words else ""
        rest = words[1] if len(words) > 1 else ""
        if _OPENS.fullmatch(head):
            tested = _paths(rest, prefix) if head == "if" else []
            stack.append((tested, line))
        elif head == "else" and stack:
            paths, start = stack.pop()
            found += [Guard(p, start, line) for p in paths]
            tested = _paths(rest.removeprefix("if"), prefix) if rest.startswith("if") else []
            stack.append((tested, line))
        elif head == "end" and stack:
            paths, start = stack.pop()
            found += [Guard(p, start, line) for p in paths]
    found.sort(key=lambda g: g.first)
    return found


def enclosing(found: list[Guard], line: int) -> list[ValuePath]:
    """The paths whose ``if`` encloses ``line``, innermost first."""
    inside = [g for g in found if g.first <= line <= g.last]
    inside.sort(key=lambda g: g.last - g.first)
    paths: list[ValuePath] = []
    for guard in inside:
        if guard.path not in paths:
            paths.append(guard.path)
    return paths


def values_prefix(source: str) -> ValuePath:
    """Where a template's ``.Values`` sit in the parent's values: ``web/charts/db/templates/
    x.yaml`` reads ``db``'s (Helm names the directory after the alias)."""
    parts = PurePosixPath(source).parts[1:]
    prefix: list[str] = []
    while len(parts) > 2 and parts[0] == "charts":
        prefix.append(parts[1])
        parts = parts[2:]
    return tuple(prefix)


def _paths(condition: str, prefix: ValuePath) -> list[ValuePath]:
    paths: list[ValuePath] = []
    for match in _VALUES.finditer(condition):
        path = (*prefix, *match.group(1).strip(".").split("."))
        if path not in paths:
            paths.append(path)
    return paths
