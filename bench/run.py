"""porter's benchmark: speed and memory against a bare ruamel.yaml round trip, in one run.

    python bench/run.py [--repeat 3] [--sizes 1000,10000] [--skip-corpus | --corpus DIR]

Everything is measured in fresh subprocesses on the same files in the same run, and reported
as ratios and medians (this machine is noisy; absolute seconds mean little). Targets:
real corpus >= 5x faster than the round trip; workload-heavy corpus >= 0.8x its speed;
--jobs 2 >= 1.7x --jobs 1; 10x the documents <= 11x the time; peak memory within 1.2x
between the sizes; ``porter --version`` start-up <= 2x ``python -c "import ruamel.yaml"``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def _measure(*commands: list[str], repeat: int) -> list[dict[str, float]]:
    """Medians of ``repeat`` runs of each command, interleaved (a, b, a, b, ...) so that a
    slow spell of this machine falls on both sides of a ratio rather than on one."""
    runs: list[list[dict[str, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, into in zip(commands, runs, strict=True):
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            into.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return [{key: statistics.median(run[key] for run in each) for key in each[0]}
            for each in runs]


def _wall(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def porter(files: list[Path], jobs: int = 1) -> list[str]:
    return [sys.executable, str(HERE / "porter_run.py"), "--jobs", str(jobs), *map(str, files)]


def roundtrip(files: list[Path]) -> list[str]:
    return [sys.executable, str(HERE / "roundtrip.py"), *map(str, files)]


def _line(label: str, value: str, target: str, ok: bool) -> None:
    print(f"  {label:<46} {value:>12}   target {target:<10} {'PASS' if ok else 'MISS'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="the real corpus (a folder with INDEX-plain.txt)")
    args = parser.parse_args()
    small, large = (int(s) for s in args.sizes.split(","))
    print(f"porter benchmark: medians of {args.repeat} runs, {sys.version.split()[0]}")

    index = args.corpus / "INDEX-plain.txt"
    if args.skip_corpus or not index.is_file():
        print(f"(a) real corpus: skipped ({index} not found)" if not args.skip_corpus
              else "(a) real corpus: skipped (--skip-corpus)")
    else:
        files = [args.corpus / line.strip() for line in index.read_text().splitlines()
                 if line.strip()]
        ours, base = _measure(porter(files), roundtrip(files), repeat=args.repeat)
        ratio = base["seconds"] / ours["seconds"]
        print(f"(a) real corpus: {len(files)} files, {int(ours['documents'])} documents")
        print(f"  porter {ours['seconds']:.2f} s, round trip {base['seconds']:.2f} s "
              f"({int(base['failures'])} files it could not load)")
        _line("porter speed / round-trip speed", f"{ratio:.1f}x", ">= 5x", ratio >= 5)

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        small_files = generate(root / "small", small)
        large_files = generate(root / "large", large)
        print(f"(b) workload-heavy corpus: {small} and {large} documents, all converted")
        results = {}
        for label, files in (("small", small_files), ("large", large_files)):
            ours, base = _measure(porter(files), roundtrip(files), repeat=args.repeat)
            results[label] = (ours, base)
            print(f"  {label}: porter {ours['seconds']:.2f} s "
                  f"({ours['documents'] / ours['seconds']:.0f} docs/s, "
                  f"{ours['rss'] / 2**20:.0f} MiB), round trip {base['seconds']:.2f} s "
                  f"({base['documents'] / base['seconds']:.0f} docs/s)")
        for label in ("small", "large"):
            ours, base = results[label]
            ratio = base["seconds"] / ours["seconds"]
            _line(f"porter speed / round-trip speed ({label})", f"{ratio:.2f}x", ">= 0.8x",
                  ratio >= 0.8)
        growth = results["large"][0]["seconds"] / results["small"][0]["seconds"]
        factor = large / small
        _line(f"time for {factor:.0f}x the documents", f"{growth:.2f}x",
              f"<= {factor * 1.1:.0f}x", growth <= factor * 1.1)
        memory = results["large"][0]["rss"] / results["small"][0]["rss"]
        _line("peak RSS large / small", f"{memory:.2f}x", "<= 1.2x", memory <= 1.2)
        one, two = _measure(porter(large_files, jobs=1), porter(large_files, jobs=2),
                            repeat=args.repeat)
        speedup = one["seconds"] / two["seconds"]
        print(f"  --jobs 1 {one['seconds']:.2f} s, --jobs 2 {two['seconds']:.2f} s; CPU "
              f"(parent and workers) {one['cpu']:.2f} s and {two['cpu']:.2f} s")
        _line("--jobs 2 speed-up over --jobs 1", f"{speedup:.2f}x", ">= 1.7x", speedup >= 1.7)

    porter_bin = Path(sys.executable).with_name("porter")
    start = _wall([str(porter_bin), "--version"], max(args.repeat, 5))
    base = _wall([sys.executable, "-c", "import ruamel.yaml"], max(args.repeat, 5))
    print(f"(c) start-up: porter --version {start * 1000:.0f} ms, import ruamel.yaml "
          f"{base * 1000:.0f} ms")
    _line("start-up / import ruamel.yaml", f"{start / base:.2f}x", "<= 2x", start / base <= 2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
