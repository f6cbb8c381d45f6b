"""The readiness report as GitHub-flavoured Markdown (``--report FILE.md``), for a pull-request
comment or ``$GITHUB_STEP_SUMMARY``: the run, a status table, the top blockers, then one
collapsed ``<details>`` per workload, most urgent first. It never exceeds GitHub's comment
limit (65,536 characters): what does not fit is left out, diffs first, and the report says
what was cut."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult
from porter.engine.transform import Rule
from porter.outputs.readiness import Readiness, RunInfo, Status, Workload, readiness

LIMIT = 65_536
"""GitHub's limit on a comment's body, in characters."""
TOP_BLOCKERS = 10
MAX_INPUT_ERRORS = 20
MAX_INPUTS = 5
_RESERVE = 400
"""Room kept for the note that says what was cut."""
_MARKS = {Status.BLOCKED: "\U0001f7e5", Status.REVIEW: "\U0001f7e8",
          Status.CONVERTED: "\U0001f7e6", Status.LINUX: "\U0001f7ea",
          Status.UNEXAMINED: "\u2b1c", Status.READY: "\U0001f7e9"}
_SPECIAL = re.compile(r"([\\`*_\[\]#~|!])")


def _md(text: object) -> str:
    """Text safe in Markdown and in a table cell: HTML escaped, punctuation that Markdown
    reads backslash-escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", escape(" ".join(str(text).split()), quote=False))


def _code(text: object) -> str:
    """An inline code span that holds ``text`` whatever backquotes it has; ``|`` escaped
    for tables (GitHub reads ``\\|`` inside code spans in tables)."""
    value = " ".join(str(text).split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value.replace('|', chr(92) + '|')}{pad}{ticks}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _status(status: Status) -> str:
    return f"{_MARKS[status]} {status.label}"


def _head(model: Readiness) -> str:
    run = model.run
    statuses = model.by_status()
    severities = model.by_severity()
    facts = [f"porter {_md(run.version)}", _code(f"porter {run.command}"),
             "inputs: " + (", ".join(_code(i) for i in run.inputs[:MAX_INPUTS]) or "-")
             + (f" and {len(run.inputs) - MAX_INPUTS} more" if len(run.inputs) > MAX_INPUTS
                else ""),
             f"target Windows {_md(run.target_windows)}",
             f"image resolution {'on' if run.image_resolution else 'off'}"]
    if model.engines:
        facts.append("charts rendered by " + ", ".join(_md(e) for e in model.engines))
    counts = ", ".join(f"{statuses[s]} {s.label}" for s in Status if statuses[s])
    found = ", ".join(_plural(severities[v], v.value) for v in Severity if severities[v])
    verb = "would change" if run.command == "check" else "changed"
    lines = ["## Windows migration readiness", "", " · ".join(facts), "",
             f"**{_plural(len(model.workloads), 'workload')}** in "
             f"{_plural(model.files, 'file')}" + (f": {counts}" if counts else "")
             + f"; findings: {found or 'none'}; {model.changed_files} {verb}"
             + (f"; {len({p for p, _ in model.input_errors})} with input errors"
                if model.input_errors else "") + ".", "",
             "| status | workloads | meaning |", "|---|--:|---|"]
    lines += [f"| {_status(s)} | {statuses[s]} | {s.meaning} |" for s in Status]
    blockers = model.blockers()
    if blockers:
        lines += ["", "### Top blockers", "",
                  "| rule | workloads blocked | findings | first at |", "|---|--:|--:|---|"]
        lines += [f"| {_code(rule)} | {workloads} | {count} | "
                  f"{_code(f'{first.file}:{first.line}')} |"
                  for rule, workloads, count, first in blockers[:TOP_BLOCKERS]]
        if len(blockers) > TOP_BLOCKERS:
            lines += ["", f"and {_plural(len(blockers) - TOP_BLOCKERS, 'more error rule')}."]
    if model.input_errors:
        lines += ["", "### Input errors", ""]
        lines += [f"- {_code(error)}" for _path, error in model.input_errors[:MAX_INPUT_ERRORS]]
        if len(model.input_errors) > MAX_INPUT_ERRORS:
            lines.append(f"- and {len(model.input_errors) - MAX_INPUT_ERRORS} more")
    return "\n".join(lines) + "\n"


def _finding_table(findings: Sequence[Finding]) -> list[str]:
    lines = ["| severity | rule | where | finding |", "|---|---|---|---|"]
    for f in findings:
        hint = f" *Hint:* {_md(f.hint)}" if f.hint else ""
        lines.append(f"| {f.severity.value} | {_code(f.rule)} | "
                     f"{_code(f'{f.file}:{f.line}:{f.column}')} | {_md(f.message)}{hint} |")
    return lines


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"^`{3,}", text, re.MULTILINE)), default=2)
    return "`" * (longest + 1)


def _summary(w: Workload) -> str:
    counts = ", ".join(_plural(w.count(v), v.value) for v in Severity if w.count(v))
    return (f"{_MARKS[w.status]} <b>{escape(w.status.label)}</b> · {escape(w.label)} · "
            f"<code>{escape(w.file)}:{w.line}</code>"
            + (f" (template <code>{escape(w.template)}</code>)" if w.template else "")
            + (f" · {counts}" if counts else ""))


def _details(w: Workload, with_diff: bool) -> str:
    lines = ["<details>", f"<summary>{_summary(w)}</summary>", ""]
    if w.findings:
        lines += [*_finding_table(w.findings), ""]
    if w.diff and with_diff:
        fence = _fence(w.diff)
        lines += [f"{fence}diff", w.diff.rstrip("\n"), fence, ""]
    elif w.diff:
        lines += ["*The diff is left out to keep within the size limit.*", ""]
    lines += ["</details>", ""]
    return "\n".join(lines) + "\n"


def _line(w: Workload) -> str:
    return f"- {_status(w.status)} {_md(w.label)} {_code(f'{w.file}:{w.line}')}\n"


def _choices(w: Workload) -> list[str]:
    """The forms of a workload's entry, fullest first."""
    if w.status is Status.READY:
        return [_line(w)]
    if w.diff:
        return [_details(w, True), _details(w, False), _line(w)]
    return [_details(w, False), _line(w)]


def markdown(model: Readiness, limit: int = LIMIT) -> str:
    """The report, within ``limit`` characters. When not everything fits, every workload
    still gets a line if the lines fit, and the most urgent get their details (with the diff
    where there is room); otherwise the least urgent are left out."""
    head = _head(model)
    ordered = model.ordered()
    heading = "\n### Workloads\n\n" if ordered else ""
    budget = limit - len(head) - len(heading) - _RESERVE
    forms = [_choices(w) for w in ordered]
    chosen: list[int | None]
    if sum(len(f[0]) for f in forms) <= budget + _RESERVE:
        chosen = [0] * len(forms)  # everything fits: no note needed
    elif sum(len(f[-1]) for f in forms) <= budget:
        chosen = [len(f) - 1 for f in forms]
        budget -= sum(len(f[-1]) for f in forms)
        for number, options in enumerate(forms):  # most urgent first
            for form, text in enumerate(options[:-1]):
                extra = len(text) - len(options[-1])
                if extra <= budget:
                    chosen[number], budget = form, budget - extra
                    break
    else:
        chosen = []
        for options in forms:
            pick = next((form for form, text in enumerate(options) if len(text) <= budget),
                        None)
            chosen.append(pick)
            if pick is not None:
                budget -= len(options[pick])
    out = [head, heading]
    brief = no_diff = cut = 0
    for w, options, pick in zip(ordered, forms, chosen, strict=True):
        if pick is None:
            cut += 1
            continue
        out.append(options[pick])
        full = len(options) - 1
        brief += pick == full and full > 0
        no_diff += bool(w.diff) and pick > 0
    if cut or brief or no_diff:
        parts = ([f"{_plural(cut, 'workload')} left out"] if cut else []) + \
            ([f"{_plural(brief, 'workload')} listed without details"] if brief else []) + \
            ([f"{_plural(no_diff, 'diff')} left out"] if no_diff else [])
        out.append(f"\n> **Cut to fit GitHub's {limit:,}-character limit:** "
                   f"{', '.join(parts)} (the least urgent first). The HTML or JSON "
                   "report (`--report porter.html`) has everything.\n")
    return "".join(out)


def render(results: Sequence[FileResult], run: RunInfo | None = None,
           rules: Sequence[tuple[str, Rule]] | None = None, limit: int = LIMIT) -> str:
    return markdown(readiness(results, run, rules), limit)
