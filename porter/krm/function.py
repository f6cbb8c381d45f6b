"""KRM functions: porter as a kustomize or kpt function. A ``ResourceList`` comes in; it goes
out with its items converted and porter's findings as ``results`` (severity, resourceRef,
field path, file), as the KRM Functions Specification describes."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import yaml
from ruamel.yaml import YAML

from porter.engine.config import Config, config_from_mapping
from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.errors import ConfigError, InputError
from porter.kube.resources import resource_of
from porter.kube.workloads import LIST_KINDS
from porter.yamledit.pointer import parse_pointer
from porter.yamledit.reading import load_one

API_VERSION = "config.kubernetes.io/v1"
_PATH_KEYS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
_INDEX_KEYS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


@dataclass
class KrmOutcome:
    """The ResourceList to write back, and what porter found."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    changed: int = 0


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
    JSON out) and, for YAML, the comments of the items."""
    try:
        # Bounded (aliases, depth, size of integers), JSON included: JSON is YAML.
        plain = load_one(text, "<stdin>", templates=False)
    except InputError as exc:
        raise InputError(f"invalid ResourceList: {exc.message}", "<stdin>", exc.line or 1,
                         exc.column or 1) from None
    if not isinstance(plain, dict) or plain.get("kind") != "ResourceList":
        raise InputError("not a KRM ResourceList (kind: ResourceList)", "<stdin>", 1, 1)
    items = plain.get("items") or []
    if not isinstance(items, list):
        raise InputError("ResourceList items must be a list", "<stdin>", 1, 1)
    config = function_config(plain)
    pipeline = Pipeline(config)
    as_json = text.lstrip().startswith("{")
    tree = plain if as_json else _round_trip().load(text)
    outcome = KrmOutcome("")
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        name = _file_of(item)[0] or f"items[{index}]"
        converted = pipeline.convert_text(yaml.safe_dump(item, sort_keys=False), name)
        ops = [op for patch in converted.patches for op in patch.operations]
        if ops:
            jsonpatch.apply_patch(tree["items"][index], ops, in_place=True)
            outcome.changed += 1
        for finding in converted.findings:
            outcome.findings.append(finding)
            results.append(result_of(finding, item))
    existing = tree.get("results")
    tree["results"] = (list(existing) if isinstance(existing, list) else []) + results
    if as_json:
        outcome.text = json.dumps(tree, indent=2, ensure_ascii=False) + "\n"
    else:
        out = io.StringIO()
        _round_trip().dump(tree, out)
        outcome.text = out.getvalue()
    return outcome, config


def _round_trip() -> YAML:
    writer = YAML(typ="rt")
    writer.preserve_quotes = True
    writer.width = 4096
    return writer


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
