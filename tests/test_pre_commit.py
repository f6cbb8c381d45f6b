"""The ``porter-check`` hook through the real pre-commit client, configured as the README
says: it passes on porter's converted manifests and on chart templates, and fails on a
manifest that would change."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

README = ROOT / "README.md"
CONVERTED = ("quickstart", "os-scheduling", "networking", "nfs-volumes", "runtime-class")


def _readme_config() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL)
    return next(block for block in blocks if "id: porter-check" in block)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_hook_as_the_readme_configures_it(tmp_path):
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) \
        or shutil.which("pre-commit")
    if pre_commit is None or shutil.which("git") is None:
        pytest.skip("pre-commit (test extra) and git are needed")
    if not (ROOT / ".git").exists():
        pytest.skip("porter's source is not a git checkout: pre-commit clones the hook from one")
    revision = _git("rev-parse", "HEAD", cwd=ROOT)
    project = tmp_path / "project"
    (project / "deploy").mkdir(parents=True)
    for case in CONVERTED:
        converted = subprocess.run([sys.executable, "-m", "porter", "convert", "-q",
                                    str(FIXTURES / case / "input.yaml")],
                                   capture_output=True, check=False).stdout
        (project / "deploy" / f"{case}.yaml").write_bytes(converted)
    shutil.copytree(FIXTURES / "charts" / "web", project / "charts" / "web")
    config = _readme_config().replace("<porter's git URL>", str(ROOT)) \
        .replace("rev: v0.1.0", f"rev: {revision}")
    (project / ".pre-commit-config.yaml").write_text(config)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    _git("init", "-q", cwd=project)
    _git("add", ".", cwd=project)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "run", "--all-files", "--color", "never"],
                              cwd=project, env=env, capture_output=True, text=True,
                              timeout=900, check=False)

    passing = run()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "porter check" in passing.stdout and "Passed" in passing.stdout
    shutil.copyfile(FIXTURES / "quickstart" / "input.yaml", project / "deploy" / "new.yaml")
    _git("add", ".", cwd=project)
    failing = run()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "deploy/new.yaml: would change Deployment/web" in failing.stdout
