"""Crash safety: atomic writes (old file or new file, never half), file modes kept, backups,
nothing written outside the output directory, and a real ``kill -9`` test over many files."""

from __future__ import annotations

import os
import random
import re
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
from porter.running.writing import (
    BackupExists,
    ChangedMeanwhile,
    keep_backup,
    safe_join,
    write_atomic,
)

runner = CliRunner()
GOOD = FIXTURES / "quickstart" / "input.yaml"
CLEAN = FIXTURES / "already-windows" / "input.yaml"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _temporaries(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".porter-tmp")]


# -- atomic writes -------------------------------------------------------------------------


def test_a_temporary_is_a_new_private_file_that_no_planted_name_can_redirect(tmp_path):
    target = tmp_path / "app.yaml"
    outside = tmp_path / "outside"
    handle, first = writing._create_temporary(target)
    os.close(handle)
    assert re.fullmatch(r"\.app\.yaml\.[0-9a-f]{8}[0-9a-f]+\.porter-tmp", Path(first).name)
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    assert Path(first).parent == tmp_path
    # The next names are taken: a file, and a link to a file outside. Both are skipped,
    # neither is opened or followed.
    prefix, number = re.fullmatch(r"(.*\.[0-9a-f]{8})([0-9a-f]+)\.porter-tmp", first).groups()
    taken = [f"{prefix}{int(number, 16) + step:x}.porter-tmp" for step in (1, 2)]
    Path(taken[0]).write_text("someone else's")
    os.symlink(outside, taken[1])
    handle, second = writing._create_temporary(target)
    os.close(handle)
    assert second not in taken and second != first
    assert Path(taken[0]).read_text() == "someone else's" and not outside.exists()


def test_a_forked_process_draws_its_own_temporary_names(tmp_path):
    handle, ours = writing._create_temporary(tmp_path / "a.yaml")
    os.close(handle)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child names one temporary and says its name
        try:
            handle, theirs = writing._create_temporary(tmp_path / "a.yaml")
            os.write(write, theirs.encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    theirs = os.read(read, 4096).decode()
    os.close(read)
    token = re.compile(r"\.a\.yaml\.([0-9a-f]{8})")
    assert token.match(Path(ours).name)[1] != token.match(Path(theirs).name)[1]



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


def _disk_full_for(monkeypatch, name: str) -> None:
    """Writing the output file called ``name`` fails as on a full disk; the others succeed
    (the failure comes where the bytes are written: the temporary beside the target)."""
    real = writing._temporary

    def full_disk(beside, data, mode, sync, existing=None):
        if beside.name == name:
            raise OSError(28, "No space left on device")
        return real(beside, data, mode, sync, existing)

    monkeypatch.setattr(writing, "_temporary", full_disk)


def test_a_write_error_is_one_line_and_the_other_files_go_on(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    shutil.copyfile(GOOD, tmp_path / "in" / "a.yaml")
    shutil.copyfile(GOOD, tmp_path / "in" / "b.yaml")
    _disk_full_for(monkeypatch, "a.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "-o", "out", "-q", "-j", "1")
    assert result.exit_code == 2
    assert result.stderr == "in/a.yaml: error: cannot write out/a.yaml: No space left on " \
        "device\n"
    assert "kubernetes.io/os: windows" in (tmp_path / "out" / "b.yaml").read_text()


def test_an_edit_made_while_porter_converts_is_never_lost(tmp_path, monkeypatch):
    """Another process appends to the file between porter's read and its rename: the file is
    left with that edit and porter says so (exit 2); the other files are rewritten."""
    (tmp_path / "in").mkdir()
    for name in ("a.yaml", "b.yaml"):
        shutil.copyfile(GOOD, tmp_path / "in" / name)
    real = writing._temporary
    appended = b"# appended by another process\n"

    def edit_meanwhile(beside, data, mode, sync, existing=None):
        if beside.name == "a.yaml":  # after porter read it, before its rename
            with open(beside, "ab") as stream:
                stream.write(appended)
        return real(beside, data, mode, sync, existing)

    monkeypatch.setattr(writing, "_temporary", edit_meanwhile)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "--in-place", "-q", "-j", "1")
    assert result.exit_code == 2
    assert result.stderr == "in/a.yaml: error: in/a.yaml changed while porter converted it " \
        "(another process wrote to it); it was left as it is now\n"
    assert (tmp_path / "in" / "a.yaml").read_bytes() == GOOD.read_bytes() + appended
    assert "kubernetes.io/os: windows" in (tmp_path / "in" / "b.yaml").read_text()
    assert _temporaries(tmp_path) == []


def test_write_atomic_checks_the_expected_bytes_just_before_the_rename(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"old\n")
    write_atomic(path, b"new\n", expect=b"old\n")
    assert path.read_bytes() == b"new\n"
    for changed in (b"new\n", b"new\nmore\n", b""):  # same size, longer, emptied
        path.write_bytes(changed)
        with pytest.raises(ChangedMeanwhile):
            write_atomic(path, b"newer\n", expect=b"old\n")
        assert path.read_bytes() == changed
    assert _temporaries(tmp_path) == []


def test_read_only_files_are_refused_unless_asked(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    locked, free = tmp_path / "in" / "locked.yaml", tmp_path / "in" / "free.yaml"
    shutil.copyfile(GOOD, locked)
    shutil.copyfile(GOOD, free)
    locked.chmod(0o444)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "--in-place", "-q", "-j", "1")
    assert result.exit_code == 2
    assert result.stderr == "in/locked.yaml: error: read-only file (mode 0444); not " \
        "rewritten (--rewrite-read-only rewrites it)\n"
    assert locked.read_bytes() == GOOD.read_bytes()
    assert "kubernetes.io/os: windows" in free.read_text()
    forced = invoke("convert", "in", "--in-place", "-q", "--rewrite-read-only")
    assert forced.exit_code == 0, forced.stderr
    assert "kubernetes.io/os: windows" in locked.read_text()
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert invoke("convert", "in", "--rewrite-read-only").exit_code == 2  # needs --in-place


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give files to another user")
def test_in_place_keeps_owner_and_group(tmp_path, monkeypatch):
    path = tmp_path / "app.yaml"
    shutil.copyfile(GOOD, path)
    os.chown(path, 1234, 5678)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "app.yaml", "--in-place", "-q")
    assert result.exit_code == 0, result.stderr
    assert "kubernetes.io/os: windows" in path.read_text()
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 5678)


def test_owner_is_kept_where_permitted_and_the_write_goes_on_where_not(tmp_path, monkeypatch):
    """A user who may not give the file back to its owner (not root) still gets it written,
    with the group where the group can be kept."""
    path = tmp_path / "app.yaml"
    path.write_bytes(b"old\n")
    calls: list[tuple[int, int]] = []

    def fchown(handle, uid, gid):
        calls.append((uid, gid))
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", fchown)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    status = path.stat()
    assert calls == [(status.st_uid, status.st_gid), (-1, status.st_gid)]


def test_a_fifo_at_an_output_path_is_never_opened(tmp_path):
    """Opening a FIFO for writing waits for a reader forever: porter refuses it (a real
    subprocess, with a timeout, so that a hang fails the test instead of stalling it)."""
    (tmp_path / "in").mkdir()
    for name in ("fifo.yaml", "good.yaml"):
        shutil.copyfile(GOOD, tmp_path / "in" / name)
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "fifo.yaml")
    result = subprocess.run([sys.executable, "-m", "porter", "convert", "in", "-o", "out",
                             "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert result.stderr == "in/fifo.yaml: error: --output target out/fifo.yaml exists and " \
        "is not a regular file; not written\n"
    assert stat.S_ISFIFO((tmp_path / "out" / "fifo.yaml").lstat().st_mode)
    assert "kubernetes.io/os: windows" in (tmp_path / "out" / "good.yaml").read_text()


def test_colliding_outputs_are_an_error_not_a_silent_overwrite(tmp_path, monkeypatch):
    for tree in ("a", "b"):
        (tmp_path / tree).mkdir()
        shutil.copyfile(GOOD, tmp_path / tree / "x.yaml")
    (tmp_path / "b" / "x.yaml").write_text(GOOD.read_text().replace("name: web", "name: b"))
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "a", "b", "-o", "out", "-j", "1")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "b/x.yaml: error: --output out/x.yaml was already written from " \
        "a/x.yaml (both inputs have the path x.yaml below their root); not written"
    assert "(1 written to out)" in result.stderr
    written = (tmp_path / "out" / "x.yaml").read_text()
    assert "kubernetes.io/os: windows" in written and "name: b" not in written


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


def test_a_batch_that_is_not_the_last_leaves_its_directories_to_the_next_sync(tmp_path,
                                                                           monkeypatch):
    """Between batches, one syncfs holds a batch's data and the previous batch's renames; the
    last commit syncs the directories itself. Every file is renamed in at its commit."""
    from porter.running.writing import DurableBatch

    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    libc = writing._libc()
    syncs: list[int] = []

    class Counted:
        def syncfs(self, fd: int) -> int:
            syncs.append(fd)
            return libc.syncfs(fd)

    monkeypatch.setattr(writing, "_libc", Counted)
    batch = DurableBatch()
    for round_ in range(2):
        for number in range(20):
            batch.add(tmp_path / f"d{number % 2}" / f"f{number}.yaml", f"{round_}\n".encode())
        batch.commit(last=False)
        assert (tmp_path / "d1" / "f3.yaml").read_bytes() == f"{round_}\n".encode()
        assert (len(syncs), fsynced) == (round_ + 1, [])  # no directory fsync yet
    batch.commit(last=True)  # nothing staged: the last batch's directories
    assert (len(syncs), len(fsynced)) == (2, 2)
    assert batch.unsynced == {}
    # A last commit with files syncs their directories right after the renames.
    batch.add(tmp_path / "d0" / "g.yaml", b"g\n")
    batch.commit()
    assert len(fsynced) == 2 + 1 + 1  # the file (a handful: fsync), then its directory
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
# -- I/O errors and interrupts -------------------------------------------------------------


def _porter(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          timeout=120, check=False, **options)


def _big_tree(root: Path, files: int) -> None:
    root.mkdir()
    for number in range(files):
        shutil.copyfile(GOOD, root / f"f{number:04}.yaml")


def test_a_closed_pipe_is_quiet_and_not_a_success(tmp_path):
    """``porter convert DIR | head -1`` and ``convert -`` whose reader stops early: no
    traceback, no "internal error", no summary claiming success; exit status 2."""
    _big_tree(tmp_path / "tree", 60)
    stdin = (GOOD.read_text() + "---\n") * 2000
    for args, data in ((["convert", "tree"], None), (["convert", "-"], stdin),
                       (["post-render"], stdin), (["convert", "tree", "--diff"], None)):
        process = subprocess.Popen([sys.executable, "-m", "porter", *args], cwd=tmp_path,
                                   stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        head = subprocess.Popen(["head", "-c", "10"], stdin=process.stdout,
                                stdout=subprocess.PIPE)
        process.stdout.close()  # only head holds the pipe: it ends when head does
        _, stderr = process.communicate(data.encode() if data else None, timeout=120)
        assert len(head.communicate(timeout=60)[0]) == 10, args
        assert process.returncode == 2, (args, stderr)
        assert b"error" not in stderr and b"Traceback" not in stderr, (args, stderr)
        assert b"porter:" not in stderr, (args, stderr)  # no summary of a cut-off run


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_names_the_output_and_exits_2(tmp_path):
    shutil.copyfile(GOOD, tmp_path / "app.yaml")
    (tmp_path / "full").symlink_to("/dev/full")
    for args, message in (
            (["--report", "/dev/full"], "cannot write /dev/full: No space left on device"),
            (["--patch", "/dev/full"], "cannot write /dev/full: No space left on device"),
            (["--kustomize", "full"], "cannot write full/kustomization.yaml: Not a directory"),
            ([], "cannot write standard output: No space left on device")):
        with open("/dev/full" if not args else os.devnull, "wb") as out:
            result = subprocess.run([sys.executable, "-m", "porter", "convert", "app.yaml",
                                     "-q", *args], cwd=tmp_path, stdout=out,
                                    stderr=subprocess.PIPE, timeout=60, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.decode() == f"porter: error: {message}\n", args


def test_write_errors_are_not_input_errors_in_the_summary(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    shutil.copyfile(GOOD, tmp_path / "in" / "a.yaml")
    shutil.copyfile(GOOD, tmp_path / "in" / "b.yaml")
    _disk_full_for(monkeypatch, "a.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "in", "-o", "out", "-j", "1")
    assert result.exit_code == 2
    assert "1 not written (write errors)" in result.stderr
    assert "input errors" not in result.stderr
    assert "next: see the write errors above" in result.stderr


def test_sigint_says_what_was_already_rewritten(tmp_path):
    root = tmp_path / "tree"
    _big_tree(root, 3000)
    process = subprocess.Popen([sys.executable, "-m", "porter", "convert", str(root),
                                "--in-place", "-j", "1", "-q"], stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and \
            "kubernetes.io/os: windows" not in (root / "f0005.yaml").read_text():
        time.sleep(0.02)  # interrupt once some files are rewritten
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    rewritten = sum("kubernetes.io/os: windows" in p.read_text() for p in root.iterdir())
    assert 0 < rewritten < 3000, "the interrupt must land mid-run"
    [line] = stderr.splitlines()
    match = re.fullmatch(r"porter: interrupted after (\d+) files; (\d+) rewritten in place, "
                         r"each whole \(the others were left as they were\)", line)
    assert match, line
    assert int(match[2]) == rewritten
    assert _temporaries(root) == []
