"""The console-script entry point: answers ``--version`` before loading the whole CLI, and
keeps the garbage collector out of start-up."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from porter import __version__

        print(f"porter {__version__}")
        return
    # Start-up (typer, the command's modules) makes objects that live until the process
    # ends, and no garbage: collecting while it runs is wasted work, and so is every later
    # full collection's pass over them, the last at exit. The collector is off until they
    # are made, then they are frozen (left out of every collection); it runs as usual on
    # what the command makes.
    gc.disable()
    try:
        from porter.cli import app_for

        app = app_for(sys.argv[1:])
    finally:
        gc.freeze()
        gc.enable()
    if sys.argv[1:2] == ["post-render"]:
        from porter.commands.post_render import run_post_renderer

        run_post_renderer(app)
        return
    app()
