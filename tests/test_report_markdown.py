"""The Markdown readiness report: a snapshot per fixture (reviewed by hand), GitHub's
65,536-character limit with a note of what was cut, and text that cannot break the layout."""

from __future__ import annotations

import re

from conftest import convert_case
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from porter.engine.findings import Finding, Severity
from porter.engine.pipeline import Pipeline
from porter.kube.resources import Resource
from porter.outputs import report_markdown
from porter.outputs.readiness import RunInfo, readiness

RUN = RunInfo(command="convert", inputs=("input.yaml",), version="snapshot")


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.BINARY
    file_extension = "md"

    def serialize(self, data, **kwargs):  # type: ignore[no-untyped-def]
        return data.encode("utf-8")


def _balanced(text: str) -> bool:
    return text.count("<details>") == text.count("</details>") and \
        text.count("<summary>") == text.count("</summary>") and text.count("```") % 2 == 0


def test_markdown(case, snapshot):
    text = report_markdown.render([convert_case(case)], RUN)
    assert _balanced(text)
    assert "Cut to fit" not in text
    assert text == snapshot(extension_class=MarkdownSnapshot)


def _big_run(workloads: int) -> str:
    """Many Linux Deployments, each with findings and a diff."""
    docs = []
    for number in range(workloads):
        docs.append(f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{number:04d}, namespace: team-{number % 7}}}
spec:
  template:
    spec:
      hostNetwork: true
      securityContext: {{runAsUser: 1000, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
      - name: app
        image: example.com/app-{number}:1
        command: [sh, -c, "exec /app --port 8080"]
        volumeMounts: [{{name: data, mountPath: /var/lib/app-{number}}}]
      volumes: [{{name: data, emptyDir: {{medium: Memory}}}}]
""")
    return "---\n".join(docs)


def test_within_githubs_limit_and_says_what_was_cut():
    result = Pipeline().convert_text(_big_run(300), "big.yaml")
    model = readiness([result], RUN)
    assert len(model.workloads) == 300
    full = sum(len(w.diff) for w in model.workloads)
    assert full > report_markdown.LIMIT  # the diffs alone would not fit
    text = report_markdown.markdown(model)
    assert len(text) <= report_markdown.LIMIT
    assert _balanced(text)
    note = re.search(r"Cut to fit GitHub's 65,536-character limit:\*\* (.*)", text)
    assert note is not None
    shown = text.count("<details>") + len(re.findall(r"^- \S+ \w+ Deployment", text, re.M))
    cut = re.search(r"(\d+) workloads? left out", note.group(1))
    assert shown + (int(cut.group(1)) if cut else 0) == 300
    # The lines of all 300 fit: every workload is listed, the most urgent with details.
    assert cut is None and "listed without details" in note.group(1)
    assert text.index("<details>") < text.index("\n- ")
    assert "**300 workloads**" in text and "### Top blockers" in text


def test_small_limits_keep_the_most_urgent_and_stay_within():
    result = Pipeline().convert_text(_big_run(40), "big.yaml")
    for limit in (3000, 8000, 20000, 65536):
        text = report_markdown.render([result], RUN, limit=limit)
        assert len(text) <= limit, limit
        assert _balanced(text)


def test_text_cannot_break_tables_or_html():
    resource = Resource("apps/v1", "Deployment", "ns", "a|b<c>")
    finding = Finding("linux-shell", Severity.ERROR, "runs `sh` | pipes <x> *now*", "f.yaml",
                      3, 5, resource, "/spec", hint="use `cmd` | or <pwsh>")
    result = Pipeline().convert_text("a: 1\n", "f.yaml")
    result.findings.append(finding)
    text = report_markdown.render([result], RUN)
    row = next(line for line in text.splitlines() if line.startswith("| error"))
    assert row.count(" | ") == 3  # every | of the text is escaped
    assert "<x>" not in text and "&lt;x&gt;" in text
    assert "<summary>" in text and "a|b&lt;c&gt;" in text


def test_cli_formats_from_extension_and_flag(tmp_path):
    """Through a real subprocess: .md and .html by extension, --report-format for stdout."""
    import subprocess
    import sys

    from conftest import FIXTURES

    source = FIXTURES / "quickstart" / "input.yaml"
    out = subprocess.run([sys.executable, "-m", "porter", "check", str(source), "-q",
                          "--report", "-", "--report-format", "markdown",
                          "--report", str(tmp_path / "r.md"), "--report",
                          str(tmp_path / "r.html")],
                         capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 1, out.stderr  # the file would change
    assert out.stdout.startswith("## Windows migration readiness\n")
    assert "`porter check`" in out.stdout and "would change" in out.stdout
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == out.stdout
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-status="review"' in page
