#!/usr/bin/env python3
"""How big the HTML readiness report of a whole corpus is, and how long a browser takes to
open it (headless Chromium: from the start of loading until the page is laid out).

    python bench/report_load.py [--corpus DIR] [--repeat 3]

Prints a line per figure, then the figures as one JSON line (tests read it). The target is
under 2 s to open.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium, probe  # noqa: E402

TARGET_MS = 2000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the reports here (default: a "
                        "temporary directory)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return 0
    if chromium() is None:
        print("skipped: chromium is not installed (.ci/install-chromium.sh)")
        return 0
    with tempfile.TemporaryDirectory(prefix="porter-report-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        page, data = work / "corpus.html", work / "corpus.json"
        began = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "porter", "check", str(args.corpus),
                              "--report", str(page), "--report", str(data), "-q"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
        converted = time.perf_counter() - began
        if run.returncode not in (0, 1, 2) or not page.is_file():
            print(run.stderr, file=sys.stderr)
            return 1
        report = json.loads(data.read_text())
        samples = [probe(page) for _ in range(max(1, args.repeat))]
        figures = {
            "files": report["summary"]["files"],
            "findings": len(report["findings"]),
            "workloads": len(re.findall(r'<tr class="s-\w+" data-status=',
                                        page.read_text(encoding="utf-8"))),
            "bytes": page.stat().st_size,
            "convert_s": round(converted, 2),
            "load_ms": round(statistics.median(s["laidOut"] for s in samples)),
            "loads_ms": [round(s["laidOut"]) for s in samples],
        }
    print(f"corpus: {figures['files']} files, {figures['workloads']} workloads and other "
          f"rows, {figures['findings']} findings (porter check took {converted:.1f} s)")
    print(f"HTML report: {figures['bytes'] / 1e6:.2f} MB")
    verdict = "PASS" if figures["load_ms"] < TARGET_MS else "MISS"
    print(f"opens in {figures['load_ms']} ms (median of {len(samples)}; target < "
          f"{TARGET_MS} ms) {verdict}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
