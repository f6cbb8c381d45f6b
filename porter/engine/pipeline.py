"""The pipeline: read documents, run transforms, splice the changes, verify, report."""

from __future__ import annotations

import re
import traceback
from typing import Any

from yaml.nodes import Node

from porter.engine.config import Config
from porter.engine.findings import Finding, Severity
from porter.engine.registry import ALIASES, CUSTOM_TAG, INTERNAL_ERROR, NOT_EXAMINED, REWRITTEN
from porter.engine.results import DocumentPatch, FileResult, ResourceSpan
from porter.engine.selfcheck import self_check
from porter.engine.transform import Context, Transform, forget_pod_specs, shared_pod_specs
from porter.errors import InputError, PorterError
from porter.kube.resources import Resource, resource_at
from porter.kube.unexamined import may_hold_pod_template, unexamined
from porter.kube.workloads import resources
from porter.yamledit.diffing import Op, diff
from porter.yamledit.documents import Document
from porter.yamledit.editing import REDUMPED, REFUSED, Change, write_changes
from porter.yamledit.parsing import PLAIN, Segment, compose, segments, walk
from porter.yamledit.plaindata import AliasBudget, clone, mapping_get, scalar_text
from porter.yamledit.pointer import json_pointer

# A line starts after \n or any other YAML line break (a lone \r, NEL, LS, PS): (?m)^ knows
# only \n.
_KUBERNETES = re.compile("(?m)(^|(?<=[\r\x85\u2028\u2029])|[{,]\\s*)[\"']?kind[\"']?\\s*:")
_API_VERSION = re.compile(
    "(?m)(^|(?<=[\r\x85\u2028\u2029])|[{,]\\s*)[\"']?apiVersion[\"']?\\s*:")
_CORE_TAG = "tag:yaml.org,2002:"


class Pipeline:
    """Runs the enabled transforms of ``config`` over texts."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.transforms = self.config.enabled()
        self.enabled = frozenset(t.id for t in self.transforms)
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
            if piece.error is not None:  # this document alone cannot be read
                result.errors.append(piece.error)
            elif piece.count and may_hold_pod_template(chunk):
                self._look_for_pod_templates(chunk, piece, name, result, budget)
        converted = "".join(out)
        # Unchanged: the very same string, so that a result sent between processes or
        # pickled carries the text once.
        result.converted = text if converted == text else converted
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
        documents = [Document(name, raw, budget=budget) for raw in piece.documents]
        try:
            return self._convert_documents(text, documents, result)
        finally:
            # What the transforms kept in a document's state (the pod specs found, which
            # refer back to it) makes a reference cycle: broken now, the document and its
            # nodes go at once, not at the garbage collector's next full pass.
            for document in documents:
                document.state.clear()

    def _convert_documents(self, text: str, documents: list[Document],
                           result: FileResult) -> str:
        changes: list[Change] = []
        found: list[tuple[list[Finding], int, Any]] = []  # findings, first span, original data
        for position, document in enumerate(documents):
            if document.kind not in self.kinds or not document.is_kubernetes:
                root = document.root
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
            findings += self_check(document, self.config, self.enabled, findings)
            spans = len(result.resources)
            result.resources.extend(_spans(document))
            ops = diff(original, document.data)
            if not ops:
                result.findings.extend(findings)
                continue
            # A tag starts with "!": a text without one has none.
            tagged = _custom_tag(document, ops) if "!" in text else None
            if tagged is not None:
                result.findings.append(_custom_tag_finding(document, *tagged))
                result.resources[spans:] = _spans(document, original)
                continue
            changes.append(Change(document, document.data, position, ops))
            found.append((findings, spans, original))
        if not changes:
            return text
        converted = write_changes(text, changes, result.path)
        for change, (findings, spans, original) in zip(changes, found, strict=True):
            document = change.document
            if change.how == REFUSED:
                # The document stays as it was: its resources are listed as written.
                end = spans + sum(1 for s in result.resources[spans:] if s.index == document.index)
                result.resources[spans:end] = _spans(document, original)
            if change.how == REFUSED and change.shared is not None:
                # Nothing changes, so the other findings (which say what was changed) would
                # mislead: the one finding says why and what to do.
                result.findings.append(_aliases_finding(document, change.shared))
                continue
            if change.how == REFUSED:
                result.findings.append(_unwritten_finding(document, change.reason))
                continue
            result.findings.extend(findings)
            if change.how == REDUMPED:
                result.redumped += 1
                result.findings.append(_redumped_finding(document, change.reason))
            assert change.ops is not None
            result.patches.append(DocumentPatch(document.index, resource_at(original),
                                                [op.to_json() for op in change.ops]))
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
                if not transform.keeps_pod_specs:
                    forget_pod_specs(document)
            if crashed is None:
                return [_internal_error(document, t, exc) for t, exc in failed] + findings
            failed.append(crashed)
            document.data = clone(original)


def _spans(document: Document, data: Any = None) -> list[ResourceSpan]:
    """Where each resource of the document is, and its images (from ``data`` when given: the
    document's data as written, when a change was declined)."""
    if data is not None:
        document.data = data
    images: dict[tuple[str | int, ...], list[tuple[str, str]]] = {}
    for pod in shared_pod_specs(document):
        for path, container in pod.containers():
            image = container.get("image")
            if isinstance(image, str):
                images.setdefault(pod.owner_path, []).append(
                    (json_pointer((*path, "image")), image))
    spans = []
    for path, obj in resources(document.data):
        node = document.node_at(path)
        if node is None or not isinstance(obj, dict):
            continue
        start = node.start_mark.line + 1 + document.line_offset
        end = node.end_mark.line + document.line_offset + (node.end_mark.column > 0)
        spans.append(ResourceSpan(document.index, json_pointer(path), resource_at(
            document.data, path), start, max(start, end), tuple(images.get(path, ()))))
    return spans


def _unwritten_finding(document: Document, why: str) -> Finding:
    return Finding(
        rule=INTERNAL_ERROR.code, severity=Severity.ERROR,
        message="porter could not write this document's changes faithfully; it was left "
                f"unchanged ({why})",
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
    except InputError as exc:
        # Unreadable (an alias bomb, say): still not examined, and it must say so.
        result.findings.append(_unread_finding(document, exc))
        return
    result.findings.extend(_unexamined_findings(document))


def _unread_finding(document: Document, exc: InputError) -> Finding:
    resource = Resource(document.api_version, document.kind,
                        scalar_text(mapping_get(mapping_get(document.root, "metadata"),
                                                "namespace")),
                        scalar_text(mapping_get(mapping_get(document.root, "metadata"),
                                                "name")))
    return Finding(
        rule=NOT_EXAMINED.code, severity=NOT_EXAMINED.severity,
        message=f"{resource.kind} ({resource.api_version}) is not a workload kind porter "
                f"converts, and porter could not read it ({exc.message}); its pod templates "
                "were not examined",
        file=document.file, line=document.root.start_mark.line + 1 + document.line_offset,
        column=document.root.start_mark.column + 1, resource=resource, path="",
        hint="convert it by hand or through its controller; see porter explain not-examined")


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


def _redumped_finding(document: Document, why: str) -> Finding:
    return Finding(
        rule=REWRITTEN.code, severity=REWRITTEN.severity,
        message=f"ruamel.yaml wrote this whole document: {why}; its data and comments are "
                "kept, its layout may differ from the input's",
        file=document.file, line=document.locate(())[0], column=1,
        resource=resource_at(document.data), path="",
        hint="review this document's diff; porter explain yaml-rewritten")


def _aliases_finding(document: Document, path: tuple[str | int, ...]) -> Finding:
    line, column = document.locate(path)
    return Finding(
        rule=ALIASES.code, severity=ALIASES.severity,
        message="a change falls on a YAML anchor, alias or merge key; this document was "
                "left unchanged",
        file=document.file, line=line, column=column, resource=resource_at(document.data, path),
        path=json_pointer(path),
        hint="expand the anchors/aliases in this resource, then run porter again")
