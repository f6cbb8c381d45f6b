"""Converting a Helm chart: render it, convert the rendered stream, point findings at the
templates, and (on request) work out the values overlay."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from porter.charts.manifests import source_ranges
from porter.charts.options import ChartOptions
from porter.charts.render import Engine, find_engine
from porter.charts.templates import TemplateFiles, attribute
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.errors import InputError
from porter.yamledit.textfile import SourceText

if TYPE_CHECKING:
    from porter.charts.inputs import ChartInput
    from porter.charts.overlay import Overlay

RENDERED = "the rendered chart (as porter convert CHART and helm template print it)"


@dataclass
class ChartResult(FileResult):
    """A converted chart: ``original`` is the rendered stream as ``helm template`` prints it."""

    chart: str = ""
    engine: str = ""
    overlay: Overlay | None = None


def convert_chart(item: ChartInput, pipeline: Pipeline, options: ChartOptions,
                  engine: Engine | None = None) -> ChartResult:
    """Render and convert one chart; bad input comes back as ``errors``, not raised."""
    empty = ChartResult(path=item.display, original="", converted="", relative=item.relative,
                        kubernetes=False, chart=item.display)
    try:
        engine = engine or find_engine(item.display)
        rendered = engine.render(item.path, options.render)
    except InputError as exc:
        empty.errors.append(exc)
        return empty
    converted = pipeline.convert_text(rendered.text, item.display)
    fields = {f.name: getattr(converted, f.name) for f in dataclasses.fields(FileResult)}
    result = ChartResult(**fields, chart=item.display, engine=engine.name)
    result.source = SourceText(rendered.text)
    result.relative = item.relative
    result.kubernetes = True
    templates = TemplateFiles(item.path, item.display)
    result.findings = attribute(result.findings, rendered.text, source_ranges(rendered.text),
                                templates, RENDERED)
    for source in rendered.not_yaml:
        result.notes.append(f"{templates.display(source)}: note: renders no YAML; passed over")
    if not rendered.manifests:
        result.notes.append(f"{item.display}: note: the chart renders no manifests")
    if options.overlay and not result.errors:
        from porter.charts.overlay import build_overlay

        try:
            result.overlay = build_overlay(engine, item.path, options.render, pipeline,
                                           rendered, templates)
        except InputError as exc:
            result.errors.append(exc)
    return result
