"""Migration readiness: what the HTML and Markdown reports show, worked out once from the
results. Every workload gets a status (ready, converted, review, blocked, kept on Linux),
its findings and the diff of its own lines; findings are counted by rule, and images by the
verdict of the ``images`` transform's rules. Pure: no IO."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from porter.charts.convert import ChartResult
from porter.charts.manifests import source_at, source_ranges
from porter.engine.findings import Finding, Severity
from porter.engine.registry import all_rules
from porter.engine.results import FileResult, ResourceSpan
from porter.engine.transform import Rule
from porter.errors import PorterError
from porter.kube.resources import Resource
from porter.kube.workloads import LIST_KINDS, is_workload
from porter.outputs.run_info import RunInfo
from porter.outputs.unified_diff import diff_path

KEPT_ON_LINUX = "kept-on-linux"
NOT_LOOKED_AT = frozenset({"skipped", "not-examined"})
"""Rules that say porter left the resource alone: it is neither ready nor converted."""
IMAGE_TRANSFORM = "images"
CONTEXT = 3
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_ITEM = re.compile(r"/items/(\d+)(?=/|$)")


class Status(StrEnum):
    """A workload's readiness, most urgent first (the reports' default order)."""

    BLOCKED = "blocked"
    REVIEW = "review"
    CONVERTED = "converted"
    LINUX = "linux"
    UNEXAMINED = "unexamined"
    READY = "ready"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_LABELS = {Status.BLOCKED: "blocked", Status.REVIEW: "review", Status.CONVERTED: "converted",
           Status.LINUX: "kept on Linux", Status.UNEXAMINED: "not examined",
           Status.READY: "ready"}
_MEANINGS = {
    Status.BLOCKED: "errors: something cannot be converted",
    Status.REVIEW: "converted with warnings to review",
    Status.CONVERTED: "changed, nothing to review",
    Status.LINUX: "stays on Linux nodes",
    Status.UNEXAMINED: "porter was told to, or cannot, look inside",
    Status.READY: "nothing to change",
}


@dataclass
class Workload:
    """One resource of the report: where it is, its status, findings and diff."""

    number: int
    file: str
    line: int
    resource: Resource
    document: int | None
    pointer: str
    status: Status = Status.READY
    changed: bool = False
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    """The unified diff of the resource's own lines ('' when unchanged or not kept)."""
    diff_kept: bool = True
    images: tuple[tuple[str, str], ...] = ()
    """(JSON pointer, image) of its containers, after conversion."""
    template: str = ""
    """For a chart: the template the resource was rendered from (``line`` is then a line of
    the rendered chart, as ``porter convert CHART`` prints it)."""

    @property
    def kind(self) -> str:
        return self.resource.kind or "?"

    @property
    def name(self) -> str:
        return self.resource.name or ""

    @property
    def namespace(self) -> str:
        return self.resource.namespace or ""

    @property
    def label(self) -> str:
        space = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {space}{self.name}".rstrip()

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)


@dataclass(frozen=True)
class ImageVerdict:
    """How many distinct images got a verdict (an image rule, or none)."""

    verdict: str
    """The rule code, or '' for images no image rule reported."""
    severity: Severity | None
    images: tuple[str, ...]


@dataclass
class Readiness:
    run: RunInfo
    workloads: list[Workload]
    files: int
    changed_files: int
    input_errors: list[tuple[str, PorterError]]
    loose_findings: list[Finding]
    """Findings about a file rather than a resource (a crash while reading it, say)."""
    findings: list[Finding]
    suppressed: int
    engines: tuple[str, ...]
    rules: dict[str, tuple[str, Rule]]
    """The rules the findings use, by code: (owner transform, rule)."""
    images: list[ImageVerdict]

    def by_status(self) -> dict[Status, int]:
        counts = Counter(w.status for w in self.workloads)
        return {status: counts[status] for status in Status}

    def by_severity(self) -> dict[Severity, int]:
        counts = Counter(f.severity for f in self.findings)
        return {severity: counts[severity] for severity in Severity}

    def by_rule(self) -> list[tuple[str, Severity, int]]:
        """(rule, severity, count), most frequent first, errors before warnings on ties."""
        counts = Counter((f.rule, f.severity) for f in self.findings)
        return sorted(((rule, sev, n) for (rule, sev), n in counts.items()),
                      key=lambda item: (-item[2], -item[1].rank, item[0]))

    def blockers(self) -> list[tuple[str, int, int, Finding]]:
        """Error rules by how many workloads they block: (rule, workloads, findings, first)."""
        blocked: dict[str, set[int]] = {}
        counts: Counter[str] = Counter()
        first: dict[str, Finding] = {}
        for workload in self.workloads:
            for finding in workload.findings:
                if finding.severity is Severity.ERROR:
                    blocked.setdefault(finding.rule, set()).add(workload.number)
                    counts[finding.rule] += 1
                    first.setdefault(finding.rule, finding)
        for finding in self.loose_findings:
            if finding.severity is Severity.ERROR:
                blocked.setdefault(finding.rule, set())
                counts[finding.rule] += 1
                first.setdefault(finding.rule, finding)
        return sorted(((rule, len(blocked[rule]), counts[rule], first[rule]) for rule in blocked),
                      key=lambda item: (-item[1], -item[2], item[0]))

    def ordered(self) -> list[Workload]:
        """Most urgent first: by status, then most errors and warnings, then file order."""
        rank = {status: number for number, status in enumerate(Status)}
        return sorted(self.workloads, key=lambda w: (rank[w.status], -w.count(Severity.ERROR),
                                                     -w.count(Severity.WARNING), w.number))


def status_of(findings: Sequence[Finding], changed: bool) -> Status:
    """Errors block; a workload kept on Linux or left alone says so; warnings need review;
    otherwise a change means converted and no change means ready."""
    rules = {f.rule for f in findings}
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return Status.BLOCKED
    if KEPT_ON_LINUX in rules:
        return Status.LINUX
    if rules & NOT_LOOKED_AT:
        return Status.UNEXAMINED
    if Severity.WARNING in severities:
        return Status.REVIEW
    return Status.CONVERTED if changed else Status.READY


def _changed_resources(result: FileResult) -> set[tuple[int, str]]:
    """(document, pointer) of every resource a patch changes (List items one by one)."""
    changed: set[tuple[int, str]] = set()
    for patch in result.patches:
        items = [_ITEM.match(op.get("path", "")) for op in patch.operations]
        if patch.resource.kind in LIST_KINDS and all(items):
            changed.update((patch.index, m.group(0)) for m in items if m)
        else:
            changed.add((patch.index, ""))
            if patch.resource.kind in LIST_KINDS:  # the List itself: every item is affected
                changed.update((patch.index, s.pointer) for s in result.resources
                               if s.index == patch.index)
    return changed


def _listed(span: ResourceSpan) -> bool:
    return is_workload({"kind": span.resource.kind, "apiVersion": span.resource.api_version})


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _map_start(opcodes: list[tuple[str, int, int, int, int]], start: int, size: int) -> int:
    for tag, i1, i2, j1, _j2 in opcodes:
        if i1 <= start < i2:
            return j1 + (start - i1) if tag == "equal" else j1
    return size


def _map_end(opcodes: list[tuple[str, int, int, int, int]], end: int) -> int:
    """The converted line that ``end`` maps to; lines inserted right at ``end`` (appended to
    the resource's last line) belong to the resource."""
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if i1 < end <= i2:
            mapped = j1 + (end - i1) if tag == "equal" else j2
            following = opcodes[number + 1] if number + 1 < len(opcodes) else None
            if following and following[0] == "insert" and following[1] == end:
                mapped = following[4]
            return mapped
    return 0


def _range(start: int, length: int) -> str:
    beginning = start + 1 if length else start
    return str(beginning) if length == 1 else f"{beginning},{length}"


def span_diff(path: str, old: list[str], new: list[str],
              opcodes: list[tuple[str, int, int, int, int]], first: int, last: int) -> str:
    """The unified diff of input lines ``first``..``last`` (1-based, inclusive) and what they
    became, with git-style headers and line numbers of the whole file."""
    start, end = first - 1, last
    new_start, new_end = _map_start(opcodes, start, len(new)), _map_end(opcodes, end)
    a, b = old[start:end], new[new_start:max(new_start, new_end)]
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(
            CONTEXT):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(start + i1, i2 - i1)} +{_range(new_start + j1, j2 - j1)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[a1:a2])
                continue
            out.extend("-" + line for line in a[a1:a2])
            out.extend("+" + line for line in b[b1:b2])
    if not out:
        return ""
    name = diff_path(path)
    body = [line if line.endswith("\n") else line + "\n" for line in out]
    return f"--- a/{name}\n+++ b/{name}\n" + "".join(body)


def _image_verdicts(workloads: Sequence[Workload], owners: dict[str, str]) \
        -> list[ImageVerdict]:
    """Distinct images of the workloads moving to Windows, by the most severe image-rule
    finding on any of their uses ('' for none); empty when no image rule reported anything."""
    image_rules = {code for code, owner in owners.items() if owner == IMAGE_TRANSFORM}
    verdicts: dict[str, Finding | None] = {}
    reported = False
    for workload in workloads:
        at: dict[str, list[Finding]] = {}
        for finding in workload.findings:
            if finding.rule in image_rules:
                at.setdefault(finding.path, []).append(finding)
                reported = True
        if workload.status in (Status.LINUX, Status.UNEXAMINED):
            continue
        for pointer, image in workload.images:
            for finding in at.get(pointer, [None]):
                best = verdicts.get(image)
                if image not in verdicts or (finding is not None and (
                        best is None or finding.severity.rank > best.severity.rank)):
                    verdicts[image] = finding
    if not reported:
        return []
    grouped: dict[str, list[str]] = {}
    severity: dict[str, Severity | None] = {}
    for image, finding in verdicts.items():
        key = finding.rule if finding else ""
        grouped.setdefault(key, []).append(image)
        severity[key] = finding.severity if finding else None
    return sorted((ImageVerdict(key, severity[key], tuple(sorted(images)))
                   for key, images in grouped.items()),
                  key=lambda v: (-(v.severity.rank if v.severity else -1), v.verdict))


def _file_workloads(result: FileResult) -> tuple[list[Workload], list[Finding]]:
    """The file's rows (every workload, and any other resource with a change or a finding)
    and its findings about no resource."""
    changed = _changed_resources(result)
    rows: list[tuple[Workload, ResourceSpan | None]] = [
        (Workload(0, result.path, span.line, span.resource, span.index, span.pointer,
                  changed=(span.index, span.pointer) in changed, images=span.images), span)
        for span in result.resources]
    loose: list[Finding] = []
    for finding in result.findings:
        same = [(row, span) for row, span in rows if row.resource == finding.resource]
        inside = [row for row, span in same
                  if span is None or span.line <= finding.line <= span.end_line]
        if inside or same:
            (inside or [row for row, _ in same])[0].findings.append(finding)
        elif finding.resource.kind:  # a resource porter did not convert (not examined)
            row = Workload(0, result.path, finding.line, finding.resource, None, "")
            row.findings.append(finding)
            rows.append((row, None))
        else:
            loose.append(finding)
    kept = [(row, span) for row, span in rows
            if row.findings or row.changed or span is None or _listed(span)]
    if isinstance(result, ChartResult) and result.original:
        ranges = source_ranges(result.original)
        for row, span in kept:
            found = source_at(ranges, row.line) if span is not None else None
            row.template = found.source if found else ""
    texts = not result.released and result.changed
    old, new = (_lines(result.original), _lines(result.converted)) if texts else ([], [])
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() \
        if texts else []
    for row, span in kept:
        row.status = status_of(row.findings, row.changed)
        if row.changed and span is not None:
            if texts:
                row.diff = span_diff(result.path, old, new, opcodes, span.line, span.end_line)
            else:
                row.diff_kept = False
    return sorted((row for row, _ in kept), key=lambda row: row.line), loose


def readiness(results: Sequence[FileResult], run: RunInfo | None = None,
              rules: Sequence[tuple[str, Rule]] | None = None) -> Readiness:
    """The report's model of ``results``; ``rules`` (default: the registry's) explain them."""
    catalogue = {rule.code: (owner, rule) for owner, rule in
                 (all_rules() if rules is None else rules)}
    workloads: list[Workload] = []
    loose: list[Finding] = []
    for result in results:
        rows, file_findings = _file_workloads(result)
        for number, row in enumerate(rows, start=len(workloads) + 1):
            row.number = number
        workloads.extend(rows)
        loose.extend(file_findings)
    findings = [f for r in results for f in r.findings]
    used = {f.rule for f in findings}
    owners = {code: owner for code, (owner, _rule) in catalogue.items()}
    return Readiness(
        run=run or RunInfo(),
        workloads=workloads,
        files=len(results),
        changed_files=sum(r.changed for r in results),
        input_errors=[(r.path, e) for r in results for e in r.errors],
        loose_findings=loose,
        findings=findings,
        suppressed=sum(len(r.suppressed) for r in results),
        engines=tuple(sorted({r.engine for r in results
                              if isinstance(r, ChartResult) and r.engine})),
        rules={code: catalogue[code] for code in sorted(used) if code in catalogue},
        images=_image_verdicts(workloads, owners),
    )
