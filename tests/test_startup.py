"""Start-up: ``porter convert FILE`` loads what converting a file needs, not the machinery of
options it was not given (how long start-up takes is measured by ``bench/run.py`` (c))."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES

LOADED_ON_DEMAND = (
    "pydantic",  # typer 0.29's option adapters (pyproject pins typer below it)
    "jsonschema",  # chart values schemas: --values-overlay
    "http.client", "ssl", "porter.images.registry", "porter.images.resolve",  # --resolve-images
    "concurrent.futures",
    "multiprocessing",  # worker processes: large inputs or --jobs
    "porter.outputs.readiness", "porter.outputs.report_html",
    "porter.outputs.report_markdown",  # --report x.html / x.md
    "porter.charts.overlay", "porter.outputs.values_overlay",  # --values-overlay
    "porter.outputs.kustomize",  # --kustomize
    "porter.preflight.cluster",  # porter preflight
    "porter.outputs.report_merge",  # porter report merge
    "porter.outputs.sarif", "porter.outputs.github",  # --report x.sarif / --format github
    "porter.running.shards",  # --shard K/N
    "porter.outputs.report_json", "porter.outputs.report_jsonl",  # --report r.json / r.jsonl
    "porter.outputs.report_text",  # --report r.txt
    "porter.outputs.json_patch",  # --patch
    "porter.running.spill", "pickle", "tempfile",  # results kept on disk: a run that reports
    "ctypes",  # syncfs, for many files written at once; worker processes
    "importlib.metadata",  # the registry reads entry points itself (porter.engine.entry_points)
    "ruamel.yaml",  # the fallback writer, for a layout the splicer declines
    "porter.charts.convert", "porter.charts.render",  # Helm: a chart among the inputs
    "porter.commands.krm", "porter.commands.preflight", "porter.commands.images",  # other
    "porter.commands.report", "porter.commands.rules", "porter.commands.post_render",  # commands
)

_PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))
sys.argv = ["porter", *sys.argv[1:]]
from porter.entry import main
main()
"""


def _loaded(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode in (0, 1), run.stderr
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


def test_converting_a_file_loads_nothing_its_options_do_not_need():
    loaded = _loaded("convert", str(FIXTURES / "quickstart" / "input.yaml"), "-q")
    assert "porter.engine.pipeline" in loaded  # the probe sees the conversion's modules
    assert sorted(name for name in LOADED_ON_DEMAND if name in loaded) == []


def test_the_options_load_their_machinery(tmp_path):
    """The other side: each lazily loaded part is there when its option asks for it."""
    loaded = _loaded("convert", str(FIXTURES / "quickstart" / "input.yaml"), "-q",
                     "--report", str(tmp_path / "r.html"), "--kustomize", str(tmp_path / "k"),
                     "--report", str(tmp_path / "r.sarif"), "--shard", "1/1",
                     "--report", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.jsonl"),
                     "--report", str(tmp_path / "r.txt"), "--patch", str(tmp_path / "p.json"))
    assert {"porter.outputs.report_html", "porter.outputs.kustomize", "porter.outputs.sarif",
            "porter.running.shards", "porter.outputs.report_json", "porter.outputs.report_jsonl",
            "porter.outputs.report_text", "porter.outputs.json_patch"} <= loaded
    assert "porter.running.spill" in _loaded("convert", str(FIXTURES / "quickstart"), "-o",
                                             str(tmp_path / "out"))  # a summary at the end
    assert {"porter.charts.convert", "porter.commands.convert"} <= _loaded(
        "convert", str(FIXTURES / "charts" / "web"), "-q")
    assert "porter.commands.rules" in _loaded("rules")


def test_start_up_is_frozen_and_the_collector_runs_for_the_command(monkeypatch):
    """The entry point keeps the garbage collector out of start-up (what it loads is frozen)
    and on for the command, whose reference cycles must still be collected."""
    import gc

    import porter.cli
    from porter import entry

    seen = []
    monkeypatch.setattr(porter.cli, "app_for",
                        lambda arguments: lambda: seen.append((gc.isenabled(),
                                                               gc.get_freeze_count())))
    monkeypatch.setattr(sys, "argv", ["porter", "convert", "x.yaml"])
    try:
        entry.main()
    finally:
        gc.unfreeze()
    assert len(seen) == 1
    enabled, frozen = seen[0]
    assert enabled and frozen > 0
