"""Finding the input files: paths, directory trees (``*.yaml``, ``*.yml``), Helm charts
(directories with ``Chart.yaml``, packaged ``.tgz``) and stdin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from porter.charts.inputs import ChartInput, is_chart
from porter.errors import InputError

STDIN = "-"
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to convert: how to show it, where it is, and its path below its input root.

    A run may list a million of them: the location is kept as text (a ``Path`` is several
    times its size) and :attr:`path` made when asked for."""

    display: str
    location: str | Path | None
    """Where the file is; None for standard input (given as a Path, kept as its text)."""
    relative: str
    explicit: bool
    """Named on the command line (not found by walking a directory)."""

    def __post_init__(self) -> None:
        if self.location is not None and not isinstance(self.location, str):
            object.__setattr__(self, "location", os.fspath(self.location))

    @property
    def path(self) -> Path | None:
        """None for standard input."""
        return None if self.location is None else Path(self.location)


def discover(arguments: list[str], exclude: Path | None = None,
             external_links: bool = False) -> Iterator[InputFile | ChartInput | InputError]:
    """The input files for ``arguments``, in a stable order; problems come as InputErrors.

    A symbolic link to a regular file outside its input root (the directory named, or the
    named file's directory) is refused, so that a repository cannot make porter read
    ``/etc/passwd`` into its output or rewrite a file elsewhere; ``external_links`` allows it.
    """
    excluded = exclude.resolve() if exclude else None
    for argument in arguments:
        if argument == STDIN:
            yield InputFile("<stdin>", None, "stdin.yaml", True)
            continue
        path = Path(argument)
        if is_chart(path):
            yield ChartInput(argument, path, _chart_output(path.name))
        elif path.is_dir():
            yield from _walk(path, excluded, external_links)
        elif path.exists() or path.is_symlink():
            outside = None if external_links else external_target(path, path.parent)
            yield InputFile(argument, path, path.name, True) if outside is None else \
                _external_error(argument, outside)
        else:
            yield InputError("no such file or directory", argument)


def _chart_output(name: str) -> str:
    for suffix in (".tgz", ".tar.gz"):
        name = name.removesuffix(suffix)
    return f"{name}.yaml"


def external_target(path: Path, root: Path) -> Path | None:
    """Where ``path`` leads when it is a link to a regular file outside ``root``, else None
    (links within the root, and pipes such as ``<(...)``'s ``/dev/fd/N``, are fine)."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
        regular = target.is_file()
    except (OSError, RuntimeError):
        return None  # a broken link or a loop: reading it reports that
    base = root.resolve()
    if not regular or target == base or base in target.parents:
        return None
    return target


def _external_error(display: str, target: Path) -> InputError:
    return InputError(f"symbolic link to {target}, outside the input tree; not read (porter "
                      "reads and rewrites such files only with --external-links)", display)


def _walk(root: Path, excluded: Path | None, external_links: bool = False,
          ) -> Iterator[InputFile | ChartInput | InputError]:
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
                outside = None if external_links else external_target(path, root)
                yield InputFile(str(path), path, str(path.relative_to(root)), False) \
                    if outside is None else _external_error(str(path), outside)
        yield from _directory_errors(errors, directory)
    # A directory that could not be read last is reported after the walk has ended.
    yield from _directory_errors(errors, str(root))


def _directory_errors(errors: list[OSError], directory: str) -> Iterator[InputError]:
    while errors:
        error = errors.pop(0)
        yield InputError(f"cannot read directory: {error.strerror}",
                         str(error.filename or directory))

