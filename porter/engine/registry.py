"""The transform registry: every transform, built-in or third-party, comes from entry points."""

from __future__ import annotations

from functools import cache

from porter.engine.entry_points import entry_points
from porter.engine.findings import Severity
from porter.engine.selfcheck import RULES as SELF_CHECK_RULES
from porter.engine.transform import Rule, Transform
from porter.errors import ConfigError

GROUP = "porter.transforms"
RULE_GROUP = "porter.rules"
"""Rule sets of features that are not transforms (``porter preflight``'s cluster checks)."""


@cache
def transform_types() -> tuple[type[Transform], ...]:
    """All registered transform classes, in pipeline order (``order``, then ``id``)."""
    found: dict[str, type[Transform]] = {}
    for entry in entry_points(GROUP):
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

CUSTOM_TAG = Rule(
    code="yaml-custom-tag",
    severity=Severity.ERROR,
    summary="A change falls on a node with a custom YAML tag; the document was not changed.",
    doc="""
    Converts: nothing in that document.

    Why: a local tag such as ``!Ref`` or ``!Sub`` means something to the tool that reads the
    file before Kubernetes does (a template engine, an encryption or a reference resolver).
    porter cannot know what the value becomes, and rewriting the node would drop the tag
    or keep it on a value it no longer fits, so it leaves the document untouched rather than
    convert it silently wrong. Tags in nodes porter does not change are kept as they are.

    Example: ``mountPath: !Sub /data/${Env}`` or ``securityContext: !Include hardened.yaml``.

    Cannot convert: resolve the tag first (run the tool that owns it) and convert its
    output, or change that field by hand.

    Source: YAML 1.2 §3.3.2 and §6.8.2 (local tags are application-specific); porter's
    fidelity contract.
    """,
    source="YAML 1.2 specification",
)

NOT_EXAMINED = Rule(
    code="not-examined",
    severity=Severity.INFO,
    summary="A resource of a kind porter does not convert holds a pod template.",
    doc="""
    Converts: nothing. The resource is passed through byte for byte; the finding points at
    its pod spec (a mapping with a ``containers`` list), so that a clean run is not taken
    for a converted cluster.

    Why: porter converts the pod specs of the workload kinds it knows (Pod, PodTemplate,
    ReplicationController, ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob, in
    their own API groups, and the items of ``kind: List``). Custom resources that embed a
    pod template (Argo Rollouts, Knative Services, operators' custom resources) are turned
    into pods by their controllers, which porter cannot see; a known kind in a foreign API
    group (``apiVersion: example.com/v1``, ``kind: Deployment``) is such a resource too.

    Example: ``kind: Rollout`` (``argoproj.io/v1alpha1``) with
    ``spec.template.spec.containers``.

    Cannot convert: any of it. Apply the same changes by hand (``porter convert`` on a
    Deployment with the same pod template shows them), or configure the controller to
    schedule onto Windows nodes; silence the finding with ``--ignore not-examined``.

    Source: Kubernetes API reference (workload resources); porter's design notes ("Workload
    kinds carrying a pod spec").
    """,
    source="Kubernetes API reference",
)

REWRITTEN = Rule(
    code="yaml-rewritten",
    severity=Severity.INFO,
    summary="The fallback writer (ruamel.yaml) wrote a whole document; its layout may differ.",
    doc="""
    Converts: the same changes as always; only the way they are written differs. porter
    normally splices each change into the original text and leaves every other byte alone.
    When the splicer declines a layout (an explicit ``? key``), or its result does not read
    back as exactly the converted data, ruamel.yaml writes that one document instead: data,
    key order and comments are kept, but quoting, flow style, indentation and line breaks
    inside that document may be rewritten. The other documents of the file are untouched.

    Why: the converted data must be right before the diff can be small; a document that
    cannot be written both faithfully and minimally is written faithfully, and porter says
    so, so that an unexpectedly large diff is explained.

    Example: ``? containers`` followed by ``: - name: web`` becomes ``containers:``.

    Cannot convert: nothing is lost, but review the document's diff; rewrite the explicit
    keys as ordinary ``key:`` lines to keep the splicer's byte-for-byte output.

    Source: YAML 1.2 §8.2.2 (explicit block mapping entries); porter's fidelity contract.
    """,
    source="YAML 1.2 specification",
)

CORE_RULES = (INTERNAL_ERROR, ALIASES, CUSTOM_TAG, NOT_EXAMINED, REWRITTEN, *SELF_CHECK_RULES)


@cache
def rule_sets() -> tuple[tuple[str, tuple[Rule, ...]], ...]:
    """The rule sets registered under ``porter.rules`` (entry point name: their owner)."""
    found = []
    for entry in sorted(entry_points(RULE_GROUP), key=lambda e: e.name):
        try:
            loaded = tuple(entry.load())
        except Exception as exc:
            raise ConfigError(f"rule set {entry.name!r} failed to load: {exc}") from None
        if not all(isinstance(rule, Rule) for rule in loaded):
            raise ConfigError(f"entry point {entry.name!r} is not a sequence of porter Rules")
        found.append((entry.name, loaded))
    return tuple(found)


def all_rules() -> list[tuple[str, Rule]]:
    """Every rule with the id of the transform that raises it (``porter`` for core rules,
    ``preflight`` for the cluster checks of ``porter preflight``)."""
    rules = [("porter", rule) for rule in CORE_RULES]
    for owner, rule_set in rule_sets():
        rules.extend((owner, rule) for rule in rule_set)
    for transform in transform_types():
        rules.extend((transform.id, rule) for rule in transform.rules)
    return rules


def find_rule(code: str) -> tuple[str, Rule] | None:
    for owner, rule in all_rules():
        if rule.code == code:
            return owner, rule
    return None
