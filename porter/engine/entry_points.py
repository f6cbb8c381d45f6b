"""Entry points of one group, read as ``importlib.metadata`` reads them, without its import.

``importlib.metadata`` loads the ``email`` package to parse distribution metadata: about a
tenth of porter's start-up, to read a few ``entry_points.txt`` files. This module reads
those files itself, from the same places and with the same precedence, for the common
layout (directories on ``sys.path``, the standard finders); anywhere else (a zip on
``sys.path``, a finder that brings distributions of its own) it asks ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from importlib.machinery import PathFinder
from typing import Any


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str
    """``module:attribute`` (``module`` alone names the module)."""

    def load(self) -> Any:
        module_name, _, attributes = self.value.partition(":")
        attributes = attributes.split("[", 1)[0].strip()  # extras change nothing here
        loaded: Any = importlib.import_module(module_name.strip())
        for attribute in filter(None, attributes.split(".")):
            loaded = getattr(loaded, attribute)
        return loaded


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution on ``sys.path``, in the order
    ``importlib.metadata.entry_points(group=...)`` gives them; the first distribution of a
    name shadows later ones."""
    found = _read_directories(group)
    if found is None:
        from importlib.metadata import entry_points as standard

        return [EntryPoint(e.name, e.value) for e in standard(group=group)]
    return found


def _read_directories(group: str) -> list[EntryPoint] | None:
    """None when a distribution could live where only ``importlib.metadata`` looks."""
    if any(getattr(finder, "find_distributions", None) is not None
           for finder in sys.meta_path if not _standard(finder)):
        return None
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        root = entry or "."
        try:
            names = os.listdir(root)
        except NotADirectoryError:
            return None  # a zip file
        except OSError:
            continue  # a path entry that is not there
        if root.lower().endswith(".egg"):
            return None  # an egg directory: its metadata is laid out differently
        for name in names:  # importlib.metadata's order: the directory's, unsorted
            lower = name.lower()
            if not lower.endswith((".dist-info", ".egg-info")):
                continue
            normalized = _normalized(lower.rpartition(".")[0].partition("-")[0])
            if normalized in seen:
                continue
            seen.add(normalized)
            found.extend(_group(os.path.join(root, name, "entry_points.txt"), group))
    return found


def _standard(finder: object) -> bool:
    """The path finder (which finds distributions on ``sys.path``, as read here)."""
    return isinstance(finder, type) and issubclass(finder, PathFinder)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _group(path: str, group: str) -> list[EntryPoint]:
    """The entries of section ``group`` in one ``entry_points.txt`` (none if absent)."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError:
        return []
    entries: list[EntryPoint] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section == group:
            name, _, value = line.partition("=")
            entries.append(EntryPoint(name.strip(), value.strip()))
    return entries
