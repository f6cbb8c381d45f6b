"""The JSON report (contract: version 1, files, findings, summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from porter.engine.findings import Severity
from porter.engine.results import FileResult
from porter.outputs.encoding import dumps

VERSION = 1


def file_entry(result: FileResult) -> dict[str, Any]:
    entry = {"path": result.path, "changed": result.changed,
             "error": "; ".join(e.message if e.line is None else
                                f"{e.message} (line {e.line}, column {e.column})"
                                for e in result.errors) or None}
    engine = getattr(result, "engine", "")  # a chart's: which Helm rendered it
    if engine:
        entry["engine"] = engine
    return entry


def summary_entry(results: Sequence[FileResult]) -> dict[str, int]:
    findings = [f for result in results for f in result.findings]
    return {
        "files": len(results),
        "changed": sum(r.changed for r in results),
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "infos": sum(f.severity is Severity.INFO for f in findings),
    }


def report(results: Sequence[FileResult]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [file_entry(r) for r in results],
        "findings": [f.to_dict() for r in results for f in r.findings],
        "summary": summary_entry(results),
    }


def render(results: Sequence[FileResult]) -> str:
    return dumps(report(results), indent=2) + "\n"
