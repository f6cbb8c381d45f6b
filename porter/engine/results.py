"""Results of a run: per file, the original and converted text, findings, errors and patches."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from porter.engine.findings import Finding, Severity
from porter.errors import PorterError
from porter.kube.resources import Resource
from porter.yamledit.textfile import SourceText


@dataclass
class DocumentPatch:
    """The RFC 6902 patch that turns one document's data into its converted data."""

    index: int
    resource: Resource
    operations: list[dict[str, Any]]


@dataclass(frozen=True)
class ResourceSpan:
    """A resource porter examined (a workload, or a storage object), whether or not anything
    changed: reports list ready workloads too. Lines are 1-based, inclusive, of the input."""

    index: int
    """Index of the document in the file."""
    pointer: str
    """Where the resource sits in its document: ``""``, or ``/items/N`` in a ``kind: List``."""
    resource: Resource
    line: int
    end_line: int
    images: tuple[tuple[str, str], ...] = ()
    """(JSON pointer in the document, image) of every container, after conversion."""
class Status(StrEnum):
    """What became of one file: converted with no change, changed, or not converted."""

    OK = "ok"
    CHANGED = "changed"
    ERROR = "error"
    """Bad input (``errors`` says why) or an ``internal-error`` finding: the file's converted
    text is its original, and it must not be taken for converted."""


@dataclass
class FileResult:
    """What porter made of one input file (or stdin); ``status`` says ok, changed or error,
    the same way for every API (``convert_text``, ``convert_paths``) and the CLI."""

    path: str
    original: str
    converted: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[PorterError] = field(default_factory=list)
    patches: list[DocumentPatch] = field(default_factory=list)
    documents: int = 0
    redumped: int = 0
    """Documents the splicer declined and ruamel wrote instead (fidelity statistic)."""
    kubernetes: bool = True
    """False when the file holds no Kubernetes resource at all."""
    notes: list[str] = field(default_factory=list)
    """One-line remarks that are not findings (a skipped non-Kubernetes file, say)."""
    source: SourceText | None = None
    """Encoding and BOM of the input, to write the result back the same way."""
    relative: str = ""
    """Path below the input root, for ``--output``."""
    suppressed: list[Finding] = field(default_factory=list)
    """Findings that selection, ``ignore`` or a ``winporter.dev/ignore`` annotation removed."""
    position: int | None = None
    """With ``--shard``: the file's index among all the run's inputs (to merge reports)."""
    resources: list[ResourceSpan] = field(default_factory=list)
    """The resources of the documents porter examined, in file order."""
    unread: bytes | None = None
    """Standard input that could not be decoded, kept to be written back as it came (``convert
    -`` gives back what it cannot convert, as ``post-render`` does)."""
    released: bool = False
    """The texts were dropped once written (bulk runs keep only findings in memory)."""
    data: bytes | None = None
    """The converted file's bytes, kept when the texts were released before it was written
    (:meth:`keep_bytes_only`)."""
    original_data: bytes | None = None
    """And a changed file's original bytes (what ``--in-place`` expects to find on disk)."""
    _changed: bool | None = None

    def converted_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        source = self.source or SourceText(self.original)
        return source.encode(self.converted)

    def original_bytes(self) -> bytes:
        if self.original_data is not None:
            return self.original_data
        return (self.source or SourceText(self.original)).encode(self.original)

    def keep_bytes_only(self) -> None:
        """Keep the bytes to write (and a changed file's original bytes) and what reports
        need, not the texts: a run that writes files and keeps no texts gets its results
        from worker processes this light."""
        data = original = None
        if self.source is not None and not self.released:
            data = self.converted_bytes()
            original = self.original_bytes() if self.changed else None
        self.release_text()
        self.data, self.original_data = data, original

    @property
    def changed(self) -> bool:
        if self._changed is not None:
            return self._changed
        return self.converted != self.original

    def release_text(self) -> None:
        """Forget the file's texts and patches (after its outputs are written), keeping what
        reports need."""
        self._changed = self.changed
        self.data = self.original_data = None
        self.original = self.converted = ""
        self.patches = []
        self.resources = []  # the readiness reports' (which keep the texts)
        if self.source is not None:  # it holds the text too; keep what encoding needs
            self.source = SourceText("", self.source.encoding, self.source.bom)
        self.released = True

    @property
    def status(self) -> Status:
        if self.errors or self.internal_error:
            return Status.ERROR
        return Status.CHANGED if self.changed else Status.OK

    @property
    def internal_error(self) -> bool:
        return any(f.rule == "internal-error" for f in self.findings)

    def worst(self) -> Severity | None:
        severities = [f.severity for f in self.findings]
        return max(severities, key=lambda s: s.rank) if severities else None
