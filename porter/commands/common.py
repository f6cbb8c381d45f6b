"""What the commands share: option types, configuration from flags, exit status, errors."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import subprocess
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, NoReturn

import typer

from porter.engine.config import Config, load_config
from porter.engine.results import FileResult
from porter.engine.suppression import suppress
from porter.errors import ConfigError, PorterError, WriteError
from porter.outputs.encoding import to_bytes
from porter.outputs.run_info import RunInfo
from porter.running.writing import write_atomic

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    github = "github"
    html = "html"
    markdown = "markdown"


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


STDOUT = "-"
_EXTENSIONS = {".json": ReportFormat.json, ".jsonl": ReportFormat.jsonl,
               ".sarif": ReportFormat.sarif, ".html": ReportFormat.html,
               ".htm": ReportFormat.html, ".md": ReportFormat.markdown,
               ".markdown": ReportFormat.markdown}
_READINESS = (ReportFormat.html, ReportFormat.markdown)
"""Formats that show the whole run (they also need the run's facts and the converted texts)."""


def _readiness_report(fmt: ReportFormat, results: Sequence[FileResult],
                      run: RunInfo | None) -> str:
    # Loaded only when asked for: the readiness renderers are a large part of start-up.
    if fmt is ReportFormat.html:
        from porter.outputs import report_html

        return report_html.render(results, run)
    from porter.outputs import report_markdown

    return report_markdown.render(results, run)


def report_targets(reports: Sequence[Path], formats: Sequence[ReportFormat]) \
        -> list[tuple[Path, ReportFormat]]:
    """Pair each ``--report`` with its format: the Nth ``--report-format`` belongs to the Nth
    ``--report``; a report without one takes it from its extension (``.json``, ``.jsonl``,
    ``.sarif``, ``.sarif.json``, ``.html``, ``.md``; anything else is text)."""
    if len(formats) > len(reports):
        raise ConfigError("more --report-format options than --report files")
    targets = []
    for number, path in enumerate(reports):
        if number < len(formats):
            fmt = formats[number]
        elif path.name.lower().endswith(".sarif.json"):
            fmt = ReportFormat.sarif
        else:
            fmt = _EXTENSIONS.get(path.suffix.lower(), ReportFormat.text)
        targets.append((path, fmt))
    if sum(str(path) == STDOUT for path, _ in targets) > 1:
        raise ConfigError("only one report can go to standard output (--report -)")
    return targets


def needs_texts(targets: Iterable[tuple[Path, ReportFormat]]) -> bool:
    """Whether a report shows diffs, so the results must keep their texts until written."""
    return any(fmt in _READINESS for _path, fmt in targets)


def run_info(command: str, paths: Sequence[str], config: Config) -> RunInfo:
    """The run's facts for the readiness reports' header."""
    return RunInfo(command=command, inputs=tuple(paths), target_windows=config.target_windows,
                   image_resolution=config.images.resolve,
                   fail_on=config.fail_on)


def repository_root(start: Path | None = None) -> Path:
    """The git top level of ``start`` (default: the working directory), else ``start``
    itself: what SARIF paths are relative to unless ``--sarif-root`` says otherwise."""
    start = (start or Path.cwd()).resolve()
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start,
                             capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return start
    text = os.fsdecode(top.stdout.rstrip(b"\n"))
    return Path(text) if top.returncode == 0 and text else start


def write_reports(results: Sequence[FileResult], targets: Iterable[tuple[Path, ReportFormat]],
                  run: RunInfo | None = None, sarif_root: Path | None = None,
                  shard: tuple[int, int] | None = None) -> None:
    """Write each report; the readiness reports' header says ``run``; SARIF paths are
    relative to ``sarif_root`` (default: the git top level of the working directory); with
    ``shard`` (``--shard K/N``), JSON and SARIF reports say which shard they are, for
    ``porter report merge``."""
    for path, fmt in targets:
        data: bytes | Iterator[bytes]
        if fmt is ReportFormat.json:  # the largest report: rendered as it is written
            from porter.outputs import report_json  # each format's renderer: when it is asked

            data = (to_bytes(chunk) for chunk in report_json.chunks(results, shard))
        elif fmt is ReportFormat.sarif:
            from porter.outputs import sarif  # for this format

            root = (sarif_root or repository_root()).resolve()
            data = to_bytes(sarif.render(results, root=root.as_posix(),
                                         cwd=Path.cwd().as_posix(), shard=shard))
        elif fmt in _READINESS:
            data = to_bytes(_readiness_report(fmt, results, run))
        elif fmt is ReportFormat.github:
            from porter.outputs import github  # for this format

            data = to_bytes(github.render(results))
        elif fmt is ReportFormat.jsonl:
            from porter.outputs import report_jsonl

            data = to_bytes(report_jsonl.render(results))
        else:
            from porter.outputs import report_text

            data = to_bytes(report_text.render(results))
        if str(path) == STDOUT:
            for piece in (data,) if isinstance(data, bytes) else data:
                write_stdout(piece, flush=False)
            sys.stdout.flush()
        else:
            save(path, data)


def write_stdout(data: bytes, flush: bool = True) -> None:
    """All of ``data`` to standard output, flushed. A pipe closed early makes a write
    return short before it raises: the loop goes on until it raises BrokenPipeError, so a
    reader that went away is never taken for one that read everything."""
    view = memoryview(data)
    while view:
        count = sys.stdout.buffer.write(view)
        view = view[count or 0:]
    if flush:
        sys.stdout.flush()


def save(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write one output file (a report, a patch, an overlay) atomically; a failure (a full
    disk, permissions) is a :class:`WriteError` naming the file, not an internal error."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None


class StreamedReports:
    """The JSON Lines reports among ``targets``, written as each file finishes (so a long run
    can be followed, and nothing of a file is kept for them); the others at :meth:`finish`."""

    def __init__(self, targets: Iterable[tuple[Path, ReportFormat]],
                 shard: tuple[int, int] | None = None) -> None:
        self.shard = shard
        self.later: list[tuple[Path, ReportFormat]] = []
        self.streams: list[tuple[str, BinaryIO]] = []
        for path, fmt in targets:
            if fmt is not ReportFormat.jsonl:
                self.later.append((path, fmt))
            elif str(path) == STDOUT:
                self.streams.append((STDOUT, sys.stdout.buffer))
            else:
                try:
                    self.streams.append((str(path), open(path, "wb")))  # noqa: SIM115
                except OSError as exc:
                    self.close()
                    raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None

    @property
    def read_at_finish(self) -> bool:
        """Whether :meth:`finish` reads the results (a summary line or a report to write)."""
        return bool(self.streams or self.later)

    def add(self, result: FileResult) -> None:
        if self.streams:
            from porter.outputs import report_jsonl  # loaded once; only runs that stream

            self._write(to_bytes(report_jsonl.file_lines(result)))

    def finish(self, results: Sequence[FileResult], run: RunInfo | None = None,
               sarif_root: Path | None = None) -> None:
        """The JSON Lines summaries, then every other report."""
        if self.streams:
            from porter.outputs import report_jsonl

            self._write(to_bytes(report_jsonl.summary_line(results)))
        self.close()
        write_reports(results, self.later, run, sarif_root, self.shard)

    def _write(self, data: bytes) -> None:
        for name, stream in self.streams:
            if stream is sys.stdout.buffer:
                write_stdout(data)
                continue
            try:
                stream.write(data)
                stream.flush()
            except OSError as exc:
                self.close()
                raise WriteError(f"cannot write {name}: {exc.strerror or exc}") from None

    def close(self) -> None:
        for _name, stream in self.streams:
            if stream is not sys.stdout.buffer:
                with contextlib.suppress(OSError):
                    stream.close()
        self.streams = []


def use_color(choice: Color, stream: object) -> bool:
    """Colour for ``always``; for ``auto`` only on a terminal, unless ``NO_COLOR`` is set (to
    anything but '') or the terminal is dumb."""
    if choice is not Color.auto:
        return choice is Color.always
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") and \
        os.environ.get("TERM") != "dumb"


def terminal_width(stream: object = None) -> int | None:
    """The width to wrap human text to: the terminal's when ``stream`` (default stderr) is
    one, else None (files and pipes get unwrapped lines that tools can parse)."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 20)
    try:
        return max(os.get_terminal_size(stream.fileno()).columns, 20)  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return 80


def selected(results: Iterable[FileResult], config: Config) -> Iterator[FileResult]:
    """The results with suppressed findings moved aside (select, ignore, annotations)."""
    for result in results:
        yield suppress(result, config)


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def err(text: str) -> None:
    """A line on stderr; a file name that is not UTF-8 goes out as its own bytes."""
    write_err(text if text.endswith("\n") else text + "\n")


def write_err(text: str) -> None:
    sys.stderr.flush()
    buffer = getattr(sys.stderr, "buffer", None)
    if buffer is None:  # a text-only stream (a test's capture)
        sys.stderr.write(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    else:
        buffer.write(to_bytes(text))
        buffer.flush()


def _parse_options(values: list[str]) -> dict[str, dict[str, str]]:
    options: dict[str, dict[str, str]] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        transform_id, dot, key = name.partition(".")
        if not sep or not dot:
            raise ConfigError(f"--option takes TRANSFORM.KEY=VALUE, not {value!r}")
        options.setdefault(transform_id, {})[key] = setting
    return options


def build_config(config_file: Path | None, disable: list[str], only: list[str],
                 options: list[str], fail_on: FailOn | None, toleration: str | None,
                 drives: list[str], target_windows: str | None = None,
                 select: list[str] | None = None, ignore: list[str] | None = None) -> Config:
    """The run's configuration: the config file, then the command-line flags over it
    (``--select`` replaces the file's ``select``, ``--ignore`` adds to its ``ignore``)."""
    config = load_config(config_file, required=config_file is not None)
    extra = _parse_options(options)
    if toleration is not None:
        extra.setdefault("os-scheduling", {})["toleration"] = toleration
    if drives:
        extra.setdefault("mount-paths", {})["drives"] = ",".join(drives)
    config = config.with_options(extra)
    return Config(disable=config.disable | frozenset(disable),
                  only=frozenset(only) if only else config.only,
                  options=config.options,
                  fail_on=fail_on.value if fail_on else config.fail_on,
                  source=config.source,
                  target_windows=target_windows or config.target_windows,
                  select=frozenset(select) if select else config.select,
                  ignore=config.ignore | frozenset(ignore or ()),
                  images=config.images)


def with_image_flags(config: Config, resolve: bool, cache: Path | None,
                     insecure: list[str] | None) -> Config:
    """``--resolve-images``, ``--image-cache FILE`` (which implies it) and
    ``--insecure-registry HOST`` over the config file's ``images:``."""
    settings = config.images
    settings = dataclasses.replace(
        settings, resolve=settings.resolve or resolve or cache is not None,
        cache_file=cache if cache is not None else settings.cache_file,
        insecure=settings.insecure | frozenset(insecure or ()))
    return dataclasses.replace(config, images=settings)


class _NamedDirectories:
    """The directories named in ``paths`` that must hold a manifest (a chart directory
    renders its own), and which of them the files seen so far are in."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.named = {Path(path): path for path in paths if path != STDOUT and
                      Path(path).is_dir() and not (Path(path) / "Chart.yaml").is_file()}
        self.seen: set[Path] = set()

    def see(self, name: str) -> None:
        if len(self.seen) < len(self.named):
            self.seen.update(parent for parent in Path(name).parents if parent in self.named)

    def empty(self) -> list[str]:
        return [path for directory, path in self.named.items() if directory not in self.seen]


def empty_directories(paths: Sequence[str], found: Iterable[str]) -> list[str]:
    """The directories named in ``paths`` where no manifest was found (none, or no YAML): an
    input error, so that a wrong path cannot pass CI."""
    directories = _NamedDirectories(paths)
    for name in found:  # one pass: the results may be on disk (a ResultLog)
        directories.see(name)
    return directories.empty()


class Tally:
    """What the end of a run needs of every file, gathered as each one finishes: how many
    there were, the exit status, and which named directories held one. Nothing else of a
    file is kept, so a run that prints and writes nothing at its end keeps no results."""

    def __init__(self, paths: Sequence[str], config: Config) -> None:
        self.config = config
        self.count = 0
        self.status = EXIT_OK
        self._directories = _NamedDirectories(paths)

    def add(self, result: FileResult) -> None:
        self.count += 1
        self.status = max(self.status, file_status(result, self.config))
        self._directories.see(result.path)

    def empty(self) -> list[str]:
        """The named directories no file was in."""
        return self._directories.empty()


def report_empty(paths: Sequence[str], found: Iterable[str]) -> bool:
    """Say which named directories held no manifest (``found``: the paths of the files
    found); True when one did not."""
    return say_empty(empty_directories(paths, found))


def say_empty(empty: Sequence[str]) -> bool:
    """Say that these named directories held no manifest; True when there is one."""
    for path in empty:
        err(f"porter: error: no manifests found in {path}")
    return bool(empty)


def check_output_dir(output: Path | None) -> None:
    """``-o`` names a directory (made when missing); a regular file there is a usage error."""
    if output is not None and output.exists() and not output.is_dir():
        raise ConfigError(f"-o/--output takes a directory; {output} is a file")


def file_status(result: FileResult, config: Config) -> int:
    """The exit status one file asks for: a run exits with the highest of its files'."""
    if result.internal_error:
        return EXIT_INTERNAL
    if result.errors:
        return EXIT_INPUT
    return EXIT_FINDINGS if any(config.fails(f.severity) for f in result.findings) else EXIT_OK


def exit_status(results: Iterable[FileResult], config: Config) -> int:
    # One pass: the results may be read back from disk.
    return max((file_status(result, config) for result in results), default=EXIT_OK)


_OUTPUT_FAILURES = frozenset((errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO))
"""Errors of writing standard output (a full disk behind a redirection), not porter bugs."""


@contextmanager
def guarded(debug: bool = False) -> Iterator[None]:
    """Turn user errors into one line and exit 2, anything unexpected into exit 3."""
    try:
        yield
    except PorterError as exc:
        err(str(exc) if exc.file else f"porter: error: {exc.message}")
        raise typer.Exit(EXIT_INPUT) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        # The reader went away (``porter convert DIR | head -1``): quietly, as cat does, but
        # not as a success; nothing more may go to the closed pipe, not even at exit.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        # Files are written where their errors are told apart; an unnamed output error here
        # is standard output failing.
        if exc.filename is not None or exc.errno not in _OUTPUT_FAILURES:
            _internal_error(exc, debug)
        err(f"porter: error: cannot write standard output: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INPUT) from None
    except Exception as exc:  # the last line of defence: never a bare traceback
        _internal_error(exc, debug)


def _internal_error(exc: Exception, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exception(exc)
    err(f"porter: internal error: {type(exc).__name__}: {exc} (run with --debug for a "
        "traceback; please report it)")
    raise typer.Exit(EXIT_INTERNAL) from None
