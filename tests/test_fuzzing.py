"""The fuzz targets (fuzz/targets.py) in the test suite: every input the fuzzer ever found a
bug with (fuzz/regressions/) passes them, and a short coverage-guided run over the fixtures
finds nothing new. Longer runs by hand: see fuzz/README.md."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

FUZZ = ROOT / "fuzz"
REGRESSIONS = sorted((FUZZ / "regressions").iterdir())
SECONDS = 3
"""Each target's share of the suite's time; CI runs exactly this."""
SEED = 20260415 if os.environ.get("CI") else random.randrange(1, 1 << 30)
"""CI replays the same mutations every time (as hypothesis does there); by hand, each run
explores new ones."""

sys.path.insert(0, str(FUZZ))
import targets  # noqa: E402 - fuzz/ is not a package


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_regression_inputs_pass(path: Path, target: str) -> None:
    targets.TARGETS[target](path.read_bytes())


def _seeds(directory: Path) -> Path:
    directory.mkdir()
    sources = [p for p in sorted(FIXTURES.glob("*/input.yaml")) if p.stat().st_size < 8000]
    for number, path in enumerate([*sources, *REGRESSIONS]):
        shutil.copyfile(path, directory / f"seed-{number:03}")
    return directory


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_fuzzing_for_a_few_seconds_finds_nothing(tmp_path: Path, target: str) -> None:
    """atheris (coverage-guided) when it is installed, else random mutations of the same
    seeds through the same target; either way a few seconds, and a crash is reported with
    the input to keep under fuzz/regressions/."""
    seeds = _seeds(tmp_path / "seeds")
    if importlib.util.find_spec("atheris") is None:
        _mutate_for(targets.TARGETS[target], seeds, SECONDS)
        return
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    (tmp_path / "corpus").mkdir()
    done = subprocess.run(
        [sys.executable, str(FUZZ / f"fuzz_{target}.py"), f"-max_total_time={SECONDS}",
         "-timeout=20", "-max_len=8000", "-rss_limit_mb=2048",
         f"-seed={SEED}", f"-artifact_prefix={crashes}/",
         str(tmp_path / "corpus"), str(seeds)],
        capture_output=True, text=True, timeout=SECONDS + 120, check=False, cwd=tmp_path)
    found = sorted(crashes.iterdir())
    report = "\n".join(f"{p.name}: {p.read_bytes()[:2000]!r}" for p in found)
    assert done.returncode == 0 and not found, \
        f"the fuzzer found a bug; keep the input under fuzz/regressions/:\n{report}\n" \
        f"{done.stderr[-4000:]}"
    assert "Done" in done.stderr, done.stderr[-2000:]


def _mutate_for(target, seeds: Path, seconds: float) -> None:
    """A plain mutation loop (no coverage feedback): flip, drop, repeat and splice bytes."""
    rnd = random.Random(SEED)
    pool = [p.read_bytes() for p in sorted(seeds.iterdir())]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = bytearray(rnd.choice(pool))
        for _ in range(rnd.randint(1, 8)):
            at = rnd.randrange(len(data) + 1)
            choice = rnd.randrange(4)
            if choice == 0 and data:
                data[min(at, len(data) - 1)] = rnd.randrange(256)
            elif choice == 1:
                del data[at:at + rnd.randint(1, 16)]
            elif choice == 2:
                data[at:at] = data[max(0, at - 16):at]
            else:
                other = rnd.choice(pool)
                start = rnd.randrange(len(other) + 1)
                data[at:at] = other[start:start + rnd.randint(1, 64)]
        target(bytes(data))
