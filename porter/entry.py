"""The console-script entry point: answers ``--version`` before loading the whole CLI."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from porter import __version__

        print(f"porter {__version__}")
        return
    from porter.cli import app

    app()
