"""The readiness report as one self-contained HTML page (``--report FILE.html``).

No network: CSS and the small sorting script are inline, the charts inline SVG. Everything is
readable with JavaScript off (filtering by status is CSS alone; only sorting needs the
script). The DOM carries what tests and scripts read: each workload row has ``data-status``,
``data-kind``, ``data-namespace``, ``data-name``, ``data-file``; the totals have ids
(``count-blocked``, ``findings-error``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from porter.engine.findings import Finding, Severity
from porter.engine.results import FileResult
from porter.engine.transform import Rule
from porter.outputs.readiness import Readiness, RunInfo, Status, Workload, readiness
from porter.outputs.sarif import SECTIONS, doc_sections

_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_CODE = re.compile(r"``(.+?)``")
MAX_INPUTS = 12
BAR_HEIGHT, BAR_GAP, CHART_WIDTH, LABEL_WIDTH = 22, 6, 720, 260
_FILL = {Status.BLOCKED: "#c62828", Status.REVIEW: "#a86400", Status.CONVERTED: "#1d4ed8",
         Status.LINUX: "#6d28d9", Status.UNEXAMINED: "#4b5563", Status.READY: "#15803d"}
_SEVERITY_FILL = {Severity.ERROR: "#c62828", Severity.WARNING: "#a86400",
                  Severity.INFO: "#1d4ed8", None: "#15803d"}

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; margin: 0 auto; padding: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
a { color: #0550ae; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
                   "DejaVu Sans Mono", monospace; font-size: .88em; }
.overview { display: flex; flex-wrap: wrap; gap: 0 3rem; align-items: flex-start; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 1rem 0; }
dl.run dt { color: var(--muted); } dl.run dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
         border-bottom: 1px solid var(--line); }
thead th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.totals { width: auto; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .85em;
         font-weight: 600; white-space: nowrap; border: 1px solid currentColor; }
.s-blocked .badge, .badge.s-blocked { background: #ffebe9; color: #82071e; }
.s-review .badge, .badge.s-review { background: #fff8c5; color: #6b4400; }
.s-converted .badge, .badge.s-converted { background: #ddf4ff; color: #0a3069; }
.s-linux .badge, .badge.s-linux { background: #fbefff; color: #512a97; }
.s-unexamined .badge, .badge.s-unexamined { background: #eaeef2; color: #32383f; }
.s-ready .badge, .badge.s-ready { background: #dafbe1; color: #116329; }
.sev-error { color: #82071e; font-weight: 600; } .sev-warning { color: #6b4400; font-weight: 600; }
.sev-info { color: #0a3069; }
table.findings td:nth-child(-n+3) { white-space: nowrap; }
table.findings td:nth-child(4) { overflow-wrap: anywhere; }
table.findings td:nth-child(5) { width: 30%; }
.filters { border: 1px solid var(--line); border-radius: .4rem; padding: .4rem .8rem;
           margin: .5rem 0; }
.filters label { margin-right: 1rem; white-space: nowrap; }
figure { margin: 1rem 0; } figcaption { color: var(--muted); font-size: .9em; }
svg text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
           fill: #1f2328; }
pre.diff { background: #f6f8fa; border: 1px solid var(--line); border-radius: .4rem;
           padding: .5rem 0; overflow-x: auto; line-height: 1.35; }
pre.diff span { display: block; padding: 0 .75rem; white-space: pre; }
pre.diff .d-file { font-weight: 700; } pre.diff .d-hunk { color: #0550ae; background: #ddf4ff; }
pre.diff .d-del { color: #82071e; background: #ffebe9; }
pre.diff .d-add { color: #116329; background: #dafbe1; }
article.workload { border-top: 1px solid var(--line); padding-top: .25rem; }
/* Long runs: the browser lays out only the workloads and rules in view. */
article.workload, article.rule { content-visibility: auto; contain-intrinsic-size: auto 320px; }
.where { color: var(--muted); }
button.sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
              cursor: pointer; color: inherit; }
button.sort::after { content: " \\2195"; color: var(--muted); }
.rule-doc dt { font-weight: 600; } .rule-doc dd { margin: 0 0 .4rem 1.2rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .filters, button.sort::after { display: none; }
  #workload-table tbody tr { display: table-row !important; }
  article.workload, tr, figure { break-inside: avoid; }
  article.workload, article.rule { content-visibility: visible; }
  pre.diff span { white-space: pre-wrap; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, column) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "sort"; button.textContent = th.textContent;
    th.textContent = ""; th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-v") || a.cells[column].textContent;
        var y = b.cells[column].getAttribute("data-v") || b.cells[column].textContent;
        var n = th.classList.contains("num");
        var order = n ? Number(x) - Number(y) : x.localeCompare(y, undefined, {numeric: true});
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _text(value: str) -> str:
    """Escaped prose with ``double-backquoted`` spans as code."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", _e(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _filter_css() -> str:
    return "\n".join(f"body:has(#f-{s.value}:checked) #workload-table tbody tr:not(.s-{s.value})"
                     " { display: none; }" for s in Status)


def bar_chart(chart_id: str, title: str,
              bars: Sequence[tuple[str, Sequence[tuple[int, str, str]]]]) -> str:
    """A horizontal bar chart as inline SVG. Each bar is (label, segments), a segment
    (value, fill, what it counts); bars are labelled with their total in text."""
    totals = [sum(value for value, _fill, _name in segments) for _label, segments in bars]
    top = max(totals, default=0) or 1
    height = len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    room = CHART_WIDTH - LABEL_WIDTH - 60
    described = ", ".join(f"{label} {total}" for (label, _), total in zip(bars, totals,
                                                                        strict=True))
    parts = [f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" '
             f'width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{_e(title)}: {_e(described)}</title>']
    for number, ((label, segments), total) in enumerate(zip(bars, totals, strict=True)):
        y = BAR_GAP + number * (BAR_HEIGHT + BAR_GAP)
        shown = label if len(label) <= 36 else label[:35] + "\u2026"
        parts.append(f'<g class="bar" data-label="{_e(label)}" data-value="{total}">'
                     f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{_e(shown)}'
                     "</text>")
        x = LABEL_WIDTH
        for value, fill, name in segments:
            if not value:
                continue
            width = max(1, round(room * value / top))
            parts.append(f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                         f'fill="{fill}"><title>{_e(label)}: {value} {_e(name)}</title></rect>')
            x += width
        parts.append(f'<text x="{x + 6}" y="{y + 15}">{total}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _figure(chart_id: str, title: str, caption: str,
            bars: Sequence[tuple[str, Sequence[tuple[int, str, str]]]]) -> str:
    return (f'<figure aria-labelledby="{chart_id}-caption"><h3 id="{chart_id}-caption">'
            f'{_e(title)}</h3>{bar_chart(chart_id, title, bars)}'
            f'<figcaption>{_e(caption)}</figcaption></figure>')


def diff_html(text: str) -> str:
    """A unified diff coloured as ``--diff`` colours it: file headers bold, hunk headers,
    removals and additions; hunk lengths are followed, so ``-- x`` is never a header."""
    out: list[str] = []
    old = new = 0
    for raw in text.splitlines():
        line = raw.rstrip("\r").lstrip("\ufeff") if not out else raw.rstrip("\r")
        kind = "d-ctx"
        if old or new:
            if line.startswith("-"):
                kind, old = "d-del", old - 1
            elif line.startswith("+"):
                kind, new = "d-add", new - 1
            elif line.startswith(" "):
                old, new = old - 1, new - 1
        elif line.startswith(("--- ", "+++ ")):
            kind = "d-file"
        elif (hunk := _HUNK.match(line)) is not None:
            kind = "d-hunk"
            old, new = (int(n) if n is not None else 1 for n in hunk.group(1, 2))
        out.append(f'<span class="{kind}">{_e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(out) + "</pre>"


def _header(model: Readiness) -> str:
    run = model.run
    facts = [
        ("porter", run.version),
        ("command", f"porter {run.command}"),
        ("inputs", ", ".join(run.inputs[:MAX_INPUTS]) + (
            f" and {len(run.inputs) - MAX_INPUTS} more" if len(run.inputs) > MAX_INPUTS
            else "") or "-"),
        ("target Windows", run.target_windows),
        ("Helm engine", ", ".join(model.engines) or "no charts in this run"),
        ("image resolution", "on (verdicts from the registries)" if run.image_resolution
         else "off (verdicts from image names)"),
        ("fail on", run.fail_on),
    ]
    statuses = model.by_status()
    severities = model.by_severity()
    summary = ", ".join(f"{statuses[s]} {s.label}" for s in Status if statuses[s])
    rows = "".join(
        f'<tr class="s-{s.value}"><th scope="row"><span class="badge">{_e(s.label)}</span>'
        f'</th><td class="num" id="count-{s.value}">{statuses[s]}</td>'
        f'<td>{_e(s.meaning)}</td></tr>' for s in Status)
    findings = "".join(
        f'<tr><th scope="row" class="sev-{v.value}">{v.value}</th>'
        f'<td class="num" id="findings-{v.value}">{severities[v]}</td></tr>' for v in Severity)
    return (
        "<header><h1>Windows migration readiness</h1>"
        f'<p>{_plural(len(model.workloads), "workload")} in {_plural(model.files, "file")}'
        f"{': ' + _e(summary) if summary else ''}.</p>"
        "</header>"
        '<section aria-labelledby="totals"><h2 id="totals">Run and totals</h2>'
        '<div class="overview"><dl class="run">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"
        '<table class="totals"><caption class="where">Workloads by status</caption>'
        '<thead><tr><th scope="col">status</th><th scope="col" class="num">workloads</th>'
        f'<th scope="col">meaning</th></tr></thead><tbody>{rows}</tbody>'
        f'<tfoot><tr><th scope="row">all</th><td class="num" id="count-all">'
        f"{len(model.workloads)}</td><td></td></tr></tfoot></table>"
        '<table class="totals"><caption class="where">Findings by severity</caption>'
        '<thead><tr><th scope="col">severity</th><th scope="col" class="num">findings</th>'
        f"</tr></thead><tbody>{findings}</tbody></table></div>"
        f'<p>Files: <span id="files-all">{model.files}</span>, '
        f'<span id="files-changed">{model.changed_files}</span> '
        f"{'would change' if model.run.command == 'check' else 'changed'}, "
        f'<span id="files-unreadable">{len({p for p, _ in model.input_errors})}</span> with '
        f"input errors; {model.suppressed} findings suppressed.</p></section>")


def _pictures(model: Readiness) -> str:
    statuses = model.by_status()
    parts = [_figure("chart-status", "Workloads by status",
                     "How many workloads are in each state.",
                     [(s.label, [(statuses[s], _FILL[s], "workloads")]) for s in Status])]
    by_rule: dict[str, dict[Severity, int]] = {}
    for rule, severity, count in model.by_rule():
        by_rule.setdefault(rule, {})[severity] = count
    if by_rule:
        parts.append(_figure(
            "chart-rules", "Findings by rule",
            "Each rule's findings over the run, most frequent first; red: error, amber: "
            "warning, blue: info.",
            [(rule, [(counts.get(v, 0), _SEVERITY_FILL[v], f"{v.value}s") for v in Severity])
             for rule, counts in sorted(by_rule.items(),
                                        key=lambda item: -sum(item[1].values()))]))
    if model.images:
        parts.append(_figure(
            "chart-images", "Images by verdict",
            "Distinct images of the workloads moving to Windows, by the most severe image "
            "finding on any of their uses.",
            [(v.verdict or "no image finding",
              [(len(v.images), _SEVERITY_FILL[v.severity], "images")]) for v in model.images]))
    return ('<section aria-labelledby="glance"><h2 id="glance">At a glance</h2>'
            + "".join(parts) + "</section>")


def _has_details(workload: Workload) -> bool:
    return bool(workload.findings or workload.diff or not workload.diff_kept)


def _workload_table(model: Readiness) -> str:
    statuses = model.by_status()
    radios = ['<label><input type="radio" name="status" id="f-all" checked> all '
              f"({len(model.workloads)})</label>"]
    radios += [f'<label><input type="radio" name="status" id="f-{s.value}"> {_e(s.label)} '
               f"({statuses[s]})</label>" for s in Status if statuses[s]]
    rank = {status: number for number, status in enumerate(Status)}
    rows = []
    for w in model.ordered():
        name = _e(w.name or "(unnamed)")
        if _has_details(w):
            name = f'<a href="#w-{w.number}">{name}</a>'
        rows.append(
            f'<tr class="s-{w.status.value}" data-status="{w.status.value}" '
            f'data-kind="{_e(w.kind)}" data-namespace="{_e(w.namespace)}" '
            f'data-name="{_e(w.name)}" data-file="{_e(w.file)}" data-line="{w.line}">'
            f'<td data-v="{rank[w.status]}"><span class="badge">{_e(w.status.label)}</span></td>'
            f"<td>{_e(w.kind)}</td><td>{_e(w.namespace)}</td><td>{name}</td>"
            f'<td class="mono" data-v="{_e(w.file)}:{w.line:09d}">{_e(w.file)}:{w.line}'
            + (f"<br>{_e(w.template)}" if w.template else "") + "</td>"
            f'<td class="num">{w.count(Severity.ERROR)}</td>'
            f'<td class="num">{w.count(Severity.WARNING)}</td>'
            f'<td class="num">{w.count(Severity.INFO)}</td></tr>')
    heads = "".join(f'<th scope="col"{cls}>{label}</th>' for label, cls in (
        ("status", ""), ("kind", ""), ("namespace", ""), ("name", ""), ("file", ""),
        ("errors", ' class="num"'), ("warnings", ' class="num"'), ("infos", ' class="num"')))
    return ('<section aria-labelledby="workloads"><h2 id="workloads">Workloads</h2>'
            "<p>Every workload porter found, and every other resource with a change or a "
            "finding; most urgent first. Choose a status to show only those"
            "; with scripts on, the column headers sort.</p>"
            '<fieldset class="filters"><legend>Show</legend>' + "".join(radios) + "</fieldset>"
            '<table id="workload-table" class="sortable"><caption class="where">'
            f"{_plural(len(model.workloads), 'workload')}</caption><thead><tr>{heads}</tr>"
            f'</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _finding_rows(findings: Sequence[Finding], known: set[str]) -> str:
    rows = []
    for f in findings:
        rule = f'<a href="#rule-{_e(f.rule)}">{_e(f.rule)}</a>' if f.rule in known \
            else _e(f.rule)
        hint = _e(f.hint) if f.hint else ""
        rows.append(f'<tr class="finding" data-rule="{_e(f.rule)}" '
                    f'data-severity="{f.severity.value}">'
                    f'<td class="sev-{f.severity.value}">{f.severity.value}</td><td>{rule}</td>'
                    f'<td class="mono">{_e(f.file)}:{f.line}:{f.column}</td>'
                    f"<td>{_e(f.message)}{' <code>' + _e(f.path) + '</code>' if f.path else ''}"
                    f"</td><td>{hint}</td></tr>")
    return ('<table class="findings"><thead><tr><th scope="col">severity</th>'
            '<th scope="col">rule</th><th scope="col">where</th><th scope="col">finding</th>'
            f'<th scope="col">hint</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _details(model: Readiness) -> str:
    known = set(model.rules)
    parts = []
    for w in model.ordered():
        if not _has_details(w):
            continue
        body = _finding_rows(w.findings, known) if w.findings else ""
        if w.diff:
            body += diff_html(w.diff)
        elif not w.diff_kept:
            body += "<p>Changed; the diff was not kept for this run (use --diff).</p>"
        parts.append(
            f'<article class="workload s-{w.status.value}" id="w-{w.number}" '
            f'data-status="{w.status.value}"><h3><span class="badge">{_e(w.status.label)}'
            f"</span> {_e(w.label)}</h3>"
            f'<p class="where mono">{_e(w.file)}:{w.line}'
            + (f" (rendered; from template {_e(w.template)})" if w.template else "")
            + f"</p>{body}</article>")
    if not parts:
        return ""
    return ('<section aria-labelledby="details"><h2 id="details">Findings and changes by '
            "workload</h2>" + "".join(parts) + "</section>")


def _problems(model: Readiness) -> str:
    out = ""
    if model.input_errors:
        items = "".join(f'<li class="mono">{_e(error)}</li>' for _path, error in
                        model.input_errors)
        out += ('<section aria-labelledby="input-errors"><h2 id="input-errors">Input errors'
                f"</h2><p>These files could not be read or converted.</p><ul>{items}</ul>"
                "</section>")
    if model.loose_findings:
        out += ('<section aria-labelledby="file-findings"><h2 id="file-findings">Findings '
                "about files</h2>" + _finding_rows(model.loose_findings, set(model.rules))
                + "</section>")
    return out


def _rule(owner: str, rule: Rule) -> str:
    sections = doc_sections(rule)
    entries = "".join(f"<dt>{name}</dt><dd>{_text(sections[name])}</dd>" for name in SECTIONS
                      if name in sections and name != "Source")
    source = _e(rule.source)
    if rule.source.startswith(("https://", "http://")):
        source = f'<a href="{source}">{source}</a>'
    where = sections.get("Source")
    return (f'<article class="rule" id="rule-{_e(rule.code)}"><h3><code>{_e(rule.code)}</code>'
            f' <span class="sev-{rule.severity.value}">{rule.severity.value}</span></h3>'
            f"<p>{_text(rule.summary)} <span class=\"where\">(transform {_e(owner)})</span>"
            f'</p><dl class="rule-doc">{entries}<dt>Source</dt><dd>'
            f"{_text(where.rstrip('.')) + '; ' if where else ''}{source}</dd></dl></article>")


def _rules(model: Readiness) -> str:
    if not model.rules:
        return ""
    return ('<section aria-labelledby="rules"><h2 id="rules">Rules</h2><p>What each rule of '
            "this report means (as <code>porter explain CODE</code> prints it).</p>"
            + "".join(_rule(owner, rule) for owner, rule in model.rules.values())
            + "</section>")


def page(model: Readiness) -> str:
    statuses = model.by_status()
    title = ", ".join(f"{statuses[s]} {s.label}" for s in Status if statuses[s]) or \
        "no workloads"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>porter readiness: {_e(title)}</title>"
        f"<style>{CSS}{_filter_css()}</style></head><body>"
        f"{_header(model)}<main>{_pictures(model)}{_workload_table(model)}{_details(model)}"
        f"{_problems(model)}{_rules(model)}</main>"
        f'<footer><p class="where">Written by porter {_e(model.run.version)}.</p></footer>'
        f"<script>{SCRIPT}</script></body></html>\n")


def render(results: Sequence[FileResult], run: RunInfo | None = None,
           rules: Sequence[tuple[str, Rule]] | None = None) -> str:
    return page(readiness(results, run, rules))
