"""``porter preflight``: check an AKS cluster description against what Windows pools need."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from porter.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    FailOn,
    ReportFormat,
    err,
    guarded,
    save,
    terminal_width,
)
from porter.commands.options import (
    Debug,
    Quiet,
)
from porter.engine.findings import Severity
from porter.engine.results import FileResult
from porter.errors import ConfigError, InputError, PorterError
from porter.kube.windows_versions import DEFAULT_TARGET, target
from porter.outputs import report_json, report_text, summary
from porter.yamledit.textfile import decode

if TYPE_CHECKING:
    from porter.preflight.cluster import JsonFile


def _read(path: Path, results: list[FileResult]) -> JsonFile | None:
    """Read one JSON file into a result of its own; bad input becomes the result's error."""
    from porter.preflight.cluster import read_json  # the feature loads with its command

    name = str(path)
    result = FileResult(path=name, original="", converted="")
    results.append(result)
    try:
        data = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
    except OSError as exc:
        result.errors.append(InputError(f"cannot read: {exc.strerror or exc}", name))
        return None
    try:
        source = decode(data, name)
        result.original = result.converted = source.text
        result.source = source
        return read_json(source.text, name)
    except InputError as exc:
        result.errors.append(exc)
        return None


def _fails(severity: Severity, fail_on: FailOn) -> bool:
    return fail_on is not FailOn.never and severity.rank >= Severity(fail_on.value).rank


def preflight(
    cluster: Annotated[Path | None, typer.Option("--cluster", help="The JSON that 'az aks "
                       "show' prints (- for stdin).", metavar="FILE")] = None,
    nodepools: Annotated[Path | None, typer.Option("--nodepools", help="The JSON that 'az aks "
                         "nodepool list' prints (default: the cluster's agentPoolProfiles).",
                         metavar="FILE")] = None,
    target_windows: Annotated[str, typer.Option("--target-windows", help="Windows Server "
                              "version the workloads are built for: ltsc2019, ltsc2022, "
                              "ltsc2025.")] = DEFAULT_TARGET,
    report: Annotated[list[Path] | None, typer.Option("--report", help="Also write the "
                      "findings to FILE (repeatable).", metavar="FILE")] = None,
    report_format: Annotated[ReportFormat | None, typer.Option("--report-format",
                             help="Report format (default: from the file extension).")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Lowest severity that makes the "
                       "exit status 1.")] = FailOn.error,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Check an AKS cluster (az aks show / az aks nodepool list JSON) for Windows node pools.

    The findings go to stdout, one a line (file:line:col: severity rule message).
    """
    with guarded(debug):
        if cluster is None and nodepools is None:
            raise ConfigError("give --cluster FILE ('az aks show' JSON) and/or --nodepools "
                              "FILE ('az aks nodepool list' JSON)")
        if str(cluster) == "-" and str(nodepools) == "-":
            raise ConfigError("only one of --cluster and --nodepools can read standard input")
        version = target(target_windows)
        if report_format not in (None, ReportFormat.text, ReportFormat.json):
            raise ConfigError("porter preflight writes text and json reports")
        results: list[FileResult] = []
        cluster_file = _read(cluster, results) if cluster is not None else None
        nodepools_file = _read(nodepools, results) if nodepools is not None else None
        if not any(result.errors for result in results):
            from porter.preflight.cluster import check, describe

            try:
                description = describe(cluster_file, nodepools_file)
            except PorterError as exc:
                owner = next(r for r in results if r.path == exc.file)
                owner.errors.append(exc)
            else:
                for finding in check(description, version):
                    next(r for r in results if r.path == finding.file).findings.append(finding)
        for result in results:
            for error in result.errors:
                err(str(error))
        sys.stdout.write(report_text.render([r for r in results if not r.errors]))
        sys.stdout.flush()
        for path in report or []:
            json_format = report_format is ReportFormat.json or \
                (report_format is None and path.suffix.lower() == ".json")
            text = report_json.render(results) if json_format else report_text.render(results)
            save(path, text.encode("utf-8"))
        if not quiet:
            err(summary.render(results, preflight=True, width=terminal_width()))
        if any(result.errors for result in results):
            raise typer.Exit(EXIT_INPUT)
        if any(_fails(f.severity, fail_on) for r in results for f in r.findings):
            raise typer.Exit(EXIT_FINDINGS)
        raise typer.Exit(EXIT_OK)
