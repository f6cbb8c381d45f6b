"""The values overlay: which chart values reach which rendered fields, and what to set them to
so that the chart's own templates render the converted (Windows-ready) manifests.

How: render once with a unique probe in every candidate value (a marker key added to a
mapping, a marker item appended to a list, a marker string or number in place of a scalar)
and see where each marker lands in the rendered documents. A change the transforms made to a
rendered field that some value feeds becomes a change of that value; everything else needs a
template change. Rendering with the overlay and converting again checks the result, and what
the transforms still change is the list of template-only changes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
import jsonschema
import yaml

from porter.charts.archive import unpacked
from porter.charts.manifests import Manifest, source_at, source_ranges
from porter.charts.options import RenderOptions
from porter.charts.render import Engine, Rendered, dependency_aliases
from porter.charts.switches import Guard, enclosing, guards, values_prefix
from porter.charts.templates import TemplateFiles, template_line
from porter.charts.values import ValuePath, dotted, get, merge, put, walk
from porter.engine.findings import Finding
from porter.engine.pipeline import Pipeline
from porter.engine.results import DocumentPatch, FileResult
from porter.errors import InputError, PorterError
from porter.kube.resources import Resource, resource_of
from porter.kube.workloads import pod_spec_path
from porter.yamledit.documents import Document
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import clone
from porter.yamledit.pointer import json_pointer, parse_pointer

Pointer = tuple[str | int, ...]
_CANDIDATE = re.compile(r"nodeselector|toleration|affinity|securitycontext|volume|mount|"
                        r"annotation|labels|storageclass|persistence|sysctl|hostpid|hostipc",
                        re.IGNORECASE)
_SCALAR_KEY = re.compile(r"storageclass|mountpath", re.IGNORECASE)
# Segments whose whole subtree is about the port (``volumePermissions`` is not: its image is).
_INHERITED = re.compile(r"(nodeselector|tolerations?|affinity|securitycontext|volumes|"
                        r"volumemounts|annotations|labels|persistence|sysctls)$", re.IGNORECASE)
_IMAGE = re.compile(r"images?$", re.IGNORECASE)
_INDEX = re.compile(r"/\d+(?=/|\s|$)")
_MARK = "porter-probe-"
_INT_BASE = 424_200_000
_DIFFERENT = "which need different settings"
BUDGET_SECONDS = 120.0
"""Wall time for finding where probes land; probes not tried by then are listed as such."""
SWITCH_RENDERS = 12
"""Renders at most spent on trying chart switches (``if .Values.x.enabled``) off."""


@dataclass(frozen=True)
class Target:
    """A rendered field a value feeds: the resource, the JSON pointer, the template; and what
    the field must render as once the value is set (checked before the overlay is written)."""

    resource: str
    pointer: str
    template: str
    document: tuple[str, ...] = field(default=(), compare=False)
    mode: str = field(default="", compare=False)
    expected: Any = field(default=None, compare=False, hash=False)


@dataclass
class OverlayEntry:
    """One value of the overlay: its path, what to write there, and what it sets."""

    path: ValuePath
    value: Any
    targets: list[Target] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    disables: list[str] = field(default_factory=list)
    """For a chart switch turned off (``value`` is false): what the chart no longer renders
    with it, which is a change of behaviour for a reviewer to accept."""


@dataclass(frozen=True)
class TemplateChange:
    """A change only a template edit (or porter as a post-renderer) can make."""

    template: str
    line: int | None
    resource: str
    pointer: str
    change: str
    blocking: bool = False
    """It keeps a Windows-bound pod spec from being clean except ``spec.os``: not the OS
    field, nor a change that alters nothing on the node (see ``PodTally.equivalent``)."""


@dataclass(frozen=True)
class Skipped:
    """A chart value porter did not probe, or whose probe the chart refused, and why."""

    path: ValuePath
    reason: str


@dataclass
class PodTally:
    """Windows-bound pod specs rendered with the overlay: clean, only missing ``spec.os``
    (values reach it in few charts), or needing the templates."""

    clean: int = 0
    os_only: int = 0
    templates: int = 0
    equivalent: int = 0
    """Of ``os_only``: those also left with changes that alter nothing on a Windows node,
    which porter only spells out: Linux mount paths the kubelet itself puts on C: (``/tmp``
    mounts at ``c:/tmp``), ``hostIPC``/``hostPID``/``shareProcessNamespace: false``
    (the API server rejects them only when true) and an emptyDir's ``medium: Memory`` (the
    Windows kubelet makes it a directory on disk)."""

    @property
    def total(self) -> int:
        return self.clean + self.os_only + self.templates


@dataclass
class Overlay:
    """The values overlay of one chart and what stays template-only."""

    chart: str
    chart_name: str
    entries: list[OverlayEntry] = field(default_factory=list)
    template_only: list[TemplateChange] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    verified: bool = True
    probes: int = 0
    """Candidate values found; ``skipped`` lists the ones not tried or refused."""
    skipped: list[Skipped] = field(default_factory=list)
    renders: int = 0
    seconds: float = 0.0
    pods: PodTally = field(default_factory=PodTally)

    @property
    def tried(self) -> int:
        return self.probes - len(self.skipped)

    def values(self) -> dict[str, Any]:
        return _values_of(self.entries)

    @property
    def switched_off(self) -> list[OverlayEntry]:
        """The chart features the overlay turns off (each changes what the chart deploys)."""
        return [entry for entry in self.entries if entry.disables]


@dataclass(frozen=True)
class _Probe:
    number: int
    path: ValuePath
    mode: str  # "map", "list" or "scalar"
    value: Any

    @property
    def key(self) -> str:
        return f"{_MARK}{self.number}"

    @property
    def item(self) -> Any:
        """What a list probe appends: a string among strings, else a one-key mapping."""
        items = self.value or []
        if items and all(isinstance(i, str) for i in items):
            return self.key
        return {self.key: self.key}


_IMAGE_REASON = "image coordinates: the port does not change them (never probed)"


@dataclass(frozen=True)
class _Landing:
    probe: _Probe
    document: tuple[str, ...]
    pointer: Pointer
    index: int = 0
    """For a list: where the probe item landed."""
    keys: frozenset[str] = frozenset()
    """For a mapping: every key the rendered mapping had in the probe render."""


def build_overlay(engine: Engine, chart: Path, options: RenderOptions, pipeline: Pipeline,
                  base: Rendered, templates: TemplateFiles) -> Overlay:
    """Work out, check and explain the values overlay for ``chart``."""
    started = time.monotonic()
    name = base.manifests[0].source.split("/")[0] if base.manifests else chart.name
    overlay = Overlay(str(chart), name)
    values = engine.values(chart, options)
    probes = list(_probes(values, overlay))
    overlay.probes = len(probes) + len(overlay.skipped)
    with unpacked(chart) as directory:
        schemas = chart_schemas(directory)
    probes = _schema_checked(values, probes, schemas, overlay)
    landings = _land(engine, chart, options, values, probes, overlay,
                     started + BUDGET_SECONDS)
    documents = _converted_documents(base, pipeline)
    decided: dict[ValuePath, str | None] = {}  # path -> None (set) or why it is not
    for document, (_, _, ops, _, _) in documents.items():
        here = [landing for landing in landings if landing.document == document]
        for op in ops:
            refused: list[str] = []
            for path in _owners(here, tuple(parse_pointer(op["path"]))):
                if path not in decided:
                    decided[path] = _entry(overlay, path, landings, documents, templates)
                if decided[path] is None:
                    break
                refused.append(str(decided[path]))
            else:
                overlay.conflicts += [text for text in refused if text not in overlay.conflicts
                                      and _DIFFERENT in text]
    overlay.entries = _folded(overlay.entries)
    fed = {(f"{landing.document[1]}/{landing.document[3]}", json_pointer(landing.pointer))
           for landing in landings}
    state = _verify(overlay, engine, chart, options, pipeline, templates, documents, fed)
    if state is not None and overlay.pods.templates and \
            _switch_off(overlay, engine, chart, options, pipeline, templates, documents,
                        values, schemas, state, started + BUDGET_SECONDS):
        _verify(overlay, engine, chart, options, pipeline, templates, documents, fed,
                landed=True)
    overlay.seconds = time.monotonic() - started
    return overlay


def _probes(values: dict[str, Any], overlay: Overlay) -> Iterator[_Probe]:
    number = 0
    for path, value in walk(values):
        if any(part == "global" for part in path[1:]):
            continue  # a subchart's copy of the globals: the root ``global`` is what to set
        if any(_IMAGE.search(part) for part in path[:-1]):
            continue  # inside an image mapping: reported once, for the mapping
        own = bool(_CANDIDATE.search(path[-1]))
        inherited = any(_INHERITED.search(part) for part in path[:-1])
        if _IMAGE.search(path[-1]):
            if (own or inherited or any(_CANDIDATE.search(p) for p in path[:-1])) \
                    and isinstance(value, dict | str):
                overlay.skipped.append(Skipped(path, _IMAGE_REASON))
            continue
        if isinstance(value, dict):
            mode = "map" if own or inherited else ""
        elif isinstance(value, list):
            mode = "list" if own or inherited else ""
        elif isinstance(value, bool):
            mode = ""
        else:
            # A scalar is probed only where the probe cannot flip a template's ``if``.
            named = bool(_SCALAR_KEY.search(path[-1])) and (value is None or
                                                             isinstance(value, str))
            truthy = (own or inherited) and isinstance(value, str | int) and bool(value)
            linux_path = isinstance(value, str) and value.startswith("/") and " " not in value
            mode = "scalar" if named or truthy or linux_path else ""
        if mode:
            number += 1
            yield _Probe(number, path, mode, value)


def _probed(values: dict[str, Any], probes: list[_Probe]) -> dict[str, Any]:
    probed = clone(values)
    for probe in probes:
        if probe.mode == "map":
            target = get(probed, probe.path)
            if isinstance(target, dict):
                target[probe.key] = probe.key
        elif probe.mode == "list":
            target = get(probed, probe.path)
            if isinstance(target, list):
                target.append(probe.item)
        else:
            marker: Any = _INT_BASE + probe.number if isinstance(probe.value, int) else probe.key
            put(probed, probe.path, marker)
    return probed


def chart_schemas(chart: Path, prefix: ValuePath = ()) -> list[tuple[ValuePath, Any]]:
    """Each ``values.schema.json`` of a chart directory and its subcharts, with where its
    values sit (a subchart's under its name or alias), as Helm validates them."""
    found: list[tuple[ValuePath, Any]] = []
    schema = chart / "values.schema.json"
    if schema.is_file():
        with contextlib.suppress(OSError, ValueError):  # Helm reports a bad schema itself
            found.append((prefix, json.loads(schema.read_text(encoding="utf-8"))))
    aliases = dependency_aliases(chart)
    charts = chart / "charts"
    for sub in sorted(charts.iterdir()) if charts.is_dir() else []:
        if sub.name.endswith(".tgz"):
            with unpacked(sub) as directory:
                name = _chart_name(directory)
                found += chart_schemas(directory, (*prefix, aliases.get(name, name)))
        elif (sub / "Chart.yaml").is_file():
            name = _chart_name(sub)
            found += chart_schemas(sub, (*prefix, aliases.get(name, name)))
    return found


def _chart_name(chart: Path) -> str:
    try:
        metadata = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return chart.name
    return str(metadata.get("name") or chart.name) if isinstance(metadata, dict) else chart.name


def _schema_checked(values: dict[str, Any], probes: list[_Probe],
                    schemas: list[tuple[ValuePath, Any]], overlay: Overlay) -> list[_Probe]:
    """The probes the chart's schemas accept; each refused one is listed with the reason."""
    kept = list(probes)
    for prefix, schema in schemas:
        try:
            # Helm 3 validates with gojsonschema (drafts 4 to 7): draft 7 when unnamed.
            validator = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft7Validator)(schema)
            before = {tuple(map(str, e.absolute_path))
                      for e in validator.iter_errors(get(values, prefix) or {})}
        except (jsonschema.SchemaError, jsonschema.exceptions.RefResolutionError):
            continue
        while kept:
            probed = _probed(values, kept)
            refused: dict[int, str] = {}
            for error in validator.iter_errors(get(probed, prefix) or {}):
                at = (*prefix, *map(str, error.absolute_path))
                if at[len(prefix):] in before:
                    continue
                owner = max((p for p in kept if at[:len(p.path)] == p.path),
                            key=lambda p: len(p.path), default=None)
                if owner is not None and owner.number not in refused:
                    refused[owner.number] = error.message
            if not refused:
                break
            overlay.skipped += [Skipped(p.path, "the chart's values.schema.json refuses a "
                                        f"probe of this type: {refused[p.number]}")
                                for p in kept if p.number in refused]
            kept = [p for p in kept if p.number not in refused]
    return kept


def _land(engine: Engine, chart: Path, options: RenderOptions, values: dict[str, Any],
          probes: list[_Probe], overlay: Overlay, deadline: float) -> list[_Landing]:
    """Where every probe lands: one render with all of them; when the chart refuses that,
    halves of the group in turn, down to the single probes it refuses (listed, with why)."""
    found: list[_Landing] = []
    groups = [probes] if probes else []
    while groups:
        group = groups.pop()
        if time.monotonic() > deadline:
            overlay.skipped += [Skipped(p.path, f"not tried: the {BUDGET_SECONDS:.0f} s budget "
                                        "for probing ran out") for p in group]
            continue
        overlay.renders += 1
        try:
            rendered = engine.render(chart, options, values=_probed(values, group))
        except InputError as exc:
            if len(group) == 1:
                overlay.skipped.append(Skipped(group[0].path, "the chart does not render with "
                                               f"a probe here: {exc.message}"))
            else:
                groups += [group[len(group) // 2:], group[:len(group) // 2]]
            continue
        found += _find(rendered, group)
    return found


def identity(data: Any, manifest: Manifest) -> tuple[str, ...]:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    kind = str(data.get("kind", "")) if isinstance(data, dict) else ""
    return (manifest.source, kind, str(metadata.get("namespace") or ""),
            str(metadata.get("name") or ""))


def _find(rendered: Rendered, probes: list[_Probe]) -> list[_Landing]:
    by_key = {probe.key: probe for probe in probes}
    by_int = {_INT_BASE + p.number: p for p in probes if isinstance(p.value, int)}
    landings: list[_Landing] = []
    for manifest in rendered.manifests:
        try:
            data = yaml.safe_load(manifest.content)
        except yaml.YAMLError:
            continue
        document = identity(data, manifest)
        for pointer, node in _nodes(data, ()):
            if isinstance(node, dict):
                for key in node:
                    probe = by_key.get(str(key))
                    if probe is not None and probe.mode == "map":
                        landings.append(_Landing(probe, document, pointer,
                                                 keys=frozenset(map(str, node))))
            elif isinstance(node, list):
                for index, item in enumerate(node):
                    key = str(next(iter(item))) if isinstance(item, dict) and len(item) == 1 \
                        else item if isinstance(item, str) else None
                    probe = by_key.get(key) if key is not None else None
                    if probe is not None and probe.mode == "list" and item == probe.item:
                        landings.append(_Landing(probe, document, pointer, index))
            elif isinstance(node, str) and node in by_key and by_key[node].mode == "scalar":
                landings.append(_Landing(by_key[node], document, pointer))
            elif isinstance(node, int) and not isinstance(node, bool) and node in by_int:
                landings.append(_Landing(by_int[node], document, pointer))
    return landings


def _nodes(data: Any, pointer: Pointer) -> Iterator[tuple[Pointer, Any]]:
    yield pointer, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*pointer, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _nodes(value, (*pointer, index))


_Document = tuple[Manifest, Any, list[dict[str, Any]], Any, list[Finding]]


def _converted_documents(rendered: Rendered, pipeline: Pipeline) -> dict[tuple[str, ...],
                                                                          _Document]:
    """Each rendered document: its manifest, data, the transforms' operations, the converted
    data and the findings."""
    documents: dict[tuple[str, ...], _Document] = {}
    for manifest in rendered.manifests:
        try:
            data = yaml.safe_load(manifest.content)
        except yaml.YAMLError:
            continue
        result = pipeline.convert_text(manifest.content + "\n", manifest.source)
        ops = [op for patch in result.patches for op in patch.operations]
        try:
            converted = jsonpatch.apply_patch(data, ops) if ops else data
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            continue
        documents[identity(data, manifest)] = (manifest, data, ops, converted, result.findings)
    return documents


def _owners(landings: list[_Landing], pointer: Pointer) -> list[ValuePath]:
    """The values that feed the field at ``pointer``, best first: the deepest landing above
    it, the chart's own value before a global one."""
    above = [landing for landing in landings
             if tuple(str(p) for p in landing.pointer) == tuple(str(p) for p in
                                                                pointer[:len(landing.pointer)])
             and _within(landing, pointer)]
    above.sort(key=lambda item: (len(item.pointer), item.probe.path[0] != "global",
                                 len(item.probe.path)), reverse=True)
    paths: list[ValuePath] = []
    for landing in above:
        if landing.probe.path not in paths:
            paths.append(landing.probe.path)
    return paths


def _within(landing: _Landing, pointer: Pointer) -> bool:
    """A list value owns only its own items (and what is appended after them)."""
    if landing.probe.mode != "list" or len(pointer) == len(landing.pointer):
        return True
    step = str(pointer[len(landing.pointer)])
    start = landing.index - len(landing.probe.value or [])
    return not step.isdigit() or int(step) >= start


def _at(data: Any, pointer: Pointer) -> Any:
    for part in pointer:
        if isinstance(data, dict) and str(part) in data:
            data = data[str(part)]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


_MISSING = object()


def _new_value(landing: _Landing, others: list[_Landing], original: Any,
               converted: Any, nested: bool) -> Any:
    """What the value must be so that this landing renders as converted (``_MISSING``: it
    cannot be told)."""
    probe = landing.probe
    value = probe.value
    rendered = _at(original, landing.pointer)
    wanted = _at(converted, landing.pointer)
    if probe.mode == "scalar":
        return None if wanted is _MISSING else wanted
    if probe.mode == "list":
        start = landing.index - len(value or [])
        rendered_list = rendered if isinstance(rendered, list) else []
        if not isinstance(wanted, list) or start < 0 or len(wanted) < len(rendered_list):
            return _MISSING
        return wanted[start:start + len(value or [])] + wanted[len(rendered_list):]
    if wanted is _MISSING and nested:
        return None  # removed with its parent mapping's other keys: delete it whole
    own = value if isinstance(value, dict) else {}
    landed = landing.keys
    from_others = {k for other in others if other.probe.mode == "map"
                   for k in (other.probe.value or {})} | {k for k in landed
                                                          if str(k).startswith(_MARK)}
    template_keys = {k for k in landed if k not in own and k not in from_others}
    rendered_map = rendered if isinstance(rendered, dict) else {}
    wanted_map = wanted if isinstance(wanted, dict) else {}
    new = clone(own)
    for key in own:
        if key not in landed:
            continue  # consumed by the template (an ``enabled`` switch, say): keep it
        if key not in wanted_map:
            new[key] = None
        elif wanted_map[key] != rendered_map.get(key, _MISSING):
            new[key] = clone(wanted_map[key])
    for key, item in wanted_map.items():
        if key in own:
            continue
        added = key not in template_keys and key not in rendered_map
        overridden = key in from_others and item != rendered_map.get(key)
        if added or overridden:
            new[key] = clone(item)
    return new


def overlay_delta(old: Any, new: Any) -> Any:
    """What a values file must say to turn ``old`` into ``new`` under Helm's merge (mappings
    merge, ``null`` deletes, anything else replaces)."""
    if isinstance(old, dict) and isinstance(new, dict):
        delta: dict[str, Any] = {}
        for key, item in new.items():
            if key not in old:
                delta[key] = clone(item)
            elif item is None and old[key] is not None:
                delta[key] = None
            elif item != old[key]:
                delta[key] = overlay_delta(old[key], item)
        return delta
    return clone(new)


def _entry(overlay: Overlay, path: ValuePath, landings: list[_Landing],
           documents: dict[tuple[str, ...], _Document], templates: TemplateFiles) -> str | None:
    """Add the entry for value ``path``; None when it was added, else why it was not."""
    mine = [landing for landing in landings if landing.probe.path == path]
    if not mine:
        return f"{dotted(path)} reaches no rendered field"
    probe = mine[0].probe
    values: list[Any] = []
    targets: list[Target] = []
    rules: list[str] = []
    for landing in mine:
        document = documents.get(landing.document)
        if document is None:
            continue
        manifest, original, _, converted, findings = document
        others = [other for other in landings if other.document == landing.document
                  and other.pointer == landing.pointer and other.probe.path != path]
        nested = any(other.probe.path == path[:-1] and other.document == landing.document
                     and other.pointer == landing.pointer[:-1] for other in landings)
        new = _new_value(landing, others, original, converted, nested)
        if new is _MISSING:
            continue
        values.append(new)
        resource = f"{landing.document[1]}/{landing.document[3]}"
        pointer = json_pointer(landing.pointer)
        expected = overlay_delta(probe.value, new) if probe.mode == "map" else new
        targets.append(Target(resource, pointer, templates.display(manifest.source),
                              landing.document, probe.mode, expected))
        rules += [f.rule for f in findings
                  if f.path == pointer or f.path.startswith(pointer + "/")]
    if not values:
        return f"{dotted(path)} cannot be told from what it renders"
    first = values[0]
    if any(json.dumps(v, sort_keys=True, default=str) !=
           json.dumps(first, sort_keys=True, default=str) for v in values[1:]):
        fields = ", ".join(sorted({f"{t.resource} {t.pointer}" for t in targets}))
        return f"{dotted(path)} feeds {fields}, {_DIFFERENT}; set it per component or change " \
               "the templates"
    delta = overlay_delta(probe.value, first)
    if delta == {} or (probe.mode != "map" and first == probe.value):
        return f"{dotted(path)} needs no change"
    overlay.entries.append(OverlayEntry(path, delta, targets, sorted(set(rules))))
    return None


def _folded(entries: list[OverlayEntry]) -> list[OverlayEntry]:
    """Entries inside a mapping another entry sets are written as part of it."""
    kept: list[OverlayEntry] = []
    for entry in sorted(entries, key=lambda e: len(e.path)):
        parent = next((k for k in kept if entry.path[:len(k.path)] == k.path
                       and isinstance(k.value, dict)), None)
        if parent is None:
            kept.append(entry)
            continue
        put(parent.value, entry.path[len(parent.path):], clone(entry.value))
        parent.targets += [t for t in entry.targets if t not in parent.targets]
        parent.rules = sorted({*parent.rules, *entry.rules})
    order = {id(entry): number for number, entry in enumerate(entries)}
    return sorted(kept, key=lambda e: order[id(e)])


def _verify(overlay: Overlay, engine: Engine, chart: Path, options: RenderOptions,
            pipeline: Pipeline, templates: TemplateFiles,
            documents: dict[tuple[str, ...], _Document], fed: set[tuple[str, str]],
            landed: bool = False) -> _State | None:
    """Render with the overlay through the same engine; take out each value that breaks the
    render or does not land where it was meant to (it becomes template-only, with why); then
    convert again and list what the transforms still change. What is left to do on the
    render's pod specs, None if it fails.
    ``fed``: (resource, pointer) of every rendered field a probe reached. ``landed``: the
    values were checked so before switches were turned off (which moves the fields after
    what they remove)."""
    refused: list[tuple[OverlayEntry, str]] = []
    rendered = _checked_render(overlay, engine, chart, options, refused)
    if rendered is not None and not landed:
        data = _rendered_data(rendered)
        missed = [(entry, reason) for entry in overlay.entries
                  if (reason := _missed(entry, data)) is not None]
        if missed:
            refused += missed
            gone = [id(entry) for entry, _ in missed]
            overlay.entries = [e for e in overlay.entries if id(e) not in gone]
            rendered = _checked_render(overlay, engine, chart, options, refused)
    for entry, reason in refused:
        overlay.conflicts.append(f"{dotted(entry.path)}: {reason}")
    if rendered is None:
        return None
    result = pipeline.convert_text(rendered.text, overlay.chart)
    overlay.template_only = []
    for patch, manifest, op, line in _located(rendered, result, templates, overlay.chart):
        finding = _finding_at(result.findings, patch.resource, op["path"])
        change = finding.message if finding else describe(op)
        setter = _setter(overlay, patch.resource.label(), op["path"])
        if setter:
            change += f" (the overlay sets it through {setter}, yet the chart still " \
                      "renders it so)"
        why = _refusal(refused, patch.resource.label(), op["path"])
        if why:
            change += f" (not through values: {why})"
        elif not setter and not _reached(fed, patch.resource.label(), op["path"]):
            change += " (no chart value reaches it)"
        overlay.template_only.append(TemplateChange(
            templates.display(manifest.source), line, patch.resource.label(), op["path"],
            change))
    state = _state(rendered, result, templates, overlay.chart, documents)
    overlay.pods = _tally(state)
    blocking = {(item.resource, item.pointer) for items in state.hard.values()
                for item in items}
    overlay.template_only = [dataclasses.replace(c, blocking=(c.resource, c.pointer) in blocking)
                             for c in overlay.template_only]
    return state


def _located(rendered: Rendered, result: FileResult, templates: TemplateFiles,
             name: str) -> Iterator[tuple[DocumentPatch, Manifest, dict[str, Any], int | None]]:
    """Each operation of a converted render, with its document's manifest and the line of
    its template it comes from (None when the template does not write it there)."""
    ranges = source_ranges(rendered.text)
    lines = rendered.text.splitlines()
    try:
        raws = compose(rendered.text, name)
    except PorterError:
        raws = []
    for patch in result.patches:
        if patch.index >= len(rendered.manifests):
            continue
        manifest = rendered.manifests[patch.index]
        source = templates.text(manifest.source)
        for op in patch.operations:
            line = None
            if patch.index < len(raws) and source is not None:
                document = Document(name, raws[patch.index])
                at, column = document.locate(_steps(op["path"]))
                found = source_at(ranges, at)
                mapped = template_line(source, lines, at, column, found.content,
                                       found.last) if found else None
                line = mapped[0] if mapped else None
            yield patch, manifest, op, line


@dataclass(frozen=True)
class _Left:
    """A change left to do on a Windows-bound pod spec, and where it comes from."""

    manifest: Manifest
    line: int | None
    resource: str
    pointer: str
    text: str


@dataclass
class _State:
    """What a render leaves to do on its Windows-bound pod specs: per document, the changes
    values did not make (spec.os and changes that alter nothing on the node aside), with
    where they come from, and the findings (rule and message) on each."""

    hard: dict[tuple[str, ...], list[_Left]]
    rules: Counter[tuple[tuple[str, ...], str, str]]
    workloads: set[tuple[str, ...]] = field(default_factory=set)
    """Every document with a pod spec, Windows-bound or not."""
    changed: Counter[tuple[str, ...]] = field(default_factory=Counter)
    """Per Windows-bound document: every change porter makes (``spec.os`` included)."""
    same: Counter[tuple[str, ...]] = field(default_factory=Counter)
    """Per Windows-bound document: the changes that alter nothing on the node."""

    @property
    def left(self) -> int:
        return sum(len(items) for items in self.hard.values())


def _state(rendered: Rendered, result: FileResult, templates: TemplateFiles, name: str,
           documents: dict[tuple[str, ...], _Document]) -> _State:
    state = _State({}, Counter())
    datas: dict[int, tuple[Any, str, tuple[str, ...]]] = {}
    for index, manifest in enumerate(rendered.manifests):
        try:
            data = yaml.safe_load(manifest.content)
        except yaml.YAMLError:
            continue
        spec_path = pod_spec_path(data)
        if spec_path is not None:
            state.workloads.add(identity(data, manifest))
        if spec_path is not None and _windows_bound(data, spec_path, documents, manifest):
            datas[index] = (data, json_pointer(spec_path), identity(data, manifest))
            state.hard[datas[index][2]] = []
    for patch, manifest, op, line in _located(rendered, result, templates, name):
        if patch.index not in datas:
            continue
        data, spec, key = datas[patch.index]
        state.changed[key] += 1
        if op["path"] == f"{spec}/os" or op["path"].startswith(f"{spec}/os/"):
            continue
        if _unchanged_on_node(op, data):
            state.same[key] += 1
            continue
        finding = _finding_at(result.findings, patch.resource, op["path"])
        text = finding.message if finding else describe(op)
        state.hard[key].append(_Left(manifest, line, patch.resource.label(), op["path"],
                                     f"{patch.resource.label()}: {text}"))
    owners = {resource_of(data): key for data, _, key in datas.values()}
    for finding in result.findings:
        if finding.resource in owners:
            state.rules[(owners[finding.resource], finding.rule, finding.message)] += 1
    return state


def _switch_off(overlay: Overlay, engine: Engine, chart: Path, options: RenderOptions,
                pipeline: Pipeline, templates: TemplateFiles,
                documents: dict[tuple[str, ...], _Document], values: dict[str, Any],
                schemas: list[tuple[ValuePath, Any]], state: _State,
                deadline: float) -> bool:
    """Turn off chart switches (``true`` booleans an ``if`` of the template tests) around
    what values cannot convert. A switch is kept off only if every workload still renders,
    fewer changes are left, none more on any workload, and no finding is new; it is listed
    as a feature the overlay disables. True when one was kept."""
    tried: set[ValuePath] = set()
    parsed: dict[str, list[Guard]] = {}
    kept = False
    for _ in range(SWITCH_RENDERS):
        if not state.left or time.monotonic() > deadline:
            break
        current = merge(values, overlay.values())
        path = next((p for p in _switches(state, templates, parsed)
                     if p not in tried and get(current, p) is True
                     and "global" not in p), None)
        if path is None:
            break
        tried.add(path)
        entry = OverlayEntry(path, False)
        trial = [*overlay.entries, entry]
        if _schema_refuses(current, merge(values, _values_of(trial)), schemas):
            continue
        overlay.renders += 1
        try:
            after = engine.render(chart, options, overlay=_values_of(trial))
        except InputError:
            continue
        new = _state(after, pipeline.convert_text(after.text, overlay.chart), templates,
                     overlay.chart, documents)
        if not _better(state, new):
            continue
        entry.disables = _gone(state, new)
        overlay.entries.append(entry)
        state = new
        kept = True
    return kept


def _switches(state: _State, templates: TemplateFiles,
              parsed: dict[str, list[Guard]]) -> Iterator[ValuePath]:
    """Candidate switches, best first: those whose ``if`` encloses a change left to do,
    innermost first (only those can remove the line it is written on), then, for a change
    whose template line is not known (it comes from a value or a helper), any other the
    template tests, the smallest blocks first (an optional part, not the whole workload)."""
    later: list[Guard] = []
    for items in state.hard.values():
        for item in items:
            source = item.manifest.source
            if source not in parsed:
                text = templates.text(source)
                parsed[source] = [] if text is None else guards(text, values_prefix(source))
            found = parsed[source]
            if item.line is not None:
                yield from enclosing(found, item.line)
            else:
                later += found
    yield from (guard.path for guard in sorted(later, key=lambda g: g.last - g.first))


def _schema_refuses(before: dict[str, Any], after: dict[str, Any],
                    schemas: list[tuple[ValuePath, Any]]) -> bool:
    """A chart's ``values.schema.json`` finds an error in ``after`` that ``before`` lacks."""
    for prefix, schema in schemas:
        try:
            validator = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft7Validator)(schema)
            known = {(tuple(map(str, e.absolute_path)), e.message)
                     for e in validator.iter_errors(get(before, prefix) or {})}
            if any((tuple(map(str, e.absolute_path)), e.message) not in known
                   for e in validator.iter_errors(get(after, prefix) or {})):
                return True
        except (jsonschema.SchemaError, jsonschema.exceptions.RefResolutionError):
            continue
    return False


def _better(old: _State, new: _State) -> bool:
    """Every workload kept, fewer changes left on the Windows-bound ones, none more on any,
    and no finding that was not there."""
    if not old.workloads <= new.workloads:
        return False
    if any(len(new.hard[key]) > len(items) for key, items in old.hard.items()):
        return False
    return new.left < old.left and not (new.rules - old.rules)


def _gone(old: _State, new: _State) -> list[str]:
    """What turning the switch off took away, in words (list indices aside: removing an item
    moves the ones after it)."""
    def key(text: str) -> str:
        return _INDEX.sub("/*", text)

    after = Counter(key(item.text) for items in new.hard.values() for item in items)
    gone: list[str] = []
    for text in (item.text for items in old.hard.values() for item in items):
        if after[key(text)]:
            after[key(text)] -= 1
        elif text not in gone:
            gone.append(text)
    return gone or [f"{old.left - new.left} change(s) left to the templates"]


def _values_of(entries: list[OverlayEntry]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for entry in entries:
        put(tree, entry.path, clone(entry.value))
    return tree


def _checked_render(overlay: Overlay, engine: Engine, chart: Path, options: RenderOptions,
                    refused: list[tuple[OverlayEntry, str]]) -> Rendered | None:
    """The render with the overlay; values that make it fail are found (halving the set) and
    taken out. None, with the overlay marked unverified, when it still fails."""
    for attempt in range(2):
        overlay.renders += 1
        try:
            return engine.render(chart, options, overlay=overlay.values())
        except InputError as exc:
            if attempt:
                overlay.verified = False
                overlay.conflicts.append("the chart does not render with this overlay: "
                                         f"{exc.message}")
                return None
            breakers = _breakers(overlay, engine, chart, options, overlay.entries)
            if not breakers:
                breakers = [(entry, exc.message) for entry in overlay.entries]
            refused += [(entry, f"the chart fails to render with it ({message})")
                        for entry, message in breakers]
            gone = [id(entry) for entry, _ in breakers]
            overlay.entries = [e for e in overlay.entries if id(e) not in gone]
    return None


def _breakers(overlay: Overlay, engine: Engine, chart: Path, options: RenderOptions,
              entries: list[OverlayEntry]) -> list[tuple[OverlayEntry, str]]:
    """The entries that each make the render fail, by halving: a group that renders holds
    none."""
    overlay.renders += 1
    try:
        engine.render(chart, options, overlay=_values_of(entries))
        return []
    except InputError as exc:
        if len(entries) == 1:
            return [(entries[0], exc.message)]
    half = len(entries) // 2
    return _breakers(overlay, engine, chart, options, entries[:half]) + \
        _breakers(overlay, engine, chart, options, entries[half:])


def _rendered_data(rendered: Rendered) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for manifest in rendered.manifests:
        try:
            data = yaml.safe_load(manifest.content)
        except yaml.YAMLError:
            continue
        found[identity(data, manifest)] = data
    return found


def _missed(entry: OverlayEntry, rendered: dict[tuple[str, ...], Any]) -> str | None:
    """Why ``entry`` does not render as meant at one of its targets (None: it does)."""
    for target in entry.targets:
        if target.document not in rendered:
            continue  # the document is gone (a value switched it off): the re-convert shows it
        actual = _at(rendered[target.document], _steps(target.pointer))
        if not _matches(target.expected, actual, target.mode):
            shown = "nothing" if actual is _MISSING else \
                json.dumps(actual, ensure_ascii=False, default=str)[:80]
            return f"with it {target.resource} {target.pointer} renders as {shown}, not as " \
                   "meant (the chart also uses the value elsewhere, e.g. inside a string)"
    return None


def _matches(expected: Any, actual: Any, mode: str) -> bool:
    if mode == "list":
        return isinstance(actual, list) and all(item in actual for item in expected or [])
    if expected is None:
        return actual is _MISSING or actual is None
    if mode == "map" and isinstance(expected, dict):
        if actual is _MISSING or actual is None:
            return all(_matches(v, _MISSING, mode) for v in expected.values())
        return isinstance(actual, dict) and all(
            _matches(v, actual.get(k, _MISSING), mode) for k, v in expected.items())
    return actual == expected


def _reached(fed: set[tuple[str, str]], resource: str, pointer: str) -> bool:
    """Some value's probe landed at ``pointer`` or a field above it."""
    parts = pointer.split("/")
    return any((resource, "/".join(parts[:end])) in fed for end in range(1, len(parts) + 1))


def _refusal(refused: list[tuple[OverlayEntry, str]], resource: str, pointer: str) -> str | None:
    for entry, reason in refused:
        for target in entry.targets:
            if target.resource == resource and \
                    (pointer + "/").startswith(target.pointer + "/"):
                return f"{dotted(entry.path)}: {reason}"
    return None


def _tally(state: _State) -> PodTally:
    """Count the Windows-bound pod specs of a render by what is left to do."""
    tally = PodTally()
    for key, items in state.hard.items():
        if not state.changed[key]:
            tally.clean += 1
        elif not items:
            tally.os_only += 1
            tally.equivalent += bool(state.same[key])
        else:
            tally.templates += 1
    return tally


def _unchanged_on_node(op: dict[str, Any], data: Any) -> bool:
    """A change that alters nothing on a Windows node: porter only spells out what the
    kubelet or the API server does there anyway."""
    return _kubelet_path(op, data) or _false_namespace(op, data) or _disk_backed(op, data)


def _disk_backed(op: dict[str, Any], data: Any) -> bool:
    """The removal of an emptyDir's ``medium: Memory``: the Windows kubelet makes a tmpfs
    mount a plain directory on disk (mount-utils ``mount_windows.go``, rule memory-emptydir)."""
    old = _at(data, _steps(op["path"]))
    if op["op"] == "remove" and op["path"].endswith("/emptyDir/medium"):
        return isinstance(old, str) and old.lower() == "memory"
    if op["op"] != "replace" or not op["path"].endswith("/emptyDir") or \
            not isinstance(old, dict) or str(old.get("medium", "")).lower() != "memory":
        return False
    return op.get("value") == {k: v for k, v in old.items() if k != "medium"}


def _kubelet_path(op: dict[str, Any], data: Any) -> bool:
    """A mount path porter rewrites the way the kubelet reads it anyway: ``/x/y`` to
    ``C:\\x\\y`` (kubelet's ``c:/x/y``, windows-rules.md KL-MNT)."""
    if op["op"] != "replace" or not op["path"].endswith("/mountPath"):
        return False
    old = _at(data, _steps(op["path"]))
    new = op.get("value")
    if not isinstance(old, str) or not isinstance(new, str) or not old.startswith("/"):
        return False
    return new.lower() == ("c:" + old.rstrip("/").replace("/", "\\")).lower()


def _false_namespace(op: dict[str, Any], data: Any) -> bool:
    """The removal of a host-namespace field that is false (allowed for Windows pods)."""
    name = op["path"].rsplit("/", 1)[-1]
    return op["op"] == "remove" and name in ("hostIPC", "hostPID", "shareProcessNamespace") \
        and _at(data, _steps(op["path"])) is False


def _windows_bound(data: Any, spec_path: Pointer, documents: dict[tuple[str, ...], _Document],
                   manifest: Manifest) -> bool:
    """Porter sends it to Windows: its conversion (of the plain render) names Windows as the
    pod's OS."""
    document = documents.get(identity(data, manifest))
    converted = document[3] if document else data
    spec = _at(converted, spec_path)
    return isinstance(spec, dict) and isinstance(spec.get("os"), dict) and \
        spec["os"].get("name") == "windows"


def _setter(overlay: Overlay, resource: str, pointer: str) -> str | None:
    for entry in overlay.entries:
        for target in entry.targets:
            inside = (pointer + "/").startswith(target.pointer + "/")
            if target.resource == resource and inside and \
                    (pointer == target.pointer or not isinstance(entry.value, list)):
                return dotted(entry.path)
    return None


def _steps(pointer: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in parse_pointer(pointer))


def _finding_for(findings: list[Finding], resource: Resource, pointer: str) -> Finding | None:
    for finding in findings:
        if finding.resource == resource and finding.path and \
                (pointer == finding.path or pointer.startswith(finding.path + "/")):
            return finding
    return None


def _finding_at(findings: list[Finding], resource: Resource, pointer: str) -> Finding | None:
    """The finding about the field an operation changes: at it or above it, else below it (a
    whole ``securityContext`` replaced for its ``privileged``)."""
    return _finding_for(findings, resource, pointer) or next(
        (f for f in findings if f.resource == resource and f.path and
         f.path.startswith(pointer + "/")), None)


def describe(op: dict[str, Any]) -> str:
    """An RFC 6902 operation in words."""
    where = op["path"]
    if op["op"] == "remove":
        return f"remove {where}"
    value = json.dumps(op.get("value"), separators=(", ", ": "), ensure_ascii=False)
    if len(value) > 80:
        value = value[:77] + "..."
    return f"{'set' if op['op'] == 'replace' else 'add'} {where} = {value}"
