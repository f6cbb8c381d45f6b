"""Findings: what porter tells the user about a resource it examined (report contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding needs a human: error = not converted, warning = review, info = FYI."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Resource:
    """The Kubernetes object a finding is about."""

    api_version: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def label(self) -> str:
        """Short human form, e.g. ``Deployment/web``."""
        kind = self.kind or "?"
        return f"{kind}/{self.name}" if self.name else kind


@dataclass(frozen=True)
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


def json_pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """Inverse of :func:`json_pointer` (indexes come back as strings)."""
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
