"""The transform registry: every transform, built-in or third-party, comes from entry points."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from porter.errors import ConfigError
from porter.findings import Severity
from porter.preflight import RULES as PREFLIGHT_RULES
from porter.transform import Rule, Transform

GROUP = "porter.transforms"


@cache
def transform_types() -> tuple[type[Transform], ...]:
    """All registered transform classes, in pipeline order (``order``, then ``id``)."""
    found: dict[str, type[Transform]] = {}
    for entry in entry_points(group=GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plug-in must not take porter down
            raise ConfigError(f"transform plug-in {entry.name!r} failed to load: {exc}") from None
        if not (isinstance(loaded, type) and issubclass(loaded, Transform)):
            raise ConfigError(f"entry point {entry.name!r} is not a porter Transform class")
        if loaded.id in found and found[loaded.id] is not loaded:
            raise ConfigError(f"two transforms share the id {loaded.id!r}")
        found[loaded.id] = loaded
    if not found:
        raise ConfigError("no transforms registered: is porter installed (pip install -e .)?")
    return tuple(sorted(found.values(), key=lambda t: (t.order, t.id)))


def transform_by_id(transform_id: str) -> type[Transform]:
    for transform in transform_types():
        if transform.id == transform_id:
            return transform
    raise ConfigError(f"unknown transform {transform_id!r}")


INTERNAL_ERROR = Rule(
    code="internal-error",
    severity=Severity.ERROR,
    summary="A transform crashed; the document was left as it was.",
    doc="""
    Converts: nothing. The document is written back unchanged by the transform that crashed
    (the other transforms still ran on it).

    Why: a bug in porter or in a plug-in transform must never damage or drop a manifest.
    The exit status is 3 so that scripts notice.

    Example: a third-party transform raising ``KeyError`` on an unusual pod spec.

    Cannot convert: whatever the crashing transform would have converted.

    Source: porter's pipeline contract (design notes, "Transforms and findings").
    """,
    source="porter design notes",
)

ALIASES = Rule(
    code="yaml-aliases",
    severity=Severity.ERROR,
    summary="A change falls on YAML anchors, aliases or merge keys; the document was not changed.",
    doc="""
    Converts: nothing in that document.

    Why: an anchored node is shared by every alias to it, and a merge key (``<<``) pulls keys
    from elsewhere; editing the text there would change other places as well, so porter
    leaves the document untouched rather than convert it silently wrong.

    Example: ``securityContext: *hardened`` with ``hardened`` anchored above.

    Cannot convert: expand the aliases (or move the Linux-only fields out of the shared
    block) and run porter again.

    Source: YAML 1.2 §3.2.2.2 (anchors and aliases); porter's fidelity contract.
    """,
    source="YAML 1.2 specification",
)

CORE_RULES = (INTERNAL_ERROR, ALIASES)


def all_rules() -> list[tuple[str, Rule]]:
    """Every rule with the id of the transform that raises it (``porter`` for core rules,
    ``preflight`` for the cluster checks of ``porter preflight``)."""
    rules = [("porter", rule) for rule in CORE_RULES]
    rules.extend(("preflight", rule) for rule in PREFLIGHT_RULES)
    for transform in transform_types():
        rules.extend((transform.id, rule) for rule in transform.rules)
    return rules


def find_rule(code: str) -> tuple[str, Rule] | None:
    for owner, rule in all_rules():
        if rule.code == code:
            return owner, rule
    return None
