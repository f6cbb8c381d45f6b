"""The human summary on stderr: a table of findings by severity and rule, the files changed,
and the single most important next step. On a terminal it wraps to the terminal's width
(80 columns by default), never inside a path or a word; into files and pipes it is not
wrapped at all."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from porter.engine.findings import Severity
from porter.engine.results import FileResult
from porter.errors import WriteError

WIDTH = 80
MAX_FILES = 5


_KEEP = "\x00"
"""Stands for a space inside a path while wrapping, so that no path is broken."""


def _wrap(text: str, width: int | None) -> list[str]:
    if width is None:
        return [text.replace(_KEEP, " ")]
    return [line.replace(_KEEP, " ") for line in
            textwrap.wrap(text, width, subsequent_indent="    ", break_on_hyphens=False,
                          break_long_words=False)]


def _unbroken(path: str) -> str:
    return path.replace(" ", _KEEP)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _table(results: Sequence[FileResult], width: int | None) -> list[str]:
    by_rule = Counter((f.severity, f.rule) for r in results for f in r.findings)
    if not by_rule:
        return []
    rows = sorted(by_rule.items(), key=lambda item: (-item[0][0].rank, item[0][1]))
    column = max(len(rule) for (_s, rule), _n in rows)
    if width is not None:
        column = min(column, max(width - 2 - 9 - 7, 12))
    lines = [f"  {'severity':<8} {'rule':<{column}} {'count':>6}"]
    for (severity, rule), count in rows:
        if len(rule) > column:
            rule = rule[:column - 1] + "…"
        lines.append(f"  {severity.value:<8} {rule:<{column}} {count:>6}")
    return lines


def _files(results: Sequence[FileResult], check: bool, width: int | None) -> list[str]:
    changed = [_unbroken(r.path) for r in results if r.changed]
    if not changed:
        return []
    shown = ", ".join(changed[:MAX_FILES])
    more = f" and {len(changed) - MAX_FILES} more" if len(changed) > MAX_FILES else ""
    return _wrap(f"{'would change' if check else 'changed'}: {shown}{more}", width)


def _rewritten(results: Sequence[FileResult], width: int | None) -> list[str]:
    """Files where the fallback writer wrote documents (their layout may differ)."""
    files = [r for r in results if r.redumped]
    if not files:
        return []
    shown = ", ".join(f"{r.path} ({_plural(r.redumped, 'document')})" for r in files[:MAX_FILES])
    more = f" and {len(files) - MAX_FILES} more" if len(files) > MAX_FILES else ""
    return _wrap(f"written by ruamel.yaml, layout may differ: {shown}{more}", width)


def render(results: Sequence[FileResult], written: str | None = None, *,
           check: bool = False, preflight: bool = False, width: int | None = WIDTH,
           diff: bool = False) -> str:
    """The summary of a run; ``check`` words it for ``porter check`` (nothing was written),
    ``preflight`` for ``porter preflight`` (cluster descriptions, nothing to change).
    ``width`` is the terminal's (None: no wrapping); ``diff`` says the run showed the diff,
    so the next step does not suggest it again."""
    changed = sum(r.changed for r in results)
    unwritten = sum(any(isinstance(e, WriteError) for e in r.errors) for r in results)
    bad = sum(any(not isinstance(e, WriteError) for e in r.errors) for r in results)
    suppressed = sum(len(r.suppressed) for r in results)
    by_severity = Counter(f.severity for r in results for f in r.findings)
    counts = ", ".join(_plural(by_severity[s], s.value) for s in Severity if by_severity[s])
    head = (f"porter preflight: {_plural(len(results), 'file')}" if preflight else
            f"porter: {_plural(len(results), 'file')}, {changed} "
            f"{'would change' if check else 'changed'}")
    head += ((f", {bad} with input errors" if bad else "")
             + (f", {unwritten} not written (write errors)" if unwritten else "")
             + (f" ({written})" if written else "")
             + (f"; findings: {counts}" if counts else "; no findings")
             + (f" ({suppressed} suppressed)" if suppressed else ""))
    lines = _wrap(head, width) + _table(results, width) + _files(results, check, width) \
        + _rewritten(results, width)
    step = _next_step(results, check or preflight, diff)
    if step:
        lines += _wrap(f"next: {step}", width)
    return "".join(line + "\n" for line in lines)


def _next_step(results: Sequence[FileResult], check: bool, diff: bool) -> str:
    # Counted and first found in passes that hold no list: the results may be on disk.
    internal = next((f for r in results for f in r.findings if f.rule == "internal-error"),
                    None)
    if internal:
        return f"porter hit an internal error at {_unbroken(internal.file)}:" \
               f"{internal.line}; " \
               "please report it"
    if any(not isinstance(e, WriteError) for r in results for e in r.errors):
        return "fix the input errors above" + ("" if check else "; the other files were "
                                               "converted")
    if any(r.errors for r in results):
        return "see the write errors above (disk space, permissions); the other files were " \
               "written"
    first = next((f for r in results for f in r.findings if f.severity is Severity.ERROR),
                 None)
    if first is not None:
        count = sum(f.severity is Severity.ERROR for r in results for f in r.findings)
        return f"{_plural(count, 'item')} need{'s' * (count == 1)} manual work; " \
               f"start with {_unbroken(first.file)}:{first.line} " \
               f"(porter explain {first.rule})"
    if check and any(r.changed for r in results):
        return "apply the changes with porter convert --in-place" + \
            ("" if diff else " (review them first with porter check --diff)")
    warning = next((f for r in results for f in r.findings if f.severity is Severity.WARNING),
                   None)
    if warning and (check or diff):
        return f"review the warnings (porter explain {warning.rule})"
    if warning:
        return "review the warnings, then the diff (porter convert --diff)"
    return ""
