"""The facts of a run that the readiness reports show in their header (a module of its own, so
that a command can say them without loading the report renderers)."""

from __future__ import annotations

from dataclasses import dataclass

from porter.version import __version__


@dataclass(frozen=True)
class RunInfo:
    """What the command line said: shown in the report's header."""

    command: str = "convert"
    inputs: tuple[str, ...] = ()
    target_windows: str = "ltsc2022"
    image_resolution: bool = False
    fail_on: str = "error"
    version: str = __version__
