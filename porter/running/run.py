"""Running porter over files: reading, decoding, converting. The one place that reads input."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from porter.charts.convert import ChartOptions, convert_chart
from porter.charts.inputs import ChartInput
from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import PorterError
from porter.running.convert_file import convert_input
from porter.running.inputs import InputFile, discover
from porter.running.parallel import convert_in_workers, default_jobs, input_bytes, worth_forking
from porter.running.shards import Shard


def convert_paths(arguments: Iterable[str | Path], config: Config | None = None,
                  exclude: Path | None = None,
                  charts: ChartOptions | None = None, jobs: int | None = 1,
                  on_total: Callable[[int], None] | None = None,
                  shard: Shard | None = None) -> Iterator[FileResult]:
    """Convert every file named by ``arguments`` (files, directories, charts, ``-``).

    With ``jobs`` > 1, files are converted in that many worker processes; results come in
    the same order, with the same content, as with one. ``jobs=None`` uses every core when
    the work is large enough to pay for the workers, else the main process. ``on_total``
    hears how many results will come, before the first one. With ``shard``, only that
    shard's inputs are converted, each result with its ``position`` among all inputs.
    """
    config = config or Config()
    pipeline = Pipeline(config)
    items = list(discover([str(a) for a in arguments], exclude))
    positions = list(range(len(items)))
    if shard is not None:
        positions = [n for n in positions if shard.holds(items[n])]
        items = [items[n] for n in positions]
    if on_total is not None:
        on_total(len(items))
    files = [i for i in items if isinstance(i, InputFile) and i.path is not None]
    if jobs is None:
        jobs = default_jobs() if worth_forking(input_bytes(files), default_jobs()) else 1
    parallel = iter(convert_in_workers(files, config, jobs)) \
        if jobs > 1 and len(files) >= 2 else None
    for position, item in zip(positions, items, strict=True):
        if isinstance(item, ChartInput):
            result = convert_chart(item, pipeline, charts or ChartOptions())
        elif isinstance(item, PorterError):
            result = FileResult(path=item.file or "-", original="", converted="",
                                errors=[item], kubernetes=False)
        elif parallel is not None and item.path is not None:
            result = next(parallel)
        else:
            result = convert_input(item, pipeline)
        if shard is not None:
            result.position = position
        yield result
