"""porter's benchmark: speed and memory against a bare ruamel.yaml round trip, in one run.

    python bench/run.py [--repeat 3] [--sizes 1000,10000] [--skip-corpus | --corpus DIR]
                        [--skip-generated] [--small-files 500] [--skip-trees]
                        [--slow-repeat 1]

Everything is measured in fresh subprocesses on the same files in the same run, and reported
as ratios and medians (this machine is noisy; absolute seconds mean little). Targets:
real corpus >= 5x faster than the round trip; workload-heavy corpus >= 0.8x its speed;
--jobs 2 >= 1.7x --jobs 1; 10x the documents <= 11x the time; peak memory within 1.2x
between the sizes; ``porter --version`` start-up <= 2x ``python -c "import ruamel.yaml"``.

(d) runs the user's commands end to end (``porter convert DIR -o OUT`` with the default and
with ``--jobs 1`` / ``--jobs 2``, ``--in-place``) on a copy of the real corpus and on a tree
of many small files made from its workload documents (``bench/smalltree.py``), beside the
libyaml compose bound (``bench/compose_bound.py``) and the bare ruamel round trip, all as
wall time of fresh processes. Targets: ``-o`` with default jobs <= 1.5x the compose bound
and >= 20x faster than the round trip; ``--jobs 2`` >= 1.8x ``--jobs 1``; peak RSS for 10x
the small files <= 1.2x; ``porter convert FILE`` start-up <= 1.5x ``import ruamel.yaml``.
The round trip is ~100x slower than porter, so it runs ``--slow-repeat`` times (its noise
moves the ratio little). Beside the targets it prints the design's floor on this machine:
importing typer and PyYAML (start-up), and for the small files ``bench/design_floor.py``
(start-up and two reads of every file on every core, with no conversion).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
sys.path.insert(0, str(HERE))
# As installed: a wheel's modules are byte-compiled, so start-up is not a compiler benchmark.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

from generate import generate  # noqa: E402
from smalltree import generate as small_tree  # noqa: E402


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
        subprocess.run(command, capture_output=True, check=True, env=ENV)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def porter(files: list[Path], jobs: int = 1) -> list[str]:
    return [sys.executable, str(HERE / "porter_run.py"), "--jobs", str(jobs), *map(str, files)]


def roundtrip(files: list[Path]) -> list[str]:
    return [sys.executable, str(HERE / "roundtrip.py"), *map(str, files)]


def _process(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, its largest process) of one run of ``command``."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1, 2):  # 1, 2: findings, bad files in a real tree
        raise SystemExit(f"{command[:4]} failed with status {child.returncode}")
    return elapsed, usage.ru_maxrss * 1024


def _end_to_end(runs: dict[str, tuple[list[str], object]], repeat: int) \
        -> dict[str, tuple[float, int]]:
    """Median wall time and peak RSS of each command, interleaved; each command's setup
    (a fresh output directory, a fresh copy to rewrite) runs before it, untimed."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    memory: dict[str, list[int]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, (command, setup) in runs.items():
            if callable(setup):
                setup()
            elapsed, rss = _process(command)
            times[name].append(elapsed)
            memory[name].append(rss)
    return {name: (statistics.median(times[name]), int(statistics.median(memory[name])))
            for name in runs}


def _fresh(path: Path, source: Path | None = None):
    def setup() -> None:
        shutil.rmtree(path, ignore_errors=True)
        if source is not None:
            shutil.copytree(source, path)
    return setup


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def trees(label: str, tree: Path, work: Path, repeat: int, slow_repeat: int,
          floor: bool = False) -> None:
    """The user's commands on ``tree`` against the compose bound and the round trip; with
    ``floor``, also against the design's floor (``design_floor.py``: for a tree whose every
    document changes, which is what it assumes)."""
    porter_bin = str(Path(sys.executable).with_name("porter"))
    files = [str(p) for p in _files(tree)]
    out = work / "out"
    convert = [porter_bin, "convert", str(tree), "-q", "-o", str(out)]
    copy = work / "copy"
    runs = {
        "compose bound": ([sys.executable, str(HERE / "compose_bound.py"), *files], None),
        "-o DIR": (convert, _fresh(out)),
        "-o DIR --jobs 1": ([*convert, "--jobs", "1"], _fresh(out)),
        "-o DIR --jobs 2": ([*convert, "--jobs", "2"], _fresh(out)),
        "--in-place": ([porter_bin, "convert", str(copy), "-q", "--in-place"],
                       _fresh(copy, tree)),
        "CPU loop x2": ([sys.executable, str(HERE / "cpu_ceiling.py"), "2", "0"], None),
        "CPU loop, 2 procs": ([sys.executable, str(HERE / "cpu_ceiling.py"), "2", "1"], None),
    }
    if floor:
        runs["design floor"] = ([sys.executable, str(HERE / "design_floor.py"), *files], None)
    measured = _end_to_end(runs, repeat)
    slow = _end_to_end({"round trip": (roundtrip(files), None)}, slow_repeat)
    size = sum(Path(f).stat().st_size for f in files)
    print(f"(d) {label}: {len(files)} files, {size / 2**20:.1f} MiB, end to end")
    for name, (seconds, rss) in {**measured, **slow}.items():
        print(f"  {name:<18} {seconds:7.2f} s  {rss / 2**20:5.0f} MiB")
    bound = measured["compose bound"][0]
    default = measured["-o DIR"][0]
    _line(f"-o DIR / compose bound ({label})", f"{default / bound:.2f}x", "<= 1.5x",
          default / bound <= 1.5)
    if floor:
        least = measured["design floor"][0]
        print(f"  (the design's floor, start-up and two reads of every file on every core, no "
              f"conversion: {least / bound:.2f}x the bound)")
    speed = slow["round trip"][0] / default
    _line(f"round trip / -o DIR ({label})", f"{speed:.1f}x", ">= 20x", speed >= 20)
    if floor:
        print(f"  (at the design's floor it would be {slow['round trip'][0] / least:.1f}x)")
    speedup = measured["-o DIR --jobs 1"][0] / measured["-o DIR --jobs 2"][0]
    _line(f"--jobs 2 speed-up, -o DIR ({label})", f"{speedup:.2f}x", ">= 1.8x",
          speedup >= 1.8)
    ceiling = measured["CPU loop x2"][0] / measured["CPU loop, 2 procs"][0]
    print(f"  (this machine's ceiling in the same sitting: a CPU loop runs {ceiling:.2f}x "
          f"faster in 2 processes; --jobs 2 gets {speedup / ceiling:.0%} of it)")
    slower = default / measured["-o DIR --jobs 1"][0]
    _line(f"default jobs / --jobs 1 time ({label})", f"{slower:.2f}x", "<= 1.0x",
          slower <= 1.0)


def memory_growth(corpus: Path, work: Path, count: int, repeat: int) -> None:
    """Peak RSS of ``-o DIR --report r.json`` on ``count`` and ``10 * count`` small files."""
    porter_bin = str(Path(sys.executable).with_name("porter"))
    runs = {}
    for label, files in (("1x", count), ("10x", count * 10)):
        tree = work / f"tree{label}"
        small_tree(corpus, tree, files)
        out = work / f"out{label}"
        runs[label] = ([porter_bin, "convert", str(tree), "-q", "-o", str(out), "--report",
                        str(work / f"r{label}.json")], _fresh(out))
    measured = _end_to_end(runs, repeat)
    print(f"  peak RSS, {count} and {count * 10} small files with a JSON report: "
          f"{measured['1x'][1] / 2**20:.0f} and {measured['10x'][1] / 2**20:.0f} MiB")
    ratio = measured["10x"][1] / measured["1x"][1]
    _line("peak RSS 10x files / 1x", f"{ratio:.2f}x", "<= 1.2x", ratio <= 1.2)


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
    parser.add_argument("--skip-generated", action="store_true", help="skip (b)")
    parser.add_argument("--small-files", type=int, default=500,
                        help="(d) files in the tree of small files")
    parser.add_argument("--skip-trees", action="store_true", help="skip (d)")
    parser.add_argument("--slow-repeat", type=int, default=1,
                        help="(d) runs of the bare round trip")
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
        if args.skip_generated:
            print("(b) workload-heavy corpus: skipped (--skip-generated)")
        else:
            generated(Path(temporary), small, large, args.repeat)
    startup(args.repeat)
    if args.skip_trees or not index.is_file():
        print("(d) real trees: skipped" + (" (--skip-trees)" if args.skip_trees else
                                            f" ({index} not found)"))
        return 0
    real_trees(args, index)
    return 0


def generated(root: Path, small: int, large: int, repeat: int) -> None:
    """(b): generated workload-heavy corpora of two sizes, in process, against the round
    trip; growth in time and memory; --jobs 2 against --jobs 1."""
    small_files = generate(root / "small", small)
    large_files = generate(root / "large", large)
    print(f"(b) workload-heavy corpus: {small} and {large} documents, all converted")
    results = {}
    for label, files in (("small", small_files), ("large", large_files)):
        ours, base = _measure(porter(files), roundtrip(files), repeat=repeat)
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
                        repeat=repeat)
    speedup = one["seconds"] / two["seconds"]
    print(f"  --jobs 1 {one['seconds']:.2f} s, --jobs 2 {two['seconds']:.2f} s; CPU "
          f"(parent and workers) {one['cpu']:.2f} s and {two['cpu']:.2f} s")
    _line("--jobs 2 speed-up over --jobs 1", f"{speedup:.2f}x", ">= 1.7x", speedup >= 1.7)


def startup(repeat: int) -> None:
    """(c): start-up of ``porter --version`` and of ``porter convert FILE``."""
    porter_bin = Path(sys.executable).with_name("porter")
    start = _wall([str(porter_bin), "--version"], max(repeat, 5))
    base = _wall([sys.executable, "-c", "import ruamel.yaml"], max(repeat, 5))
    fixed = _wall([sys.executable, "-c", "import typer, yaml"], max(repeat, 5))
    print(f"(c) start-up: porter --version {start * 1000:.0f} ms, import ruamel.yaml "
          f"{base * 1000:.0f} ms")
    _line("start-up / import ruamel.yaml", f"{start / base:.2f}x", "<= 2x", start / base <= 2)
    print(f"  (the design's floor: importing typer and PyYAML alone, which porter convert "
          f"must, takes {fixed / base:.2f}x)")
    quickstart = HERE.parent / "fixtures" / "quickstart" / "input.yaml"
    subprocess.run([str(porter_bin), "convert", str(quickstart), "-q"], capture_output=True,
                   env=ENV, check=False)  # byte-compile once, as an install does
    one_file = _wall([str(porter_bin), "convert", str(quickstart), "-q"], max(repeat, 5))
    print(f"  porter convert FILE {one_file * 1000:.0f} ms")
    _line("convert start-up / import ruamel.yaml", f"{one_file / base:.2f}x", "<= 1.5x",
          one_file / base <= 1.5)


def real_trees(args: argparse.Namespace, index: Path) -> None:
    """(d): the user's commands end to end on the real corpus and a tree of small files."""
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        corpus = work / "corpus"
        for line in index.read_text().splitlines():
            if line.strip():
                (corpus / line.strip()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(args.corpus / line.strip(), corpus / line.strip())
        shutil.copyfile(index, corpus / "INDEX-plain.txt")
        small = work / "small"
        small_tree(corpus, small, args.small_files)
        trees("small files", small, work / "s", args.repeat, args.slow_repeat, floor=True)
        trees("real corpus", corpus, work / "c", args.repeat, args.slow_repeat)
        memory_growth(corpus, work / "m", args.small_files, args.repeat)


if __name__ == "__main__":
    raise SystemExit(main())
