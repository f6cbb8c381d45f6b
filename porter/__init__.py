"""porter: port Linux-oriented Kubernetes workloads to Windows Server nodes.

The Python API for scripts::

    import porter

    result = porter.convert_text(text)            # one manifest stream
    for result in porter.convert_paths(["deploy/"], jobs=4):
        print(result.path, result.changed, [f.rule for f in result.findings])

Both return :class:`porter.engine.results.FileResult` objects carrying the same findings the CLI
reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from porter.version import __version__

if TYPE_CHECKING:
    from porter.engine.config import Config
    from porter.engine.results import FileResult

__all__ = ["__version__", "convert_paths", "convert_text"]


def convert_text(text: str, config: Config | None = None, name: str = "-") -> FileResult:
    """Convert one YAML stream; bad input is reported in ``result.errors``, never raised."""
    from porter.engine.pipeline import Pipeline

    return Pipeline(config).convert_text(text, name)


def convert_paths(paths: Iterable[str | Path], config: Config | None = None,
                  jobs: int = 1, external_links: bool = False) -> Iterator[FileResult]:
    """Convert files and directory trees (as ``porter convert`` does), one result per file,
    in input order; ``jobs`` > 1 converts in that many processes; ``external_links`` reads
    symbolic links to files outside their input tree (refused by default)."""
    from porter.running.run import convert_paths as run

    return run(paths, config, jobs=jobs, external_links=external_links)
