"""Writing changes into YAML text, verified: the public face of the YAML layer.

Each changed document is spliced (only its changed fields rewritten), the whole text is read
back and every changed document must hold exactly its intended data; a document the splicer
cannot write, or whose splice does not read back right, is written by the fallback writer
(ruamel.yaml, that document only), and if that fails too it is left unchanged. A change that
falls on an anchor, an alias or a merged node is refused: writing it would change the other
places that share the node.

>>> text = "a: 1  # one\\nb: [x, y]\\n"
>>> edited = edit_document(text, 0, [{"op": "replace", "path": "/a", "value": 2}])
>>> edited.text, edited.how
('a: 2  # one\\nb: [x, y]\\n', 'spliced')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from porter.yamledit.diffing import Op, diff, same
from porter.yamledit.documents import Document, Path
from porter.yamledit.errors import InputError, LocatedError
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build, clone
from porter.yamledit.splicing import (
    Edit,
    LineIndex,
    SharedNodeError,
    SpliceError,
    Splicer,
    apply_edits,
)

SPLICED = "spliced"
"""Only the changed fields were rewritten; every other byte is the input's."""
REDUMPED = "redumped"
"""The fallback writer (ruamel.yaml) wrote the whole document: data and comments are kept,
its layout may differ from the input's."""
REFUSED = "refused"
"""Nothing was written: see ``reason`` (and ``shared`` with the path of a shared node)."""
UNCHANGED = "unchanged"
"""The new data equals the old: nothing to write."""


@dataclass
class Change:
    """One document's new data, and (once written) how it was written."""

    document: Document
    data: Any
    position: int = 0
    """Index of the document within the text handed to :func:`write_changes`."""
    ops: list[Op] | None = None
    """The edit ops from the document's data to ``data`` (computed when None)."""
    how: str = ""
    reason: str = ""
    shared: Path | None = None
    """For a refusal: the path of the anchor, alias or merged node the change falls on."""
    edits: list[Edit] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.how in (SPLICED, REDUMPED)


@dataclass
class Edited:
    """The result of :func:`edit_document`."""

    text: str
    how: str
    reason: str = ""
    shared: Path | None = None


def edit_document(text: str, index: int, patch: Sequence[dict[str, Any]],
                  name: str = "-") -> Edited:
    """``text`` with the RFC 6902 ``patch`` applied to its document number ``index``.

    Raises :class:`InputError` for invalid YAML or a document that cannot be read, and
    ``jsonpatch.JsonPatchException`` (or ``JsonPointerException``) for a patch that does not
    apply to the document's data.
    """
    import jsonpatch  # the API's patches; the pipeline makes its own operations

    raws = compose(text, name)
    if not 0 <= index < len(raws):
        raise InputError(f"no document {index} (the text holds {len(raws)})", name)
    document = Document(name, raws[index])
    new = jsonpatch.apply_patch(clone(document.data), list(patch))
    change = Change(document, new, index)
    edited = write_changes(text, [change], name)
    return Edited(edited, change.how, change.reason, change.shared)


def write_changes(text: str, changes: Sequence[Change], name: str = "-",
                  lines: LineIndex | None = None) -> str:
    """``text`` with every change written as well as it can be; each change says how.

    The documents must have been composed from ``text`` (their ``position`` is their index
    in it). Documents are independent: one refused or left unchanged costs only itself.
    """
    lines = lines or LineIndex(text)
    pending: list[Change] = []
    for change in changes:
        if change.ops is None:
            change.ops = diff(change.document.data, change.data)
        if not change.ops:
            change.how = UNCHANGED
            continue
        _plan(change, lines)
        if change.how != REFUSED:
            pending.append(change)
    if not pending:
        return text
    return _verified(text, name, lines, pending)


def _plan(change: Change, lines: LineIndex) -> None:
    assert change.ops is not None
    try:
        change.edits = Splicer(change.document, lines).plan(change.ops)
        change.how = SPLICED
    except SharedNodeError as exc:
        change.how, change.shared = REFUSED, exc.path
        change.reason = "the change falls on a YAML anchor, alias or merged node"
    except Exception as exc:  # SpliceError, or a splicer bug: the fallback writer tries
        _redump(change, lines, f"the splicer declined the layout ({exc})"
                if isinstance(exc, SpliceError) else f"the splicer failed ({exc!r})")


def _redump(change: Change, lines: LineIndex, why: str) -> None:
    try:
        change.edits = [_redump_edit(change.document, lines, change.ops or [])]
        change.how, change.reason = REDUMPED, why
    except Exception as exc:  # neither writer copes: the document stays as it was
        change.edits = []
        change.how = REFUSED
        change.reason = f"{why}; the fallback writer failed too ({type(exc).__name__})"


def _redump_edit(document: Document, lines: LineIndex, ops: list[Op]) -> Edit:
    from porter.yamledit.redump import redump  # ruamel.yaml: loaded for the fallback only

    splicer = Splicer(document, lines)
    root = document.root
    start, end = root.start_mark.index, splicer.node_end(root)
    original = lines.text[start:end]
    text = redump(original, [op.to_json() for op in ops],
                  splicer.layout.map_step, splicer.layout.seq_offset)
    # The node's text can end with its line break (a last key without a value: `? key`);
    # what follows it (a `---`, the next document) must stay on a line of its own.
    tail = original[len(original.rstrip("\r\n")):]
    text = text.rstrip("\n").replace("\n", splicer.nl) + tail
    return Edit(start, end, text)


def _verified(text: str, name: str, lines: LineIndex, changes: list[Change]) -> str:
    """Apply the edits, then read the result back: each changed document must hold exactly
    its intended data, or it is redone by the fallback writer, or, failing that, refused."""
    for attempt in range(3):
        try:
            spliced = apply_edits(text, [e for change in changes for e in change.edits])
            bad = _mismatches(spliced, name, changes)
        except SpliceError:
            bad = list(changes)
        if not bad:
            return spliced
        for change in bad:
            if attempt == 0 and change.how == SPLICED:
                _redump(change, lines, "the spliced text did not read back as the new data")
            else:
                change.edits = []
                change.how = REFUSED
                change.reason = "neither writer produced text that reads back as the new data"
        changes = [c for c in changes if c.edits]
    return apply_edits(text, [e for change in changes for e in change.edits])


def _mismatches(text: str, name: str, changes: list[Change]) -> list[Change]:
    try:
        raws = compose(text, name)
    except LocatedError:
        return list(changes)
    bad = []
    for change in changes:
        if change.position >= len(raws):
            bad.append(change)
            continue
        try:
            raw = raws[change.position]
            data, _ = build(raw.root, name, aliases=raw.anchors)
        except LocatedError:
            bad.append(change)
            continue
        if not same(data, change.data):
            bad.append(change)
    return bad
