"""Merging the JSON or SARIF reports of ``--shard 1/N`` ... ``N/N`` into the report one run
over all the inputs would have written: files, findings, results and notifications in a
single run's order (from each file's ``positions`` entry), totals recomputed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from porter.engine.findings import Severity
from porter.outputs.report_json import VERSION
from porter.outputs.sarif import SHARD_PROPERTY


class MergeError(ValueError):
    """The reports are not the N shards of one run."""


def kind(report: Any) -> str:
    """``json`` or ``sarif``, from the content."""
    if isinstance(report, dict) and isinstance(report.get("runs"), list):
        return "sarif"
    if isinstance(report, dict) and "files" in report and "findings" in report:
        return "json"
    raise MergeError("neither a porter JSON report nor a SARIF log")


def _shards(entries: Sequence[tuple[str, Any]]) -> None:
    """Check that ``entries`` (name, shard entry) are shards 1..N of N, each once."""
    if not entries:
        raise MergeError("no reports to merge")
    for name, entry in entries:
        if not isinstance(entry, dict) or not {"index", "count", "positions"} <= entry.keys():
            raise MergeError(f"{name}: not written with --shard K/N (no shard entry)")
    counts = {entry["count"] for _, entry in entries}
    if len(counts) > 1:
        raise MergeError(f"the reports come from different shardings: N = "
                         f"{', '.join(map(str, sorted(counts)))}")
    [count] = counts
    seen: dict[int, str] = {}
    for name, entry in entries:
        if entry["index"] in seen:
            raise MergeError(f"{name} and {seen[entry['index']]} are both shard "
                             f"{entry['index']}/{count}")
        seen[entry["index"]] = name
    missing = [str(k) for k in range(1, count + 1) if k not in seen]
    if missing:
        raise MergeError(f"shard {', '.join(f'{k}/{count}' for k in missing)} missing")


def _slices(items: list[Any], counts: list[int]) -> list[list[Any]]:
    if sum(counts) != len(items):
        raise MergeError("a shard entry does not match its report's contents")
    out, start = [], 0
    for count in counts:
        out.append(items[start:start + count])
        start += count
    return out


def merge_json(reports: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    _shards([(name, report.get("shard")) for name, report in reports])
    files: list[tuple[int, dict[str, Any], list[dict[str, Any]]]] = []
    for _name, report in reports:
        shard = report["shard"]
        groups = _slices(report["findings"], shard["findings"])
        if len(shard["positions"]) != len(report["files"]):
            raise MergeError("a shard entry does not match its report's contents")
        files += zip(shard["positions"], report["files"], groups, strict=True)
    files.sort(key=lambda entry: entry[0])
    findings = [f for _, _, group in files for f in group]
    return {
        "version": VERSION,
        "files": [entry for _, entry, _ in files],
        "findings": findings,
        "summary": {
            "files": len(files),
            "changed": sum(bool(entry["changed"]) for _, entry, _ in files),
            **{name: sum(f["severity"] == severity.value for f in findings)
               for name, severity in (("errors", Severity.ERROR),
                                      ("warnings", Severity.WARNING),
                                      ("infos", Severity.INFO))},
        },
    }


def merge_sarif(reports: Sequence[tuple[str, dict[str, Any]]],
                rule_order: Sequence[str]) -> dict[str, Any]:
    """The merged log; ``rule_order`` is the registry's order of rule codes (a single run
    lists the rules it used in that order)."""
    runs = []
    for name, report in reports:
        if len(report["runs"]) != 1:
            raise MergeError(f"{name}: a porter SARIF log has one run")
        runs.append((name, report["runs"][0]))
    _shards([(name, run.get("properties", {}).get(SHARD_PROPERTY)) for name, run in runs])
    files: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = []
    descriptors: dict[str, dict[str, Any]] = {}
    successful = True
    for _name, run in runs:
        shard = run["properties"][SHARD_PROPERTY]
        [invocation] = run["invocations"]
        successful &= bool(invocation["executionSuccessful"])
        results = _slices(run["results"], shard["results"])
        notes = _slices(invocation["toolExecutionNotifications"], shard["notifications"])
        files += zip(shard["positions"], results, notes, strict=True)
        for descriptor in run["tool"]["driver"]["rules"]:
            descriptors.setdefault(descriptor["id"], descriptor)
    files.sort(key=lambda entry: entry[0])
    rank = {code: number for number, code in enumerate(rule_order)}
    catalogue = sorted(descriptors.values(), key=lambda d: rank.get(d["id"], len(rank)))
    index = {d["id"]: number for number, d in enumerate(catalogue)}
    results = []
    for _, group, _ in files:
        for result in group:
            result = dict(result)
            result.pop("ruleIndex", None)
            if result["ruleId"] in index:
                result = _with_rule_index(result, index[result["ruleId"]])
            results.append(result)
    _, first = runs[0]
    run = {key: value for key, value in first.items() if key != "properties"}
    run["tool"] = {"driver": {**first["tool"]["driver"], "rules": catalogue}}
    run["invocations"] = [{"executionSuccessful": successful,
                           "toolExecutionNotifications": [n for _, _, notes in files
                                                          for n in notes]}]
    run["results"] = results
    return {**reports[0][1], "runs": [run]}


def _with_rule_index(result: dict[str, Any], number: int) -> dict[str, Any]:
    """``result`` with its ``ruleIndex`` where a single run puts it (after properties)."""
    return {**result, "ruleIndex": number}
