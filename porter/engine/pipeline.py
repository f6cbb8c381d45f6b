"""The pipeline: read documents, run transforms, splice the changes, verify, report."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import Node

from porter.engine.config import Config
from porter.engine.findings import Finding, Severity
from porter.engine.registry import ALIASES, CUSTOM_TAG, INTERNAL_ERROR, NOT_EXAMINED
from porter.engine.results import DocumentPatch, FileResult
from porter.engine.transform import Context, Transform
from porter.errors import InputError, PorterError
from porter.kube.resources import resource_at
from porter.kube.unexamined import may_hold_pod_template, unexamined
from porter.yamledit.diffing import Op, diff, same
from porter.yamledit.documents import Document
from porter.yamledit.parsing import PLAIN, Segment, compose, segments, walk
from porter.yamledit.plaindata import AliasBudget, build, clone
from porter.yamledit.pointer import json_pointer
from porter.yamledit.redump import redump
from porter.yamledit.splicing import (
    Edit,
    LineIndex,
    SharedNodeError,
    SpliceError,
    Splicer,
    apply_edits,
)

# A line starts after \n or any other YAML line break (a lone \r, NEL, LS, PS): (?m)^ knows
# only \n.
_KUBERNETES = re.compile("(?m)(^|(?<=[\r\x85\u2028\u2029])|[{,]\\s*)[\"']?kind[\"']?\\s*:")
_API_VERSION = re.compile(
    "(?m)(^|(?<=[\r\x85\u2028\u2029])|[{,]\\s*)[\"']?apiVersion[\"']?\\s*:")
_CORE_TAG = "tag:yaml.org,2002:"


@dataclass
class _Change:
    document: Document
    position: int
    """Index of the document within its segment."""
    expected: Any
    ops: list[Op]
    edits: list[Edit] = field(default_factory=list)
    redumped: bool = False


class Pipeline:
    """Runs the enabled transforms of ``config`` over texts."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.transforms = self.config.enabled()
        self.kinds = frozenset().union(*(t.kinds for t in self.transforms))
        """Only documents that may be of these kinds are parsed at all."""
    def convert_text(self, text: str, name: str = "-") -> FileResult:
        result = FileResult(path=name, original=text, converted=text)
        try:
            pieces = segments(text, name, self.kinds)
        except InputError as exc:
            result.errors.append(exc)
            return result
        result.documents = sum(piece.count for piece in pieces)
        result.kubernetes = bool(_KUBERNETES.search(text)) and bool(_API_VERSION.search(text))
        out: list[str] = []
        budget = AliasBudget()  # alias expansion allowed for the whole file
        for piece in pieces:
            chunk = text[piece.start:piece.end]
            if piece.documents:
                out.append(self._convert_segment(chunk, piece, name, result, budget))
                continue
            out.append(chunk)
            if piece.count and may_hold_pod_template(chunk):
                self._look_for_pod_templates(chunk, piece, name, result, budget)
        result.converted = "".join(out)
        result.findings.sort(key=Finding.sort_key)
        return result

    def _look_for_pod_templates(self, text: str, piece: Segment, name: str,
                                result: FileResult, budget: AliasBudget) -> None:
        """Report pod templates in a slice the fast path passes through unparsed."""
        try:
            raws = compose(text, name)
        except PorterError:
            return  # passed through as it is, as before
        for raw in raws:
            raw.line_offset = piece.line
            _report_unexamined(Document(name, raw, budget=budget), result)

    def _convert_segment(self, text: str, piece: Segment, name: str,
                         result: FileResult, budget: AliasBudget) -> str:
        assert piece.documents is not None
        changes: list[_Change] = []
        lines: LineIndex | None = None
        for position, raw in enumerate(piece.documents):
            document = Document(name, raw, budget=budget)
            if document.kind not in self.kinds or not document.is_kubernetes:
                root = raw.root
                if may_hold_pod_template(text[root.start_mark.index:root.end_mark.index]):
                    _report_unexamined(document, result)
                continue
            try:
                document.data  # noqa: B018 - build now, so bad data is reported here
            except InputError as exc:
                result.errors.append(exc)
                continue
            result.findings.extend(_unexamined_findings(document))
            original = clone(document.data)
            findings = self._run_transforms(document, original)
            ops = diff(original, document.data)
            if not ops:
                result.findings.extend(findings)
                continue
            tagged = _custom_tag(document, ops)
            if tagged is not None:
                result.findings.append(_custom_tag_finding(document, *tagged))
                continue
            lines = lines or LineIndex(text)
            change = _Change(document, position, document.data, ops)
            try:
                change.edits = Splicer(document, lines).plan(ops)
            except SharedNodeError as exc:
                # Nothing changes, so the other findings (which say what was changed) would
                # mislead: the one finding says why and what to do.
                result.findings.append(_aliases_finding(document, exc))
                continue
            except Exception:  # SpliceError, or a splicer bug: it must not cost the run
                try:
                    change.edits = [self._redump_edit(document, lines, ops)]
                except Exception:  # neither writer copes: the document stays as it was
                    result.findings.append(_unwritten_finding(document))
                    continue
                change.redumped = True
            result.findings.extend(findings)
            changes.append(change)
            result.patches.append(DocumentPatch(document.index, resource_at(document.data),
                                                [op.to_json() for op in ops]))
        if not changes:
            return text
        assert lines is not None
        converted = self._splice_verified(text, name, lines, changes, result)
        result.redumped += sum(change.redumped for change in changes)
        return converted

    def _run_transforms(self, document: Document, original: Any) -> list[Finding]:
        """Run every transform; one that raises is reported and the rest run again without it."""
        failed: list[tuple[Transform, BaseException]] = []
        kind = document.kind
        while True:
            findings: list[Finding] = []
            context = Context(document, self.config, findings.append)
            document.state.clear()
            crashed = None
            for transform in self.transforms:
                if kind not in transform.kinds or any(t is transform for t, _ in failed):
                    continue
                try:
                    transform.apply(document, context)
                except Exception as exc:  # a crash must never lose the document
                    crashed = (transform, exc)
                    break
            if crashed is None:
                return [_internal_error(document, t, exc) for t, exc in failed] + findings
            failed.append(crashed)
            document.data = clone(original)

    def _redump_edit(self, document: Document, lines: LineIndex, ops: list[Op]) -> Edit:
        splicer = Splicer(document, lines)
        root = document.root
        start, end = root.start_mark.index, splicer.node_end(root)
        text = redump(lines.text[start:end], [op.to_json() for op in ops],
                      splicer.layout.map_step, splicer.layout.seq_offset)
        text = text.rstrip("\n").replace("\n", splicer.nl)
        return Edit(start, end, text)

    def _splice_verified(self, text: str, name: str, lines: LineIndex, changes: list[_Change],
                         result: FileResult) -> str:
        """Apply the edits, then read the result back: each changed document must hold
        exactly the data the transforms produced, or it is redone by the fallback writer,
        or, failing that, left unchanged with an internal-error finding."""
        for attempt in range(3):
            try:
                spliced = apply_edits(text, [e for change in changes for e in change.edits])
                bad = _mismatches(spliced, name, changes)
            except SpliceError:
                bad = list(changes)
                spliced = text
            if not bad:
                return spliced
            for change in bad:
                if attempt == 0 and not change.redumped:
                    try:
                        change.edits = [self._redump_edit(change.document, lines, change.ops)]
                        change.redumped = True
                        continue
                    except Exception:
                        pass
                change.edits = []
                result.findings.append(_unwritten_finding(change.document))
                result.patches = [p for p in result.patches if p.index != change.document.index]
            changes = [c for c in changes if c.edits]
        return apply_edits(text, [e for change in changes for e in change.edits])


def _mismatches(text: str, name: str, changes: list[_Change]) -> list[_Change]:
    try:
        raws = compose(text, name)
    except PorterError:
        return list(changes)
    bad = []
    for change in changes:
        index = change.position
        if index >= len(raws):
            bad.append(change)
            continue
        try:
            data, _ = build(raws[index].root, name)
        except PorterError:
            bad.append(change)
            continue
        if not same(data, change.expected):
            bad.append(change)
    return bad


def _unwritten_finding(document: Document) -> Finding:
    return Finding(
        rule=INTERNAL_ERROR.code, severity=Severity.ERROR,
        message="porter could not write this document's changes faithfully; it was left "
                "unchanged",
        file=document.file, line=document.locate(())[0], column=1,
        resource=resource_at(document.data), hint="please report this with the input file")


def _internal_error(document: Document, transform: Transform, exc: BaseException) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return Finding(
        rule=INTERNAL_ERROR.code, severity=Severity.ERROR,
        message=f"transform {transform.id!r} crashed: {type(exc).__name__}: {exc}{where}; "
                "its changes to this document were dropped",
        file=document.file, line=document.locate(())[0], column=1,
        resource=resource_at(document.data), path="",
        hint="please report this with the input file; run with --disable "
             f"{transform.id} to skip it")


def _report_unexamined(document: Document, result: FileResult) -> None:
    """Findings for the pod templates of a document porter does not convert; a document it
    cannot read is passed through as before (it was never porter's to convert)."""
    if not document.is_kubernetes:
        return
    try:
        document.data  # noqa: B018
    except InputError:
        return
    result.findings.extend(_unexamined_findings(document))


def _unexamined_findings(document: Document) -> list[Finding]:
    findings = []
    for path in unexamined(document.data):
        line, column = document.locate(path)
        resource = resource_at(document.data, path)
        pointer = json_pointer(path)
        where = f"{resource.kind} ({resource.api_version})"
        findings.append(Finding(
            rule=NOT_EXAMINED.code, severity=NOT_EXAMINED.severity,
            message=f"{where} is not a workload kind porter converts; the pod template at "
                    f"{pointer or '/'} was not examined",
            file=document.file, line=line, column=column, resource=resource, path=pointer,
            hint="convert it by hand or through its controller; see porter explain "
                 "not-examined"))
    return findings


def _custom_tag(document: Document, ops: list[Op]) -> tuple[tuple[str | int, ...], str] | None:
    """The first node with an application tag (``!Ref``) that an op edits, edits inside, or
    removes or replaces along with the node holding it."""
    for op in ops:
        path = op.parent
        if op.op != "add" and op.source is not None:
            path = (*path, op.source)
        node = None
        for end in range(len(path) + 1):
            node = document.node_at(path[:end])
            if node is None:
                break
            if _custom(node):
                return path[:end], node.tag
        if node is not None and op.op != "add":
            inner = next((n for n in walk(node) if _custom(n)), None)
            if inner is not None:
                return path, inner.tag
    return None


def _custom(node: Node) -> bool:
    return node.tag != PLAIN and not node.tag.startswith(_CORE_TAG)


def _custom_tag_finding(document: Document, path: tuple[str | int, ...], tag: str) -> Finding:
    line, column = document.locate(path)
    return Finding(
        rule=CUSTOM_TAG.code, severity=CUSTOM_TAG.severity,
        message=f"a change falls on a node tagged {tag}; this document was left unchanged",
        file=document.file, line=line, column=column, resource=resource_at(document.data, path),
        path=json_pointer(path),
        hint="resolve the tag first (run the tool that owns it), then run porter on its "
             "output, or make this change by hand")


def _aliases_finding(document: Document, exc: SharedNodeError) -> Finding:
    line, column = document.locate(exc.path)
    return Finding(
        rule=ALIASES.code, severity=ALIASES.severity,
        message="a change falls on a YAML anchor, alias or merge key; this document was "
                "left unchanged",
        file=document.file, line=line, column=column, resource=resource_at(document.data, exc.path),
        path=json_pointer(exc.path),
        hint="expand the anchors/aliases in this resource, then run porter again")
