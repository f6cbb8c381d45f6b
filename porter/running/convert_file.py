"""Reading and converting one input file, in the main process or a worker."""

from __future__ import annotations

import stat
import sys

from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.engine.registry import INTERNAL_ERROR
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.running.inputs import InputFile
from porter.yamledit.textfile import decode

MAX_INPUT_BYTES = 1 << 30
"""Larger inputs are refused rather than read (porter holds a file and its conversion)."""


def read_input(item: InputFile) -> bytes:
    """The bytes of one input. Regular files, and pipes named on the command line (``<(...)``)
    are read; devices and sockets never are (``/dev/zero`` would never end)."""
    if item.path is None:
        return sys.stdin.buffer.read()
    try:
        status = item.path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InputError("is a directory", item.display)
        if stat.S_ISREG(status.st_mode):
            if status.st_size > MAX_INPUT_BYTES:
                raise InputError(f"larger than {MAX_INPUT_BYTES >> 30} GiB; not read",
                                 item.display)
            return item.path.read_bytes()
        if not (stat.S_ISFIFO(status.st_mode) and item.explicit):
            raise InputError("not a regular file (a device, socket or pipe); not read",
                             item.display)
        with item.path.open("rb") as stream:
            data = stream.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise InputError("is a directory", item.display) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", item.display) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"larger than {MAX_INPUT_BYTES >> 30} GiB; not read", item.display)
    return data


def convert_input(item: InputFile, pipeline: Pipeline, data: bytes | None = None) -> FileResult:
    """Convert one input file; bad input comes back as ``errors`` on the result, not raised."""
    raw = None
    try:
        raw = read_input(item) if data is None else data
        source = decode(raw, item.display)
    except InputError as exc:
        return FileResult(path=item.display, original="", converted="", errors=[exc],
                          relative=item.relative, kubernetes=False,
                          unread=raw if item.path is None else None)
    try:
        result = pipeline.convert_text(source.text, item.display)
    except Exception as exc:  # a bug must cost this one file its conversion, nothing more
        result = _crashed(item, source.text, exc)
    result.source = source
    result.relative = item.relative
    if not result.errors and not result.kubernetes:
        _not_kubernetes(result, item)
    return result


def _crashed(item: InputFile, text: str, exc: Exception) -> FileResult:
    finding = Finding(
        rule=INTERNAL_ERROR.code, severity=Severity.ERROR,
        message=f"porter crashed on this file ({type(exc).__name__}: {exc}); it was left "
                "unchanged",
        file=item.display, line=1, column=1,
        hint="please report this with the input file")
    return FileResult(path=item.display, original=text, converted=text, findings=[finding])


def _not_kubernetes(result: FileResult, item: InputFile) -> None:
    text = result.original
    if not text.strip():
        what = "empty file"
    elif all(not line.strip() or line.lstrip().startswith(("#", "---", "...", "%"))
             for line in text.splitlines()):
        what = "holds only comments"
    else:
        what = "not a Kubernetes manifest (no document has apiVersion and kind)"
    if item.explicit:
        result.errors.append(InputError(f"{what}; passed through unchanged", item.display, 1, 1))
    else:
        result.notes.append(f"{item.display}: note: {what}; passed through unchanged")
