"""``--shard K/N`` partitions the inputs exactly and stably; ``porter report merge`` puts the
shards' JSON and SARIF reports back together into what a single run writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CASES, FIXTURES

from porter.errors import ConfigError
from porter.running.inputs import discover
from porter.running.shards import Shard, shard_of


def _tree(root: Path) -> Path:
    """Every fixture case's input, under directories of their own, some twice."""
    for number, case in enumerate(CASES):
        source = FIXTURES / case / "input.yaml"
        shutil.copyfile(source, (root / f"t{number % 3}").mkdir(exist_ok=True, parents=True)
                        or root / f"t{number % 3}" / f"{case}.yaml")
        if number % 4 == 0:
            (root / "deep" / case).mkdir(parents=True)
            shutil.copyfile(source, root / "deep" / case / "again.yml")
    return root


def _porter(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porter", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_every_input_is_in_exactly_one_shard(tmp_path, count):
    items = list(discover([str(_tree(tmp_path / "in"))]))
    owners = [[k for k in range(1, count + 1) if Shard(k, count).holds(item)] for item in items]
    assert all(len(found) == 1 for found in owners), owners


def test_the_partition_is_the_same_on_every_machine_and_in_every_checkout(tmp_path):
    # Fixed values: the shard of a path is SHA-256 of its path below the input root, mod N,
    # so it cannot depend on the machine, the Python version or the other files.
    assert [shard_of(key, 4) for key in ("apps/web.yaml", "web.yaml", "team1/app0001.yaml",
                                         "stdin.yaml")] == [2, 2, 4, 1]
    first = _tree(tmp_path / "one" / "checkout")
    second = tmp_path / "elsewhere" / "clone"
    shutil.copytree(first, second)

    def shard_files(root: Path) -> list[list[str]]:
        items = list(discover([str(root)]))
        return [sorted(i.relative for i in items if Shard(k, 3).holds(i)) for k in (1, 2, 3)]

    assert shard_files(first) == shard_files(second)
    assert all(shard_files(first))  # no empty shard for this many files


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", ""])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(ConfigError, match="--shard takes K/N"):
        Shard.parse(text)


def test_merged_shard_reports_equal_a_single_runs(tmp_path):
    """Real runs: ``convert --shard K/3`` with a JSON report and a SARIF log each, merged in
    any order, give byte for byte the reports of one run over all the files."""
    _tree(tmp_path / "in")
    whole = _porter("convert", "in", "-q", "-j", "1", "--report", "all.json", "--report",
                    "all.sarif", cwd=tmp_path)
    assert whole.returncode in (1, 2), whole.stderr
    for k in (1, 2, 3):
        part = _porter("convert", "in", "-q", "--shard", f"{k}/3", "--report", f"s{k}.json",
                       "--report", f"s{k}.sarif", "-o", f"out{k}", cwd=tmp_path)
        assert part.returncode in (0, 1, 2), part.stderr
    files = [json.loads((tmp_path / f"s{k}.json").read_text())["files"] for k in (1, 2, 3)]
    assert all(files)
    merged = _porter("report", "merge", "s3.json", "s1.json", "s2.json", "-o", "merged.json",
                     cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged.json").read_text() == (tmp_path / "all.json").read_text()
    sarif = _porter("report", "merge", "s2.sarif", "s3.sarif", "s1.sarif", cwd=tmp_path)
    assert sarif.returncode == 0, sarif.stderr
    assert sarif.stdout == (tmp_path / "all.sarif").read_text()
    # Each converted file was written by exactly one shard.
    written = [sorted(str(p.relative_to(tmp_path / f"out{k}"))
                      for p in (tmp_path / f"out{k}").rglob("*.y*ml")) for k in (1, 2, 3)]
    assert sum(map(len, written)) == len({name for names in written for name in names})


def test_merge_refuses_what_is_not_all_the_shards_of_one_run(tmp_path):
    _tree(tmp_path / "in")
    for k in (1, 2):
        _porter("convert", "in", "-q", "--shard", f"{k}/2", "--report", f"s{k}.json",
                "--report", f"s{k}.sarif", cwd=tmp_path)
    _porter("convert", "in", "-q", "--report", "all.json", cwd=tmp_path)
    cases = {("s1.json",): "porter: error: shard 2/2 missing\n",
             ("s1.json", "s1.json", "s2.json"):
                 "porter: error: s1.json and s1.json are both shard 1/2\n",
             ("s1.json", "s2.sarif"): "porter: error: the reports mix JSON and SARIF\n",
             ("all.json", "s1.json"):
                 "porter: error: all.json: not written with --shard K/N (no shard entry)\n"}
    for arguments, message in cases.items():
        out = _porter("report", "merge", *arguments, cwd=tmp_path)
        assert (out.returncode, out.stderr) == (2, message)
    (tmp_path / "bad.json").write_text('{"files": [\n')
    out = _porter("report", "merge", "bad.json", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.startswith("bad.json:2:1: error: not JSON")


def test_a_shard_without_files_of_a_directory_is_no_error_but_an_empty_directory_is(tmp_path):
    """A directory whose files all hash to other shards is not "empty" for this shard (CI
    would fail on a shard with nothing to do); a directory no shard has files of still is."""
    tree = tmp_path / "in"
    tree.mkdir()
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", tree / "only.yaml")
    [item] = list(discover([str(tree)]))
    other = next(k for k in (1, 2) if not Shard(k, 2).holds(item))
    result = _porter("convert", "in", "-q", "--shard", f"{other}/2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "empty").mkdir()
    result = _porter("convert", "empty", "in", "-q", "--shard", f"{other}/2", cwd=tmp_path)
    assert result.returncode == 2
    assert "porter: error: no manifests found in empty" in result.stderr
