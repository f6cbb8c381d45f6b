"""Image resolution benchmark: N distinct images against a local distribution registry.

    python bench/images.py [--count 200] [--repeat 3]

Starts Debian's ``docker-registry`` on 127.0.0.1 (as the tests do), pushes ``--count``
distinct multi-platform images (OCI indexes; a quarter Linux-only), writes manifests that use
them (ten containers a file), then times ``porter check --resolve-images`` in fresh
subprocesses: without resolution (the baseline), cold (empty user cache), warm (the user
cache from the cold run) and from ``--image-cache FILE`` with the registry stopped (offline
CI). Medians of ``--repeat`` runs; the cold run is repeated with a fresh cache each time.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from registry_server import WS2019, WS2022, Registry, registry_binary  # noqa: E402

PER_FILE = 10


def _push(registry: Registry, number: int) -> str:
    repository, tag = f"bench/app{number // 10}", f"v{number % 10}"
    platforms = [{"os": "linux", "architecture": "amd64"}] if number % 4 == 3 else [
        {"os": "windows", "architecture": "amd64", "os.version": WS2019},
        {"os": "windows", "architecture": "amd64", "os.version": WS2022},
        {"os": "linux", "architecture": "amd64"}]
    registry.push_index(repository, tag, platforms)
    return f"{registry.host}/{repository}:{tag}"


def _fill(registry: Registry, count: int) -> list[str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda number: _push(registry, number), range(count)))


def _manifests(directory: Path, images: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(images), PER_FILE):
        containers = "".join(f"      - name: c{n}\n        image: {image}\n"
                             for n, image in enumerate(images[start:start + PER_FILE]))
        (directory / f"app{start // PER_FILE:03d}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{start}\nspec:\n"
            f"  template:\n    spec:\n      containers:\n{containers}")
    return directory


def _run(args: list[str], cache_dir: Path) -> tuple[float, dict]:
    env = {**os.environ, "PORTER_CACHE_DIR": str(cache_dir),
           "DOCKER_CONFIG": str(cache_dir / "no-docker")}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "porter", "check", *args, "-q",
                          "--report", "-", "--report-format", "json"],
                         capture_output=True, text=True, env=env, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise SystemExit(f"porter failed ({out.returncode}): {out.stderr}")
    findings = json.loads(out.stdout)["findings"]
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["rule"]] = counts.get(finding["rule"], 0) + 1
    return elapsed, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        registry_binary()
    except BaseException:  # pytest.skip outside pytest: say why and stop
        print("skipped: docker-registry is not installed (.ci/install-registry.sh)")
        return 0
    with tempfile.TemporaryDirectory(prefix="porter-bench-images-") as tmp:
        root = Path(tmp)
        registry = Registry(root / "registry")
        try:
            started = time.perf_counter()
            images = _fill(registry, args.count)
            print(f"pushed {len(images)} images to {registry.host} in "
                  f"{time.perf_counter() - started:.1f}s")
            tree = _manifests(root / "manifests", images)
            file = root / "images.json"
            base, cold, warm = [], [], []
            answers = {}
            for attempt in range(args.repeat):
                base.append(_run([str(tree)], root / f"none{attempt}")[0])
                cache = root / f"cache{attempt}"
                elapsed, answers["cold"] = _run([str(tree), "--resolve-images"], cache)
                cold.append(elapsed)
                elapsed, answers["warm"] = _run([str(tree), "--resolve-images"], cache)
                warm.append(elapsed)
            _run([str(tree), "--image-cache", str(file)], root / "fill")
        finally:
            registry.stop()
        offline = []
        for attempt in range(args.repeat):
            elapsed, answers["file"] = _run([str(tree), "--image-cache", str(file)],
                                            root / f"offline{attempt}")
            offline.append(elapsed)
    same = answers["cold"] == answers["warm"] == answers["file"]
    print(f"{args.count} distinct images in {len(images) // PER_FILE} files; medians of "
          f"{args.repeat} (seconds, whole porter check run):")
    rows = (("without --resolve-images", base), ("cold (no cache)", cold),
            ("warm (user disk cache)", warm), ("--image-cache FILE, registry stopped", offline))
    for label, times in rows:
        print(f"  {label:<40} {statistics.median(times):6.2f}")
    print(f"  resolution cost, cold: {statistics.median(cold) - statistics.median(base):.2f}s "
          f"({(statistics.median(cold) - statistics.median(base)) / args.count * 1000:.1f} ms "
          "an image)")
    print(f"  findings: {answers['cold']}; same in all three modes: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
