"""porter under the real Helm 3 and Helm 4: the Helm 4 postrenderer/v1 plugin, the Helm 3
post-renderer executable and CLI plugin. Helm 4 throws a plugin's stderr away, Helm 3 shows it
only on failure: the findings must reach the user through the terminal and a report file."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT
from helm_binaries import helm_binary

WEB = FIXTURES / "charts" / "web"


@pytest.fixture
def helm_env(tmp_path: Path) -> dict[str, str]:
    """A private Helm home, porter on PATH, and the post-render report file in tmp_path."""
    porter = Path(sys.executable).parent / "porter"
    if not porter.is_file():
        pytest.skip(f"no porter script beside {sys.executable} (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.update(HELM_CONFIG_HOME=str(tmp_path / "config"), HELM_CACHE_HOME=str(tmp_path / "cache"),
               HELM_DATA_HOME=str(tmp_path / "data"), PATH=f"{porter.parent}{os.pathsep}"
               f"{env.get('PATH', '')}", PORTER_POST_RENDER_REPORT=str(tmp_path / "report.txt"),
               PORTER_HELM_ENGINE="binary")
    return env


def helm(binary: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False, stdin=subprocess.DEVNULL)


def on_terminal(binary: str, env: dict[str, str], *args: str) -> str:
    """Run helm with a pseudo-terminal as its controlling terminal; what the terminal shows
    (helm's stdout goes to /dev/null, as a user would redirect it)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.execve(binary, [binary, *args], env)
    shown = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return shown.decode("utf-8", "replace").replace("\r\n", "\n")


def test_helm4_plugin_findings_reach_the_user(helm_env, tmp_path):
    binary = helm_binary("helm4")
    installed = helm(binary, helm_env, "plugin", "install", str(ROOT / "plugins" / "helm-porter"))
    assert installed.returncode == 0, installed.stderr
    # An error finding (the test hook's wget) stops the install; Helm 4 says only that the
    # plugin failed...
    failed = helm(binary, helm_env, "template", "web", str(WEB), "--post-renderer", "porter")
    assert failed.returncode == 1
    assert 'plugin "porter" exited with error' in failed.stderr
    assert "linux-shell" not in failed.stderr
    # ... so the findings are in the report file,
    report = Path(helm_env["PORTER_POST_RENDER_REPORT"]).read_text()
    assert "error linux-shell" in report
    # and on the user's terminal, with where the report is.
    shown = on_terminal(binary, helm_env, "template", "web", str(WEB), "--post-renderer",
                        "porter")
    assert "linux-shell" in shown and "porter stops the install" in shown
    assert f"findings written to {helm_env['PORTER_POST_RENDER_REPORT']}" in shown
    # On success too; Helm 4 passes hooks (the test Pod is converted).
    passed = helm(binary, helm_env, "template", "web", str(WEB), "--post-renderer", "porter",
                  "--post-renderer-args=--fail-on=never", f"--post-renderer-args=--chart={WEB}")
    assert passed.returncode == 0, passed.stderr
    pods = [d for d in yaml.safe_load_all(passed.stdout) if d and d["kind"] == "Pod"]
    assert pods and pods[0]["spec"]["os"] == {"name": "windows"}
    # With --chart, findings point at template lines (Helm 4 names each document's template).
    report = Path(helm_env["PORTER_POST_RENDER_REPORT"]).read_text()
    assert f"{WEB}/templates/tests/test-connection.yaml:" in report


def test_helm3_post_renderer_and_plugin(helm_env, tmp_path):
    binary = helm_binary("helm3")
    # Helm 3 passes no hooks: the web chart's only error (its test hook's wget) is not seen.
    hidden = helm(binary, helm_env, "template", "web", str(WEB), "--post-renderer", "porter",
                  "--post-renderer-args", "post-render")
    assert hidden.returncode == 0, hidden.stderr
    hook = next(d for d in yaml.safe_load_all(hidden.stdout) if d and d["kind"] == "Pod")
    assert "os" not in hook["spec"]  # printed by Helm after the post-renderer, unconverted
    # Helm 3 shows stderr when the post-renderer fails: the findings and the hooks caveat.
    failed = helm(binary, helm_env, "template", "legacy", str(FIXTURES / "charts" / "legacy"),
                  "--post-renderer", "porter", "--post-renderer-args", "post-render")
    assert failed.returncode == 1
    assert "(porter explain host-namespaces)" in " ".join(failed.stderr.split())
    assert f"findings written to {helm_env['PORTER_POST_RENDER_REPORT']}" in failed.stderr
    assert "error host-namespaces" in Path(helm_env["PORTER_POST_RENDER_REPORT"]).read_text()
    assert "Helm 3 passes no hooks to a post-renderer" in failed.stderr
    shown = on_terminal(binary, helm_env, "template", "web", str(WEB), "--post-renderer",
                        "porter", "--post-renderer-args", "post-render", "--post-renderer-args",
                        "--fail-on=never")
    assert "Helm 3 passes no hooks to a post-renderer" in shown  # shown on success as well
    # The Helm 3 plugin: porter renders with the helm that runs it, hooks included.
    installed = helm(binary, helm_env, "plugin", "install",
                     str(ROOT / "plugins" / "helm3-porter"))
    assert installed.returncode == 0, installed.stderr
    report = tmp_path / "web.json"
    done = helm(binary, helm_env, "porter", "convert", str(WEB), "-q", "--fail-on", "never",
                "--report", str(report))
    assert done.returncode == 0, done.stderr
    pods = [d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "Pod"]
    assert pods and pods[0]["spec"]["os"] == {"name": "windows"}  # the test hook
    text = report.read_text()
    assert '"engine": "helm v3.' in text and f"({binary})" in text
    assert shutil.which("porter", path=helm_env["PATH"])
