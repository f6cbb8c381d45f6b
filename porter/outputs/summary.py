"""The human summary on stderr: a table of findings by severity and rule, the files changed,
and the single most important next step; every line fits 80 columns."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from porter.engine.findings import Severity
from porter.engine.results import FileResult

WIDTH = 80
MAX_FILES = 5


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent="    ", break_on_hyphens=False,
                         break_long_words=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _table(results: Sequence[FileResult]) -> list[str]:
    by_rule = Counter((f.severity, f.rule) for r in results for f in r.findings)
    if not by_rule:
        return []
    rows = sorted(by_rule.items(), key=lambda item: (-item[0][0].rank, item[0][1]))
    width = min(max(len(rule) for (_s, rule), _n in rows), WIDTH - 2 - 9 - 7)
    lines = [f"  {'severity':<8} {'rule':<{width}} {'count':>6}"]
    for (severity, rule), count in rows:
        if len(rule) > width:
            rule = rule[:width - 1] + "…"
        lines.append(f"  {severity.value:<8} {rule:<{width}} {count:>6}")
    return lines


def _files(results: Sequence[FileResult], check: bool) -> list[str]:
    changed = [r.path for r in results if r.changed]
    if not changed:
        return []
    shown = ", ".join(changed[:MAX_FILES])
    more = f" and {len(changed) - MAX_FILES} more" if len(changed) > MAX_FILES else ""
    return _wrap(f"{'would change' if check else 'changed'}: {shown}{more}")


def _rewritten(results: Sequence[FileResult]) -> list[str]:
    """Files where the fallback writer wrote documents (their layout may differ)."""
    files = [r for r in results if r.redumped]
    if not files:
        return []
    shown = ", ".join(f"{r.path} ({_plural(r.redumped, 'document')})" for r in files[:MAX_FILES])
    more = f" and {len(files) - MAX_FILES} more" if len(files) > MAX_FILES else ""
    return _wrap(f"written by ruamel.yaml, layout may differ: {shown}{more}")


def render(results: Sequence[FileResult], written: str | None = None, *,
           check: bool = False, preflight: bool = False) -> str:
    """The summary of a run; ``check`` words it for ``porter check`` (nothing was written),
    ``preflight`` for ``porter preflight`` (cluster descriptions, nothing to change)."""
    findings = [f for r in results for f in r.findings]
    changed = sum(r.changed for r in results)
    bad = sum(bool(r.errors) for r in results)
    suppressed = sum(len(r.suppressed) for r in results)
    by_severity = Counter(f.severity for f in findings)
    counts = ", ".join(_plural(by_severity[s], s.value) for s in Severity if by_severity[s])
    head = (f"porter preflight: {_plural(len(results), 'file')}" if preflight else
            f"porter: {_plural(len(results), 'file')}, {changed} "
            f"{'would change' if check else 'changed'}")
    head += ((f", {bad} with input errors" if bad else "")
             + (f" ({written})" if written else "")
             + (f"; findings: {counts}" if counts else "; no findings")
             + (f" ({suppressed} suppressed)" if suppressed else ""))
    lines = _wrap(head) + _table(results) + _files(results, check) + _rewritten(results)
    step = _next_step(results, check or preflight)
    if step:
        lines += _wrap(f"next: {step}")
    return "".join(line + "\n" for line in lines)


def _next_step(results: Sequence[FileResult], check: bool) -> str:
    internal = [f for r in results for f in r.findings if f.rule == "internal-error"]
    if internal:
        return f"porter hit an internal error at {internal[0].file}:{internal[0].line}; " \
               "please report it"
    if any(r.errors for r in results):
        return "fix the input errors above" + ("" if check else "; the other files were "
                                               "converted")
    errors = [f for r in results for f in r.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        return f"{_plural(len(errors), 'item')} need{'s' * (len(errors) == 1)} manual work; " \
               f"start with {first.file}:{first.line} (porter explain {first.rule})"
    if check and any(r.changed for r in results):
        return "apply the changes with porter convert --in-place (review them first with " \
               "porter check --diff)"
    warnings = [f for r in results for f in r.findings if f.severity is Severity.WARNING]
    if warnings and check:
        return f"review the warnings (porter explain {warnings[0].rule})"
    if warnings:
        return "review the warnings, then the diff (porter convert --diff)"
    return ""
