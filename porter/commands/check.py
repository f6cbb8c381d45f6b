"""``porter check``: for CI and pre-commit. Converts nothing on disk; prints what would change
and the findings that fail the run; exit 1 when a file would change or a finding reaches
``--fail-on``."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated

import typer

from porter.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    STDOUT,
    Color,
    build_config,
    err,
    exit_status,
    guarded,
    report_targets,
    selected,
    use_color,
    write_reports,
    write_stdout,
)
from porter.commands.options import (
    ConfigFile,
    Debug,
    Disable,
    Drive,
    ExternalLinks,
    FailOnOption,
    Ignore,
    Only,
    Quiet,
    ReportFormats,
    Select,
    TargetWindows,
    Toleration,
    TransformOption,
)
from porter.engine.config import Config
from porter.engine.results import FileResult
from porter.errors import ConfigError
from porter.outputs import json_patch, summary, unified_diff
from porter.running.run import convert_paths


def _lenient(results: Iterable[FileResult]) -> Iterator[FileResult]:
    """A YAML file that holds no Kubernetes resource is trivially ready for Windows: in check
    mode it is a note, never an error, so that every YAML file of a repository can be passed
    (pre-commit does)."""
    for result in results:
        if result.source is not None and not result.kubernetes and result.errors:
            result.notes.extend(f"{error}".replace(": error: ", ": note: ", 1)
                                for error in result.errors)
            result.errors = []
        yield result


def listing(results: Sequence[FileResult], config: Config) -> str:
    """What ``porter check`` prints: each file that would change (and its resources), then
    the findings that reach ``fail-on``, in ``file:line:col: severity rule message`` form."""
    lines: list[str] = []
    for result in results:
        if result.changed:
            resources = ", ".join(dict.fromkeys(
                p.resource.label() for p in json_patch.resource_patches(result)))
            lines.append(f"{result.path}: would change" + (f" {resources}" if resources else ""))
        for f in result.findings:
            if config.fails(f.severity):
                hint = f" (hint: {f.hint})" if f.hint else ""
                lines.append(f"{f.file}:{f.line}:{f.column}: {f.severity.value} {f.rule} "
                             f"{f.message}{hint}")
    return "".join(line + "\n" for line in lines)


def check(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, or - for stdin.")],
    diff: Annotated[bool, typer.Option("--diff", help="Print the unified diff of what would "
                    "change instead of the list.")] = False,
    color: Annotated[Color, typer.Option("--color", help="Colour the diff: auto (on a "
                     "terminal, unless NO_COLOR is set), always, never.")] = Color.auto,
    report: Annotated[list[Path] | None, typer.Option("--report", help="Write the findings to "
                      "FILE, - for stdout instead of the list (repeatable).",
                      metavar="FILE")] = None,
    report_format: ReportFormats = None,
    fail_on: FailOnOption = None,
    select: Select = None,
    ignore: Ignore = None,
    config_file: ConfigFile = None,
    disable: Disable = None,
    only: Only = None,
    option: TransformOption = None,
    toleration: Toleration = None,
    drive: Drive = None,
    target_windows: TargetWindows = None,
    external_links: ExternalLinks = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Check that manifests are ready for Windows nodes, changing nothing: exit 1 when a file
    would change or a finding reaches --fail-on."""
    with guarded(debug):
        config = build_config(config_file, disable or [], only or [], option or [], fail_on,
                              toleration, drive or [], target_windows, select, ignore)
        targets = report_targets(report or [], report_format or [])
        to_stdout = any(str(path) == STDOUT for path, _ in targets)
        if diff and to_stdout:
            raise ConfigError("--diff and --report - both want standard output")
        results: list[FileResult] = []
        converted = convert_paths(paths, config, external_links=external_links)
        for result in _lenient(selected(converted, config)):
            for error in result.errors:
                err(str(error))
            if not quiet:
                for note in result.notes:
                    err(note)
            results.append(result)
        if diff:
            text = unified_diff.diff(results)
            write_stdout((unified_diff.colorize(text) if use_color(color, sys.stdout)
                                     else text).encode("utf-8"))
        elif not to_stdout:
            write_stdout(listing(results, config).encode("utf-8"))
        sys.stdout.flush()
        write_reports(results, targets)
        status = exit_status(results, config)
        if status == EXIT_OK and any(r.changed for r in results):
            status = EXIT_FINDINGS
        if not quiet:
            err(summary.render(results, check=True))
        raise typer.Exit(status)
