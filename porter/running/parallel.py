"""Converting files in worker processes, with results in input order and bounded memory."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.running.inputs import InputFile

_pipeline: Pipeline | None = None


def _start(config: Config) -> None:
    global _pipeline
    _pipeline = Pipeline(config)


def _convert(item: InputFile) -> FileResult:
    from porter.running.convert_file import convert_input

    assert _pipeline is not None
    return convert_input(item, _pipeline)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def convert_in_workers(items: Sequence[InputFile], config: Config,
                       jobs: int) -> Iterator[FileResult]:
    """Results for ``items`` in their order; at most a few files per worker are in flight,
    so memory stays bounded by the largest files, not by how many there are."""
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else None)
    window = jobs * 4
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start,
                                 initargs=(config,)) as pool:
            pending: deque[Future[FileResult]] = deque()
            for item in items:
                pending.append(pool.submit(_convert, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
                    done += 1
            while pending:
                yield pending.popleft().result()
                done += 1
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the files it had not finished are converted
        # here, one by one, so that one bad file never costs the others their conversion.
        _start(config)
        for item in items[done:]:
            yield _convert(item)
