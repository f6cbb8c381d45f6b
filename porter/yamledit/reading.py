"""The one bounded reader for the YAML (and JSON) porter reads besides manifests: its
configuration, KRM ResourceLists, Helm values files, reports.

It composes with libyaml and builds plain data with the limits manifests have (aliases
expanding to at most ``MAX_ALIAS_NODES`` nodes, ``MAX_DEPTH`` levels, ``MAX_NODES`` nodes,
integers Python can convert): a hostile file is one located error, in bounded time and memory.
"""

from __future__ import annotations

from typing import Any

from porter.yamledit.errors import InputError
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import AliasBudget, build


def load_one(text: str, name: str, *, templates: bool = True,
             last_key_wins: bool = False) -> Any:
    """The plain data of the single document in ``text`` (None when it holds none).

    ``templates`` refuses unrendered ``{{ }}`` outside quoted strings; ``last_key_wins``
    reads a repeated key as its last value, as Helm reads values files, instead of refusing it.
    Raises :class:`InputError` naming ``name``, line and column.
    """
    documents = compose(text, name, templates=templates)
    if not documents:
        return None
    if len(documents) > 1:
        second = documents[1].root.start_mark
        raise InputError("a second YAML document where one is expected", name,
                         second.line + 1, second.column + 1)
    data, _ = build(documents[0].root, name, budget=AliasBudget(), last_key_wins=last_key_wins)
    return data
