"""The findings as a linter lists them on stderr: ``FILE:LINE:COL: severity rule: message
(hint)``, grouped by file, infos only when asked, capped for huge runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult

LIMIT = 200
"""Lines listed before the rest is left to ``--report`` (a fleet run has thousands)."""


def line(finding: Finding) -> str:
    """One finding on one line (never wrapped: editors and CI parse ``FILE:LINE:COL:``)."""
    hint = f" ({finding.hint})" if finding.hint else ""
    return (f"{finding.file}:{finding.line}:{finding.column}: {finding.severity.value} "
            f"{finding.rule}: {finding.message}{hint}")


def listed(results: Iterable[FileResult], verbose: bool = False,
           lowest: Severity = Severity.WARNING) -> list[Finding]:
    """The findings to list, grouped by file in input order, by position within a file."""
    return first(results, verbose, lowest)[0]


def first(results: Iterable[FileResult], verbose: bool = False,
          lowest: Severity = Severity.WARNING,
          limit: int | None = None) -> tuple[list[Finding], int]:
    """The first ``limit`` findings to list (all without a limit) and how many there are.

    Memory is bounded by the limit, not by the run: a group (a file) past the point where
    the groups before it already fill the listing is only counted, and no group keeps more
    than ``limit`` findings (a later file's findings may still join an earlier group, so the
    groups that can still show are kept)."""
    minimum = Severity.INFO.rank if verbose else lowest.rank
    groups: dict[str, list[Finding]] = {}
    count = 0
    shown = 0  # findings held by the groups kept so far, each capped at the limit
    for result in results:
        for finding in result.findings:
            if finding.severity.rank < minimum:
                continue
            count += 1
            group = groups.get(finding.file)
            if group is None:
                if limit is not None and shown >= limit:
                    continue  # every line it could show comes after the listing's end
                group = groups[finding.file] = []
            group.append(finding)
            if limit is None:
                continue
            if len(group) <= limit:
                shown += 1
            elif len(group) > 2 * limit:  # keep the first ``limit`` of the group
                group.sort(key=Finding.sort_key)
                del group[limit:]
    ordered = [f for group in groups.values() for f in sorted(group, key=Finding.sort_key)]
    return (ordered if limit is None else ordered[:limit]), count


def render(results: Iterable[FileResult], verbose: bool = False, limit: int = LIMIT,
           reports: Sequence[str] = ()) -> str:
    """The listing; past ``limit`` lines, one line says how many more and where they are."""
    findings, count = first(results, verbose, limit=limit)
    lines = [line(f) for f in findings]
    if count > limit:
        where = f"see {reports[0]}" if reports else "see --report FILE"
        lines.append(f"... {count - limit} more, {where}")
    return "".join(text + "\n" for text in lines)
