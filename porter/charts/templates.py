"""From a rendered line back to its template: the chart's template files by Helm source path,
and findings moved from the rendered stream to the template each document came from."""

from __future__ import annotations

import dataclasses
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from porter.charts.manifests import SourceRange, source_at
from porter.engine.findings import Finding
from porter.errors import InputError
from porter.yamledit.reading import load_one


class TemplateFiles:
    """A chart's template sources, looked up by the path Helm prints (``web/templates/x.yaml``)."""

    def __init__(self, chart: Path | None, display: str | None = None) -> None:
        self.chart = chart
        self.display_root = display if display is not None else (str(chart) if chart else "")
        self._texts: dict[str, str | None] = {}
        self._archive: dict[str, str] | None = None

    def _relative(self, source: str) -> PurePosixPath | None:
        """The template's path inside the chart; subcharts by directory, not alias."""
        parts = list(PurePosixPath(source).parts[1:])
        if not parts:
            return None
        if self.chart is None or not self.chart.is_dir():
            return PurePosixPath(*parts)
        found: list[str] = []
        here = self.chart
        while len(parts) > 2 and parts[0] == "charts":
            directory = _subchart_directory(here, parts[1])
            if directory is None:
                break
            found += ["charts", directory.name]
            here = directory
            parts = parts[2:]
        return PurePosixPath(*found, *parts)

    def display(self, source: str) -> str:
        """How to name the template to the user: its path on disk for a chart directory."""
        relative = self._relative(source)
        if self.chart is not None and self.chart.is_dir() and relative is not None and \
                (self.chart / relative).is_file():
            return f"{self.display_root.rstrip('/')}/{relative}"
        return source

    def text(self, source: str) -> str | None:
        if source not in self._texts:
            self._texts[source] = self._read(source)
        return self._texts[source]

    def _read(self, source: str) -> str | None:
        if self.chart is None:
            return None
        if self.chart.is_dir():
            relative = self._relative(source)
            try:
                return (self.chart / relative).read_text(encoding="utf-8") if relative else None
            except (OSError, UnicodeDecodeError):
                return None
        if self._archive is None:
            self._archive = _archive_texts(self.chart)
        return self._archive.get(source)


def _subchart_directory(chart: Path, name: str) -> Path | None:
    """The directory under ``chart/charts`` of the subchart Helm calls ``name`` (its name, or
    the alias the parent's Chart.yaml gives it)."""
    if (chart / "charts" / name / "Chart.yaml").is_file():
        return chart / "charts" / name
    try:
        metadata = load_one((chart / "Chart.yaml").read_text(encoding="utf-8"),
                            str(chart / "Chart.yaml"), templates=False, last_key_wins=True) or {}
    except (OSError, ValueError, InputError):
        return None
    wanted = {name}
    for dependency in metadata.get("dependencies") or []:
        if isinstance(dependency, dict) and dependency.get("alias") == name:
            wanted.add(str(dependency.get("name")))
    charts = chart / "charts"
    for directory in sorted(charts.iterdir()) if charts.is_dir() else []:
        try:
            own = load_one((directory / "Chart.yaml").read_text(encoding="utf-8"),
                           str(directory / "Chart.yaml"), templates=False, last_key_wins=True) or {}
        except (OSError, ValueError, InputError):
            continue
        if isinstance(own, dict) and own.get("name") in wanted:
            return directory
    return None


def _archive_texts(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    try:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if member.isfile() and "/templates/" in member.name:
                    handle = archive.extractfile(member)
                    if handle is not None:
                        texts[member.name] = handle.read().decode("utf-8", "replace")
    except (OSError, tarfile.TarError):
        return {}
    return texts


def template_line(template: str, rendered: list[str], line: int, column: int,
                  first: int, last: int) -> tuple[int, int] | None:
    """The template line (and column) that wrote rendered ``line``, when it can be told.

    ``rendered`` is the whole rendered stream, ``first``..``last`` the document's lines.
    A literal template line is matched by its text (the n-th of n equal lines by order); a
    ``key: {{ ... }}`` line by its key when only one template line writes that key.
    """
    text = rendered[line - 1]
    wanted = text.strip()
    if len(wanted) < 3 or wanted in ("---", "- "):
        return None
    lines = template.splitlines()
    literal = [i for i, t in enumerate(lines) if t.strip() == wanted and "{{" not in t]
    if literal:
        same = [n for n in range(first - 1, min(last, len(rendered)))
                if rendered[n].strip() == wanted]
        if len(literal) == 1:
            index = literal[0]
        elif len(same) == len(literal) and line - 1 in same:
            index = literal[same.index(line - 1)]
        else:
            return None
        return index + 1, _column(lines[index], text, column)
    key, colon, _ = wanted.partition(":")
    if not colon:
        return None
    keyed = [i for i, t in enumerate(lines)
             if t.strip().startswith(key + ":") and "{{" in t.partition(":")[2]]
    if len(keyed) == 1:
        return keyed[0] + 1, _column(lines[keyed[0]], text, column)
    return None


def _column(template_line: str, rendered_line: str, column: int) -> int:
    indent = len(template_line) - len(template_line.lstrip())
    rendered_indent = len(rendered_line) - len(rendered_line.lstrip())
    return max(1, indent + column - rendered_indent)


def attribute(findings: Iterable[Finding], text: str, ranges: list[SourceRange],
              templates: TemplateFiles, where: str) -> list[Finding]:
    """Each finding on a rendered stream, moved to the template its document came from.

    When the template line cannot be told (the field came from a value or a helper), the
    finding keeps its line in the rendered stream and the hint says so (``where`` names it).
    """
    rendered = text.splitlines()
    moved: list[Finding] = []
    for finding in findings:
        found = source_at(ranges, finding.line)
        if found is None or finding.line > len(rendered):
            moved.append(finding)
            continue
        template = templates.text(found.source)
        mapped = template_line(template, rendered, finding.line, finding.column,
                               found.content, found.last) if template is not None else None
        display = templates.display(found.source)
        if mapped is not None:
            moved.append(dataclasses.replace(finding, file=display, line=mapped[0],
                                             column=mapped[1]))
            continue
        if template is None:  # no template to read: the line stays the stream's
            note = (f"from template {display}; line {finding.line} is in {where} "
                    "(the template is not at hand)")
            moved.append(dataclasses.replace(
                finding, hint=f"{finding.hint}; {note}" if finding.hint else note))
            continue
        note = (f"line {finding.line} is in {where}, not in the template: the field comes "
                "from a value or a helper")
        moved.append(dataclasses.replace(
            finding, file=display, hint=f"{finding.hint}; {note}" if finding.hint else note))
    return moved
