"""The text report: ``file:line:col: severity rule message``, one finding a line."""

from __future__ import annotations

from collections.abc import Sequence

from porter.engine.results import FileResult


def render(results: Sequence[FileResult]) -> str:
    lines: list[str] = []
    for result in results:
        lines.extend(str(error) for error in result.errors)
        for f in result.findings:
            hint = f" (hint: {f.hint})" if f.hint else ""
            lines.append(f"{f.file}:{f.line}:{f.column}: {f.severity.value} {f.rule} "
                         f"{f.message}{hint}")
    return "".join(line + "\n" for line in lines)
