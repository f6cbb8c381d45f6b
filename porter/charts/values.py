"""Helm values: reading ``-f`` files, merging layers the way Helm does, and paths into them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from porter.errors import InputError
from porter.yamledit.plaindata import clone
from porter.yamledit.reading import load_one

ValuePath = tuple[str, ...]


def read_values_file(path: Path) -> dict[str, Any]:
    """A ``-f`` values file as a mapping (an empty file is an empty mapping)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read values file: {exc.strerror or exc}", name) from None
    try:
        data = load_one(text, name, templates=False, last_key_wins=True)
    except InputError as exc:
        raise InputError(f"values file: {exc.message}", name, exc.line, exc.column) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("a values file must hold a mapping", name, 1, 1)
    return data


def merge(base: dict[str, Any], *layers: dict[str, Any]) -> dict[str, Any]:
    """Later layers over earlier ones: mappings merge key by key, anything else replaces.

    A ``None`` is kept (not applied as a deletion) so that Helm, which coalesces the result
    with the chart's defaults, deletes that default as it would for a ``-f`` file.
    """
    merged = clone(base)
    for layer in layers:
        for key, value in layer.items():
            current = merged.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                merged[key] = merge(current, value)
            else:
                merged[key] = clone(value)
    return merged


def get(values: Any, path: Iterable[str]) -> Any:
    for part in path:
        if not isinstance(values, dict) or part not in values:
            return None
        values = values[part]
    return values


def put(values: dict[str, Any], path: ValuePath, value: Any) -> None:
    """Set ``path`` in ``values``, making the mappings on the way."""
    for part in path[:-1]:
        child = values.get(part)
        if not isinstance(child, dict):
            child = values[part] = {}
        values = child
    values[path[-1]] = value


def walk(values: dict[str, Any], prefix: ValuePath = ()) -> Iterator[tuple[ValuePath, Any]]:
    """Every (path, value) of a values tree, parents before children (lists are leaves)."""
    for key, value in values.items():
        path = (*prefix, str(key))
        yield path, value
        if isinstance(value, dict):
            yield from walk(value, path)


def dotted(path: ValuePath) -> str:
    """``a.b.c`` as Helm's ``--set`` writes it (keys holding dots are escaped)."""
    return ".".join(part.replace(".", "\\.") for part in path)
