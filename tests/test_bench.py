"""The benchmark script runs from a clone and reports every target (its timings are not
checked here: a benchmark, not a timed test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_benchmark_runs_and_reports_every_target(tmp_path):
    out = subprocess.run([sys.executable, str(BENCH), "--repeat", "1", "--sizes", "20,40",
                          "--corpus", str(tmp_path / "absent")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert f"(a) real corpus: skipped ({tmp_path / 'absent' / 'INDEX-plain.txt'} not found)" \
        in lines
    targets = [line for line in lines if line.rstrip().endswith(("PASS", "MISS"))]
    labels = " ".join(targets)
    for label in ("round-trip speed (small)", "round-trip speed (large)",
                  "time for 2x the documents", "peak RSS large / small",
                  "--jobs 2 speed-up over --jobs 1", "start-up / import ruamel.yaml"):
        assert label in labels, out.stdout
    assert "CPU (parent and workers)" in out.stdout


SCALING = BENCH.parent / "scaling.py"


def test_scaling_benchmark_runs_each_case_at_three_sizes():
    out = subprocess.run([sys.executable, str(SCALING), "--scale", "0.002"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr  # 1: a MISS, which timings on CI may give
    for case in ("(a)", "(b)", "(b')"):
        assert case in out.stdout.splitlines(), out.stdout
    assert out.stdout.count("  N=") == 9, out.stdout
    assert out.stdout.count("time for 2x the input") == 3, out.stdout
