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
    EXIT_INPUT,
    EXIT_OK,
    STDOUT,
    Color,
    build_config,
    err,
    exit_status,
    guarded,
    report_empty,
    report_targets,
    run_info,
    selected,
    terminal_width,
    use_color,
    with_image_flags,
    write_err,
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
    ImageCache,
    InsecureRegistry,
    Only,
    Quiet,
    ReportFormats,
    ResolveImages,
    SarifRoot,
    Select,
    TargetWindows,
    Toleration,
    TransformOption,
    Verbose,
)
from porter.commands.progress import progress_bar
from porter.engine.config import Config
from porter.engine.results import FileResult
from porter.errors import ConfigError
from porter.outputs import findings_list, json_patch, summary, unified_diff
from porter.outputs.encoding import to_bytes
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


def chart_of(path: str) -> Path | None:
    """The chart a file belongs to as one of its templates (``CHART/templates/...`` beside a
    ``Chart.yaml``), or None."""
    parents = Path(path).parents
    for number, parent in enumerate(parents):
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return parent.parent
        if number > 32:
            break
    return None


def _templates_passed_over(results: Iterable[FileResult]) -> Iterator[FileResult]:
    """A chart's template named on its own (pre-commit passes every YAML file) is not a plain
    manifest: it is passed over with a note naming the chart to check instead."""
    for result in results:
        chart = chart_of(result.path) if result.errors and not result.findings else None
        if chart is not None and result.path not in ("-", "<stdin>"):
            result.notes.append(f"{result.path}: note: a template of the chart {chart}, not a "
                                f"plain manifest: passed over (check the chart: porter check "
                                f"{chart})")
            result.errors = []
        yield result


def listing(results: Sequence[FileResult], config: Config, verbose: bool = False) -> str:
    """What ``porter check`` prints: each file that would change (and its resources), then
    the findings that reach ``fail-on`` (every finding with ``verbose``), in the form of
    :func:`porter.outputs.findings_list.line`."""
    lines: list[str] = []
    for result in results:
        if result.changed:
            resources = ", ".join(dict.fromkeys(
                p.resource.label() for p in json_patch.resource_patches(result)))
            lines.append(f"{result.path}: would change" + (f" {resources}" if resources else ""))
        lines.extend(findings_list.line(f) for f in findings_list.listed([result], verbose)
                     if verbose or config.fails(f.severity))
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
    sarif_root: SarifRoot = None,
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
    resolve_images: ResolveImages = False,
    image_cache: ImageCache = None,
    insecure_registry: InsecureRegistry = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes "
                    "(default: all cores); output and reports are the same for any "
                    "number.")] = None,
    external_links: ExternalLinks = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Check that manifests are ready for Windows nodes, changing nothing.

    Exit 1 when a file would change or a finding reaches --fail-on."""
    with guarded(debug):
        config = build_config(config_file, disable or [], only or [], option or [], fail_on,
                              toleration, drive or [], target_windows, select, ignore)
        config = with_image_flags(config, resolve_images, image_cache, insecure_registry)
        targets = report_targets(report or [], report_format or [])
        to_stdout = any(str(path) == STDOUT for path, _ in targets)
        if diff and to_stdout:
            raise ConfigError("--diff and --report - both want standard output")
        results: list[FileResult] = []
        with progress_bar(quiet) as advance:
            converted = convert_paths(paths, config, jobs=jobs,
                                      on_total=advance.total, external_links=external_links)
            for result in _templates_passed_over(_lenient(selected(converted, config))):
                advance.messages(result, quiet)
                results.append(result)
                advance()
        if diff:
            text = unified_diff.diff(results)
            write_stdout(to_bytes(unified_diff.colorize(text)
                                 if use_color(color, sys.stdout) else text))
        elif not to_stdout:
            write_stdout(to_bytes(listing(results, config, verbose)))
        sys.stdout.flush()
        write_reports(results, targets, run_info("check", paths, config), sarif_root)
        status = exit_status(results, config)
        if status == EXIT_OK and any(r.changed for r in results):
            status = EXIT_FINDINGS
        if report_empty(paths, (r.path for r in results)) and status < EXIT_INPUT:
            status = EXIT_INPUT
        if not quiet:
            if diff or to_stdout:  # the list is not on stdout: findings go above the summary
                files = [str(path) for path, _ in targets if str(path) != STDOUT]
                write_err(findings_list.render(results, verbose, reports=files))
            err(summary.render(results, check=True, width=terminal_width(), diff=diff))
        raise typer.Exit(status)
