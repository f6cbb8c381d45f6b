"""Writing files atomically: a temporary file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The file mode is kept (``mode`` or the existing file's; a new file gets what ``open``
    would give it, 0666 less the umask), and a symlink is written through to its target
    rather than replaced. Killed at any moment, it leaves the old file or the new one, and
    at worst a hidden ``.NAME.*.porter-tmp`` file beside it.
    """
    if path.exists() and not path.is_file():  # /dev/stdout, a pipe: nothing to replace
        with open(path, "wb") as stream:
            stream.write(data)
        return
    target = path.resolve() if path.is_symlink() else path
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _synced_temporary(target, data, mode)
    try:
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


def _synced_temporary(beside: Path, data: bytes, mode: int) -> str:
    """A hidden temporary file next to ``beside`` holding ``data`` with ``mode``, on disk."""
    handle, temporary = tempfile.mkstemp(prefix=f".{beside.name}.", suffix=".porter-tmp",
                                         dir=beside.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class BackupExists(Exception):
    """A different backup is already there: it is never overwritten."""


def keep_backup(path: Path, suffix: str = ".orig") -> Path:
    """Keep the current content of ``path`` as ``PATH{suffix}`` before it is replaced.

    The backup is a hard link to the original file (the same bytes, mode and times; the
    rename of :func:`write_atomic` leaves it alone), or a synced copy where links cannot be
    made. An existing backup is kept and reused when it holds the same bytes (a run killed
    after the backup, before the write); otherwise :class:`BackupExists` is raised.
    """
    backup = path.with_name(path.name + suffix)
    source = path.resolve() if path.is_symlink() else path
    try:
        os.link(source, backup)
        return backup
    except FileExistsError:
        if backup.is_file() and (os.path.samefile(backup, source) or
                                 backup.read_bytes() == source.read_bytes()):
            return backup
        raise BackupExists(f"backup {backup} already exists and differs; "
                           "the file was not rewritten") from None
    except OSError:
        pass  # no hard links here (another file system, FAT, ...): copy
    temporary = _synced_temporary(backup, source.read_bytes(),
                                  stat.S_IMODE(source.stat().st_mode))
    try:
        os.link(temporary, backup)  # never replaces an existing file
    except FileExistsError:
        raise BackupExists(f"backup {backup} already exists; the file was not "
                           "rewritten") from None
    except OSError:
        if backup.exists():
            raise
        os.rename(temporary, backup)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return backup


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, refusing a path that would leave ``root``."""
    candidate = (root / relative).resolve()
    base = root.resolve()
    if candidate != base and base not in candidate.parents:
        raise ValueError(f"{relative!r} would be written outside {root}")
    return root / relative
