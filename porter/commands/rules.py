"""``porter rules`` and ``porter explain``: the rule catalogue and each rule's documentation."""

from __future__ import annotations

import sys
import textwrap
from typing import Annotated

import typer

from porter.commands.common import EXIT_INPUT, err, terminal_width
from porter.engine.registry import all_rules, find_rule, transform_by_id, transform_types
from porter.engine.transform import Rule
from porter.errors import ConfigError, PorterError
from porter.outputs.prose import reflow

CODE_COLUMN = 28
PIPE_WIDTH = 80
"""``porter explain`` into a file or pipe: documentation reads best at 80 columns."""


def _wrapped(text: str, width: int | None, indent: str = "") -> str:
    if width is None:
        return text
    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent,
                                   break_long_words=False, break_on_hyphens=False)) or text


def _rule_line(rule: Rule, width: int | None) -> str:
    head = f"  {rule.code:<{CODE_COLUMN}} {rule.severity.value:<8} "
    if len(head) > CODE_COLUMN + 12 and width is not None:  # the summary on the next line
        head += "\n" + " " * (CODE_COLUMN + 12)
    return _wrapped(head + rule.summary, width, " " * (CODE_COLUMN + 12))


def rules() -> None:
    """List every transform and rule with its code, severity and summary.

    Wrapped to the terminal; one line per rule into a pipe, for grep."""
    width = terminal_width(sys.stdout)
    try:
        for transform in transform_types():
            typer.echo(_wrapped(f"{transform.id} (transform): {transform.summary}", width,
                                "    "))
            for rule in transform.rules:
                typer.echo(_rule_line(rule, width))
        typer.echo("porter (core):")
        for owner, rule in all_rules():
            if owner == "porter":
                typer.echo(_rule_line(rule, width))
        typer.echo("preflight (cluster checks of porter preflight):")
        for owner, rule in all_rules():
            if owner == "preflight":
                typer.echo(_rule_line(rule, width))
    except PorterError as exc:
        err(f"porter: error: {exc.message}")
        raise typer.Exit(EXIT_INPUT) from None


def explain(code: Annotated[str, typer.Argument(help="A rule code or transform id.")]) -> None:
    """Print the documentation of a rule or transform."""
    width = terminal_width(sys.stdout) or PIPE_WIDTH
    try:
        found = find_rule(code)
        if found is not None:
            owner, rule = found
            typer.echo(f"{rule.code} ({rule.severity.value}, from {owner})\n")
            typer.echo(reflow(f"{rule.summary}\n\n{rule.text}\n\nReference: {rule.source}",
                              width), nl=False)
            return
        transform = transform_by_id(code)
    except ConfigError:
        err(f"porter: error: no rule or transform {code!r} (see porter rules)")
        raise typer.Exit(EXIT_INPUT) from None
    module = sys.modules[transform.__module__]
    typer.echo(f"{transform.id} (transform)\n")
    typer.echo(reflow((module.__doc__ or transform.summary).strip(), width), nl=False)
    if transform.rules:
        typer.echo("\n" + _wrapped("Rules: " + ", ".join(rule.code for rule in transform.rules),
                                   width))


