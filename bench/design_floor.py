"""The floor of porter's design on this machine: what a run costs before any conversion.

    python bench/design_floor.py FILE...

Does only what every ``porter convert DIR -o OUT`` must do on a tree whose documents all
change, and nothing of the conversion itself:

- start as porter's CLI starts: import typer (the design card's CLI framework) and PyYAML
  (its C parser);
- on as many processes as porter's default ``--jobs`` (every usable core), read each file
  to data twice with porter's own reader (libyaml composing, plain scalars resolved only
  when read: ``porter.yamledit``): once to know what to convert, once to read the written
  text back (porter verifies every write that way; its text is as long as the input's, so
  the input stands in for it).

Its wall time against the compose bound (``compose_bound.py``) is the least the ``-o DIR``
ratio can be here; against the bare round trip, the most the speed-up can be.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer  # noqa: F401 - imported for its start-up cost, as porter's CLI imports it

from porter.yamledit.errors import LocatedError
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build


def _read_twice(paths: list[str]) -> None:
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        for _ in range(2):
            try:
                for raw in compose(text, path):
                    build(raw.root, path, aliases=raw.anchors)
            except LocatedError:
                break  # a file porter cannot read: it is read once and reported


def main(paths: list[str]) -> None:
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    children = []
    for job in range(jobs):
        pid = os.fork()
        if pid == 0:
            _read_twice(paths[job::jobs])
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main(sys.argv[1:])
