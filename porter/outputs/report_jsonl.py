"""The JSON Lines report for very large runs: one object a line, written as results come
(the lines of each file as it finishes, the summary at the end).

Each finding is a line ``{"type": "finding", ...}`` with the fields of the JSON report's
findings; each file is a line ``{"type": "file", "path", "changed", "error"}``; a last line
``{"type": "summary", ...}`` gives the totals.
"""

from __future__ import annotations

from collections.abc import Sequence

from porter.engine.results import FileResult
from porter.outputs.encoding import dumps
from porter.outputs.report_json import file_entry, summary_entry


def file_lines(result: FileResult) -> str:
    """The lines for one file: the file, then its findings."""
    lines = [{"type": "file", **file_entry(result)}]
    lines.extend({"type": "finding", **f.to_dict()} for f in result.findings)
    return "".join(dumps(line) + "\n" for line in lines)


def summary_line(results: Sequence[FileResult]) -> str:
    return dumps({"type": "summary", **summary_entry(results)}) + "\n"


def render(results: Sequence[FileResult]) -> str:
    body = "".join(file_lines(result) for result in results)
    return body + dumps({"type": "summary", **summary_entry(results)}) + "\n"
