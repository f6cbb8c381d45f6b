"""Reading and converting one input file, in the main process or a worker."""

from __future__ import annotations

import contextlib
import resource
import stat
import sys
from collections.abc import Iterator

from porter.engine.config import Config
from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.engine.registry import INTERNAL_ERROR
from porter.engine.results import FileResult
from porter.engine.suppression import suppress
from porter.errors import InputError
from porter.running.inputs import InputFile
from porter.yamledit.textfile import decode

MAX_INPUT_BYTES = 1 << 30
"""Larger inputs are refused rather than read (porter holds a file and its conversion)."""
MEMORY_BASE = 256 << 20
MEMORY_PER_BYTE = 128
"""The memory budget of one file's conversion: MEMORY_BASE plus MEMORY_PER_BYTE times its
size; a file that needs more is refused. Parsed YAML takes tens of bytes per byte of text,
and a file of many tiny documents about a hundred (100,000 four-line Pods, 10.8 MB: 1.1 GB),
which must still convert."""


def memory_budget(size: int) -> int:
    return MEMORY_BASE + MEMORY_PER_BYTE * size


def _data_bytes() -> int | None:
    """This process's data segment now (what RLIMIT_DATA counts), or None off Linux."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


@contextlib.contextmanager
def bounded_memory(budget: int) -> Iterator[None]:
    """Let the code inside allocate at most ``budget`` more bytes (MemoryError beyond it)."""
    used = _data_bytes()
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    except (OSError, ValueError):  # pragma: no cover - no such limit here
        used = None
    if used is None:
        yield
        return
    limit = used + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def read_input(item: InputFile) -> bytes:
    """The bytes of one input. Regular files, and pipes named on the command line (``<(...)``)
    are read; devices and sockets never are (``/dev/zero`` would never end)."""
    path = item.path
    if path is None:
        return sys.stdin.buffer.read()
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InputError("is a directory", item.display)
        if stat.S_ISREG(status.st_mode):
            if status.st_size > MAX_INPUT_BYTES:
                raise InputError(f"larger than {MAX_INPUT_BYTES >> 30} GiB; not read",
                                 item.display)
            return path.read_bytes()
        if not (stat.S_ISFIFO(status.st_mode) and item.explicit):
            raise InputError("not a regular file (a device, socket or pipe); not read",
                             item.display)
        with path.open("rb") as stream:
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
                          unread=raw if item.location is None else None)
    budget = memory_budget(len(raw))
    del raw
    try:
        with bounded_memory(budget):
            result = pipeline.convert_text(source.text, item.display)
    except MemoryError:
        error = InputError(f"needs more memory than its budget ({budget >> 20} MiB: "
                           f"{MEMORY_BASE >> 20} MiB + {MEMORY_PER_BYTE}x its size); not "
                           "converted", item.display)
        return FileResult(path=item.display, original="", converted="", errors=[error],
                          relative=item.relative, kubernetes=False)
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


def lightened(result: FileResult, config: Config) -> FileResult:
    """``result`` for a run that writes files and keeps no texts: its findings suppressed
    (annotations are read from the text, which goes next), then only the bytes to write kept
    (what crosses from a worker process is then a fraction of the file)."""
    suppress(result, config)
    result.keep_bytes_only()
    return result
