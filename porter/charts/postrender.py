"""Helm post-renderer mode: the manifests Helm rendered come on stdin and leave converted, with
findings pointed at the templates that Helm 3's ``# Source:`` comments or Helm 4's
``postrenderer.helm.sh/postrender-filename`` annotations name."""

from __future__ import annotations

from pathlib import Path

from porter.charts.manifests import (
    FILENAME_ANNOTATION,
    HOOK_ANNOTATION,
    SourceRange,
    source_ranges,
)
from porter.charts.templates import TemplateFiles, attribute
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.yamledit.textfile import decode

NAME = "<stdin>"
WHERE = "the manifests Helm passed on standard input"


HELM3_HOOKS = ("Helm 3 passes no hooks to a post-renderer: hook Jobs and test Pods (helm.sh/hook) "
               "are installed unconverted; check them with: helm template CHART | porter "
               "convert -")


def post_render(data: bytes, pipeline: Pipeline, chart: Path | None = None) -> FileResult:
    """Convert rendered manifests; bad input comes back as ``errors`` (nothing is raised).
    ``chart`` (the chart directory) lets findings point at template lines."""
    try:
        source = decode(data, NAME)
    except InputError as exc:
        return FileResult(path=NAME, original="", converted="", errors=[exc], kubernetes=False)
    result = pipeline.convert_text(source.text, NAME)
    result.source = source
    result.relative = "stdin.yaml"
    if not source.text.strip():
        result.errors.append(InputError("no manifests on standard input", NAME))
        return result
    ranges = source_ranges(source.text)
    result.findings = attribute(result.findings, source.text, ranges,
                                TemplateFiles(chart), WHERE)
    if from_helm3(source.text, ranges):
        result.notes.append(f"porter: note: {HELM3_HOOKS}")
    return result


def from_helm3(text: str, ranges: list[SourceRange]) -> bool:
    """A stream as Helm 3 hands it to a post-renderer: ``# Source:`` comments, no Helm 4
    annotation, and not one hook (``helm template`` output with hooks is not this)."""
    return bool(ranges) and FILENAME_ANNOTATION not in text and HOOK_ANNOTATION not in text


def output(data: bytes, result: FileResult) -> bytes:
    """What goes to stdout: the converted manifests, or the input itself when it could not be
    read as text (a post-renderer must never hand Helm less than it got). A document porter
    refuses (a 5,000-digit integer, nesting too deep) stays in the stream byte for byte, and
    the others are converted, as ``porter convert`` writes them."""
    if result.source is None:
        return data
    return result.converted_bytes()
