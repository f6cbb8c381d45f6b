"""Helm post-renderer mode: the manifests Helm rendered come on stdin and leave converted, with
findings pointed at the templates that Helm 3's ``# Source:`` comments or Helm 4's
``postrenderer.helm.sh/postrender-filename`` annotations name."""

from __future__ import annotations

from porter.charts.manifests import source_ranges
from porter.charts.templates import TemplateFiles, attribute
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.yamledit.textfile import decode

NAME = "<stdin>"
WHERE = "the manifests Helm passed on standard input"


def post_render(data: bytes, pipeline: Pipeline) -> FileResult:
    """Convert rendered manifests; bad input comes back as ``errors`` (nothing is raised)."""
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
    result.findings = attribute(result.findings, source.text, source_ranges(source.text),
                                TemplateFiles(None), WHERE)
    return result


def output(data: bytes, result: FileResult) -> bytes:
    """What goes to stdout: the converted manifests, or the input itself when it could not be
    converted (a post-renderer must never hand Helm less than it got)."""
    if result.source is None or result.errors:
        return data
    return result.converted_bytes()
