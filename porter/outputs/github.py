"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per
finding or input error, which the runner shows as annotations on the file and line."""

from __future__ import annotations

from collections.abc import Sequence

from porter.engine.findings import Severity
from porter.engine.results import FileResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    """Escape a command's message (the runner's own escaping rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, message: str, file: str, line: int | None, column: int | None,
             title: str | None = None) -> str:
    properties = [f"file={_property(file)}"]
    if line is not None:
        properties.append(f"line={line}")
        if column is not None:
            properties.append(f"col={column}")
    if title:
        properties.append(f"title={_property(title)}")
    return f"::{name} {','.join(properties)}::{_data(message)}\n"


def render(results: Sequence[FileResult]) -> str:
    lines: list[str] = []
    for result in results:
        for error in result.errors:
            lines.append(_command("error", error.message, error.file or result.path,
                                  error.line, error.column, "porter: input error"))
        for f in result.findings:
            message = f"{f.message} ({f.resource.label()}, {f.path or '/'})" \
                + (f"\nHint: {f.hint}" if f.hint else "")
            lines.append(_command(COMMANDS[f.severity], message, f.file, f.line, f.column,
                                  f"porter {f.rule}"))
    return "".join(lines)
