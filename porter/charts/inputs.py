"""A chart named as input (what ``porter convert CHART`` converts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChartInput:
    """A Helm chart to render and convert: a directory with ``Chart.yaml`` or a ``.tgz``."""

    display: str
    path: Path
    relative: str
    """Where ``--output`` writes its rendered, converted manifests."""


def is_chart(path: Path) -> bool:
    """A chart directory (``Chart.yaml``) or a packaged chart (``.tgz``)."""
    if path.is_dir():
        return (path / "Chart.yaml").is_file()
    return path.is_file() and path.name.endswith((".tgz", ".tar.gz"))
