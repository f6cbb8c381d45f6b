"""The values overlay on real charts: build it for every chart of a directory with each Helm
binary, check it, and report the figures issue 15 asks for.

    python bench/charts.py [--charts DIR] [--helm3 PATH] [--helm4 PATH] [--json FILE]

Default charts: ``../shared/charts/bitnami`` (dependencies vendored); default binaries:
``$PORTER_TEST_HELM3``/``$PORTER_TEST_HELM4``, else ``/opt/porter-ci/helm{3,4}/helm``
(``.ci/install-helm.sh``). For each chart and binary: overlay build time, renders, probes
tried/skipped, Windows-bound pod specs clean with the overlay alone / only missing
``spec.os`` / needing the templates, template-only items, and whether ``helm template -f
OVERLAY`` renders (checked again here, apart from porter's own verification).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from porter.charts.convert import ChartOptions, convert_chart  # noqa: E402
from porter.charts.inputs import ChartInput  # noqa: E402
from porter.charts.render import HelmBinary, RenderOptions  # noqa: E402
from porter.engine.config import Config  # noqa: E402
from porter.engine.pipeline import Pipeline  # noqa: E402
from porter.outputs import values_overlay  # noqa: E402

CHARTS = HERE.parent.parent / "shared" / "charts" / "bitnami"
if not CHARTS.is_dir():  # a worktree one level deeper (../../shared)
    CHARTS = HERE.parent.parent.parent / "shared" / "charts" / "bitnami"


def _binary(variable: str, default: str) -> str | None:
    path = os.environ.get(variable) or default
    return path if Path(path).is_file() else None


def measure(chart: Path, helm: str) -> dict[str, object]:
    item = ChartInput(str(chart), chart, f"{chart.name}.yaml")
    started = time.monotonic()
    result = convert_chart(item, Pipeline(Config()), ChartOptions(RenderOptions(), True),
                           HelmBinary(helm))
    seconds = time.monotonic() - started
    row: dict[str, object] = {"chart": chart.name, "seconds": round(seconds, 2)}
    if result.errors or result.overlay is None:
        row["error"] = "; ".join(str(e) for e in result.errors)
        return row
    overlay = result.overlay
    with tempfile.TemporaryDirectory() as scratch:
        written = Path(scratch) / "overlay.yaml"
        written.write_text(values_overlay.render(overlay), encoding="utf-8")
        done = subprocess.run([helm, "template", "x", str(chart), "-f", str(written)],
                              capture_output=True, text=True, check=False)
    row.update(
        overlay_seconds=round(overlay.seconds, 2), renders=overlay.renders,
        probes=overlay.probes, tried=overlay.tried, skipped=len(overlay.skipped),
        values=len(overlay.entries), pods=overlay.pods.total, clean=overlay.pods.clean,
        os_only=overlay.pods.os_only, templates=overlay.pods.templates,
        equivalent=overlay.pods.equivalent,
        template_only=len(overlay.template_only), not_set=len(overlay.conflicts),
        switched_off=[".".join(e.path) for e in overlay.switched_off],
        hard=[f"{c.resource} {c.pointer}: {c.change}" for c in overlay.template_only
              if c.blocking],
        verified=overlay.verified, renders_with_overlay=done.returncode == 0)
    if done.returncode:
        row["render_error"] = done.stderr.strip().splitlines()[-1:]
    return row


def report(rows: list[dict[str, object]], label: str) -> list[str]:
    good = [r for r in rows if "error" not in r]
    times = [float(r["overlay_seconds"]) for r in good] or [0.0]
    total = sum(int(r["pods"]) for r in good)
    clean = sum(int(r["clean"]) + int(r["os_only"]) for r in good)
    lines = [f"{label}: {len(rows)} charts, {len(rows) - len(good)} failed to convert",
             f"  overlay build time: median {statistics.median(times):.1f} s, "
             f"max {max(times):.1f} s; renders: median "
             f"{statistics.median([int(r['renders']) for r in good] or [0])}, max "
             f"{max([int(r['renders']) for r in good] or [0])}",
             f"  probes: {sum(int(r['tried']) for r in good)} tried, "
             f"{sum(int(r['skipped']) for r in good)} skipped (listed with the reason)",
             f"  Windows-bound pod specs: {total}; clean with the overlay except spec.os: "
             f"{clean} ({100 * clean / total if total else 0:.0f}%; "
             f"{sum(int(r['clean']) for r in good)} fully clean, "
             f"{sum(int(r['equivalent']) for r in good)} also with changes that alter "
             "nothing on the node: Linux mount paths, false host-namespace fields, "
             "emptyDir medium: Memory)",
             f"  template-only items: {sum(int(r['template_only']) for r in good)}; "
             f"values not set: {sum(int(r['not_set']) for r in good)}",
             f"  chart features turned off: "
             f"{sum(len(r['switched_off']) for r in good)} in "
             f"{sum(bool(r['switched_off']) for r in good)} charts "
             f"({', '.join(sorted({p for r in good for p in r['switched_off']}))})",
             "  what the pod specs needing the templates still need:",
             *[f"    {r['chart']}: {item}" for r in good for item in r["hard"]],
             f"  overlays that fail to render: "
             f"{sum(not r['renders_with_overlay'] for r in good)}"]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=Path, default=CHARTS)
    parser.add_argument("--helm3", default=_binary("PORTER_TEST_HELM3",
                                                   "/opt/porter-ci/helm3/helm"))
    parser.add_argument("--helm4", default=_binary("PORTER_TEST_HELM4",
                                                   "/opt/porter-ci/helm4/helm"))
    parser.add_argument("--only", action="append", help="chart name (repeatable)")
    parser.add_argument("--json", type=Path, help="write every row here")
    args = parser.parse_args()
    if not args.charts.is_dir():
        print(f"charts: skipped ({args.charts} not found)")
        return 0
    charts = sorted(p for p in args.charts.iterdir() if (p / "Chart.yaml").is_file()
                    and (not args.only or p.name in args.only))
    everything: dict[str, list[dict[str, object]]] = {}
    for label, helm in (("helm 3", args.helm3), ("helm 4", args.helm4)):
        if not helm:
            print(f"{label}: skipped (no binary; run .ci/install-helm.sh)")
            continue
        rows = []
        for chart in charts:
            rows.append(measure(chart, helm))
            print(json.dumps(rows[-1]), flush=True)
        everything[label] = rows
        print("\n".join(report(rows, label)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
