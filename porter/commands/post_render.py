"""``porter post-render``: a Helm post-renderer. Rendered manifests on stdin, the converted
manifests on stdout and nothing else; findings on stderr or in ``--report`` files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from porter.charts.postrender import output, post_render
from porter.commands.common import (
    FailOn,
    build_config,
    err,
    exit_status,
    guarded,
    save,
    write_stdout,
)
from porter.commands.options import (
    ConfigFile,
    Debug,
    Disable,
    Drive,
    Only,
    Quiet,
    Toleration,
    TransformOption,
)
from porter.engine.pipeline import Pipeline
from porter.outputs import report_json, report_text, summary


def post_render_command(
    report: Annotated[list[Path] | None, typer.Option("--report", help="Write the findings to "
                      "FILE: JSON for .json, else text (repeatable).", metavar="FILE")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Lowest severity that "
                       "makes the exit status 1, which stops Helm (default: error).")] = None,
    config_file: ConfigFile = None,
    disable: Disable = None,
    only: Only = None,
    option: TransformOption = None,
    toleration: Toleration = None,
    drive: Drive = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Helm post-renderer: manifests on stdin, converted manifests on stdout (only YAML)."""
    data = sys.stdin.buffer.read()
    written = False
    try:
        with guarded(debug):
            config = build_config(config_file, disable or [], only or [], option or [],
                                  fail_on, toleration, drive or [])
            result = post_render(data, Pipeline(config))
            write_stdout(output(data, result))
            sys.stdout.flush()
            written = True
            for error in result.errors:
                err(str(error))
            for path in report or []:
                text = report_json.render([result]) if path.suffix.lower() == ".json" \
                    else report_text.render([result])
                save(path, text.encode("utf-8"))
            if not quiet:
                err(summary.render([result]))
            raise typer.Exit(exit_status([result], config))
    finally:
        if not written:  # bad configuration or a crash: Helm still gets what it gave
            write_stdout(data)
            sys.stdout.flush()
