"""Run porter on a real pseudo-terminal of a given width (what a user sees at 80 columns)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

PORTER = [sys.executable, "-m", "porter"]


def run_on_terminal(args: list[str], columns: int = 80, cwd: str | None = None,
                    progress_after: float | None = None) -> tuple[int, str]:
    """Run ``porter ARGS`` with stdin, stdout and stderr on one pty ``columns`` wide; the
    exit status and everything written to the terminal (``\\r\\n`` line ends made ``\\n``).

    ``progress_after`` sets the seconds before the progress bar shows, so that a test does
    not depend on how fast this machine converts."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env["TERM"] = "xterm"
    command = PORTER if progress_after is None else [
        sys.executable, "-c",
        f"import porter.commands.progress as p; p._SHOW_AFTER = {progress_after!r}; "
        "import runpy; runpy.run_module('porter', run_name='__main__')"]
    process = subprocess.Popen([*command, *args], stdin=slave, stdout=slave, stderr=slave,
                               cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    status = process.wait(timeout=120)
    return status, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
