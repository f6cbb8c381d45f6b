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
