"""The difference between a document's data before and after the transforms, as edit ops.

Each :class:`Op` is an RFC 6902 operation (``to_json``) that also says where in the original
the change sits, which is what the splicer needs. Applied in order, the RFC operations turn
the old data into the new data.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from porter.yamledit.documents import Path
from porter.yamledit.pointer import json_pointer

START = object()
"""Anchor of an insertion before every surviving sibling."""


@dataclass
class Op:
    """One edit: ``op`` is add, remove or replace, at ``path`` (RFC 6902 semantics)."""

    op: str
    path: Path
    value: Any = None
    parent: Path = ()
    """Path of the container in the *original* data."""
    source: str | int | None = None
    """Original key or index the op removes or replaces."""
    anchor: Any = None
    """For add: the surviving original sibling it goes after, or START."""
    container: Any = None
    """The new value of the container the op edits (None for the document root)."""

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"op": self.op, "path": json_pointer(self.path)}
        if self.op != "remove":
            result["value"] = self.value
        return result


_LEAVES = frozenset((str, int, float, bool, type(None)))
"""The scalar types of plain data: for them ``==`` plus the same type is ``same``."""


def same(a: Any, b: Any) -> bool:
    """Equality that tells ``True`` from ``1`` and ``1.0`` from ``1``. Iterative: data may
    nest as deep as the reader allows (400 levels), deeper than Python's recursion goes.

    Plain data that ``==`` finds equal (at C speed) only needs its types checked; anything
    else takes the full walk, which is the definition."""
    verdict = _quick_same(a, b)
    return _same_walk(a, b) if verdict is None else verdict


def _quick_same(a: Any, b: Any) -> bool | None:
    """:func:`same` where ``==`` and a check of the types can tell; None where they cannot (a
    scalar, an inequality, a value not of plain data's exact types)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if not (kind is dict or kind is list):
        return None
    try:
        equal = a == b
    except Exception:  # too deep for C recursion, or a value whose == fails
        return None
    return _types_agree(a, b) if equal is True else None


def _types_agree(a: dict[Any, Any] | list[Any], b: dict[Any, Any] | list[Any]) -> bool | None:
    """For ``a == b``: do the types agree everywhere? None where ``==`` cannot be trusted (a
    container or a value not of plain data's exact types): the full walk must tell."""
    pending = [(a, b)]
    while pending:
        a, b = pending.pop()
        # Equal dicts have the same keys: b's values are taken in a's order.
        pairs = zip(a.values(), map(b.__getitem__, a)) if type(a) is dict else \
            zip(a, b)  # noqa: B905 - equal lists: equal lengths
        for v, w in pairs:
            kind = type(v)
            if kind is not type(w):
                return False
            if kind is dict or kind is list:
                pending.append((v, w))
            elif kind not in _LEAVES:
                return None
    return True


def _same_walk(a: Any, b: Any) -> bool:
    """:func:`same` by its definition, pair by pair."""
    pending = [(a, b)]
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            pending.extend((a[k], b[k]) for k in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending.extend(zip(a, b, strict=True))
        elif not (a == b or (a != a and b != b)):
            return False
    return True


def diff(old: Any, new: Any) -> list[Op]:
    ops: list[Op] = []
    _diff(old, new, (), (), ops)
    return ops


def _diff(old: Any, new: Any, old_path: Path, new_path: Path, ops: list[Op],
          container: Any = None) -> None:
    # Collections are not compared first (an entry that is the same gives no op), but
    # whole subtrees that plainly are the same are skipped.
    if isinstance(old, dict) and isinstance(new, dict) and new and \
            (not old or old.keys() & new.keys()):
        if _quick_same(old, new) is not True:
            _diff_mapping(old, new, old_path, new_path, ops)
    elif isinstance(old, list) and isinstance(new, list) and new and old:
        if _quick_same(old, new) is not True:
            _diff_sequence(old, new, old_path, new_path, ops)
    elif not same(old, new):
        parent, source = (old_path[:-1], old_path[-1]) if old_path else ((), None)
        ops.append(Op("replace", new_path, new, parent, source, container=container))


def _diff_mapping(old: dict[str, Any], new: dict[str, Any], old_path: Path, new_path: Path,
                  ops: list[Op]) -> None:
    for key in old:
        if key not in new:
            ops.append(Op("remove", (*new_path, key), parent=old_path, source=key,
                          container=new))
    for key in old:
        if key in new:
            _diff(old[key], new[key], (*old_path, key), (*new_path, key), ops, new)
    anchor: Any = START
    for key in new:
        if key in old:
            anchor = key
        else:
            ops.append(Op("add", (*new_path, key), new[key], parent=old_path, anchor=anchor,
                          container=new))


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


SMALL_MIDDLE = 250_000
"""Above this many item pairs, the changed middle of two lists is matched greedily (linear)
rather than by difflib (quadratic when items repeat: N equal tolerations)."""


def _kept_items(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """(old index, new index) of the items that stay, increasing in both: the common head and
    tail, and in the middle what difflib matches (or, for long middles, each new item's next
    equal old item); a changed stretch as long on both sides is kept item by item."""
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < len(old) - head and tail < len(new) - head and \
            old[-1 - tail] == new[-1 - tail]:
        tail += 1
    kept = [(i, i) for i in range(head)]
    old_end, new_end = len(old) - tail, len(new) - tail
    middle_old, middle_new = old[head:old_end], new[head:new_end]
    if middle_old and middle_new:
        if len(middle_old) * len(middle_new) <= SMALL_MIDDLE:
            kept += _difflib_kept(middle_old, middle_new, head)
        else:
            kept += _greedy_kept(middle_old, middle_new, head)
    kept += [(old_end + k, new_end + k) for k in range(tail)]
    return kept


def _difflib_kept(old: list[str], new: list[str], offset: int) -> list[tuple[int, int]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    kept: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            kept.extend(zip(range(offset + i1, offset + i2), range(offset + j1, offset + j2),
                            strict=True))
    return kept


def _greedy_kept(old: list[str], new: list[str], offset: int) -> list[tuple[int, int]]:
    positions: dict[str, list[int]] = {}
    for index in reversed(range(len(old))):
        positions.setdefault(old[index], []).append(index)  # a stack: smallest index last
    matched: list[tuple[int, int]] = []
    last = -1
    for j, value in enumerate(new):
        stack = positions.get(value)
        while stack and stack[-1] <= last:
            stack.pop()  # each old index is popped at most once: linear overall
        if stack:
            last = stack.pop()
            matched.append((last, j))
    kept: list[tuple[int, int]] = []
    previous = (-1, -1)
    for pair in [*matched, (len(old), len(new))]:
        gap_old, gap_new = pair[0] - previous[0] - 1, pair[1] - previous[1] - 1
        if gap_old == gap_new:
            kept.extend((previous[0] + 1 + k, previous[1] + 1 + k) for k in range(gap_old))
        if pair[0] < len(old):
            kept.append(pair)
        previous = pair
    return [(offset + i, offset + j) for i, j in kept]


def _diff_sequence(old: list[Any], new: list[Any], old_path: Path, new_path: Path,
                   ops: list[Op]) -> None:
    if len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, (*old_path, index), (*new_path, index), ops, new)
        return
    kept = _kept_items([_fingerprint(v) for v in old], [_fingerprint(v) for v in new])
    kept_old = {i for i, _ in kept}
    kept_new = {j: i for i, j in kept}
    # Changes inside kept items first: indexes are still the original ones.
    for i, j in kept:
        _diff(old[i], new[j], (*old_path, i), (*new_path, i), ops, new)
    for i in reversed(range(len(old))):
        if i not in kept_old:
            ops.append(Op("remove", (*new_path, i), parent=old_path, source=i, container=new))
    anchor: Any = START
    for j, value in enumerate(new):
        if j in kept_new:
            anchor = kept_new[j]
        else:
            ops.append(Op("add", (*new_path, j), value, parent=old_path, anchor=anchor,
                          container=new))
