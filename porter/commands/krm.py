"""``porter krm``: porter as a KRM function for kustomize (``transformers:`` with an exec
function) and kpt: a ResourceList on stdin, the converted ResourceList with ``results`` on
stdout."""

from __future__ import annotations

import sys

import typer

from porter.commands.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    err,
    guarded,
    write_stdout,
)
from porter.commands.options import (
    Debug,
    Quiet,
)
from porter.errors import PorterError
from porter.krm.function import run
from porter.yamledit.textfile import decode


def krm(
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """KRM function: a ResourceList on stdin, converted items and results on stdout."""
    with guarded(debug):
        data = sys.stdin.buffer.read()
        try:
            outcome, config = run(decode(data, "<stdin>").text)
        except PorterError as exc:
            err(str(exc))
            raise typer.Exit(EXIT_INPUT) from None
        write_stdout(outcome.text.encode("utf-8"))
        sys.stdout.flush()
        for error in outcome.errors:  # each also an error result in the ResourceList
            err(str(error))
        if not quiet:
            counts = {s: sum(f.severity.value == s for f in outcome.findings)
                      for s in ("error", "warning", "info")}
            unread = len(outcome.errors)
            err(f"porter krm: {outcome.changed} item{'s' * (outcome.changed != 1)} converted"
                + (f", {unread} not read (bad input)" if unread else "") + "; "
                + ", ".join(f"{n} {s}{'s' * (n != 1)}" for s, n in counts.items()))
        if outcome.errors:
            raise typer.Exit(EXIT_INPUT)
        failed = any(config.fails(f.severity) for f in outcome.findings)
        raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
