"""What ``porter convert`` needs for Helm charts: the pass-through options checked and gathered,
and the values overlay written where the user asked."""

from __future__ import annotations

from pathlib import Path

from porter.charts.inputs import is_chart
from porter.charts.options import ChartOptions, RenderOptions
from porter.commands.common import err, save
from porter.engine.results import FileResult
from porter.errors import ConfigError


def chart_options(paths: list[str], values: list[Path], set_values: list[str],
                  set_strings: list[str], namespace: str | None, release_name: str,
                  kube_version: str | None, overlay: Path | None,
                  in_place: bool) -> ChartOptions:
    """The chart options from the flags; usage errors for flags that cannot apply."""
    charts = [p for p in paths if p != "-" and is_chart(Path(p))]
    if in_place and charts:
        raise ConfigError(f"--in-place cannot rewrite the templates of chart {charts[0]}: use "
                          "--values-overlay FILE, or -o DIR for the rendered manifests")
    given = [flag for flag, used in (("--values", values), ("--set", set_values),
                                     ("--set-string", set_strings), ("--namespace", namespace),
                                     ("--kube-version", kube_version),
                                     ("--values-overlay", overlay),
                                     ("--release-name", release_name != "release-name"))
             if used]
    if given and not charts and not any(p != "-" and Path(p).is_dir() for p in paths):
        raise ConfigError(f"{given[0]} applies to Helm charts, and no chart was given")
    if overlay is not None and len(charts) > 1:
        raise ConfigError("--values-overlay takes one chart; convert the charts one by one")
    render = RenderOptions(tuple(values), tuple(set_values), tuple(set_strings), namespace,
                           release_name, kube_version)
    return ChartOptions(render, overlay is not None)


def write_overlay(results: list[FileResult], path: Path, quiet: bool) -> str | None:
    """Write the values overlay of the one chart that has one; a note for the summary."""
    from porter.charts.convert import ChartResult
    from porter.outputs import values_overlay  # with the overlay builder: for this option

    overlays = [r.overlay for r in results if isinstance(r, ChartResult) and r.overlay]
    if not overlays:
        if not any(isinstance(r, ChartResult) for r in results):
            err("porter: error: --values-overlay: no Helm chart among the inputs")
        return None
    if len(overlays) > 1:
        raise ConfigError("--values-overlay takes one chart, and the inputs hold "
                          f"{len(overlays)}; convert them one by one")
    save(path, values_overlay.render(overlays[0]).encode("utf-8"))
    if not quiet:
        err(values_overlay.summary(overlays[0], str(path)).rstrip("\n"))
    return f"values overlay written to {path}"
