"""A progress bar on stderr for long runs on a terminal (rich), silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from porter.commands.common import err
from porter.engine.results import FileResult

_SHOW_AFTER = 1.0
"""Seconds before the bar appears: short runs never flicker one."""


class Advance:
    """Counts finished files; ``total`` learns how many there are; ``print`` goes above."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None
        self.count = 0
        self.expected = 0
        self.started = time.monotonic()

    def total(self, count: int) -> None:
        self.expected = count

    def __call__(self) -> None:
        self.count += 1
        if self.progress is None and self.expected > 1 and \
                time.monotonic() - self.started >= _SHOW_AFTER:
            self._start()
        if self.progress is not None:
            rate = self.count / max(time.monotonic() - self.started, 1e-9)
            self.progress.update(self.task, completed=self.count, rate=f"{rate:.0f} files/s")

    def print(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            err(line)

    def messages(self, result: FileResult, quiet: bool) -> None:
        """A finished file's errors, and its notes unless ``quiet``, above the bar."""
        for error in result.errors:
            self.print(str(error))
        if not quiet:
            for note in result.notes:
                self.print(note)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("porter"), BarColumn(), MofNCompleteColumn(),
                                 TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                                 TimeRemainingColumn(), console=Console(file=sys.stderr),
                                 transient=True)
        self.progress.start()
        self.task = self.progress.add_task("convert", total=self.expected,
                                           completed=self.count, rate="")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class _Silent(Advance):
    def __call__(self) -> None:
        self.count += 1


@contextmanager
def progress_bar(silent: bool) -> Iterator[Advance]:
    """An ``Advance`` to call once per file; a bar shows only on a terminal, not ``silent``."""
    advance = _Silent() if silent or not sys.stderr.isatty() else Advance()
    try:
        yield advance
    finally:
        advance.stop()
