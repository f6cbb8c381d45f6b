"""porter: port Linux-oriented Kubernetes workloads to Windows Server nodes.

The Python API for scripts::

    import porter

    result = porter.convert_text(text)            # one manifest stream
    for result in porter.convert_paths(["deploy/"], jobs=4):
        print(result.path, result.status, [f.rule for f in result.findings])

Both return :class:`porter.engine.results.FileResult` objects carrying the same findings the CLI
reports, and the same ``status`` (:class:`Status`): ``ok`` (nothing to change), ``changed``, or
``error`` (bad input in ``result.errors``, or an ``internal-error`` finding; the converted text
is then the original). Bad input is never raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from porter.version import __version__

if TYPE_CHECKING:
    from porter.engine.config import Config
    from porter.engine.results import FileResult, Status

__all__ = ["Status", "__version__", "convert_paths", "convert_text"]


def __getattr__(name: str) -> type[Status]:
    # porter.Status without importing the engine at ``import porter`` (kept fast for --version)
    if name == "Status":
        from porter.engine.results import Status

        return Status
    raise AttributeError(f"module 'porter' has no attribute {name!r}")


def convert_text(text: str, config: Config | None = None, name: str = "-") -> FileResult:
    """Convert one YAML stream; bad input is reported in ``result.errors`` (``status`` is
    ``error``), never raised."""
    from porter.engine.pipeline import Pipeline
    from porter.yamledit.textfile import SourceText

    result = Pipeline(config).convert_text(text, name)
    result.source = SourceText(text)  # as convert_paths gives it for a file it could read
    return result


def convert_paths(paths: Iterable[str | Path], config: Config | None = None,
                  jobs: int | None = 1, external_links: bool = False) -> Iterator[FileResult]:
    """Convert files and directory trees (as ``porter convert`` does), one result per file,
    in input order; ``jobs`` > 1 converts in that many processes, ``None`` in one per core
    when the input is large enough to pay for them; ``external_links`` reads symbolic links
    to files outside their input tree (refused by default)."""
    from porter.running.run import convert_paths as run

    return run(paths, config, jobs=jobs, external_links=external_links)
