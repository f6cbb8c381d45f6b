"""Crash safety: atomic writes (old file or new file, never half), file modes kept, backups,
nothing written outside the output directory, and a real ``kill -9`` test over many files."""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from porter.cli import app
from porter.engine.pipeline import Pipeline
from porter.running import writing
from porter.running.writing import BackupExists, keep_backup, safe_join, write_atomic

runner = CliRunner()
GOOD = FIXTURES / "quickstart" / "input.yaml"
CLEAN = FIXTURES / "already-windows" / "input.yaml"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _temporaries(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".porter-tmp")]


# -- atomic writes -------------------------------------------------------------------------


def test_write_atomic_keeps_the_mode_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert _temporaries(tmp_path) == []


def test_a_new_file_gets_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "report.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "app.yaml"
    path.write_bytes(b"old\n")

    def broken(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert _temporaries(tmp_path) == []


def test_write_atomic_writes_through_a_symlink(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomic(link, b"new\n")
    assert link.is_symlink()
    assert target.read_bytes() == b"new\n"


def test_output_files_keep_the_input_mode(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    script = tmp_path / "in" / "web.yaml"
    shutil.copyfile(GOOD, script)
    os.chmod(script, 0o750)
    monkeypatch.chdir(tmp_path)
    assert invoke("convert", "in", "-o", "out", "-q").exit_code == 0
    assert stat.S_IMODE((tmp_path / "out" / "web.yaml").stat().st_mode) == 0o750


def test_a_write_error_is_one_line_and_the_other_files_go_on(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    shutil.copyfile(GOOD, tmp_path / "in" / "a.yaml")
    shutil.copyfile(GOOD, tmp_path / "in" / "b.yaml")
    real = writing._temporary

    def full_disk(beside, data, mode, sync):
        if beside.name == "a.yaml":
            raise OSError(28, "No space left on device")
        return real(beside, data, mode, sync)

    monkeypatch.setattr(writing, "_temporary", full_disk)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "-o", "out", "-q", "-j", "1")
    assert result.exit_code == 2
    assert result.stderr == "in/a.yaml: error: cannot write out/a.yaml: No space left on " \
        "device\n"
    assert "kubernetes.io/os: windows" in (tmp_path / "out" / "b.yaml").read_text()


# -- backups -------------------------------------------------------------------------------


def test_backup_keeps_the_originals_of_rewritten_files(tmp_path, monkeypatch):
    changed = tmp_path / "web.yaml"
    unchanged = tmp_path / "done.yaml"
    shutil.copyfile(GOOD, changed)
    shutil.copyfile(CLEAN, unchanged)
    os.chmod(changed, 0o604)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", ".", "--in-place", "--backup", "-q")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "web.yaml.orig").read_bytes() == GOOD.read_bytes()
    assert stat.S_IMODE((tmp_path / "web.yaml.orig").stat().st_mode) == 0o604
    assert stat.S_IMODE(changed.stat().st_mode) == 0o604
    assert "kubernetes.io/os: windows" in changed.read_text()
    assert not (tmp_path / "done.yaml.orig").exists()  # nothing rewritten, nothing kept
    # A second run changes nothing and so keeps the backup as it is.
    assert invoke("convert", ".", "--in-place", "--backup", "-q").exit_code == 0
    assert (tmp_path / "web.yaml.orig").read_bytes() == GOOD.read_bytes()


def test_an_existing_different_backup_is_never_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "web.yaml"
    shutil.copyfile(GOOD, path)
    (tmp_path / "web.yaml.orig").write_bytes(b"someone's own backup\n")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "web.yaml", "--in-place", "--backup", "-q")
    assert result.exit_code == 2
    assert result.stderr == "web.yaml: error: backup web.yaml.orig already exists and " \
        "differs; the file was not rewritten\n"
    assert path.read_bytes() == GOOD.read_bytes()
    assert (tmp_path / "web.yaml.orig").read_bytes() == b"someone's own backup\n"


def test_an_identical_backup_is_reused(tmp_path):
    """A run killed after the backup, before the rewrite, can be run again."""
    path = tmp_path / "web.yaml"
    shutil.copyfile(GOOD, path)
    shutil.copyfile(GOOD, tmp_path / "web.yaml.orig")  # a copy, not a link: same bytes
    assert keep_backup(path) == tmp_path / "web.yaml.orig"
    (tmp_path / "web.yaml.orig").write_bytes(b"x")
    with pytest.raises(BackupExists):
        keep_backup(path)


def test_backup_copies_where_hard_links_fail(tmp_path, monkeypatch):
    path = tmp_path / "web.yaml"
    shutil.copyfile(GOOD, path)
    real_link = os.link

    def no_links(source, target, *args, **kwargs):
        if not str(source).endswith(".porter-tmp"):
            raise OSError(1, "Operation not permitted")
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", no_links)
    backup = keep_backup(path)
    assert backup.read_bytes() == GOOD.read_bytes()
    assert not backup.samefile(path)
    assert _temporaries(tmp_path) == []


def test_backup_needs_in_place():
    result = invoke("convert", str(GOOD), "--backup")
    assert result.exit_code == 2
    assert result.stderr == "porter: error: --backup goes with --in-place\n"


# -- nothing outside the output directory --------------------------------------------------


@pytest.mark.parametrize("relative", ["../escape.yaml", "a/../../escape.yaml", "/etc/x.yaml"])
def test_safe_join_refuses_paths_that_leave_the_root(tmp_path, relative):
    with pytest.raises(ValueError, match="would be written outside"):
        safe_join(tmp_path / "out", relative)


def test_a_symlink_in_the_output_directory_cannot_lead_outside(tmp_path, monkeypatch):
    (tmp_path / "in" / "apps").mkdir(parents=True)
    shutil.copyfile(GOOD, tmp_path / "in" / "apps" / "web.yaml")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "apps").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "-o", "out", "-q")
    assert result.exit_code == 2
    assert result.stderr == "in/apps/web.yaml: error: 'apps/web.yaml' would be written " \
        "outside out\n"
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_chart_output_names_stay_inside_the_output_directory(tmp_path):
    from porter.charts.inputs import ChartInput
    from porter.running.inputs import discover

    chart = tmp_path / "charts" / ".." / "charts" / "web"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: ../../../etc\nversion: 1.0.0\n")
    [item] = [i for i in discover([str(chart)]) if isinstance(i, ChartInput)]
    assert item.relative == "web.yaml"  # named after the directory, never after Chart.yaml
    safe_join(tmp_path / "out", item.relative)


# -- kill -9 at random moments -------------------------------------------------------------

FILES = 300
SOURCES = ("quickstart", "security-context", "kind-list", "volumes", "networking",
           "already-windows")


def _make_tree(root: Path, rnd: random.Random) -> dict[str, tuple[bytes, bytes]]:
    """Files that porter changes (and a few it does not), with their converted bytes: each
    file is one of a dozen streams of fixture documents, under a name of its own."""
    pipeline = Pipeline()
    sources = [(FIXTURES / case / "input.yaml").read_text() for case in SOURCES]
    streams = []
    for _ in range(12):
        text = "---\n".join(rnd.choice(sources) for _ in range(rnd.randint(1, 3)))
        streams.append((text, pipeline.convert_text(text, "x").converted))
    expected: dict[str, tuple[bytes, bytes]] = {}
    for number in range(FILES):
        old, new = (t.replace("name: ", f"name: n{number}-", 1) for t in rnd.choice(streams))
        name = f"dir{number % 7}/file{number:03}.yaml"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(old.encode())
        expected[name] = (old.encode(), new.encode())
    return expected


def _check(root: Path, expected: dict[str, tuple[bytes, bytes]]) -> int:
    """Every file is exactly its old or its new bytes; returns how many are new."""
    converted = 0
    for name, (old, new) in expected.items():
        data = (root / name).read_bytes()
        assert data in (old, new), f"{name} is neither old nor new ({len(data)} bytes)"
        converted += data == new and new != old
        backup = root / (name + ".orig")
        if backup.exists():
            assert backup.read_bytes() == old, name
        elif data != old:
            raise AssertionError(f"{name} was rewritten without its backup")
    visible = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                     if p.is_file() and p.name.endswith((".yaml", ".yml"))
                     and str(p.relative_to(root)) not in expected)
    assert visible == [], "temporary files must never look like manifests"
    assert all(p.name.startswith(".") for p in _temporaries(root))
    return converted


def test_kill_9_at_random_moments_leaves_every_file_old_or_new(tmp_path):
    """Real ``porter convert DIR --in-place --backup`` processes, killed with SIGKILL at
    random moments: after each kill every file is exactly old or exactly new (and its
    backup, if any, exactly old); a last run without a kill finishes the job."""
    rnd = random.Random(20260415)
    root = tmp_path / "tree"
    expected = _make_tree(root, rnd)
    changing = sum(old != new for old, new in expected.values())
    assert changing > FILES // 2
    command = [sys.executable, "-m", "porter", "convert", str(root), "--in-place", "--backup",
               "-q"]
    started = time.monotonic()
    progress: list[int] = [0]
    late = 0.0  # grows while kills land before porter writes anything (a slow machine)
    for attempt in range(6):
        workers = 2 if attempt % 2 else 1  # worker processes start later
        process = subprocess.Popen([*command, "-j", str(workers)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rnd.uniform(0.3, 1.2) + (workers - 1) * 0.8 + late)
        os.killpg(process.pid, signal.SIGKILL)  # the workers too
        process.wait(timeout=10)
        progress.append(_check(root, expected))
        late = late + 0.5 if progress[-1] == progress[-2] else 0.0
        assert time.monotonic() - started < 60
    final = subprocess.run([*command, "-j", "2"], capture_output=True, timeout=60, check=False)
    assert final.returncode in (0, 1), final.stderr
    assert _check(root, expected) == changing
    # The kills landed while files were being rewritten, not before or after it all.
    assert any(0 < done < changing for done in progress), progress


# -- durability in batches -----------------------------------------------------------------


def test_a_batch_syncs_once_per_batch_not_twice_per_file(tmp_path, monkeypatch):
    """One syncfs for the batch's data, then renames, then one fsync per directory: no fsync
    of any file; until the commit the targets are untouched."""
    from porter.running.writing import DurableBatch

    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    batch = DurableBatch()
    for number in range(40):
        target = tmp_path / f"d{number % 2}" / f"f{number}.yaml"
        batch.add(target, f"new {number}\n".encode(), 0o640, item=number)
    batch.add(None, item="no file")
    assert not list(tmp_path.rglob("*.yaml"))
    assert len(_temporaries(tmp_path)) == 40
    done = batch.commit()
    assert done == [(number, None) for number in range(40)] + [("no file", None)]
    assert len(fsynced) == 2  # the two directories
    assert (tmp_path / "d1" / "f3.yaml").read_bytes() == b"new 3\n"
    assert stat.S_IMODE((tmp_path / "d1" / "f3.yaml").stat().st_mode) == 0o640
    assert _temporaries(tmp_path) == []


def test_a_rename_that_fails_is_that_files_error_and_abandon_leaves_nothing(tmp_path,
                                                                           monkeypatch):
    from porter.running.writing import DurableBatch

    (tmp_path / "b.yaml").write_bytes(b"old\n")
    batch = DurableBatch()
    batch.add(tmp_path / "a.yaml", b"a\n", item="a")
    batch.add(tmp_path / "b.yaml", b"b\n", item="b")
    real = os.replace

    def refuse(source, target):
        if str(target).endswith("a.yaml"):
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(os, "replace", refuse)
    [(first, error), second] = batch.commit()
    assert (first, error.errno) == ("a", 28) and second == ("b", None)
    assert not (tmp_path / "a.yaml").exists()
    assert (tmp_path / "b.yaml").read_bytes() == b"b\n"
    assert _temporaries(tmp_path) == []
    batch.add(tmp_path / "b.yaml", b"c\n", item="c")
    batch.abandon()
    assert (tmp_path / "b.yaml").read_bytes() == b"b\n"
    assert _temporaries(tmp_path) == []
