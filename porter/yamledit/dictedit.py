"""Small in-place edits of plain dicts that keep key order (so diffs stay in place)."""

from __future__ import annotations

from typing import Any


def replace_key(mapping: dict[str, Any], old: str, new: str, value: Any) -> None:
    """Put ``new: value`` where ``old`` was, keeping the order of the other keys."""
    items = [(new, value) if key == old else (key, item) for key, item in mapping.items()
             if key != new or key == old]
    mapping.clear()
    mapping.update(items)


def child(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    """``mapping[key]`` as a dict, created (or replacing a null) when missing."""
    value = mapping.get(key)
    if not isinstance(value, dict):
        value = mapping[key] = {}
    return value


def drop_if_emptied(mapping: dict[str, Any], key: str, before: int) -> None:
    """Delete ``mapping[key]`` when an edit emptied it (it had ``before`` entries)."""
    value = mapping.get(key)
    if before and isinstance(value, dict | list) and not value:
        del mapping[key]
