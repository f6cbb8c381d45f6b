"""``porter post-render``: a Helm post-renderer. Rendered manifests on stdin, the converted
manifests on stdout and nothing else; findings on stderr or in ``--report`` files."""

from __future__ import annotations

import io
import os
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
    terminal_width,
    with_image_flags,
    write_stdout,
)
from porter.commands.options import (
    ConfigFile,
    Debug,
    Disable,
    Drive,
    ImageCache,
    InsecureRegistry,
    Only,
    Quiet,
    ResolveImages,
    Toleration,
    TransformOption,
)
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.outputs import report_json, report_text, summary
from porter.running import images


def post_render_command(
    report: Annotated[list[Path] | None, typer.Option("--report", help="Write the findings to "
                      "FILE: JSON for .json, else text (repeatable).", metavar="FILE")] = None,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on", help="Lowest severity that "
                       "makes the exit status 1, which stops Helm (default: error).")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="The chart's directory, so "
                     "that findings point at template lines.", metavar="DIR")] = None,
    config_file: ConfigFile = None,
    disable: Disable = None,
    only: Only = None,
    option: TransformOption = None,
    toleration: Toleration = None,
    drive: Drive = None,
    resolve_images: ResolveImages = False,
    image_cache: ImageCache = None,
    insecure_registry: InsecureRegistry = None,
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
            config = with_image_flags(config, resolve_images, image_cache, insecure_registry)
            images.prefetch(config, images.images_in(data, "<stdin>", config))
            result = post_render(data, Pipeline(config), chart)
            images.save(config)
            write_stdout(output(data, result))
            sys.stdout.flush()
            written = True
            _ANSWERED.append(True)
            for error in result.errors:
                err(str(error))
            targets = list(report or [])
            # Run by Helm (stderr not a terminal): Helm 4 throws stderr away and Helm 3 shows
            # it only on failure, so the findings also go to a file and to the terminal.
            by_helm = not sys.stderr.isatty()
            if by_helm and not targets:
                targets.append(last_report_path())
            for path in targets:
                text = report_json.render([result]) if path.suffix.lower() == ".json" \
                    else report_text.render([result])
                path.parent.mkdir(parents=True, exist_ok=True)
                save(path, text.encode("utf-8"))
            status = exit_status([result], config)
            if not quiet:
                for note in result.notes:
                    err(note)
                err(summary.render([result], width=terminal_width()))
                if by_helm:
                    err(f"porter: findings written to {', '.join(map(str, targets))}")
            if by_helm and not quiet:
                _to_terminal(result, status, targets)
            raise typer.Exit(status)
    finally:
        if not written:  # bad configuration or a crash: Helm still gets what it gave
            write_stdout(data)
            sys.stdout.flush()
            _ANSWERED.append(True)


REPORT_VARIABLE = "PORTER_POST_RENDER_REPORT"


def last_report_path() -> Path:
    """Where a post-render run by Helm writes its findings when no --report is given:
    ``$PORTER_POST_RENDER_REPORT``, else ``$XDG_STATE_HOME/porter/post-render.txt``
    (``~/.local/state/porter/post-render.txt``)."""
    if os.environ.get(REPORT_VARIABLE):
        return Path(os.environ[REPORT_VARIABLE])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "porter" / "post-render.txt"


def _to_terminal(result: FileResult, status: int, reports: list[Path]) -> None:
    """The findings, on the user's terminal when Helm runs under one (``/dev/tty``)."""
    try:
        fd = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
    except OSError:
        return  # no controlling terminal (CI): the report file holds the findings
    stopped = "; porter stops the install (exit status 1; --fail-on never to go on)" \
        if status == 1 else ""
    lines = [*result.notes, report_text.render([result]).rstrip("\n"),
             summary.render([result]).rstrip("\n"),
             f"porter: findings written to {', '.join(map(str, reports))}{stopped}"]
    with os.fdopen(fd, "w", encoding="utf-8") as terminal:
        terminal.write("\n".join(line for line in lines if line) + "\n")


def run_post_renderer(app: typer.Typer) -> None:
    """Run ``porter post-render``; a usage error (a bad option in --post-renderer-args) still
    hands Helm its input back, as every other failure does."""
    if sys.stdin.isatty():
        app()
        return
    data = sys.stdin.buffer.read()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        app()
    except SystemExit as exc:
        if exc.code not in (0, None) and not _ANSWERED:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        raise


_ANSWERED: list[bool] = []
"""Set once the command has written stdout (then nothing else may)."""
