"""Findings: what porter tells the user about a resource it examined (report contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from porter.kube.resources import Resource


class Severity(StrEnum):
    """How much a finding needs a human: error = not converted, warning = review, info = FYI."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported item; line and column are 1-based, of the offending key in the input."""

    rule: str
    severity: Severity
    message: str
    file: str = "-"
    line: int = 1
    column: int = 1
    resource: Resource = field(default_factory=Resource)
    path: str = ""
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "resource": self.resource.to_dict(),
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.path)

    def __reduce__(self) -> tuple[type[Finding], tuple[Any, ...]]:
        # Findings travel from workers and back from disk by the thousand: rebuilt from
        # their fields in order (a slotted dataclass's default state costs a fields() call).
        return Finding, (self.rule, self.severity, self.message, self.file, self.line,
                         self.column, self.resource, self.path, self.hint)


