"""The command line: the typer app; each command lives in ``porter/commands/``.

``app`` is the whole CLI. A run that names its command builds an app of that command alone
(:func:`app_for`): the other commands' modules are not imported, nor their options read
by typer, which is most of what start-up would otherwise spend on them.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib import import_module
from typing import Annotated, Any

import typer
import typer.core

from porter.commands.conventions import PorterCommand, PorterGroup
from porter.version import __version__

COMMANDS = {
    "convert": ("porter.commands.convert", "convert"),
    "check": ("porter.commands.check", "check"),
    "preflight": ("porter.commands.preflight", "preflight"),
    "post-render": ("porter.commands.post_render", "post_render_command"),
    "krm": ("porter.commands.krm", "krm"),
    "images": ("porter.commands.images", "images"),
    "rules": ("porter.commands.rules", "rules"),
    "explain": ("porter.commands.rules", "explain"),
    "report": ("porter.commands.report", "app"),
}
"""Each command (a group for ``report``): the module and the name it is found under, in
the order ``porter --help`` lists them."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"porter {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """porter: port Linux-oriented Kubernetes workloads to Windows Server nodes."""


def build(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with the command ``only`` alone."""
    # add_completion: --install-completion / --show-completion for bash, zsh, fish, PowerShell
    built = typer.Typer(cls=PorterGroup, add_completion=True, no_args_is_help=True,
                        pretty_exceptions_enable=False,
                        help="Port Linux-oriented Kubernetes workloads to Windows nodes.")
    built.callback()(_root)
    for name, (module, attribute) in COMMANDS.items():
        if only is not None and name != only:
            continue
        found = getattr(import_module(module), attribute)
        if isinstance(found, typer.Typer):
            built.add_typer(found, name=name)
        else:
            built.command(name)(found)
    # Every command follows porter's conventions (a command added above gets them too).
    for info in built.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = PorterCommand
    return built


@cache
def _whole() -> typer.Typer:
    return build()


def app_for(arguments: list[str]) -> typer.Typer:
    """The app to run ``porter ARGUMENTS`` with: the named command's alone, or the whole CLI
    (no command, an unknown one, shell completion, which must see every command)."""
    completing = any(key.endswith("_COMPLETE") and key.startswith("_") for key in os.environ)
    if arguments and arguments[0] in COMMANDS and not completing:
        return build(arguments[0])
    return _whole()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _whole()
    raise AttributeError(name)


def main() -> None:
    app_for(sys.argv[1:])()
