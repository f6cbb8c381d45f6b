"""The README's commands, executed: every ``sh`` block line by line and every ``python`` block
as a script, in a temporary workspace holding what they name (``deploy/``, ``app.yaml``,
``charts/web``, ``checkouts/``, ...), with porter on ``PATH``. A block added to the README is
picked up by itself.

A block (or some of its lines) that cannot run here says so in the README, just above it, in
a marker that names the reason; pytest lists each as skipped with that reason (a line whose
program is not installed, such as kpt on a machine without it, is skipped the same way):

    <!-- doctest: skip: REASON -->              the whole block
    <!-- doctest: except "TEXT": REASON -->     the lines that contain TEXT

porter's exit status 1 (a finding at or above ``--fail-on``) is an outcome the examples show,
not a failure; anything else must exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_MARKER = re.compile(r"<!-- doctest: (skip|except \"([^\"]+)\"): (.+?) -->")
RUN = {"sh", "python"}


@dataclass
class Block:
    language: str
    line: int
    text: str
    skip: str | None = None
    excepted: list[tuple[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.language}-line-{self.line}"


def blocks(text: str) -> list[Block]:
    """The ``sh`` and ``python`` blocks of ``text`` with the markers just above them."""
    found = []
    for match in _FENCE.finditer(text):
        if match.group(1) not in RUN:
            continue
        block = Block(match.group(1), text.count("\n", 0, match.start()) + 1, match.group(2))
        above = text[:match.start()].rstrip("\n").rsplit("\n\n", 1)[-1]
        for marker in _MARKER.finditer(above):
            if marker.group(1) == "skip":
                block.skip = marker.group(3)
            else:
                block.excepted.append((marker.group(2), marker.group(3)))
        found.append(block)
    return found


def commands(block: Block) -> list[str]:
    """The block's command lines (continuations joined, comment lines dropped)."""
    lines: list[str] = []
    for line in block.text.replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line)
    return lines


def workspace(tmp_path: Path) -> Path:
    """What the README's examples name: manifests, a chart, cluster descriptions, checkouts."""
    work = tmp_path / "work"
    deploy = work / "deploy"
    deploy.mkdir(parents=True)
    for case in ("quickstart", "security-context", "volumes", "images"):
        shutil.copyfile(FIXTURES / case / "input.yaml", deploy / f"{case}.yaml")
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", work / "app.yaml")
    shutil.copyfile(FIXTURES / "quickstart" / "porter.yaml", work / "porter.yaml")
    (work / "overlay").mkdir()
    (work / "overlay" / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", work / "overlay" / "app.yaml")
    shutil.copytree(FIXTURES / "charts" / "web", work / "charts" / "web")
    (work / "prod.yaml").write_text("replicaCount: 2\n")
    (work / "package").mkdir()
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", work / "package" / "app.yaml")
    with tarfile.open(work / "web-1.2.0.tgz", "w:gz") as archive:
        archive.add(FIXTURES / "charts" / "web", arcname="web")
    for name in ("cluster.json", "nodepools.json"):
        shutil.copyfile(FIXTURES / "preflight" / "good" / name, work / name)
    for repo, case in (("shop", "quickstart"), ("ledger", "security-context")):
        (work / "checkouts" / repo / "k8s").mkdir(parents=True)
        shutil.copyfile(FIXTURES / case / "input.yaml", work / "checkouts" / repo / "k8s" /
                        "app.yaml")
    (work / "checkouts" / "ledger" / "k8s" / "broken.yaml").write_text("kind: Pod\na: [\n")
    return work


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NO_COLOR", None)
    return env


# porter's status 1 is "a finding reached --fail-on": the examples show that outcome.
_PRELUDE = 'set -o pipefail\n' \
    'porter() { command porter "$@"; local s=$?; [ "$s" -eq 1 ] && return 0; return "$s"; }\n'

BLOCKS = blocks(README.read_text())
_BUILTINS = {"cd", "export", "printf", "echo", "source", "."}


def test_readme_has_blocks_to_run():
    assert sum(b.language == "sh" for b in BLOCKS) >= 5
    assert any(b.language == "python" for b in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_block(block: Block, tmp_path: Path):
    if block.skip:
        pytest.skip(f"README line {block.line}: {block.skip}")
    work = workspace(tmp_path)
    env = environment()
    if block.language == "python":
        run = subprocess.run([sys.executable, "-c", block.text], cwd=work, env=env,
                             capture_output=True, text=True, timeout=600, check=False)
        assert run.returncode == 0, run.stderr
        return
    skipped = []
    for command in commands(block):
        reason = next((why for text, why in block.excepted if text in command), None)
        program = command.split()[0]
        if reason is None and "=" not in program and shutil.which(program, path=env["PATH"]) \
                is None and program not in _BUILTINS:
            reason = f"{program} is not installed"
        if reason:
            skipped.append(f"{command!r}: {reason}")
            continue
        run = subprocess.run(["bash", "-c", _PRELUDE + command], cwd=work, env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=600, check=False)
        assert run.returncode == 0, f"README line {block.line}: {command}\n{run.stderr}"
        assert "Traceback" not in run.stderr, run.stderr
    if skipped:
        pytest.skip(f"README line {block.line}, not run here: " + "; ".join(skipped))


def test_the_bulk_example_keeps_every_error(tmp_path):
    """The README's Python example, as written: a broken file is reported with its error and
    not copied as if it were converted."""
    import json

    example = next(b for b in BLOCKS if b.language == "python" and "convert_paths" in b.text)
    work = workspace(tmp_path)
    subprocess.run([sys.executable, "-c", example.text], cwd=work, env=environment(),
                   check=True, timeout=600)
    report = json.loads((work / "findings.json").read_text())
    broken = [entry for entry in report if entry.get("errors")]
    assert [Path(entry["file"]).name for entry in broken] == ["broken.yaml"]
    assert "invalid YAML" in broken[0]["errors"][0]
    assert not (work / "converted" / "ledger" / "k8s" / "broken.yaml").exists()
    assert (work / "converted" / "ledger" / "k8s" / "app.yaml").is_file()
    assert any(entry.get("rule") == "privileged-container" for entry in report)


def test_markers_are_parsed():
    text = ('<!-- doctest: skip: needs a cluster -->\n```sh\nkubectl get pods\n```\n\n'
            'Text.\n<!-- doctest: except "az ": needs az -->\n```sh\naz login\nls\n```\n'
            '```yaml\nnot: run\n```\n')
    found = blocks(text)
    assert [(b.skip, b.excepted) for b in found] == [("needs a cluster", []),
                                                     (None, [("az ", "needs az")])]
