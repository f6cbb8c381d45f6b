"""Converting files in worker processes: small files in batches, results in input order,
bounded memory, a worker's death costs one file, workers never outlive the main process."""

from __future__ import annotations

import contextlib
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.running.convert_file import convert_input, lightened
from porter.running.inputs import InputFile

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

FORK_BYTES = 512 << 10
"""Below this much input (and with the default ``--jobs``) files are converted in the main
process: starting workers would cost more than they win."""
BATCH_BYTES = 256 << 10
BATCH_FILES = 32
_PR_SET_PDEATHSIG = 1


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def input_bytes(items: Sequence[InputFile]) -> list[int]:
    """The size of each input file (0 when it cannot be told: the reader says why later)."""
    sizes = []
    for item in items:
        try:
            sizes.append(os.stat(item.location).st_size if item.location is not None else 0)
        except OSError:
            sizes.append(0)
    return sizes


def worth_forking(sizes: Sequence[int], jobs: int) -> bool:
    """Whether workers pay for themselves on this much work (the default ``--jobs``)."""
    return jobs > 1 and len(sizes) >= 2 and sum(sizes) >= FORK_BYTES


def batches(sizes: Sequence[int], jobs: int) -> list[range]:
    """Consecutive runs of files, each a task: small files go together (one message per batch,
    not per file), and there are enough batches for every worker to stay busy to the end."""
    target = max(16 << 10, min(BATCH_BYTES, sum(sizes) // (jobs * 8) or 1))
    runs: list[range] = []
    start, size = 0, 0
    for number, length in enumerate(sizes):
        if number > start and size + length > target:  # a big file does not join a batch
            runs.append(range(start, number))
            start, size = number, 0
        size += length
        if size >= target or number + 1 - start >= BATCH_FILES:
            runs.append(range(start, number + 1))
            start, size = number + 1, 0
    if start < len(sizes):
        runs.append(range(start, len(sizes)))
    return runs


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the main process goes (even by SIGKILL)."""
    import ctypes  # loaded by _Pool before the fork: the worker has it already

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _worker(connection: Connection, config: Config, parent: int, lean: bool) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    pipeline = Pipeline(config)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            break
        if task is None:
            break
        for position, item in task:
            result = convert_input(item, pipeline)
            connection.send((position, lightened(result, config) if lean else result))


@dataclass(eq=False)
class _Worker:
    process: Any
    connection: Connection
    queue: deque[list[tuple[int, InputFile]]] = field(default_factory=deque)
    """The batches sent and not finished, oldest first; the first item of the first batch is
    the file it is converting now."""


class _Pool:
    def __init__(self, config: Config, jobs: int, lean: bool = False) -> None:
        self.config = config
        self.lean = lean
        # Loaded when workers are started, not at every start-up (ctypes: for the workers).
        import ctypes  # noqa: F401
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self.context = multiprocessing.get_context(method)
        self.workers = [self._start() for _ in range(jobs)]

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_worker, daemon=True,
                                       args=(theirs, self.config, os.getpid(), self.lean))
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def send(self, worker: _Worker, batch: list[tuple[int, InputFile]]) -> None:
        worker.queue.append(batch)
        worker.connection.send(batch)

    def replace(self, worker: _Worker) -> _Worker:
        worker.connection.close()
        self.workers[self.workers.index(worker)] = fresh = self._start()
        return fresh

    def close(self) -> None:
        """Stop the workers: idle ones are told to, busy ones (the run was interrupted or
        abandoned) are killed."""
        for worker in self.workers:
            if worker.queue:
                worker.process.kill()
            else:
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()


def _death(item: InputFile, exitcode: int | None) -> FileResult:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        how = f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    else:
        how = f"exited with status {exitcode}"
    error = InputError(f"the worker process converting this file {how}; not converted",
                       item.display)
    return FileResult(path=item.display, original="", converted="", errors=[error],
                      relative=item.relative, kubernetes=False)


def convert_in_workers(items: Sequence[InputFile], config: Config, jobs: int,
                       lean: bool = False, sizes: Sequence[int] | None = None
                       ) -> Iterator[FileResult]:
    """Results for ``items`` in their order, converted by ``jobs`` worker processes (with
    ``lean``, each result's texts are released in its worker: see ``convert_paths``;
    ``sizes``: their :func:`input_bytes`, when known).

    Each worker has at most two batches in flight, so the results waiting for their turn are
    bounded by the batches, not by the number of files. A worker that dies (killed, out of
    memory) costs the file it was converting an error; the rest of its batches go to a new
    worker, and the run goes on.
    """
    from multiprocessing.connection import wait

    sizes = input_bytes(items) if sizes is None else sizes
    todo: deque[list[tuple[int, InputFile]]] = deque(
        [(n, items[n]) for n in run] for run in batches(sizes, jobs))
    ready: dict[int, FileResult] = {}
    following = 0
    pool = _Pool(config, min(jobs, len(todo)) or 1, lean)
    try:
        while following < len(items):
            while following in ready:
                yield ready.pop(following)
                following += 1
            if following >= len(items):
                break
            for worker in list(pool.workers):
                if todo and not worker.queue and not worker.process.is_alive():
                    worker = pool.replace(worker)  # died idle: nothing of ours was lost
                while len(worker.queue) < 2 and todo:
                    pool.send(worker, todo.popleft())
            by_handle = {}
            for worker in pool.workers:
                if worker.queue:
                    by_handle[worker.connection] = worker
                    by_handle[worker.process.sentinel] = worker
            for handle in wait(list(by_handle)):
                worker = by_handle[handle]
                if worker in pool.workers:  # not replaced earlier in this round
                    _receive(pool, worker, todo, ready)
    finally:
        pool.close()


def _receive(pool: _Pool, worker: _Worker, todo: deque[list[tuple[int, InputFile]]],
             ready: dict[int, FileResult]) -> None:
    """Take what ``worker`` has sent; if it died, fail the file it held and pass its other
    files on."""
    try:
        while worker.connection.poll():
            position, result = worker.connection.recv()
            ready[position] = result
            batch = worker.queue[0]
            batch.pop(0)
            if not batch:
                worker.queue.popleft()
        if worker.process.is_alive() or not worker.queue:
            return
    except (EOFError, OSError):
        pass
    worker.process.join()
    position, item = worker.queue[0].pop(0)
    ready[position] = _death(item, worker.process.exitcode)
    for batch in reversed(worker.queue):
        if batch:
            todo.appendleft(batch)
    pool.replace(worker)
