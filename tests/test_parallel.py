"""Worker processes: batches partition the input, a worker's death costs one file, workers
die with the main process, each file's conversion has a memory budget."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.running import convert_file, parallel
from porter.running.inputs import InputFile
from porter.running.parallel import batches, convert_in_workers, worth_forking

GOOD = FIXTURES / "quickstart" / "input.yaml"


def _tree(root: Path, count: int) -> list[InputFile]:
    root.mkdir(parents=True, exist_ok=True)
    items = []
    for number in range(count):
        path = root / f"f{number:03}.yaml"
        path.write_text(GOOD.read_text().replace("name: ", f"name: n{number}-", 1))
        items.append(InputFile(str(path), path, path.name, False))
    return items


@pytest.mark.parametrize("sizes", [[], [5], [1] * 300, [300_000] * 5, [10, 900_000, 10, 10],
                                   list(range(0, 200_000, 997))])
@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_batches_are_consecutive_and_cover_every_file_once(sizes, jobs):
    runs = batches(sizes, jobs)
    assert [n for run in runs for n in run] == list(range(len(sizes)))
    assert all(len(run) <= parallel.BATCH_FILES for run in runs)
    if sum(sizes) >= jobs * 8 * (16 << 10) and max(sizes) * jobs <= sum(sizes):
        assert len(runs) >= jobs  # every worker gets work


def test_small_inputs_stay_in_the_main_process():
    assert not worth_forking([1000] * 50, 2)
    assert not worth_forking([10 << 20], 2)  # one file: nothing to share
    assert not worth_forking([1 << 20] * 4, 1)
    assert worth_forking([40_000] * 50, 2)


def test_results_come_in_input_order_as_in_one_process(tmp_path):
    items = _tree(tmp_path, 40)
    pipeline = Pipeline()
    alone = [convert_file.convert_input(item, pipeline) for item in items]
    together = list(convert_in_workers(items, Config(), 3))
    assert [r.path for r in together] == [i.display for i in items]
    assert [(r.converted, r.findings) for r in together] == \
        [(r.converted, r.findings) for r in alone]


def test_a_worker_killed_on_one_file_costs_that_file_only(tmp_path, monkeypatch):
    """A worker that dies (here SIGKILL, as the OOM killer sends) is an error for the file it
    held; its other files go to a new worker and every other file is converted."""
    items = _tree(tmp_path, 30)
    real = convert_file.convert_input

    def fatal(item, pipeline):
        if item.path.name in ("f007.yaml", "f019.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(item, pipeline)

    monkeypatch.setattr(parallel, "convert_input", fatal)  # the forked workers inherit it
    results = list(convert_in_workers(items, Config(), 2))
    assert [r.path for r in results] == [i.display for i in items]
    failed = {Path(r.path).name: [str(e) for e in r.errors] for r in results if r.errors}
    assert failed == {name: [f"{tmp_path / name}: error: the worker process converting this "
                             "file was killed by SIGKILL (out of memory?); not converted"]
                      for name in ("f007.yaml", "f019.yaml")}
    assert all("kubernetes.io/os: windows" in r.converted for r in results if not r.errors)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_workers_die_when_the_main_process_is_killed(tmp_path):
    """``kill -9`` of the main process alone (not its group): no worker survives it, even
    one blocked reading its input (a FIFO nobody writes)."""
    items = _tree(tmp_path / "in", 6)
    fifo = tmp_path / "in" / "pipe.yaml"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "porter", "convert", *(i.display for i in items),
               str(fifo), "-o", str(tmp_path / "out"), "-q", "-j", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline:
            assert process.poll() is None, "porter ended before the FIFO was written"
            time.sleep(0.1)
            workers = _children(process.pid)
        time.sleep(1.5)  # a worker is now blocked opening the FIFO
        workers = _children(process.pid)
        assert workers
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [w for w in workers if _alive(w)] == []
    finally:
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_a_file_beyond_its_memory_budget_is_refused_and_the_next_converts(tmp_path,
                                                                          monkeypatch):
    big = tmp_path / "big.yaml"
    big.write_text("---\n".join(GOOD.read_text().replace("name: ", f"name: n{n}-", 1)
                                for n in range(3000)))
    monkeypatch.setattr(convert_file, "MEMORY_BASE", 4 << 20)
    monkeypatch.setattr(convert_file, "MEMORY_PER_BYTE", 1)
    pipeline = Pipeline()
    result = convert_file.convert_input(InputFile("big.yaml", big, "big.yaml", True), pipeline)
    size = big.stat().st_size
    assert [str(e) for e in result.errors] == [
        f"big.yaml: error: needs more memory than its budget ({(4 << 20) + size >> 20} MiB: "
        "4 MiB + 1x its size); not converted"]
    assert result.source is None  # nothing is written for it
    # The limit is lifted again: the same file converts with the real budget.
    monkeypatch.undo()
    again = convert_file.convert_input(InputFile("big.yaml", big, "big.yaml", True), pipeline)
    assert again.errors == [] and again.changed


_IGNORED = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  annotations:
    winporter.dev/ignore: privileged-container, linux-only-field
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
        - name: agent
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
          securityContext: {privileged: true, runAsUser: 0}
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("mode", ["-o", "--in-place"])
def test_written_runs_report_and_write_as_runs_that_keep_the_texts(tmp_path, jobs, mode):
    """``-o`` and ``--in-place`` without outputs that need the texts get light results
    (bytes to write, texts released, in the workers too); annotations, encodings, the files
    written and every report come out as in a run that keeps the texts (``--patch`` makes it
    keep them)."""
    source = tmp_path / "source"
    for case in sorted(p.name for p in FIXTURES.iterdir() if (p / "input.yaml").is_file()):
        (source / case).mkdir(parents=True)
        shutil.copyfile(FIXTURES / case / "input.yaml", source / case / "input.yaml")
    (source / "ignored.yaml").write_text(_IGNORED)
    runs = {}
    tree, out, report = tmp_path / "tree", tmp_path / "out", tmp_path / "report.json"
    for name, extra in (("light", []), ("texts", ["--patch", str(tmp_path / "p.json")])):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(source, tree)
        target = ["-o", str(out)] if mode == "-o" else ["--in-place"]
        run = subprocess.run([sys.executable, "-m", "porter", "convert", str(tree), *target,
                              "--report", str(report), "--jobs", jobs, *extra],
                             capture_output=True, text=True, check=False)
        written = out if mode == "-o" else tree
        files = {p.relative_to(written): p.read_bytes() for p in sorted(written.rglob("*"))
                 if p.is_file()}
        stderr = run.stderr.replace(f"; patch written to {tmp_path / 'p.json'}", "")
        runs[name] = (run.returncode, stderr, json.loads(report.read_text()), files)
    assert runs["light"] == runs["texts"]
    assert runs["light"][3] != {p.relative_to(source): p.read_bytes()
                                for p in sorted(source.rglob("*")) if p.is_file()}
    findings = runs["light"][2]["findings"]
    assert not [f for f in findings if f["file"].endswith("ignored.yaml") and
                f["rule"] in ("privileged-container", "linux-only-field")]
    assert "suppressed)" in runs["light"][1]
