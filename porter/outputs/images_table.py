"""``porter images``: one entry per distinct image, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from porter.images.reference import ReferenceError, parse
from porter.kube.windows_versions import WindowsVersion
from porter.running.images import ImageRow

VERSION = 1


def verdict_word(row: ImageRow) -> str:
    """``runs`` (the registry lists a build for the target), else the first rule's code
    (``unresolved`` first when the registry could not say)."""
    if row.facts is not None and not row.facts.resolved:
        return "unresolved"
    if not row.verdicts:
        return "runs" if row.facts is not None else "no finding"
    return row.verdicts[0].rule.code


def _reference(image: str) -> str | None:
    try:
        return str(parse(image))
    except ReferenceError:
        return None


def entry(row: ImageRow) -> dict[str, Any]:
    facts = row.facts
    return {
        "image": row.image,
        "reference": _reference(row.image),
        "digest": facts.digest if facts else None,
        "platforms": [p.to_dict() for p in facts.platforms] if facts and facts.resolved
        else None,
        "error": facts.error if facts else None,
        "verdict": verdict_word(row),
        "findings": [{"rule": v.rule.code, "severity": v.rule.severity.value,
                      "message": v.message, "hint": v.hint} for v in row.verdicts],
        "used": [{"file": u.file, "line": u.line, "container": u.container,
                  "written": u.image} for u in row.uses],
    }


def render_json(rows: Sequence[ImageRow], target: WindowsVersion) -> str:
    return json.dumps({"version": VERSION, "target": {"name": target.name,
                                                      "build": target.build},
                       "images": [entry(r) for r in rows]}, indent=2) + "\n"


def render_text(rows: Sequence[ImageRow], target: WindowsVersion) -> str:
    lines = [f"{len(rows)} image{'s' * (len(rows) != 1)}; target {target.name} "
             f"({target.build})"]
    for row in rows:
        facts = row.facts
        lines.append("")
        lines.append(f"{row.image}  [{verdict_word(row)}]")
        used = ", ".join(f"{u.file}:{u.line}" for u in row.uses)
        lines.append(f"  used at:   {used}")
        written = sorted({u.image for u in row.uses if u.image != row.image})
        if written:
            lines.append(f"  mapped from: {', '.join(written)}")
        if facts is None:
            lines.append("  platforms: not asked (resolution is off)")
        elif facts.resolved:
            listed = ", ".join(str(p) for p in facts.platforms) or "none listed"
            lines.append(f"  platforms: {listed}")
        else:
            lines.append(f"  platforms: unknown: {facts.error}")
        for verdict in row.verdicts:
            lines.append(f"  {verdict.rule.severity.value}: {verdict.rule.code}: "
                         f"{verdict.message}")
        if not row.verdicts and facts is not None and facts.resolved:
            lines.append(f"  runs on {target.name} nodes")
    return "\n".join(lines) + "\n"
