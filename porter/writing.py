"""Writing files atomically: a temporary file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The file mode is kept (``mode`` or the existing file's), and a symlink is written
    through to its target rather than replaced.
    """
    if path.exists() and not path.is_file():  # /dev/stdout, a pipe: nothing to replace
        with open(path, "wb") as stream:
            stream.write(data)
        return
    target = path.resolve() if path.is_symlink() else path
    if mode is None:
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(target.stat().st_mode)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".porter-tmp",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, refusing a path that would leave ``root``."""
    candidate = (root / relative).resolve()
    base = root.resolve()
    if candidate != base and base not in candidate.parents:
        raise ValueError(f"{relative!r} would be written outside {root}")
    return root / relative
