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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

from porter.charts.manifests import Manifest, source_at, source_ranges
from porter.charts.render import Engine, Rendered, RenderOptions
from porter.charts.templates import TemplateFiles, template_line
from porter.charts.values import ValuePath, dotted, get, put, walk
from porter.engine.findings import Finding
from porter.engine.pipeline import Pipeline
from porter.errors import InputError, PorterError
from porter.kube.resources import Resource
from porter.yamledit.documents import Document
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import clone
from porter.yamledit.pointer import json_pointer, parse_pointer

Pointer = tuple[str | int, ...]
_CANDIDATE = re.compile(r"nodeselector|toleration|affinity|securitycontext|volume|mount|"
                        r"annotation|labels|storageclass|persistence|sysctl|hostpid|hostipc",
                        re.IGNORECASE)
_SCALAR_KEY = re.compile(r"storageclass|mountpath", re.IGNORECASE)
_MARK = "porter-probe-"
_INT_BASE = 424_200_000
_MAX_SINGLE_PROBES = 80
_DIFFERENT = "which need different settings"


@dataclass(frozen=True)
class Target:
    """A rendered field a value feeds: the resource, the JSON pointer, the template."""

    resource: str
    pointer: str
    template: str


@dataclass
class OverlayEntry:
    """One value of the overlay: its path, what to write there, and what it sets."""

    path: ValuePath
    value: Any
    targets: list[Target] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateChange:
    """A change only a template edit (or porter as a post-renderer) can make."""

    template: str
    line: int | None
    resource: str
    pointer: str
    change: str


@dataclass
class Overlay:
    """The values overlay of one chart and what stays template-only."""

    chart: str
    chart_name: str
    entries: list[OverlayEntry] = field(default_factory=list)
    template_only: list[TemplateChange] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    verified: bool = True

    def values(self) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for entry in self.entries:
            put(tree, entry.path, clone(entry.value))
        return tree


@dataclass(frozen=True)
class _Probe:
    number: int
    path: ValuePath
    mode: str  # "map", "list" or "scalar"
    value: Any

    @property
    def key(self) -> str:
        return f"{_MARK}{self.number}"


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
    name = base.manifests[0].source.split("/")[0] if base.manifests else chart.name
    overlay = Overlay(str(chart), name)
    values = engine.values(chart, options)
    probes = list(_probes(values))
    landings = _land(engine, chart, options, values, probes)
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
    _verify(overlay, engine, chart, options, pipeline, templates)
    return overlay


def _probes(values: dict[str, Any]) -> Iterator[_Probe]:
    number = 0
    for path, value in walk(values):
        if any(part == "global" for part in path[1:]):
            continue  # a subchart's copy of the globals: the root ``global`` is what to set
        own = bool(_CANDIDATE.search(path[-1]))
        inherited = any(_CANDIDATE.search(part) for part in path[:-1])
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
                target.append({probe.key: probe.key})
        else:
            marker: Any = _INT_BASE + probe.number if isinstance(probe.value, int) else probe.key
            put(probed, probe.path, marker)
    return probed


def _land(engine: Engine, chart: Path, options: RenderOptions, values: dict[str, Any],
          probes: list[_Probe]) -> list[_Landing]:
    """Where every probe lands: one render with all of them, else one render each."""
    if not probes:
        return []
    try:
        return _find(engine.render(chart, options, values=_probed(values, probes)), probes)
    except InputError:
        pass
    found: list[_Landing] = []
    for probe in probes[:_MAX_SINGLE_PROBES]:
        try:
            found += _find(engine.render(chart, options, values=_probed(values, [probe])),
                           [probe])
        except InputError:
            continue
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
                    if isinstance(item, dict) and len(item) == 1:
                        probe = by_key.get(str(next(iter(item))))
                        if probe is not None and probe.mode == "list":
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
        targets.append(Target(resource, pointer, templates.display(manifest.source)))
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
            pipeline: Pipeline, templates: TemplateFiles) -> None:
    """Render with the overlay, convert again, and list what the transforms still change."""
    try:
        rendered = engine.render(chart, options, overlay=overlay.values())
    except InputError as exc:
        overlay.verified = False
        overlay.conflicts.append(f"the chart does not render with this overlay: {exc.message}")
        return
    result = pipeline.convert_text(rendered.text, overlay.chart)
    ranges = source_ranges(rendered.text)
    lines = rendered.text.splitlines()
    try:
        raws = compose(rendered.text, overlay.chart)
    except PorterError:
        raws = []
    for patch in result.patches:
        if patch.index >= len(rendered.manifests):
            continue
        manifest = rendered.manifests[patch.index]
        template = templates.display(manifest.source)
        source = templates.text(manifest.source)
        for op in patch.operations:
            line = None
            if patch.index < len(raws) and source is not None:
                document = Document(overlay.chart, raws[patch.index])
                at, column = document.locate(_steps(op["path"]))
                found = source_at(ranges, at)
                mapped = template_line(source, lines, at, column, found.content,
                                       found.last) if found else None
                line = mapped[0] if mapped else None
            finding = _finding_for(result.findings, patch.resource, op["path"])
            change = finding.message if finding else describe(op)
            setter = _setter(overlay, patch.resource.label(), op["path"])
            if setter:
                change += f" (the overlay sets it through {setter}, yet the chart still " \
                          "renders it so)"
            overlay.template_only.append(TemplateChange(
                template, line, patch.resource.label(), op["path"], change))


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


def describe(op: dict[str, Any]) -> str:
    """An RFC 6902 operation in words."""
    where = op["path"]
    if op["op"] == "remove":
        return f"remove {where}"
    value = json.dumps(op.get("value"), separators=(", ", ": "), ensure_ascii=False)
    if len(value) > 80:
        value = value[:77] + "..."
    return f"{'set' if op['op'] == 'replace' else 'add'} {where} = {value}"
