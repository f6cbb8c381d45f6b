"""KRM functions: porter as a kustomize or kpt function. A ``ResourceList`` comes in; it goes
out with its items converted and porter's findings as ``results`` (severity, resourceRef,
field path, file), as the KRM Functions Specification describes.

Each item is converted on its own text, as ``porter convert`` converts a file, and spliced
back into the ResourceList: every byte outside the changed fields (comments, quoting, the
ResourceList's own layout) is the input's. An item porter cannot read (nesting too deep, an
integer Python cannot convert, an alias bomb) stays as it was and is an ``error`` result
naming its file and index; the other items are still converted.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from porter.engine.config import Config, config_from_mapping
from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.engine.registry import INTERNAL_ERROR
from porter.errors import ConfigError, InputError
from porter.kube.resources import resource_of
from porter.kube.workloads import LIST_KINDS
from porter.yamledit.diffing import same
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build, mapping_get, scalar_text
from porter.yamledit.pointer import parse_pointer
from porter.yamledit.reading import ListDocument, ListItem, load_list

API_VERSION = "config.kubernetes.io/v1"
NAME = "<stdin>"
_PATH_KEYS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
_INDEX_KEYS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


@dataclass
class KrmOutcome:
    """The ResourceList to write back, and what porter found."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    changed: int = 0
    errors: list[InputError] = field(default_factory=list)
    """Items porter could not read (each also an ``error`` result): exit status 2."""


@dataclass
class _Converted:
    """A converted item: the span of its text, the text replacing it, its new data."""

    index: int
    start: int
    end: int
    text: str
    data: Any


def function_config(resource_list: Any) -> Config:
    """porter's configuration from the ``functionConfig``: ``spec`` holds the keys of
    ``porter.yaml``; a ConfigMap's ``data`` may set ``fail-on``, ``toleration``, ``disable``
    and ``only`` (lists comma-separated)."""
    config = resource_list.get("functionConfig") if isinstance(resource_list, dict) else None
    if not isinstance(config, dict):
        return Config()
    if isinstance(config.get("spec"), dict):
        return config_from_mapping(config["spec"], "functionConfig")
    data = config.get("data")
    if not isinstance(data, dict):
        return Config()
    raw: dict[str, Any] = {}
    for key in ("disable", "only"):
        if key in data:
            raw[key] = [v.strip() for v in str(data[key]).split(",") if v.strip()]
    if "fail-on" in data:
        raw["fail-on"] = str(data["fail-on"])
    if "toleration" in data:
        raw["options"] = {"os-scheduling": {"toleration": str(data["toleration"])}}
    unknown = sorted(set(data) - {"disable", "only", "fail-on", "toleration"})
    if unknown:
        raise ConfigError(f"unknown functionConfig data key {unknown[0]!r} (known: disable, "
                          "only, fail-on, toleration)", "functionConfig")
    return config_from_mapping(raw, "functionConfig")



def run(text: str) -> tuple[KrmOutcome, Config]:
    """Convert the items of the ResourceList ``text``; the result keeps its format (JSON in,
    JSON out) and, for YAML, every byte of the input outside the changed fields."""
    try:
        # Bounded (aliases, depth, size of integers), JSON included: JSON is YAML.
        listing = load_list(text, NAME)
    except InputError as exc:
        raise InputError(f"invalid ResourceList: {exc.message}", NAME, exc.line or 1,
                         exc.column or 1) from None
    plain = listing.data if listing is not None else None
    if listing is None or not isinstance(plain, dict) or plain.get("kind") != "ResourceList":
        raise InputError("not a KRM ResourceList (kind: ResourceList)", NAME, 1, 1)
    if listing.items is None and plain.get("items") is not None:
        raise InputError("ResourceList items must be a list", NAME, 1, 1)
    config = function_config(plain)
    pipeline = Pipeline(config)
    outcome = KrmOutcome("")
    results: list[dict[str, Any]] = []
    converted = [done for index, item in enumerate(listing.items or [])
                 if (done := _convert_item(text, index, item, pipeline, outcome, results))]
    if listing.root.flow_style:
        outcome.text = _as_json(text, listing, converted, results)
    else:
        outcome.text = _as_yaml(text, listing, converted, results)
    outcome.changed = len(converted)
    return outcome, config


def _convert_item(text: str, index: int, item: ListItem, pipeline: Pipeline,
                  outcome: KrmOutcome, results: list[dict[str, Any]]) -> _Converted | None:
    """Convert one item on its own text: its lines, with what precedes it on its first line
    (``- ``) as blanks. Findings and errors go to ``outcome`` and ``results``."""
    if item.error is not None:
        outcome.errors.append(item.error)
        results.append(_unread_result(item.node, item.error))
        return None
    if not isinstance(item.data, dict):
        return None
    node = item.node
    start, column = node.start_mark.index, node.start_mark.column
    body = _node_text(text, node)
    name = _file_of(item.data)[0] or f"items[{index}]"
    result = pipeline.convert_text(" " * column + body, name)
    if result.errors:
        # Read alone the item is not what it is in the list: it uses an anchor defined
        # elsewhere in the ResourceList. It stays as it is, and says so.
        first = result.errors[0]
        error = InputError(f"item {index} cannot be read on its own, as porter converts "
                           f"items ({first.message}: an anchor defined outside the item?)", NAME,
                           (first.line or 1) + node.start_mark.line, first.column or 1)
        outcome.errors.append(error)
        results.append(_unread_result(node, error))
        return None
    for finding in result.findings:
        outcome.findings.append(finding)
        results.append(result_of(finding, item.data))
    ops = [op for patch in result.patches for op in patch.operations]
    new = result.converted
    if not ops or not new.startswith(" " * column):
        return None  # the splicer never touches the blanks before a document's first key
    return _Converted(index, start, start + len(body), new[column:],
                      jsonpatch.apply_patch(item.data, ops))


_TRAILING_BLANKS = re.compile("(?<=[\r\n\x85\u2028\u2029])[ \t]+\\Z")


def _node_text(text: str, node: Node) -> str:
    """The text of ``node``. A block collection ends where the next token starts: the
    indentation of that token's line is not the node's."""
    return _TRAILING_BLANKS.sub("", text[node.start_mark.index:node.end_mark.index])


def _as_yaml(text: str, listing: ListDocument, converted: list[_Converted],
             results: list[dict[str, Any]]) -> str:
    """The ResourceList text with the converted items spliced in and ``results`` added.
    Every item must read back as intended; one that does not is put back as it was."""
    for _ in range(2):
        wrong = _misread(_splice(text, [(c.start, c.end, c.text) for c in converted]),
                         listing, converted)
        if not wrong:
            break
        for change in [c for c in converted if c.index in wrong]:
            converted.remove(change)
            results.append(_unwritten_result(change.index, listing))
    else:
        for change in converted:
            results.append(_unwritten_result(change.index, listing))
        converted.clear()
    edits = [(c.start, c.end, c.text) for c in converted]
    edits.append(_results_edit(text, listing, results))
    return _splice(text, edits)


def _splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, new in sorted(edits, key=lambda edit: edit[:2]):
        out += (text[at:start], new)
        at = end
    out.append(text[at:])
    return "".join(out)


def _misread(out: str, listing: ListDocument, converted: list[_Converted]) -> set[int]:
    """Indexes of the converted items that ``out`` does not hold as intended (all of them
    when ``out`` does not parse, or when an item left alone changed)."""
    changed = {c.index: c.data for c in converted}
    if not changed:
        return set()
    try:
        documents = compose(out, NAME, templates=False)
    except InputError:
        return set(changed)
    items = mapping_get(documents[0].root, "items") if len(documents) == 1 else None
    given = listing.items or []
    if not isinstance(items, SequenceNode) or len(items.value) != len(given):
        return set(changed)
    wrong = set()
    for index, item in enumerate(given):
        if item.error is not None:
            continue
        try:
            data = build(items.value[index], NAME)[0]
        except InputError:
            data = None
        if not same(data, changed.get(index, item.data)):
            wrong.add(index)
    return wrong & set(changed) if wrong <= set(changed) else set(changed)


def _results_edit(text: str, listing: ListDocument, results: list[dict[str, Any]],
                  ) -> tuple[int, int, str]:
    """The edit that writes ``results``: a new last key of the ResourceList, or, when it has
    one already, its value replaced by a one-line JSON list (the old results, then ours)."""
    root = listing.root
    assert isinstance(root, MappingNode)
    newline = "\r\n" if "\r\n" in text else "\n"
    for key_node, value_node in root.value:
        if scalar_text(key_node) == "results":
            existing = listing.data.get("results")
            combined = (list(existing) if isinstance(existing, list) else []) + results
            end = value_node.start_mark.index + len(_node_text(text, value_node).rstrip())
            return (key_node.end_mark.index, max(end, key_node.end_mark.index),
                    ": " + json.dumps(combined, ensure_ascii=False))
    dumped = yaml.safe_dump({"results": results}, sort_keys=False, allow_unicode=True,
                            width=4096, default_flow_style=False)
    indent = " " * root.start_mark.column
    at = root.end_mark.index
    before = "" if at == 0 or text[at - 1] in "\r\n" else newline
    return at, at, before + "".join(indent + line + newline for line in dumped.splitlines())


def _as_json(text: str, listing: ListDocument, converted: list[_Converted],
             results: list[dict[str, Any]]) -> str:
    """The ResourceList as JSON: the converted items, an unread item as its own text."""
    tree = dict(listing.data)
    new = {c.index: c.data for c in converted}
    items: list[Any] = []
    unread: dict[str, str] = {}
    for index, item in enumerate(listing.items or []):
        if item.error is None:
            items.append(new.get(index, item.data))
            continue
        token = f"porter-unread-item-{secrets.token_hex(8)}-{index}"
        unread[json.dumps(token)] = _node_text(text, item.node).rstrip()
        items.append(token)
    if listing.items is not None:
        tree["items"] = items
    existing = tree.get("results")
    tree["results"] = (list(existing) if isinstance(existing, list) else []) + results
    out = json.dumps(tree, indent=2, ensure_ascii=False) + "\n"
    for token, original in unread.items():
        out = out.replace(token, original, 1)
    return out


def _unread_result(node: Node, error: InputError) -> dict[str, Any]:
    """The ``error`` result for an item porter could not read, named from its nodes (its
    data cannot be built)."""
    entry: dict[str, Any] = {
        "message": f"{error.message} (line {error.line}, column {error.column} of the "
                   "ResourceList); the item was left unchanged",
        "severity": "error"}
    metadata = mapping_get(node, "metadata")
    reference = {"apiVersion": scalar_text(mapping_get(node, "apiVersion")),
                 "kind": scalar_text(mapping_get(node, "kind")),
                 "namespace": scalar_text(mapping_get(metadata, "namespace")),
                 "name": scalar_text(mapping_get(metadata, "name"))}
    if any(reference.values()):
        entry["resourceRef"] = {k: v for k, v in reference.items() if v is not None}
    annotations = mapping_get(metadata, "annotations")
    path = next((p for k in _PATH_KEYS
                 if (p := scalar_text(mapping_get(annotations, k))) is not None), None)
    position = next((p for k in _INDEX_KEYS
                     if (p := scalar_text(mapping_get(annotations, k))) is not None), None)
    if path is not None:
        entry["file"] = {"path": path}
        if position is not None and position.isdigit():
            entry["file"]["index"] = int(position)
    return entry


def _unwritten_result(index: int, listing: ListDocument) -> dict[str, Any]:
    item = (listing.items or [])[index]
    finding = Finding(
        rule=INTERNAL_ERROR.code, severity=Severity.ERROR,
        message="porter could not write this item's changes faithfully; it was left "
                "unchanged", file=NAME, line=item.node.start_mark.line + 1,
        column=item.node.start_mark.column + 1, resource=resource_of(item.data),
        hint="please report this with the input")
    return result_of(finding, item.data)


def _file_of(item: dict[str, Any]) -> tuple[str | None, int | None]:
    metadata = item.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict):
        return None, None
    path = next((str(annotations[k]) for k in _PATH_KEYS if k in annotations), None)
    index = next((annotations[k] for k in _INDEX_KEYS if k in annotations), None)
    try:
        return path, int(index) if index is not None else None
    except (TypeError, ValueError):
        return path, None


def field_path(pointer: str) -> str:
    """A JSON pointer as a KRM field path: ``spec.containers[0].securityContext``, keys with
    dots quoted in brackets (``nodeSelector["kubernetes.io/os"]``)."""
    out = ""
    for part in parse_pointer(pointer):
        if part.isdigit():
            out += f"[{part}]"
        elif "." in part or "[" in part:
            out += f'["{part}"]'
        else:
            out += ("." if out else "") + part
    return out


def result_of(finding: Finding, item: dict[str, Any]) -> dict[str, Any]:
    """One KRM ``results`` entry for a finding about ``item``. ``resourceRef`` names the
    ResourceList item and ``field.path`` is a path in it: for a ``kind: List`` item that is
    the List (the path runs through ``items[N]``), never the resource inside it, so that the
    two always agree; the inner resource is named in ``tags.resource``."""
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    entry: dict[str, Any] = {"message": message, "severity": _SEVERITY[finding.severity]}
    listed = item.get("kind") in LIST_KINDS
    owner = resource_of(item) if listed else finding.resource
    resource = {k: v for k, v in owner.to_dict().items() if v is not None}
    if resource:
        entry["resourceRef"] = resource
    if finding.path:
        entry["field"] = {"path": field_path(finding.path)}
    path, index = _file_of(item)
    if path is not None:
        entry["file"] = {"path": path} | ({"index": index} if index is not None else {})
    entry["tags"] = {"rule": finding.rule}
    if listed and finding.resource.kind:
        entry["tags"]["resource"] = finding.resource.label()
    return entry
