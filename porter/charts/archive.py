"""A packaged chart (``.tgz``) unpacked to a scratch directory, so that its subcharts' values
and schemas can be read as for a chart directory."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from porter.errors import InputError


@contextmanager
def unpacked(chart: Path) -> Iterator[Path]:
    """``chart`` itself for a directory; for a ``.tgz``, its top directory unpacked."""
    if chart.is_dir():
        yield chart
        return
    with tempfile.TemporaryDirectory(prefix="porter-chart-") as scratch:
        try:
            with tarfile.open(chart) as archive:
                archive.extractall(scratch, filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise InputError(f"cannot unpack the chart: {exc}", str(chart)) from None
        tops = [p for p in Path(scratch).iterdir() if (p / "Chart.yaml").is_file()]
        if len(tops) != 1:
            raise InputError("a packaged chart holds one top directory with Chart.yaml",
                             str(chart))
        yield tops[0]
