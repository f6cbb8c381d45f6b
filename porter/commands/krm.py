"""``porter krm``: porter as a KRM function for kustomize (``transformers:`` with an exec
function) and kpt: a ResourceList on stdin, the converted ResourceList with ``results`` on
stdout."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from porter.commands.common import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, err, guarded
from porter.errors import PorterError
from porter.krm import run
from porter.textfile import decode


def krm(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on "
                     "stderr.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal "
                     "errors.")] = False,
) -> None:
    """KRM function: a ResourceList on stdin, converted items and results on stdout."""
    with guarded(debug):
        data = sys.stdin.buffer.read()
        try:
            outcome, config = run(decode(data, "<stdin>").text)
        except PorterError as exc:
            err(str(exc))
            raise typer.Exit(EXIT_INPUT) from None
        sys.stdout.buffer.write(outcome.text.encode("utf-8"))
        sys.stdout.flush()
        if not quiet:
            counts = {s: sum(f.severity.value == s for f in outcome.findings)
                      for s in ("error", "warning", "info")}
            err(f"porter krm: {outcome.changed} item{'s' * (outcome.changed != 1)} converted; "
                + ", ".join(f"{n} {s}{'s' * (n != 1)}" for s, n in counts.items()))
        failed = any(config.fails(f.severity) for f in outcome.findings)
        raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
