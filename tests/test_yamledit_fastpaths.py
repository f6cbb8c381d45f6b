"""The YAML layer's fast paths give the answers of the definitions they stand in for.

``same`` (``==`` at C speed, then a type check) against the pair-by-pair walk it used to be;
and ``diff`` (which no longer compares each collection before its entries) against the diff
it used to be.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porter.yamledit import diffing
from porter.yamledit.diffing import Op, diff, same

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def reference_same(a: Any, b: Any) -> bool:
    """``same`` as it was: every pair compared, its type first."""
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


class Text(str):
    pass


class Number(int):
    pass


class Mapping(dict):  # type: ignore[type-arg]
    pass


class Items(list):  # type: ignore[type-arg]
    pass


class Odd:
    """Neither equal nor unequal, even to itself."""

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


ODD = Odd()
NAN = float("nan")
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from((0.0, -0.0, 1.0, 2.5)),
    st.just(NAN), st.builds(float, st.just("nan")), st.sampled_from(("", "a", "1", "true")),
    st.builds(Text, st.sampled_from(("a", "1"))), st.builds(Number, st.integers(0, 2)),
    st.tuples(st.integers(0, 1)),
)
KEYS = st.one_of(st.sampled_from(("a", "b", "c", "1")), st.sampled_from((1, True, 1.0)))


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
        st.builds(Mapping, st.dictionaries(KEYS, children, max_size=3)),
        st.builds(Items, st.lists(children, max_size=3)),
    )


DATA = st.recursive(LEAVES, containers, max_leaves=25)


def twin(value: Any, draw: Any) -> Any:
    """A copy of ``value`` (new containers), with a change drawn here and there: a leaf of
    another type or value, a key gone or added, a list cut or reordered, or none at all."""
    change = draw(st.integers(0, 30))
    if isinstance(value, dict):
        copy = type(value)((k, twin(v, draw)) for k, v in value.items())
        if change == 0 and copy:
            copy.pop(next(iter(copy)))
        elif change == 1:
            copy["new"] = 1
        elif change == 2 and len(copy) > 1:  # the same keys, in another order
            copy = type(value)(reversed(list(copy.items())))
        return copy
    if isinstance(value, list):
        copy = type(value)(twin(v, draw) for v in value)
        if change == 0 and copy:
            copy.pop()
        elif change == 1 and len(copy) > 1:
            copy.reverse()
        return copy
    if change < 3:
        return draw(LEAVES)
    if change == 3:
        return value  # the very same object (a NaN too)
    if isinstance(value, (bool, int, float)) and change == 4:
        return type(value)(value)
    if type(value) is str and change == 5:
        return Text(value)
    return value


@st.composite
def pairs(draw: Any) -> tuple[Any, Any]:
    value = draw(DATA)
    return value, twin(value, draw)


@SETTINGS
@given(pairs())
def test_same_answers_as_the_walk_it_stands_in_for(pair: tuple[Any, Any]) -> None:
    a, b = pair
    assert same(a, b) == reference_same(a, b)
    assert same(b, a) == reference_same(b, a)
    assert same(a, a) == reference_same(a, a)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ({"a": [1, {"b": True}]}, {"a": [1, {"b": 1}]}, False),
    ({"a": [1, {"b": 1.0}]}, {"a": [1, {"b": 1}]}, False),
    ([1, 2], [1.0, 2], False),
    ([0.0], [-0.0], True),
    ([NAN], [float("nan")], True),  # NaN is not == NaN: the walk tells
    ({"a": NAN}, {"a": NAN}, True),
    ([[1]], [(1,)], False),
    ([Text("a")], ["a"], False),  # == holds, the type differs
    ([Mapping(a=1)], [{"a": 1}], False),
    ([Mapping(a=1)], [Mapping(a=1)], True),  # a subclass: the walk, not the quick check
    ([Mapping(a=1)], [Mapping(a=True)], False),
    ({"a": Items([1.0])}, {"a": Items([1])}, False),
    ([ODD], [ODD], False),  # == holds (the same object), the walk's test does not
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
    ({1: "x"}, {True: "x"}, True),  # keys compare as the walk compares them, by ==
    ([], [], True),
    ({}, [], False),
])
def test_same_tells_what_eq_cannot(a: Any, b: Any, expected: bool) -> None:
    assert same(a, b) is expected
    assert reference_same(a, b) is expected


def test_same_copes_with_data_deeper_than_c_recursion() -> None:
    def nested(depth: int, leaf: Any) -> list[Any]:
        value: list[Any] = [leaf]
        for _ in range(depth):
            value = [value]
        return value

    depth = sys.getrecursionlimit() + 100
    assert same(nested(depth, 1), nested(depth, 1))
    assert not same(nested(depth, 1), nested(depth, True))


# -- diff ------------------------------------------------------------------------------------

def reference_diff(old: Any, new: Any) -> list[Op]:
    """``diff`` as it was: each pair compared first, whole, with the walk."""
    ops: list[Op] = []

    def walk(old: Any, new: Any, old_path: Any, new_path: Any, container: Any = None) -> None:
        if reference_same(old, new):
            return
        if isinstance(old, dict) and isinstance(new, dict) and new and \
                (not old or old.keys() & new.keys()):
            for key in old:
                if key not in new:
                    ops.append(Op("remove", (*new_path, key), parent=old_path, source=key,
                                  container=new))
            for key in old:
                if key in new:
                    walk(old[key], new[key], (*old_path, key), (*new_path, key), new)
            anchor: Any = diffing.START
            for key in new:
                if key in old:
                    anchor = key
                else:
                    ops.append(Op("add", (*new_path, key), new[key], parent=old_path,
                                  anchor=anchor, container=new))
        elif isinstance(old, list) and isinstance(new, list) and new and old:
            if len(old) == len(new):
                for index, (a, b) in enumerate(zip(old, new, strict=True)):
                    walk(a, b, (*old_path, index), (*new_path, index), new)
                return
            sequence(old, new, old_path, new_path)
        else:
            parent, source = (old_path[:-1], old_path[-1]) if old_path else ((), None)
            ops.append(Op("replace", new_path, new, parent, source, container=container))

    def sequence(old: list[Any], new: list[Any], old_path: Any, new_path: Any) -> None:
        fingerprint = diffing._fingerprint
        kept = diffing._kept_items([fingerprint(v) for v in old], [fingerprint(v) for v in new])
        kept_old = {i for i, _ in kept}
        kept_new = {j: i for i, j in kept}
        for i, j in kept:
            walk(old[i], new[j], (*old_path, i), (*new_path, i), new)
        for i in reversed(range(len(old))):
            if i not in kept_old:
                ops.append(Op("remove", (*new_path, i), parent=old_path, source=i,
                              container=new))
        anchor: Any = diffing.START
        for j, value in enumerate(new):
            if j in kept_new:
                anchor = kept_new[j]
            else:
                ops.append(Op("add", (*new_path, j), value, parent=old_path, anchor=anchor,
                              container=new))

    walk(old, new, (), ())
    return ops


def described(ops: list[Op]) -> list[tuple[Any, ...]]:
    return [(op.op, op.path, id(op.value) if isinstance(op.value, float) and
             math.isnan(op.value) else op.value, op.parent, op.source, op.anchor,
             id(op.container)) for op in ops]


def _diffed(how: Any, old: Any, new: Any) -> Any:
    try:
        return described(how(old, new))
    except TypeError as exc:  # keys json cannot sort (int and str): so it was before
        return str(exc)


@SETTINGS
@given(pairs())
def test_diff_gives_the_ops_it_gave(pair: tuple[Any, Any]) -> None:
    old, new = pair
    assert _diffed(diff, old, new) == _diffed(reference_diff, old, new)
    assert diff(old, old) == []
