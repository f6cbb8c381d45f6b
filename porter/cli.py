"""The command line: the typer app; each command lives in ``porter/commands/``."""

from __future__ import annotations

from typing import Annotated

import typer
import typer.core

from porter.commands import check, convert, images, krm, post_render, preflight, report, rules
from porter.commands.conventions import PorterCommand, PorterGroup
from porter.version import __version__

# add_completion: --install-completion / --show-completion for bash, zsh, fish, PowerShell
app = typer.Typer(cls=PorterGroup, add_completion=True, no_args_is_help=True,
                  pretty_exceptions_enable=False,
                  help="Port Linux-oriented Kubernetes workloads to Windows nodes.")


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


app.command()(convert.convert)
app.command()(check.check)
app.command()(preflight.preflight)
app.command("post-render")(post_render.post_render_command)
app.command()(krm.krm)
app.command()(images.images)
app.command()(rules.rules)
app.command()(rules.explain)
app.add_typer(report.app, name="report")

# Commands registered above (and any added later, above this line) follow porter's conventions.
for _info in app.registered_commands:
    if _info.cls in (None, typer.core.TyperCommand):
        _info.cls = PorterCommand


def main() -> None:
    app()
