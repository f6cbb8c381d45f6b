"""``porter rules`` and ``porter explain``: the rule catalogue and each rule's documentation."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from porter.commands.common import EXIT_INPUT, err
from porter.engine.registry import all_rules, find_rule, transform_by_id, transform_types
from porter.errors import ConfigError, PorterError


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
        typer.echo("preflight (cluster checks of porter preflight):")
        for owner, rule in all_rules():
            if owner == "preflight":
                typer.echo(f"  {rule.code:<28} {rule.severity.value:<8} {rule.summary}")
    except PorterError as exc:
        err(f"porter: error: {exc.message}")
        raise typer.Exit(EXIT_INPUT) from None


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
        err(f"porter: error: no rule or transform {code!r} (see porter rules)")
        raise typer.Exit(EXIT_INPUT) from None
    module = sys.modules[transform.__module__]
    typer.echo(f"{transform.id} (transform)\n\n{(module.__doc__ or transform.summary).strip()}")
    if transform.rules:
        typer.echo("\nRules: " + ", ".join(rule.code for rule in transform.rules))


