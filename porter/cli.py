"""The command line: parse, build the config, run the pipeline, hand results to outputs."""

from __future__ import annotations

import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from porter import __version__
from porter.config import Config, load_config
from porter.errors import ConfigError, PorterError
from porter.outputs import report_json, report_text, stream, summary, unified_diff
from porter.registry import all_rules, find_rule, transform_by_id, transform_types
from porter.results import FileResult
from porter.run import convert_paths
from porter.writing import safe_join, write_atomic

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Port Linux-oriented Kubernetes workloads to Windows nodes.")

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"porter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """porter: port Linux-oriented Kubernetes workloads to Windows Server nodes."""


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


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
                 drives: list[str]) -> Config:
    config = load_config(config_file, required=config_file is not None)
    extra = _parse_options(options)
    if toleration is not None:
        extra.setdefault("os-scheduling", {})["toleration"] = toleration
    if drives:
        extra.setdefault("mount-paths", {})["drives"] = ",".join(drives)
    config = config.with_options(extra)
    if disable or only or fail_on:
        config = Config(disable=config.disable | frozenset(disable),
                        only=frozenset(only) if only else config.only,
                        options=config.options,
                        fail_on=fail_on.value if fail_on else config.fail_on,
                        source=config.source)
    else:
        config = Config(disable=config.disable, only=config.only, options=config.options,
                        fail_on=config.fail_on, source=config.source)
    return config


def exit_status(results: list[FileResult], config: Config) -> int:
    if any(r.internal_error for r in results):
        return EXIT_INTERNAL
    if any(r.errors for r in results):
        return EXIT_INPUT
    if any(config.fails(f.severity) for r in results for f in r.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _format_for(path: Path, chosen: ReportFormat | None) -> ReportFormat:
    if chosen is not None:
        return chosen
    return ReportFormat.json if path.suffix.lower() == ".json" else ReportFormat.text


def _write_outputs(results: list[FileResult], output: Path | None, in_place: bool) -> str | None:
    if in_place:
        changed = [r for r in results if r.changed and r.source is not None and not r.errors]
        for result in changed:
            write_atomic(Path(result.path), result.converted_bytes())
        return f"{len(changed)} rewritten in place"
    if output is not None:
        written = 0
        for result in results:
            if result.source is None:
                continue
            try:
                target = safe_join(output, result.relative)
            except ValueError as exc:
                result.errors.append(PorterError(str(exc), result.path))
                continue
            write_atomic(target, result.converted_bytes())
            written += 1
        return f"{written} written to {output}"
    return None


@app.command()
def convert(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, or - for stdin.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write each file under "
                      "DIR at its path relative to its input root.", metavar="DIR")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Rewrite changed files "
                        "atomically; unchanged files are not touched.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff instead of "
                    "YAML.")] = False,
    report: Annotated[list[Path] | None, typer.Option("--report", help="Write the findings to "
                      "FILE (repeatable).", metavar="FILE")] = None,
    report_format: Annotated[ReportFormat | None, typer.Option("--report-format",
                             help="Report format (default: from the file extension).")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Lowest severity that "
                       "makes the exit status 1 (default: error).")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="Config file (default: "
                           "./porter.yaml when present).")] = None,
    disable: Annotated[list[str] | None, typer.Option("--disable", help="Skip a transform "
                       "(repeatable).", metavar="ID")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only these transforms "
                    "(repeatable).", metavar="ID")] = None,
    option: Annotated[list[str] | None, typer.Option("--option", "-O", help="Set a transform "
                      "option: TRANSFORM.KEY=VALUE (repeatable).")] = None,
    toleration: Annotated[str | None, typer.Option("--toleration", help="Windows pool taint to "
                          "tolerate, key[=value]:Effect ('' for none).")] = None,
    drive: Annotated[list[str] | None, typer.Option("--drive", help="Map a Linux path prefix "
                     "to a Windows drive, e.g. /mnt/volume=K: (repeatable).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on "
                     "stderr.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal "
                     "errors.")] = False,
) -> None:
    """Convert manifests for Windows nodes: YAML on stdout, or --output, --in-place, --diff."""
    try:
        if in_place and output is not None:
            raise ConfigError("--in-place and --output exclude each other")
        if in_place and "-" in paths:
            raise ConfigError("--in-place cannot rewrite standard input")
        config = build_config(config_file, disable or [], only or [], option or [], fail_on,
                              toleration, drive or [])
        results: list[FileResult] = []
        for result in convert_paths(paths, config, exclude=output):
            for error in result.errors:
                _err(str(error))
            if not quiet:
                for note in result.notes:
                    _err(note)
            results.append(result)
        written = _write_outputs(results, output, in_place)
        if diff:
            sys.stdout.buffer.write(unified_diff.diff(results).encode("utf-8"))
        elif output is None and not in_place:
            sys.stdout.buffer.write(stream.render(results))
        sys.stdout.flush()
        for path in report or []:
            fmt = _format_for(path, report_format)
            text = report_json.render(results) if fmt is ReportFormat.json \
                else report_text.render(results)
            write_atomic(path, text.encode("utf-8"))
        if not quiet:
            _err(summary.render(results, written))
        raise typer.Exit(exit_status(results, config))
    except PorterError as exc:
        _err(str(exc) if exc.file else f"porter: error: {exc.message}")
        raise typer.Exit(EXIT_INPUT) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # the last line of defence: never a bare traceback
        if debug:
            traceback.print_exc()
        _err(f"porter: internal error: {type(exc).__name__}: {exc} (run with --debug for a "
             "traceback; please report it)")
        raise typer.Exit(EXIT_INTERNAL) from None


@app.command()
def rules() -> None:
    """List every transform and rule with its code, severity and summary."""
    try:
        for transform in transform_types():
            typer.echo(f"{transform.id} (transform): {transform.summary}")
            for rule in transform.rules:
                typer.echo(f"  {rule.code:<28} {rule.severity.value:<8} {rule.summary}")
        typer.echo("porter (core):")
        for owner, rule in all_rules():
            if owner == "porter":
                typer.echo(f"  {rule.code:<28} {rule.severity.value:<8} {rule.summary}")
    except PorterError as exc:
        _err(f"porter: error: {exc.message}")
        raise typer.Exit(EXIT_INPUT) from None


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code or transform id.")]) -> None:
    """Print the documentation of a rule or transform."""
    try:
        found = find_rule(code)
        if found is not None:
            owner, rule = found
            typer.echo(f"{rule.code} ({rule.severity.value}, from {owner})\n\n{rule.summary}\n")
            typer.echo(rule.text)
            typer.echo(f"\nReference: {rule.source}")
            return
        transform = transform_by_id(code)
    except ConfigError:
        _err(f"porter: error: no rule or transform {code!r} (see porter rules)")
        raise typer.Exit(EXIT_INPUT) from None
    module = sys.modules[transform.__module__]
    typer.echo(f"{transform.id} (transform)\n\n{(module.__doc__ or transform.summary).strip()}")
    if transform.rules:
        typer.echo("\nRules: " + ", ".join(rule.code for rule in transform.rules))


def main() -> None:
    app()
