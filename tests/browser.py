"""Headless Chromium for the HTML report's tests: load a page, read its DOM after the scripts
ran, take a screenshot. Each call gets a fresh profile and no network. (Also used by
``bench/report_load.py``, so it imports nothing from the tests.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--allow-file-access-from-files")
"""Flags that work on a CI machine as root without a display (and let a page read another
local page in an iframe, for the timing and filter checks)."""
TIMEOUT = 120


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def artifacts() -> Path:
    """Where CI keeps what tests show a human: ``$PORTER_ARTIFACTS`` or ``artifacts/``."""
    folder = Path(os.environ.get("PORTER_ARTIFACTS") or ROOT / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="porter-chromium-") as profile:
        out = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *flags,
                              page.resolve().as_uri()],
                             capture_output=True, text=True, timeout=TIMEOUT,
                             stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def dump_dom(page: Path, *, scripts: bool = True) -> str:
    """The DOM once the page has loaded and its scripts ran. With ``scripts`` False, a copy
    of the page is loaded under a Content-Security-Policy that forbids every script (as a
    browser with JavaScript off would show it; --dump-dom itself needs JavaScript on)."""
    if not scripts:
        text = page.read_text(encoding="utf-8")
        head = text.index("<head>") + len("<head>")
        copy = page.with_name(page.stem + "-noscript.html")
        copy.write_text(text[:head] + '<meta http-equiv="Content-Security-Policy" '
                        "content=\"script-src 'none'\">" + text[head:], encoding="utf-8")
        page = copy
    return _run(page, "--dump-dom").stdout


def screenshot(page: Path, target: Path, width: int = 1280, height: int = 2400) -> Path:
    _run(page, f"--screenshot={target}", f"--window-size={width},{height}")
    assert target.is_file() and target.stat().st_size > 0
    return target


PROBE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>probe</title></head><body>
<pre id="out">pending</pre>
<script>
var start = performance.now();
var frame = document.createElement("iframe");
frame.style.width = "1280px"; frame.style.height = "900px";
frame.onload = function () {
  var doc = frame.contentDocument, result = {};
  result.loaded = performance.now() - start;
  result.height = doc.documentElement.scrollHeight;  /* forces style and layout */
  result.laidOut = performance.now() - start;
  var rows = doc.querySelectorAll("#workload-table tbody tr");
  function visible() {
    return Array.prototype.filter.call(rows, function (r) {
      return r.getClientRects().length > 0; }).map(function (r) {
      return r.getAttribute("data-status"); });
  }
  result.shown = {};
  doc.querySelectorAll("input[name=status]").forEach(function (radio) {
    radio.click(); result.shown[radio.id] = visible();
  });
  doc.getElementById("f-all").click();
  var buttons = doc.querySelectorAll("#workload-table thead button");
  result.buttons = buttons.length;
  if (buttons.length > 3) {
    buttons[3].click();
    result.byName = Array.prototype.map.call(doc.querySelectorAll("#workload-table tbody tr"),
      function (r) { return r.getAttribute("data-name"); });
  }
  document.getElementById("out").textContent = JSON.stringify(result);
};
frame.src = "REPORT";
document.body.appendChild(frame);
</script></body></html>
"""


def probe(report: Path) -> dict[str, object]:
    """Load ``report`` in an iframe and report, from inside the browser: milliseconds until it
    loaded and until it was laid out, the rows each status filter shows, whether the sort
    buttons work (rows by name after one click)."""
    import html
    import json
    import re

    page = report.with_name(report.stem + "-probe.html")
    page.write_text(PROBE.replace("REPORT", report.name), encoding="utf-8")
    dom = dump_dom(page)
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found is not None and found.group(1) != "pending", dom[-2000:]
    return json.loads(html.unescape(found.group(1)))
