"""The findings as SARIF 2.1.0, the format code-scanning services ingest.

One run; the driver describes each rule the results use (id, name, short and full
description, help as text and Markdown, default level, help URI), taken from the rule
registry. Input errors are tool execution notifications: they are about the run, not about
a rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from porter.engine.findings import Finding, Severity
from porter.engine.registry import all_rules
from porter.engine.results import FileResult
from porter.engine.transform import Rule
from porter.errors import PorterError
from porter.outputs.report_json import shard_entry
from porter.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SHARD_PROPERTY = "porter/shard"
SARIF_VERSION = "2.1.0"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SECTIONS = ("Converts", "Why", "Example", "Cannot convert", "Source")
_SECTION = re.compile(rf"^({'|'.join(SECTIONS)}):\s*", re.MULTILINE)


def doc_sections(rule: Rule) -> dict[str, str]:
    """The sections of a rule's documentation (Converts, Why, ...), each on one line."""
    text = rule.text
    marks = list(_SECTION.finditer(text))
    sections = {}
    for number, mark in enumerate(marks):
        end = marks[number + 1].start() if number + 1 < len(marks) else len(text)
        sections[mark.group(1)] = " ".join(text[mark.end():end].split())
    return sections


def _pascal(code: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", code) if part)


def rule_descriptor(owner: str, rule: Rule) -> dict[str, Any]:
    sections = doc_sections(rule)
    full = " ".join(f"{name}: {sections[name]}" for name in ("Converts", "Why")
                    if name in sections) or rule.summary
    markdown = "\n\n".join(f"**{name}:** {sections[name]}" for name in SECTIONS
                           if name in sections) or rule.text
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": _pascal(rule.code),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{rule.text}\n\nReference: {rule.source}",
                 "markdown": f"{markdown}\n\nReference: {rule.source}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["kubernetes", "windows", owner], "transform": owner},
    }
    if rule.source.startswith(("https://", "http://")):
        descriptor["helpUri"] = rule.source
    return descriptor


def artifact_uri(path: str) -> str:
    """A relative URI for a relative path (code scanning resolves it against the repository
    root), a ``file:`` URI for an absolute one."""
    if path in ("<stdin>", "-"):
        return "stdin.yaml"
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    uri = quote(posix, safe="/")
    return f"file://{uri}" if posix.startswith("/") else uri


def _location(path: str, line: int | None, column: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
    if line is not None:
        region = {"startLine": max(line, 1)}
        if column is not None:
            region["startColumn"] = max(column, 1)
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(finding: Finding) -> str:
    """Stable while lines move: the rule, file, resource and JSON pointer of the finding."""
    resource = finding.resource
    key = "\x00".join(str(part) for part in (finding.rule, finding.file, resource.kind,
                                             resource.namespace, resource.name, finding.path))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    message = finding.message + (f" Hint: {finding.hint}" if finding.hint else "")
    location = _location(finding.file, finding.line, finding.column)
    resource = finding.resource
    if resource.kind:
        qualified = "/".join(part for part in (resource.namespace, resource.kind,
                                               resource.name) if part)
        location["logicalLocations"] = [{"name": resource.name or resource.kind,
                                         "fullyQualifiedName": qualified, "kind": "object"}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"porterFinding/v1": _fingerprint(finding)},
        "properties": {"resource": resource.to_dict(), "path": finding.path},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    return result


def _notification(error: PorterError, path: str) -> dict[str, Any]:
    return {"level": "error", "message": {"text": error.message},
            "locations": [_location(error.file or path, error.line, error.column)]}


def report(results: Sequence[FileResult], rules: Sequence[tuple[str, Rule]] | None = None,
           shard: tuple[int, int] | None = None) -> dict[str, Any]:
    """The SARIF log of ``results``; ``rules`` (default: the registry's) describe them. With
    ``shard`` (K, N), the run's properties say where each file stands among all the inputs
    and how many results and notifications it has (for ``porter report merge``)."""
    findings = [f for result in results for f in result.findings]
    used = {f.rule for f in findings}
    catalogue = [(owner, rule) for owner, rule in (all_rules() if rules is None else rules)
                 if rule.code in used]
    descriptors = [rule_descriptor(owner, rule) for owner, rule in catalogue]
    index = {rule.code: number for number, (_owner, rule) in enumerate(catalogue)}
    notifications = [_notification(e, r.path) for r in results for e in r.errors]
    internal = any(f.rule == "internal-error" for f in findings)
    properties = {} if shard is None else {"properties": {SHARD_PROPERTY: shard_entry(
        results, shard, results=[len(r.findings) for r in results],
        notifications=[len(r.errors) for r in results])}}
    return {
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "porter", "version": __version__,
                                "semanticVersion": __version__, "rules": descriptors}},
            "invocations": [{"executionSuccessful": not (internal or notifications),
                             "toolExecutionNotifications": notifications}],
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index) for f in findings],
            **properties,
        }],
    }


def render(results: Sequence[FileResult], rules: Sequence[tuple[str, Rule]] | None = None,
           shard: tuple[int, int] | None = None) -> str:
    return json.dumps(report(results, rules, shard), indent=2, ensure_ascii=False) + "\n"
