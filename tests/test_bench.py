"""The benchmark script runs from a clone and reports every target (its timings are not
checked here: a benchmark, not a timed test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

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
                  "--jobs 2 speed-up over --jobs 1", "start-up / import ruamel.yaml",
                  "convert start-up / import ruamel.yaml"):
        assert label in labels, out.stdout
    assert "CPU (parent and workers)" in out.stdout
    assert "(the design's floor: importing typer and PyYAML alone" in out.stdout
    assert f"(d) real trees: skipped ({tmp_path / 'absent' / 'INDEX-plain.txt'} not found)" \
        in lines


def test_the_end_to_end_mode_runs_the_users_commands_on_real_trees(tmp_path):
    """(d) on a tiny corpus: every command runs, and every target of the issue is printed."""
    corpus = tmp_path / "corpus"
    names = []
    for case in ("quickstart", "security-context", "volumes", "kind-list", "networking"):
        (corpus / case).mkdir(parents=True)
        (corpus / case / "app.yaml").write_bytes((FIXTURES / case / "input.yaml").read_bytes())
        names.append(f"{case}/app.yaml")
    (corpus / "INDEX-plain.txt").write_text("\n".join(names) + "\n")
    out = subprocess.run([sys.executable, str(BENCH), "--repeat", "1", "--sizes", "10,20",
                          "--corpus", str(corpus), "--small-files", "8"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    labels = " ".join(line for line in out.stdout.splitlines()
                      if line.rstrip().endswith(("PASS", "MISS")))
    for tree in ("small files", "real corpus"):
        for label in ("-o DIR / compose bound", "round trip / -o DIR",
                      "--jobs 2 speed-up, -o DIR", "default jobs / --jobs 1 time"):
            assert f"{label} ({tree})" in labels, out.stdout
    assert "peak RSS 10x files / 1x" in labels
    for command in ("compose bound", "-o DIR --jobs 2", "--in-place", "round trip",
                    "design floor"):
        assert f"  {command} " in out.stdout
    # The floor is measured on the tree whose documents all change, and only there.
    assert out.stdout.count("(the design's floor, start-up and two reads") == 1, out.stdout
    assert out.stdout.count("(at the design's floor it would be") == 1, out.stdout


SCALING = BENCH.parent / "scaling.py"


def test_scaling_benchmark_runs_each_case_at_three_sizes():
    out = subprocess.run([sys.executable, str(SCALING), "--scale", "0.002"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr  # 1: a MISS, which timings on CI may give
    for case in ("(a)", "(b)", "(b')"):
        assert case in out.stdout.splitlines(), out.stdout
    assert out.stdout.count("  N=") == 9, out.stdout
    assert out.stdout.count("time for 2x the input") == 3, out.stdout
