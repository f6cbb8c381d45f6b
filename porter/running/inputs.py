"""Finding the input files: paths, directory trees (``*.yaml``, ``*.yml``), Helm charts
(directories with ``Chart.yaml``, packaged ``.tgz``) and stdin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from porter.charts.inputs import ChartInput
from porter.charts.render import is_chart
from porter.errors import InputError

STDIN = "-"
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class InputFile:
    """One file to convert: how to show it, where it is, and its path below its input root."""

    display: str
    path: Path | None
    """None for standard input."""
    relative: str
    explicit: bool
    """Named on the command line (not found by walking a directory)."""


def discover(arguments: list[str], exclude: Path | None = None,
             ) -> Iterator[InputFile | ChartInput | InputError]:
    """The input files for ``arguments``, in a stable order; problems come as InputErrors."""
    excluded = exclude.resolve() if exclude else None
    for argument in arguments:
        if argument == STDIN:
            yield InputFile("<stdin>", None, "stdin.yaml", True)
            continue
        path = Path(argument)
        if is_chart(path):
            yield ChartInput(argument, path, _chart_output(path.name))
        elif path.is_dir():
            yield from _walk(path, excluded)
        elif path.exists() or path.is_symlink():
            yield InputFile(argument, path, path.name, True)
        else:
            yield InputError("no such file or directory", argument)


def _chart_output(name: str) -> str:
    for suffix in (".tgz", ".tar.gz"):
        name = name.removesuffix(suffix)
    return f"{name}.yaml"


def _walk(root: Path, excluded: Path | None) -> Iterator[InputFile | ChartInput | InputError]:
    errors: list[OSError] = []
    for directory, subdirectories, files in os.walk(root, onerror=errors.append):
        here = Path(directory)
        if here != root and (here / "Chart.yaml").is_file():
            # A chart inside the tree is rendered, not read template by template.
            subdirectories[:] = []
            yield ChartInput(str(here), here, str(here.relative_to(root)) + ".yaml")
            continue
        subdirectories[:] = sorted(
            d for d in subdirectories
            if not d.startswith(".") and (excluded is None or (here / d).resolve() != excluded))
        for name in sorted(files):
            if name.endswith(SUFFIXES) and not name.startswith("."):
                path = here / name
                yield InputFile(str(path), path, str(path.relative_to(root)), False)
        yield from _directory_errors(errors, directory)
    # A directory that could not be read last is reported after the walk has ended.
    yield from _directory_errors(errors, str(root))


def _directory_errors(errors: list[OSError], directory: str) -> Iterator[InputError]:
    while errors:
        error = errors.pop(0)
        yield InputError(f"cannot read directory: {error.strerror}",
                         str(error.filename or directory))
