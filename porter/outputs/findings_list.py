"""The findings as a linter lists them on stderr: ``FILE:LINE:COL: severity rule: message
(hint)``, grouped by file, infos only when asked, capped for huge runs."""

from __future__ import annotations

from collections.abc import Sequence

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult

LIMIT = 200
"""Lines listed before the rest is left to ``--report`` (a fleet run has thousands)."""


def line(finding: Finding) -> str:
    """One finding on one line (never wrapped: editors and CI parse ``FILE:LINE:COL:``)."""
    hint = f" ({finding.hint})" if finding.hint else ""
    return (f"{finding.file}:{finding.line}:{finding.column}: {finding.severity.value} "
            f"{finding.rule}: {finding.message}{hint}")


def listed(results: Sequence[FileResult], verbose: bool = False,
           lowest: Severity = Severity.WARNING) -> list[Finding]:
    """The findings to list, grouped by file in input order, by position within a file."""
    minimum = Severity.INFO.rank if verbose else lowest.rank
    groups: dict[str, list[Finding]] = {}
    for result in results:
        for finding in result.findings:
            if finding.severity.rank >= minimum:
                groups.setdefault(finding.file, []).append(finding)
    return [f for group in groups.values() for f in sorted(group, key=Finding.sort_key)]


def render(results: Sequence[FileResult], verbose: bool = False, limit: int = LIMIT,
           reports: Sequence[str] = ()) -> str:
    """The listing; past ``limit`` lines, one line says how many more and where they are."""
    findings = listed(results, verbose)
    lines = [line(f) for f in findings[:limit]]
    if len(findings) > limit:
        where = f"see {reports[0]}" if reports else "see --report FILE"
        lines.append(f"... {len(findings) - limit} more, {where}")
    return "".join(text + "\n" for text in lines)
