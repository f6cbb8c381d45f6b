"""The JSON report (contract: version 1, files, findings, summary)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from porter.engine.findings import Severity
from porter.engine.results import FileResult
from porter.outputs.encoding import dumps

VERSION = 1


def file_entry(result: FileResult) -> dict[str, Any]:
    entry = {"path": result.path, "changed": result.changed,
             "error": "; ".join(e.message if e.line is None else
                                f"{e.message} (line {e.line}, column {e.column})"
                                for e in result.errors) or None}
    engine = getattr(result, "engine", "")  # a chart's: which Helm rendered it
    if engine:
        entry["engine"] = engine
    return entry


def summary_entry(results: Sequence[FileResult]) -> dict[str, int]:
    # One pass, holding no finding: the results may come one at a time from disk.
    changed = 0
    severities: Counter[Severity] = Counter()
    for result in results:
        changed += result.changed
        severities.update(f.severity for f in result.findings)
    return {
        "files": len(results),
        "changed": changed,
        "errors": severities[Severity.ERROR],
        "warnings": severities[Severity.WARNING],
        "infos": severities[Severity.INFO],
    }


def report(results: Sequence[FileResult], shard: tuple[int, int] | None = None) \
        -> dict[str, Any]:
    """The report; with ``shard`` (K, N) it also says where each file stands among all the
    run's inputs and how many findings it has, so that ``porter report merge`` can put the
    shards' reports back together in a single run's order."""
    data: dict[str, Any] = {
        "version": VERSION,
        "files": [file_entry(r) for r in results],
        "findings": [f.to_dict() for r in results for f in r.findings],
        "summary": summary_entry(results),
    }
    if shard is not None:
        data["shard"] = shard_entry(results, shard, findings=[len(r.findings) for r in results])
    return data


def shard_entry(files: Sequence[FileResult], shard: tuple[int, int],
                **counts: list[int]) -> dict[str, Any]:
    return {"index": shard[0], "count": shard[1],
            "positions": [r.position for r in files], **counts}


def render(results: Sequence[FileResult], shard: tuple[int, int] | None = None) -> str:
    return "".join(chunks(results, shard))


def chunks(results: Sequence[FileResult], shard: tuple[int, int] | None = None) \
        -> Iterator[str]:
    """The text of :func:`render`, byte for byte, one file entry or finding at a time: a
    run's report is never held whole in memory (nor its dictionaries)."""
    yield "{\n" + _member("version", VERSION)
    yield from _list("files", (file_entry(r) for r in results))
    yield from _list("findings", (f.to_dict() for r in results for f in r.findings))
    if shard is None:
        yield _member("summary", summary_entry(results), last=True)
    else:
        yield _member("summary", summary_entry(results))
        yield _member("shard", shard_entry(results, shard,
                                           findings=[len(r.findings) for r in results]),
                      last=True)
    yield "}\n"


def _dump(value: Any, depth: int) -> str:
    """``value`` as json.dumps(indent=2) writes it ``depth`` levels down."""
    return dumps(value, indent=2).replace("\n", "\n" + "  " * depth)


def _member(key: str, value: Any, last: bool = False) -> str:
    return f"  {json.dumps(key)}: {_dump(value, 1)}" + ("\n" if last else ",\n")


def _list(key: str, items: Iterator[Any]) -> Iterator[str]:
    yield f"  {json.dumps(key)}: ["
    empty = True
    for item in items:
        yield ("\n    " if empty else ",\n    ") + _dump(item, 2)
        empty = False
    yield "],\n" if empty else "\n  ],\n"
