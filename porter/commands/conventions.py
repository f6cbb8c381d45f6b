"""Command-line conventions typer does not give by itself, whatever its version: a usage
error is one line (``porter convert: error: No such option: --x (see porter convert
--help)``, exit 2) instead of a framed box, and ``--help`` shows metavars, never typer's
``<bool>`` / ``<str>`` / ``<list[str]>`` placeholders.

Every command registered on the app gets :class:`PorterCommand` (see ``porter.cli``), so
options added later follow the same conventions without declaring anything.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import typer.core

from porter.commands.common import EXIT_INPUT, err


def _metavar(param: Any) -> str | None:
    """The metavar ``param`` should show, or None to keep its own."""
    if getattr(param, "metavar", None) is not None:
        return None
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""  # a flag takes no value: nothing to show
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    name = (getattr(param, "name", None) or "value").upper().replace("_", "-")
    if getattr(param, "param_type_name", "") == "argument":
        return name.removesuffix("S") if getattr(param, "nargs", 1) != 1 else name
    return name


def _with_metavars(params: list[Any]) -> list[Any]:
    for param in params:
        metavar = _metavar(param)
        if metavar is not None:
            param.metavar = metavar
        if getattr(param, "param_type_name", "") == "argument":
            # typer's help table adds the type (``<list[str]>``, ``<str>``) beside arguments:
            # typer 0.29 through display_type_rich, earlier ones through the type's metavar
            if hasattr(param, "display_type_rich"):
                param.display_type_rich = lambda ctx: None
            if hasattr(param, "type") and not getattr(param.type, "choices", None):
                param.type = copy.copy(param.type)
                param.type.get_metavar = lambda *args, **kwargs: ""
    return params


class PorterCommand(typer.core.TyperCommand):
    """A typer command whose parameters all show a metavar (or nothing, for flags)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _with_metavars(super().get_params(ctx))


def _is_click_error(exc: BaseException) -> bool:
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code")


class PorterGroup(typer.core.TyperGroup):
    """The ``porter`` group: usage errors as one line on stderr, exit status 2."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _with_metavars(super().get_params(ctx))

    def main(self, args: Any = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            status = super().main(args, prog_name or "porter", complete_var,
                                  standalone_mode=False, **extra)
        except Exception as exc:
            if not _is_click_error(exc):
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``porter`` or ``porter X``
                ctx = getattr(exc, "ctx", None)
                sys.stdout.write((ctx.get_help() if ctx else exc.format_message()) + "\n")
                status = EXIT_INPUT
            else:
                ctx = getattr(exc, "ctx", None)
                command = ctx.command_path if ctx is not None else "porter"
                usage = type(exc).__name__ in ("UsageError", "NoSuchOption", "BadParameter",
                                               "MissingParameter", "BadOptionUsage",
                                               "BadArgumentUsage")
                see = f" (see {command} --help)" if usage or ctx is not None else ""
                err(f"{command}: error: {exc.format_message()}{see}")
                status = getattr(exc, "exit_code", EXIT_INPUT)
        except KeyboardInterrupt:
            status = 130
        if type(status).__name__ == "Abort":
            status = 1
        if not standalone_mode:
            return status
        sys.exit(status if isinstance(status, int) else 0)
