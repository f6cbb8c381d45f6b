"""The HTML readiness report: valid HTML5 (html5lib, strict), self-contained, and in a real
browser (headless Chromium) the workloads, statuses and counts it shows are those of the JSON
report and the JSON Patch of the same run; filtering (CSS alone) and sorting work; a screenshot
goes to the CI artifacts. The report of the whole corpus must open in under 2 s."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import html5lib
import pytest
from browser import artifacts, chromium, dump_dom, probe, screenshot
from conftest import CASES, CORPUS, FIXTURES, ROOT, convert_case

from porter.outputs import report_html
from porter.outputs.readiness import RunInfo, Status

needs_chromium = pytest.mark.skipif(chromium() is None, reason="chromium is not installed "
                                    "(.ci/install-chromium.sh installs Debian's)")
CORPUS_DIR = Path(os.environ.get("PORTER_CORPUS") or CORPUS)
WORKLOAD_KINDS = {"Pod", "PodTemplate", "ReplicationController", "ReplicaSet", "Deployment",
                  "StatefulSet", "DaemonSet", "Job", "CronJob"}


def _strict(text: str) -> None:
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(text)  # raises ParseError on the first error
    assert not parser.errors


@pytest.mark.parametrize("case", CASES)
def test_valid_html5_and_self_contained(case):
    text = report_html.render([convert_case(case)], RunInfo(inputs=(case,)))
    _strict(text)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(", text)
    # Links only to the page itself or to a rule's public source.
    for href in re.findall(r'href="([^"]*)"', text):
        assert href.startswith(("#", "https://", "http://")), href
    for target in re.findall(r'href="#([^"]*)"', text):
        assert f'id="{target}"' in text, target


def _run_porter(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, stdin=subprocess.DEVNULL,
                          env={**os.environ, "NO_COLOR": "1"})


def _tree(tmp_path: Path) -> Path:
    """Every fixture's input in one tree (the run mixes every status), and a broken file."""
    tree = tmp_path / "manifests"
    tree.mkdir()
    for case in CASES:
        shutil.copyfile(FIXTURES / case / "input.yaml", tree / f"{case}.yaml")
    (tree / "zz-broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
    return tree


def _expected(report: dict, patches: dict) -> Counter:
    """The workloads and statuses the page must show, worked out from the JSON report and
    the JSON Patch alone, by the issue's definitions: blocked = an error, kept on Linux /
    not examined = the kept-on-linux / skipped or not-examined finding, review = a warning,
    converted = a change, ready = nothing to change."""
    def key(file: str, resource: dict) -> tuple:
        return (file, resource["kind"], resource["namespace"] or "", resource["name"] or "")

    findings: dict[tuple, list[dict]] = {}
    for finding in report["findings"]:
        if finding["resource"]["kind"]:
            findings.setdefault(key(finding["file"], finding["resource"]), []).append(finding)
    changed = {key(p["file"], p["resource"]) for p in patches["patches"]}
    expected: Counter = Counter()
    for resource in set(findings) | changed:
        rules = {f["rule"] for f in findings.get(resource, [])}
        severities = {f["severity"] for f in findings.get(resource, [])}
        status = ("blocked" if "error" in severities else
                  "linux" if "kept-on-linux" in rules else
                  "unexamined" if rules & {"skipped", "not-examined"} else
                  "review" if "warning" in severities else
                  "converted" if resource in changed else "ready")
        expected[(*resource, status)] += 1
    return expected


def _rows(dom: str) -> list[dict[str, str]]:
    document = html5lib.parse(dom, treebuilder="etree", namespaceHTMLElements=False)
    table = document.find(".//table[@id='workload-table']")
    assert table is not None
    return [dict(row.attrib) for row in table.find("tbody")]


def _count(dom: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">(\d+)<', dom)
    assert found is not None, element_id
    return int(found.group(1))


@needs_chromium
def test_in_the_browser_the_page_agrees_with_the_json_report(tmp_path):
    tree = _tree(tmp_path)
    out = _run_porter("convert", str(tree.name), "-o", "out", "--report", "report.html",
                      "--report", "report.json", "--patch", "patch.json", "-q", cwd=tmp_path)
    assert out.returncode == 2, out.stderr  # the broken file
    report = json.loads((tmp_path / "report.json").read_text())
    patches = json.loads((tmp_path / "patch.json").read_text())
    page = tmp_path / "report.html"
    _strict(page.read_text(encoding="utf-8"))

    dom = dump_dom(page)
    rows = _rows(dom)
    shown = Counter((r["data-file"], r["data-kind"], r["data-namespace"], r["data-name"],
                     r["data-status"]) for r in rows)
    expected = _expected(report, patches)
    # Every resource with a finding or a change, with the status the JSON implies ...
    assert shown - Counter({k: v for k, v in shown.items() if k[4] == "ready"}) == expected
    # ... and the rest are the ready workloads: no finding, no change.
    for file, kind, _namespace, _name, status in shown - expected:
        assert status == "ready" and kind in WORKLOAD_KINDS, (file, kind)
    assert any(status == "ready" for *_, status in shown)

    statuses = Counter(r["data-status"] for r in rows)
    for status in Status:
        assert _count(dom, f"count-{status.value}") == statuses[status.value]
    assert _count(dom, "count-all") == len(rows)
    summary = report["summary"]
    assert _count(dom, "findings-error") == summary["errors"]
    assert _count(dom, "findings-warning") == summary["warnings"]
    assert _count(dom, "findings-info") == summary["infos"]
    assert _count(dom, "files-all") == summary["files"] == len(CASES) + 1
    assert _count(dom, "files-changed") == summary["changed"]
    unreadable = [f for f in report["files"] if f["error"]]
    assert _count(dom, "files-unreadable") == len(unreadable) == 1
    assert 'id="input-errors"' in dom and "zz-broken.yaml:4:1: error: invalid YAML" in dom
    assert len(re.findall(r'<tr class="finding"', dom)) == len(report["findings"])
    # Every rule used is explained on the page, and every finding links to it.
    for rule in {f["rule"] for f in report["findings"]}:
        assert f'id="rule-{rule}"' in dom and f'href="#rule-{rule}"' in dom
    assert '<g class="bar" data-label="blocked" data-value="' \
        f'{statuses["blocked"]}"' in dom

    # Without JavaScript the page shows the same table (only the sort buttons are missing).
    assert 'class="sort"' in dom
    plain = dump_dom(page, scripts=False)
    assert _rows(plain) == rows and 'class="sort"' not in plain

    folder = artifacts()
    shutil.copyfile(page, folder / "report-fixtures.html")
    screenshot(page, folder / "report-fixtures.png")


@needs_chromium
def test_filters_and_sorting_work_in_the_browser(tmp_path):
    tree = _tree(tmp_path)
    out = _run_porter("check", str(tree.name), "--report", "report.html", "-q", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    seen = probe(tmp_path / "report.html")
    rows = _rows((tmp_path / "report.html").read_text(encoding="utf-8"))
    statuses = [r["data-status"] for r in rows]
    assert seen["shown"]["f-all"] == statuses  # nothing hidden, most urgent first
    for status in set(statuses):  # CSS alone filters: only that status is shown
        assert seen["shown"][f"f-{status}"] == [s for s in statuses if s == status]
    assert seen["buttons"] == 8
    names = [r["data-name"] for r in rows]
    assert seen["byName"] == sorted(names, key=str.lower) or \
        seen["byName"] == sorted(names)


@needs_chromium
def test_quickstart_screenshot(tmp_path):
    """The bundled example's report, as the README shows it."""
    quickstart = FIXTURES / "quickstart"
    out = _run_porter("convert", "input.yaml", "--report", str(tmp_path / "quickstart.html"),
                      "-o", str(tmp_path / "out"), "-q", cwd=quickstart)
    assert out.returncode == 0, out.stderr
    dom = dump_dom(tmp_path / "quickstart.html")
    assert [r["data-status"] for r in _rows(dom)] == ["review"]
    screenshot(tmp_path / "quickstart.html", artifacts() / "report-quickstart.png",
               height=1800)


@needs_chromium
@pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason=f"no corpus at {CORPUS_DIR}")
def test_corpus_report_opens_in_under_two_seconds(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "report_load.py"), "--corpus",
                          str(CORPUS_DIR), "--work", str(tmp_path)], capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    figures = json.loads(out.stdout.splitlines()[-1])
    print(figures)
    assert figures["workloads"] > 100
    assert figures["load_ms"] < 2000, figures


def test_images_picture_only_when_image_rules_reported():
    with_images = report_html.render([convert_case("images")])
    assert 'id="chart-images"' in with_images
    assert '<g class="bar" data-label="windows-server-2016-image" data-value="1"' in with_images
    without = report_html.render([convert_case("quickstart")])
    assert "chart-images" not in without and "Images by verdict" not in without
    _strict(without)


def test_diff_colours_follow_hunk_lengths():
    """A removed line reading ``-- x`` is a removal, not a file header (as --diff colours)."""
    diff = "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n keep\n"
    html = report_html.diff_html(diff)
    assert re.findall(r'<span class="(d-\w+)">', html) == \
        ["d-file", "d-file", "d-hunk", "d-del", "d-add", "d-ctx"]
