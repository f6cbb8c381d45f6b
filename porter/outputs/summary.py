"""The human summary on stderr: counts by severity and rule, and the next step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from porter.findings import Severity
from porter.results import FileResult


def render(results: Sequence[FileResult], written: str | None = None) -> str:
    findings = [f for r in results for f in r.findings]
    changed = sum(r.changed for r in results)
    bad = sum(bool(r.errors) for r in results)
    by_severity = Counter(f.severity for f in findings)
    head = (f"porter: {len(results)} file{'s' * (len(results) != 1)}, {changed} changed"
            + (f", {bad} with input errors" if bad else "")
            + (f" ({written})" if written else ""))
    counts = ", ".join(f"{by_severity[s]} {s.value}{'s' * (by_severity[s] != 1)}"
                       for s in Severity if by_severity[s])
    lines = [head + (f"; findings: {counts}" if counts else "; no findings")]
    by_rule = Counter((f.severity, f.rule) for f in findings)
    for (severity, rule), count in sorted(by_rule.items(),
                                          key=lambda item: (-item[0][0].rank, item[0][1])):
        lines.append(f"  {severity.value:<8} {rule:<34} {count:>5}")
    lines.append(_next_step(results, by_severity))
    return "\n".join(line for line in lines if line) + "\n"


def _next_step(results: Sequence[FileResult], by_severity: Counter[Severity]) -> str:
    internal = [f for r in results for f in r.findings if f.rule == "internal-error"]
    if internal:
        return f"next: porter hit an internal error at {internal[0].file}:{internal[0].line}; " \
               "please report it"
    if any(r.errors for r in results):
        return "next: fix the input errors above; the other files were converted"
    errors = [f for r in results for f in r.findings if f.severity is Severity.ERROR]
    if errors:
        return f"next: {len(errors)} item{'s' * (len(errors) != 1)} need manual work; start " \
               f"with {errors[0].file}:{errors[0].line} (porter explain {errors[0].rule})"
    if by_severity[Severity.WARNING]:
        return "next: review the warnings, then the diff (porter convert --diff)"
    return ""
