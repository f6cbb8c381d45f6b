"""Test helper: check what porter wrote with :mod:`porter.kube.validation`, before against after.

Used by the fixture tests and the corpus test. A violation in porter's output counts against
porter unless one of these holds:

- porter said it did not convert the document: a ``yaml-aliases``, ``yaml-custom-tag`` or
  ``internal-error`` finding in it (porter then writes the whole document back unchanged, on
  purpose);
- porter said it left that resource alone because the user asked it to: a ``skipped``
  finding at the resource (or List item) holding the violation;
- porter reported an ``error`` finding at the violation's place or above it (the finding's
  path is the violation's pointer or an ancestor of it): it told the user it could not fix
  that spot in place, which is what an ``error`` finding means;
- (schema only) the input document already had the same violation: porter does not repair
  manifests that were invalid before it touched them.

``error`` findings elsewhere in the document excuse nothing: a volume porter cannot convert
does not make a forbidden ``securityContext`` field it left behind acceptable.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult
from porter.kube.validation import (
    Violation,
    has_schema,
    plain_pod_specs,
    schema_violations,
    windows_violations,
)
from porter.yamledit.documents import Document
from porter.yamledit.parsing import compose, segments

NOT_CONVERTED = frozenset({"yaml-aliases", "yaml-custom-tag", "internal-error"})
"""Rules whose finding means the whole document was written back unchanged."""
LEFT_ALONE = frozenset({"skipped"})
"""Rules whose finding means the resource at its path was left alone on request."""


@dataclass
class Checked:
    """What checking one converted file found."""

    documents: int = 0
    pod_specs: int = 0
    schema_checked: int = 0
    violations: list[tuple[int, Violation]] = field(default_factory=list)
    """Violations that count against porter, with the document index."""
    excused: list[tuple[int, Violation, str]] = field(default_factory=list)
    preexisting: list[tuple[int, Violation]] = field(default_factory=list)

    def add(self, other: Checked) -> None:
        self.documents += other.documents
        self.pod_specs += other.pod_specs
        self.schema_checked += other.schema_checked
        self.violations += other.violations
        self.excused += other.excused
        self.preexisting += other.preexisting


def _documents(text: str, name: str, wanted: Collection[str] | None) -> list[Document]:
    raws = compose(text, name) if wanted is None else \
        [raw for piece in segments(text, name, wanted) for raw in piece.documents or ()]
    return [Document(name, raw) for raw in raws]


def _span(document: Document) -> tuple[int, int]:
    """First and last 1-based line of a document in its file."""
    root = document.root
    return (root.start_mark.line + 1 + document.line_offset,
            root.end_mark.line + 1 + document.line_offset)


def _owner(findings: list[Finding], documents: list[Document]) -> dict[int, list[Finding]]:
    """The findings of each document (by index), found by the finding's line."""
    spans = [(_span(d), d.index) for d in documents]
    owned: dict[int, list[Finding]] = {}
    for finding in findings:
        for (first, last), index in spans:
            if first <= finding.line <= last:
                owned.setdefault(index, []).append(finding)
                break
    return owned


def _covers(finding: Finding, pointer: str) -> bool:
    return pointer == finding.path or pointer.startswith(finding.path + "/")


def _excuse(findings: list[Finding], violation: Violation) -> str | None:
    for finding in findings:
        if finding.rule in NOT_CONVERTED:
            return f"not converted ({finding.rule})"
    for finding in findings:
        if finding.rule in LEFT_ALONE and _covers(finding, violation.pointer):
            return f"left alone ({finding.rule})"
        if finding.severity is Severity.ERROR and _covers(finding, violation.pointer):
            return f"reported as {finding.rule} at {finding.path}"
    return None


def check_result(result: FileResult, wanted: Collection[str] | None = None,
                 schema: bool = True, toleration: dict[str, str] | None = None) -> Checked:
    """Validate every document of ``result.converted`` (those ``wanted`` matches, if given):
    the Windows and scheduling rules for every pod spec (``toleration``: the taint each
    Windows pod must tolerate), the schema for every document porter changed."""
    checked = Checked()
    before = {d.index: d for d in _documents(result.original, result.path, wanted)}
    after = _documents(result.converted, result.path, wanted)
    findings = _owner(result.findings, list(before.values()))
    for document in after:
        index = document.index
        data: Any = document.data
        mine = findings.get(index, [])
        checked.documents += 1
        checked.pod_specs += sum(1 for _ in plain_pod_specs(data))
        found = windows_violations(data, toleration)
        old = before[index].data if index in before else None
        if schema and old != data and has_schema(data):
            checked.schema_checked += 1
            new = schema_violations(data)
            previous = set(schema_violations(old)) if new and old is not None else set()
            for violation in new:
                if violation in previous:
                    checked.preexisting.append((index, violation))
                else:
                    found.append(violation)
        for violation in found:
            reason = _excuse(mine, violation)
            if reason is None:
                checked.violations.append((index, violation))
            else:
                checked.excused.append((index, violation, reason))
    return checked


def describe(name: str, checked: Checked) -> str:
    return "\n".join(f"{name} document {index}: {violation} [{violation.check}]"
                     for index, violation in checked.violations)

