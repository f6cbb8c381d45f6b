"""Writing files atomically: a temporary file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class ChangedMeanwhile(Exception):
    """The file no longer holds what porter read: another process wrote to it meanwhile."""


def write_atomic(path: Path, data: bytes, mode: int | None = None,
                 expect: bytes | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The file mode is kept (``mode`` or the existing file's; a new file gets what ``open``
    would give it, 0666 less the umask), and so are its owner and group where the user may
    set them; a symlink is written through to its target rather than replaced. With
    ``expect``, the file must still hold exactly those bytes just before the rename, else
    :class:`ChangedMeanwhile` is raised and the file is left alone (an edit made while
    porter converted it is never lost). Killed at any moment, it leaves the old file or
    the new one, and at worst a hidden ``.NAME.*.porter-tmp`` file beside it.
    """
    if path.exists() and not path.is_file():  # /dev/stdout, a pipe: nothing to replace
        with open(path, "wb") as stream:
            stream.write(data)
        return
    target = path.resolve() if path.is_symlink() else path
    try:
        existing: os.stat_result | None = target.stat()
    except FileNotFoundError:
        existing = None
    if mode is None:
        mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _synced_temporary(target, data, mode, existing)
    try:
        if expect is not None and not _holds(target, expect):
            raise ChangedMeanwhile(f"{path} changed while porter converted it (another "
                                   "process wrote to it); it was left as it is now")
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


def _holds(path: Path, expect: bytes) -> bool:
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size != len(expect):
                return False
            return stream.read(len(expect) + 1) == expect
    except OSError:
        return False


def _keep_owner(temporary: str, existing: os.stat_result) -> None:
    """Give the new file the old one's owner and group, or its group alone, where permitted
    (root may do both; a user may set a group they belong to)."""
    for owner in (existing.st_uid, -1):
        try:
            os.chown(temporary, owner, existing.st_gid)
            return
        except OSError:
            continue


def _synced_temporary(beside: Path, data: bytes, mode: int,
                      existing: os.stat_result | None = None) -> str:
    """A hidden temporary file next to ``beside`` holding ``data`` with ``mode`` (and the
    owner of ``existing``, where permitted), on disk."""
    handle, temporary = tempfile.mkstemp(prefix=f".{beside.name}.", suffix=".porter-tmp",
                                         dir=beside.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if existing is not None:
            _keep_owner(temporary, existing)
        os.chmod(temporary, mode)  # after chown, which may clear set-id bits
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
