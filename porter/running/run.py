"""Running porter over files: reading, decoding, converting. The one place that reads input."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from porter.charts.inputs import ChartInput
from porter.charts.options import ChartOptions
from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import PorterError
from porter.running.convert_file import convert_input, lightened, read_input
from porter.running.inputs import InputFile, discover
from porter.running.parallel import convert_in_workers, default_jobs, input_bytes, worth_forking

if TYPE_CHECKING:
    from porter.running.images import ImageUse
    from porter.running.shards import Shard


def convert_paths(arguments: Iterable[str | Path], config: Config | None = None,
                  exclude: Path | None = None,
                  charts: ChartOptions | None = None, jobs: int | None = 1,
                  on_total: Callable[[int], None] | None = None,
                  shard: Shard | None = None,
                  external_links: bool = False, lean: bool = False) -> Iterator[FileResult]:
    """Convert every file named by ``arguments`` (files, directories, charts, ``-``).

    With ``jobs`` > 1, files are converted in that many worker processes; results come in
    the same order, with the same content, as with one. ``jobs=None`` uses every core when
    the work is large enough to pay for the workers, else the main process. ``on_total``
    hears how many results will come, before the first one. With ``shard``, only that
    shard's inputs are converted, each result with its ``position`` among all inputs.
    ``external_links`` reads symbolic links to files outside their input root (refused by
    default). With ``lean``, each file's result comes with its texts released and the bytes
    to write in ``data`` (a run that writes files and keeps only findings: results cross
    from worker processes at a fraction of their size).
    """
    config = config or Config()
    pipeline = Pipeline(config)
    items = list(discover([str(a) for a in arguments], exclude, external_links))
    positions = list(range(len(items)))
    if shard is not None:
        positions = [n for n in positions if shard.holds(items[n])]
        items = [items[n] for n in positions]
    if on_total is not None:
        on_total(len(items))
    files = [i for i in items if isinstance(i, InputFile) and i.location is not None]
    stdin = _prefetch_images(items, config)
    sizes = None
    if jobs is None:
        sizes = input_bytes(files)
        jobs = default_jobs() if worth_forking(sizes, default_jobs()) else 1
    parallel = iter(convert_in_workers(files, config, jobs, lean, sizes)) \
        if jobs > 1 and len(files) >= 2 else None
    resolver = config.image_resolver()
    notes = [f"porter: note: {note}" for note in resolver.notes] if resolver else []
    try:
        for position, item in zip(positions, items, strict=True):
            if isinstance(item, ChartInput):
                from porter.charts.convert import convert_chart  # Helm: only for a chart

                result = convert_chart(item, pipeline, charts or ChartOptions())
            elif isinstance(item, PorterError):
                result = FileResult(path=item.file or "-", original="", converted="",
                                    errors=[item], kubernetes=False)
            elif parallel is not None and item.location is not None:
                result = next(parallel)
            else:
                result = convert_input(item, pipeline, stdin if item.location is None else None)
                if lean:
                    lightened(result, config)
            result.notes[:0], notes = notes, []  # an unreadable image cache, said once
            if shard is not None:
                result.position = position
            yield result
    finally:
        if resolver is not None:
            resolver.save()


def _prefetch_images(items: list[InputFile | ChartInput | PorterError],
                     config: Config) -> bytes | None:
    """With image resolution on: resolve every file's images once, concurrently, before the
    conversion (workers then share the answers). Returns standard input, read for this."""
    if config.image_resolver() is None:
        return None
    from porter.running import images  # image resolution: with --resolve-images

    uses: list[ImageUse] = []
    stdin = None
    for item in items:
        if not isinstance(item, InputFile):
            continue  # charts: their images are resolved as the rendered pods are converted
        try:
            data = read_input(item)
        except PorterError:
            continue  # the conversion reports it
        if item.location is None:
            stdin = data
        uses.extend(images.images_in(data, item.display, config))
    images.prefetch(config, uses)
    return stdin
