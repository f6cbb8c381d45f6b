"""The console-script entry point: answers ``--version`` before loading the whole CLI."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from porter import __version__

        print(f"porter {__version__}")
        return
    from porter.cli import app_for

    app = app_for(sys.argv[1:])
    if sys.argv[1:2] == ["post-render"]:
        from porter.commands.post_render import run_post_renderer

        run_post_renderer(app)
        return
    app()
