"""How charts are rendered and converted: the options, without the machinery (cheap to import
for a run that may meet no chart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RenderOptions:
    """What ``helm template`` takes: values files, ``--set``, release and cluster facts."""

    values_files: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    set_strings: tuple[str, ...] = ()
    namespace: str | None = None
    release_name: str = "release-name"
    kube_version: str | None = None


@dataclass(frozen=True)
class ChartOptions:
    """How to render charts, and whether to work out a values overlay."""

    render: RenderOptions = field(default_factory=RenderOptions)
    overlay: bool = False
