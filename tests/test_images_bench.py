"""bench/images.py runs from a clone against the real registry and reports every mode (its
timings are not checked: a benchmark, not a timed test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from registry_server import registry_binary

BENCH = Path(__file__).resolve().parent.parent / "bench" / "images.py"


def test_image_benchmark_reports_every_mode():
    registry_binary()  # skips when the registry is not installed
    out = subprocess.run([sys.executable, str(BENCH), "--count", "8", "--repeat", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    for label in ("without --resolve-images", "cold (no cache)", "warm (user disk cache)",
                  "--image-cache FILE, registry stopped", "same in all three modes: yes"):
        assert label in out.stdout, out.stdout
    assert "'image-no-windows-platform': 2" in out.stdout
