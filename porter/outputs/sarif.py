"""The findings as SARIF 2.1.0, the format code-scanning services ingest.

One run; the driver describes each rule the results use (id, a distinct PascalCase name,
short and full description, help as text and Markdown, default level, help URI, precision
and, for the rules that are about security, ``security-severity``), taken from the rule
registry. Input errors are tool execution notifications: they are about the run, not about
a rule.

For GitHub code scanning, artifact URIs are relative to the repository root (``%SRCROOT%``,
given in ``originalUriBaseIds``); each result has a ``partialFingerprints`` hash of its rule,
file, resource and JSON pointer (not its line, so alerts follow a finding across commits),
and a region from the key's line and column to the end of the key.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

from porter.engine.findings import Finding, Severity
from porter.engine.registry import all_rules
from porter.engine.results import FileResult
from porter.engine.transform import Rule
from porter.errors import PorterError
from porter.outputs.encoding import dumps
from porter.outputs.report_json import shard_entry
from porter.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SHARD_PROPERTY = "porter/shard"
INFORMATION_URI = "https://pypi.org/project/winporter/"
SRCROOT = "%SRCROOT%"
# Rules about security rather than portability, scored for code scanning's security view
# (CVSS-like, 0.1-10): a workload meant to run unprivileged that would run as the container's
# administrator, and Secret data that lands on the node's disk in clear text.
SECURITY_SEVERITY = {"run-as-non-root-admin": "6.5", "secret-on-node-disk": "4.0"}
# Rules that recognise something by a heuristic (an image name, a command line) rather than by
# the API's rules; the rest state facts of the manifest ("very-high").
PRECISION = {"linux-image": "high", "linux-shell": "high", "ownership-init-container": "medium",
             "mount-path-referenced": "high", "kept-on-linux": "high", "host-path-logs": "high",
             "windows-image-unversioned": "high", "not-examined": "high"}
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


def rule_name(owner: str, rule: Rule) -> str:
    """The rule's SARIF ``name``: owner and code in PascalCase, so never the same as the id
    (``sysctls`` -> ``LinuxSecurityContextSysctls``)."""
    return _pascal(f"{owner} {rule.code}")


def rule_descriptor(owner: str, rule: Rule) -> dict[str, Any]:
    sections = doc_sections(rule)
    full = " ".join(f"{name}: {sections[name]}" for name in ("Converts", "Why")
                    if name in sections) or rule.summary
    markdown = "\n\n".join(f"**{name}:** {sections[name]}" for name in SECTIONS
                           if name in sections) or rule.text
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule_name(owner, rule),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{rule.text}\n\nReference: {rule.source}",
                 "markdown": f"{markdown}\n\nReference: {rule.source}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["kubernetes", "windows", owner], "transform": owner,
                       "precision": PRECISION.get(rule.code, "very-high")},
    }
    if rule.code in SECURITY_SEVERITY:
        descriptor["properties"]["tags"].append("security")
        descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[rule.code]
    if rule.source.startswith(("https://", "http://")):
        descriptor["helpUri"] = rule.source
    return descriptor


def _quote(path: str) -> str:
    """Percent-encoded, a name that is not UTF-8 by its own bytes (``caf%E9.yaml``)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def artifact_location(path: str, root: str | None = None, cwd: str | None = None) \
        -> dict[str, Any]:
    """Where ``path`` is: relative to ``root`` (the repository root, as ``%SRCROOT%``) when it
    lies below it, else a ``file:`` URI; without ``root``, relative paths stay relative."""
    if path in ("<stdin>", "-"):
        return {"uri": "stdin.yaml"}
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if root is not None:
        full = posixpath.normpath(posixpath.join(cwd or root, posix))
        if full == root or full.startswith(root.rstrip("/") + "/"):
            return {"uri": _quote(posixpath.relpath(full, root)), "uriBaseId": SRCROOT}
        posix = full
    uri = _quote(posix)
    return {"uri": f"file://{uri}" if posix.startswith("/") else uri}


def artifact_uri(path: str) -> str:
    """A relative URI for a relative path, a ``file:`` URI for an absolute one."""
    return artifact_location(path)["uri"]


def _key_length(pointer: str) -> int:
    """Length of the key a finding points at (the pointer's last token); 1 for an item."""
    token = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return 1 if not token or token.isdigit() else len(token)


def _location(path: str, line: int | None, column: int | None, pointer: str = "",
              root: str | None = None, cwd: str | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(path, root, cwd)}
    if line is not None:
        region = {"startLine": max(line, 1)}
        if column is not None:
            region["startColumn"] = max(column, 1)
            region["endLine"] = region["startLine"]
            region["endColumn"] = region["startColumn"] + _key_length(pointer)
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(finding: Finding) -> str:
    """Stable while lines move: the rule, file, resource and JSON pointer of the finding."""
    resource = finding.resource
    key = "\x00".join(str(part) for part in (finding.rule, finding.file, resource.kind,
                                             resource.namespace, resource.name, finding.path))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _result(finding: Finding, index: dict[str, int], root: str | None = None,
            cwd: str | None = None) -> dict[str, Any]:
    message = finding.message + (f" Hint: {finding.hint}" if finding.hint else "")
    location = _location(finding.file, finding.line, finding.column, finding.path, root, cwd)
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


def _notification(error: PorterError, path: str, root: str | None, cwd: str | None) \
        -> dict[str, Any]:
    return {"level": "error", "message": {"text": error.message},
            "locations": [_location(error.file or path, error.line, error.column, "", root,
                                    cwd)]}


def report(results: Sequence[FileResult], rules: Sequence[tuple[str, Rule]] | None = None,
           root: str | None = None, cwd: str | None = None,
           shard: tuple[int, int] | None = None) -> dict[str, Any]:
    """The SARIF log of ``results``; ``rules`` (default: the registry's) describe them.
    ``root`` (absolute, POSIX) is the repository root URIs are relative to; ``cwd`` is the
    directory relative input paths are relative to (default: ``root``). With ``shard``
    (K, N), the run's properties say where each file stands among all the inputs and how many
    results and notifications it has (for ``porter report merge``)."""
    findings = [f for result in results for f in result.findings]
    used = {f.rule for f in findings}
    catalogue = [(owner, rule) for owner, rule in (all_rules() if rules is None else rules)
                 if rule.code in used]
    descriptors = [rule_descriptor(owner, rule) for owner, rule in catalogue]
    index = {rule.code: number for number, (_owner, rule) in enumerate(catalogue)}
    notifications = [_notification(e, r.path, root, cwd) for r in results for e in r.errors]
    internal = any(f.rule == "internal-error" for f in findings)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "porter", "version": __version__,
                            "semanticVersion": __version__, "informationUri": INFORMATION_URI,
                            "rules": descriptors}},
        "invocations": [{"executionSuccessful": not (internal or notifications),
                         "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, root, cwd) for f in findings],
    }
    if shard is not None:
        run["properties"] = {SHARD_PROPERTY: shard_entry(
            results, shard, results=[len(r.findings) for r in results],
            notifications=[len(r.errors) for r in results])}
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + _quote(root.rstrip("/") + "/")}}
    return {"$schema": SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(results: Sequence[FileResult], rules: Sequence[tuple[str, Rule]] | None = None,
           root: str | None = None, cwd: str | None = None,
           shard: tuple[int, int] | None = None) -> str:
    return dumps(report(results, rules, root, cwd, shard), indent=2) + "\n"


def path_of(location: dict[str, Any], root: str | None = None) -> str:
    """The file path a SARIF artifact location names (the inverse of
    :func:`artifact_location`, for tests and tools)."""
    uri = unquote(location["uri"], errors="surrogateescape")
    if location.get("uriBaseId") == SRCROOT and root is not None:
        return posixpath.join(root, uri)
    return uri.removeprefix("file://")
