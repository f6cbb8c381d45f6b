"""Writing files atomically: a temporary file in the same directory, fsync, then rename; and
many files at once with one sync for all of them (:class:`DurableBatch`)."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO


class ChangedMeanwhile(Exception):
    """The file no longer holds what porter read: another process wrote to it meanwhile."""


def write_atomic(path: Path, data: bytes | Iterable[bytes], mode: int | None = None,
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
    staged = _stage(path, data, mode, sync=True)
    if staged is not None:
        _install(*staged, expect)
        _sync_directory(staged[1].parent)


def _stage(path: Path, data: bytes | Iterable[bytes], mode: int | None,
           sync: bool, directories: set[Path] | None = None) -> tuple[str, Path] | None:
    """Write ``data`` to a temporary beside ``path``'s target: (temporary, target); None when
    ``path`` is not a file to replace (/dev/stdout, a pipe) and was written directly.
    ``directories`` are known to exist already (and learn the ones made here)."""
    try:
        existing: os.stat_result | None = os.stat(path)  # through a link: what it names
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(path, "wb") as stream:  # /dev/stdout, a pipe: nothing to replace
            _write_all(stream, data)
        return None
    target = path.resolve() if path.is_symlink() else path
    if mode is None:
        mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
    if directories is None or target.parent not in directories:
        target.parent.mkdir(parents=True, exist_ok=True)
        if directories is not None:
            directories.add(target.parent)
    return _temporary(target, data, mode, sync, existing), target


def _install(temporary: str, target: Path, expect: bytes | None = None) -> None:
    """Rename ``temporary`` over ``target`` (when ``target`` still holds ``expect``)."""
    try:
        if expect is not None and not _holds(target, expect):
            raise ChangedMeanwhile(f"{target} changed while porter converted it (another "
                                   "process wrote to it); it was left as it is now")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _holds(path: Path, expect: bytes) -> bool:
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size != len(expect):
                return False
            return stream.read(len(expect) + 1) == expect
    except OSError:
        return False


def _keep_owner(handle: int, existing: os.stat_result) -> None:
    """Give the new file the old one's owner and group, or its group alone, where permitted
    (root may do both; a user may set a group they belong to)."""
    for owner in (existing.st_uid, -1):
        try:
            os.fchown(handle, owner, existing.st_gid)
            return
        except OSError:
            continue


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _synced_temporary(beside: Path, data: bytes, mode: int) -> str:
    return _temporary(beside, data, mode, sync=True)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_names = itertools.count()
_token: tuple[int, str] = (0, "")


def _create_temporary(beside: Path) -> tuple[int, str]:
    """Open a new file ``.NAME.TOKEN.porter-tmp`` beside ``beside``, mode 0600, that nobody
    else made (``O_EXCL``: a name taken is skipped, a planted link is not followed). What
    ``tempfile.mkstemp`` does, without its cost per name: the token is the process's random
    prefix and a counter."""
    global _token
    if _token[0] != os.getpid():  # a forked process draws its own prefix
        _token = (os.getpid(), os.urandom(4).hex())
    directory, prefix = os.fspath(beside.parent), f".{beside.name}.{_token[1]}"
    for _ in range(10_000):
        temporary = os.path.join(directory, f"{prefix}{next(_names):x}.porter-tmp")
        try:
            return os.open(temporary, _CREATE, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", os.path.join(directory, prefix))


def _write_fd(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def _write_all(stream: BinaryIO, data: bytes | Iterable[bytes]) -> None:
    """Write ``data``, or each of its pieces (a large report, rendered as it is written)."""
    for piece in (data,) if isinstance(data, bytes) else data:
        stream.write(piece)


def _temporary(beside: Path, data: bytes | Iterable[bytes], mode: int, sync: bool,
               existing: os.stat_result | None = None) -> str:
    """A hidden temporary file next to ``beside`` holding ``data`` with ``mode`` and the
    owner of ``existing`` where permitted (on disk when ``sync``; else in the page cache
    until a :func:`_sync_file_systems`)."""
    handle, temporary = _create_temporary(beside)
    try:
        if isinstance(data, bytes):
            _write_fd(handle, data)
        else:
            with os.fdopen(handle, "wb", closefd=False) as stream:
                _write_all(stream, data)
        if sync:
            os.fsync(handle)
        if existing is not None:
            _keep_owner(handle, existing)
        os.fchmod(handle, mode)  # after chown, which may clear set-id bits
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    finally:
        os.close(handle)
    return temporary


_FEW = 4


def _sync_file_systems(paths: list[str]) -> set[int]:
    """Make the data of ``paths`` durable: one ``syncfs`` per file system they are on (one
    journal commit for all), or an fsync of each where ``syncfs`` is missing. Returns the
    file systems (``st_dev``) synced whole."""
    # syncfs writes out every dirty page of the file system, other programs' too: for a
    # handful of files their own fsyncs cost less.
    syncfs = getattr(_libc(), "syncfs", None) if len(paths) > _FEW else None
    if syncfs is None:
        for path in paths:
            _fsync(path)
        return set()
    devices: dict[int, str] = {}
    for path in paths:  # a stat, not an open, tells the file system of each
        devices.setdefault(os.stat(path).st_dev, path)
    for path in devices.values():
        handle = os.open(path, os.O_RDONLY)
        try:
            if syncfs(handle) != 0:
                import ctypes

                error = ctypes.get_errno()
                raise OSError(error, os.strerror(error), path)
        finally:
            os.close(handle)
    return set(devices)


def _sync_directories(directories: Iterable[Path], synced: Collection[int] = ()) -> None:
    """Make the renames into ``directories`` durable, where the file systems ``synced``
    (since the renames) do not already hold them; best effort, as before: some file
    systems cannot fsync a directory."""
    rest = [d for d in directories if not synced or _device(d) not in synced]
    if len(rest) > _FEW:
        with contextlib.suppress(OSError):
            _sync_file_systems([str(d) for d in rest])
        return
    for directory in rest:
        _sync_directory(directory)


def _device(path: Path) -> int | None:
    try:
        return os.stat(path).st_dev
    except OSError:
        return None


def _fsync(path: str) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _libc() -> Any:
    import ctypes  # for syncfs, which many files need and a few do not: not part of start-up

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to ask
        return None


@dataclass
class _Staged:
    temporary: str | None
    target: Path | None
    item: Any
    expect: bytes | None = None


class DurableBatch:
    """Atomic, durable writes of many files at the price of one sync per batch, not two per
    file: each file goes to a hidden temporary beside its target (no fsync); at
    :meth:`commit`, one ``syncfs`` makes all their data durable (and the previous commit's
    renames), then each is renamed over its target; the last commit then syncs the
    directories.

    Killed at any moment, every target is its old or its new content (a rename is atomic and
    happens only after the data is on disk), and at worst hidden ``.NAME.*.porter-tmp`` files
    are left. After a power loss, every target is old or new; once :meth:`commit` returned,
    new. ``item`` rides along with each file (a result, say): :meth:`commit` gives the items
    back in the order they were added, with the error their rename met, if any (an OSError,
    or :class:`ChangedMeanwhile` for a file that no longer holds its ``expect`` bytes).
    """

    def __init__(self, files: int = 128, size: int = 32 << 20, seconds: float = 0.5) -> None:
        self.limits = (files, size, seconds)
        self.staged: list[_Staged] = []
        self.size = 0
        self.started = 0.0
        self.installed = 0
        """Files renamed over their targets so far, by every commit (an interrupted one too)."""
        self.directories: set[Path] = set()
        """Directories that exist (staged into, or made), so each is made once."""
        self.unsynced: dict[Path, None] = {}
        """Directories renamed into by a commit that was not the last, not synced since."""

    def add(self, path: Path | None, data: bytes = b"", mode: int | None = None,
            item: Any = None, before: Callable[[], None] | None = None,
            expect: bytes | None = None) -> None:
        """Stage ``data`` for ``path`` (None: just ``item``, kept in order with the others).
        ``before`` runs first (a backup, say); what it or the write raises goes to the
        caller, and nothing is staged then. With ``expect``, the file is renamed over only if
        it still holds those bytes at :meth:`commit` (checked just before its rename)."""
        if not self.staged:
            self.started = time.monotonic()
        temporary = target = None
        if path is not None:
            if before is not None:
                before()
            staged = _stage(path, data, mode, sync=False, directories=self.directories)
            if staged is not None:
                temporary, target = staged
                self.size += len(data)
        self.staged.append(_Staged(temporary, target, item, expect))

    @property
    def full(self) -> bool:
        files, size, seconds = self.limits
        return len(self.staged) >= files or self.size >= size or \
            (bool(self.staged) and time.monotonic() - self.started >= seconds)

    def commit(self, last: bool = True) -> list[tuple[Any, OSError | ChangedMeanwhile | None]]:
        """Sync, rename and sync the directories of everything staged; the items in order.

        With ``last`` False (more commits follow), the directories are left for the next
        commit's sync, which holds them too: one sync per batch, not two. Until a last commit,
        a power loss may then undo a rename (the file is its old self, as before the run)."""
        staged = self.staged  # kept until the end, for abandon() after an interrupt
        temporaries = [s.temporary for s in staged if s.temporary is not None]
        failure: OSError | None = None
        try:
            synced = _sync_file_systems(temporaries)
        except OSError as exc:
            failure = exc  # nothing is renamed over a target when the data is not on disk
            synced = set()
        _sync_directories(self.unsynced, synced)  # the previous commit's renames
        self.unsynced = {}
        done: list[tuple[Any, OSError | ChangedMeanwhile | None]] = []
        with _signals_held():  # the renames (milliseconds) run to the end, and are counted
            for each in staged:
                done.append(self._rename(each, failure, self.unsynced))
        self.staged, self.size = [], 0
        if last:
            _sync_directories(self.unsynced)
            self.unsynced = {}
        return done

    def _rename(self, each: _Staged, failure: OSError | None, directories: dict[Path, None]) \
            -> tuple[Any, OSError | ChangedMeanwhile | None]:
        """Rename one staged file over its target: (its item, the error it met, if any)."""
        if each.temporary is None or each.target is None:
            return each.item, None
        try:
            if failure is not None:
                raise failure
            _install(each.temporary, each.target, each.expect)
        except (OSError, ChangedMeanwhile) as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(each.temporary)
            return each.item, exc
        self.installed += 1
        directories[each.target.parent] = None
        return each.item, None

    def abandon(self) -> None:
        """Remove what is staged, renaming nothing (an interrupted run)."""
        for each in self.staged:
            if each.temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(each.temporary)
        self.staged, self.size = [], 0


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (they are delivered at the end) in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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


class RealPaths:
    """``Path.resolve()`` of many paths that share directories, each directory resolved once
    (for one run: a directory is taken to stay what it was)."""

    def __init__(self) -> None:
        self._directories: dict[str, str] = {}

    def __call__(self, path: Path | str) -> str:
        text = os.fspath(path)
        if ".." in text.split(os.sep):  # ".." after a link is not what abspath makes of it
            return os.path.realpath(text)
        directory, name = os.path.split(os.path.abspath(text))
        real = self._directories.get(directory)
        if real is None:
            real = self._directories[directory] = os.path.realpath(directory)
        joined = os.path.join(real, name)
        return os.path.realpath(joined) if os.path.islink(joined) else joined


def safe_join(root: Path, relative: str, real: RealPaths | None = None) -> Path:
    """``root / relative``, refusing a path that would leave ``root``."""
    real = real or RealPaths()
    candidate = real(os.path.join(root, relative))
    base = real(root)
    if candidate != base and not candidate.startswith(base.rstrip(os.sep) + os.sep):
        raise ValueError(f"{relative!r} would be written outside {root}")
    return root / relative
