"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from porter.commands.common import FailOn, ReportFormat

ReportFormats = Annotated[list[ReportFormat] | None, typer.Option(
    "--report-format", help="Format of the Nth --report (repeatable; default: from the "
    "extension: .json, .jsonl, .sarif, .html, .md, else text).")]
FailOnOption = Annotated[FailOn | None, typer.Option(
    "--fail-on", help="Lowest severity that makes the exit status 1 (default: error).")]
Select = Annotated[list[str] | None, typer.Option(
    "--select", help="Report only these rules (repeatable).", metavar="RULE")]
Ignore = Annotated[list[str] | None, typer.Option(
    "--ignore", help="Never report these rules (repeatable).", metavar="RULE")]
ConfigFile = Annotated[Path | None, typer.Option(
    "--config", help="Config file (default: ./porter.yaml when present).")]
Disable = Annotated[list[str] | None, typer.Option(
    "--disable", help="Skip a transform (repeatable).", metavar="ID")]
Only = Annotated[list[str] | None, typer.Option(
    "--only", help="Run only these transforms (repeatable).", metavar="ID")]
TransformOption = Annotated[list[str] | None, typer.Option(
    "--option", "-O", help="Set a transform option: TRANSFORM.KEY=VALUE (repeatable).")]
Toleration = Annotated[str | None, typer.Option(
    "--toleration", help="Windows pool taint to tolerate, key[=value]:Effect ('' for none).")]
Drive = Annotated[list[str] | None, typer.Option(
    "--drive", help="Map a Linux path prefix to a Windows drive, e.g. /mnt/volume=K: "
    "(repeatable).")]
TargetWindows = Annotated[str | None, typer.Option(
    "--target-windows", help="Windows Server version of the nodes: ltsc2019, ltsc2022 "
    "(default), ltsc2025.")]
SarifRoot = Annotated[Path | None, typer.Option(
    "--sarif-root", help="Directory SARIF paths are relative to (default: the git top level "
    "of the working directory, else the working directory).", metavar="DIR")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No findings list or summary on "
                                     "stderr.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="List info findings too, not "
                                       "only errors and warnings.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
ResolveImages = Annotated[bool, typer.Option(
    "--resolve-images", help="Ask each image's registry which platforms it has (errors for "
    "images without a Windows build of the target; see porter explain image-unresolved).")]
ImageCache = Annotated[Path | None, typer.Option(
    "--image-cache", help="Read registry answers from FILE and write them to it (implies "
    "--resolve-images; CI can then run offline).", metavar="FILE")]
InsecureRegistry = Annotated[list[str] | None, typer.Option(
    "--insecure-registry", help="Speak plain HTTP to this registry host[:port] "
    "(repeatable; localhost and 127.0.0.1 always are).", metavar="HOST")]
ExternalLinks = Annotated[bool, typer.Option(
    "--external-links", help="Read (and with --in-place rewrite) files through symbolic links "
    "that lead outside their input tree (refused by default).")]
