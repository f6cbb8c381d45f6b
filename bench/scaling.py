"""Growth with input size where porter once was quadratic, through the real CLI.

    python bench/scaling.py [--scale 1] [--memory]

(a) a Pod with N equal tolerations, to which porter appends one (the list diff);
(b) N documents through ``porter post-render`` and, for comparison, ``porter convert -``.
Each case runs at three sizes (N, 2N, 4N; ``--scale`` multiplies N); the target is that
doubling the input at most 2.6x the time (linear growth plus start-up noise on a busy
machine). ``--memory`` adds peak RSS for 100,000 tiny Pods in files and for a 100 MB stdin.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PORTER = [sys.executable, "-m", "porter"]
GROWTH = 2.6
IMAGE = "mcr.microsoft.com/windows/nanoserver:ltsc2022"


def tolerations(n: int) -> str:
    items = "".join("  - key: dedicated\n    operator: Exists\n" for _ in range(n))
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  tolerations:\n{items}"
            f"  containers:\n  - name: c\n    image: {IMAGE}\n")


def rendered(n: int) -> str:
    return "".join(f"---\n# Source: chart/templates/p{i}.yaml\napiVersion: v1\nkind: Pod\n"
                   f"metadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n"
                   f"    image: {IMAGE}\n" for i in range(n))


def _run(command: list[str], stdin: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one command (its own, from wait4), output dropped."""
    started = time.perf_counter()
    with open(stdin or "/dev/null", "rb") as source, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=source, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
        if process.returncode not in (0, 1) or "Traceback" in stderr:
            raise SystemExit(f"{' '.join(command)}: exit {process.returncode}: {stderr[-500:]}")
    return elapsed, usage.ru_maxrss * 1024


def _case(label: str, sizes: list[int], make, command: list[str], directory: Path) -> bool:
    """Time ``command`` at each size: with ``{}`` replaced by the file, or the file on stdin."""
    print(f"({label})")
    times = []
    for n in sizes:
        path = directory / f"{label}-{n}.yaml"
        path.write_text(make(n))
        named = [str(path) if part == "{}" else part for part in command]
        seconds, _ = _run(named, None if "{}" in command else path)
        times.append(seconds)
        print(f"  N={n:<8} {seconds:8.2f} s")
    ok = all(b <= GROWTH * a for a, b in itertools.pairwise(times))
    ratios = ", ".join(f"{b / a:.2f}x" for a, b in itertools.pairwise(times))
    print(f"  time for 2x the input: {ratios:<16} target <= {GROWTH}x {'PASS' if ok else 'MISS'}")
    return ok


def _memory(directory: Path) -> None:
    pods = directory / "pods"
    pods.mkdir()
    for number in range(1000):
        (pods / f"f{number}.yaml").write_text(
            "".join(f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{number}-{i}\nspec:\n"
                    f"  containers:\n  - name: c\n    image: {IMAGE}\n" for i in range(100)))
    seconds, peak = _run([*PORTER, "convert", str(pods), "-q", "-j", "1"])
    print(f"(c) 100,000 tiny Pods in 1,000 files: {seconds:.1f} s, peak RSS {peak >> 20} MiB")
    big = directory / "big.yaml"
    with big.open("w") as stream:
        while stream.tell() < 100 << 20:
            stream.write(rendered(1000))
    seconds, peak = _run([*PORTER, "convert", "-", "-q"], big)
    print(f"(d) 100 MB on stdin: {seconds:.1f} s, peak RSS {peak >> 20} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="porter-scaling-"))
    try:
        sizes = [max(1, int(n * args.scale)) for n in (4000, 8000, 16000)]
        ok = _case("a", sizes, tolerations, [*PORTER, "convert", "{}", "-q"], directory)
        sizes = [max(1, int(n * args.scale)) for n in (5000, 10000, 20000)]
        ok &= _case("b", sizes, rendered, [*PORTER, "post-render"], directory)
        _case("b'", sizes, rendered, [*PORTER, "convert", "-", "-q"], directory)
        if args.memory:
            _memory(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
