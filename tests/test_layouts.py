"""Metamorphic test: the same data written in every layout converts to the same data, with no
line changed outside the changed fields, no comment lost except on removed lines, and
idempotently; the splicer writes every layout (the fallback writer counts as a failure).

By default it runs over every fixture (seconds). The long mode runs over the workloads of the
corpus too:
``PORTER_LAYOUTS=corpus pytest tests/test_layouts.py -s`` (``PORTER_LAYOUTS=DIR`` for another
tree of manifests); ``-s`` prints the figures (runs, and failures by kind).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, CORPUS, FIXTURES, case_config
from layouts import LAYOUTS, STREAMS, check_fidelity, layout, read_all

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.yamledit.diffing import same
from porter.yamledit.errors import InputError

REFERENCE = "block-2"


def _sources() -> list[tuple[str, str, Config]]:
    sources = [(case, (FIXTURES / case / "input.yaml").read_text("utf-8"), case_config(case))
               for case in CASES]
    wanted = os.environ.get("PORTER_LAYOUTS", "")
    if wanted:
        root = CORPUS if wanted == "corpus" else Path(wanted)
        if not root.is_dir():
            pytest.skip(f"PORTER_LAYOUTS: no directory {root}")
        for path in sorted(root.rglob("*")):
            if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
                try:
                    sources.append((str(path.relative_to(root)), path.read_text("utf-8"),
                                    Config()))
                except (UnicodeDecodeError, OSError):
                    continue
    return sources


def _fits(documents: list[Any], text: str) -> bool:
    """Does the layout hold the same data (JSON has no non-string keys, say)?"""
    try:
        return same(read_all(text), documents)
    except InputError:
        return False


def _convert(pipeline: Pipeline, text: str) -> tuple[Any, ...]:
    result = pipeline.convert_text(text, "layout.yaml")
    return result, read_all(result.converted)


def _check_source(name: str, text: str, config: Config, figures: Counter[str],
                  failures: list[str], only_workloads: bool) -> None:
    try:
        documents = read_all(text)
    except InputError:
        return
    pipeline = Pipeline(config)
    if only_workloads:  # the corpus: its workloads (CRDs and the like are large and no test)
        documents = [d for d in documents if isinstance(d, dict) and d.get("kind") in
                     pipeline.kinds]
        if not documents:
            return
    reference = None
    for layout_name in LAYOUTS:
        for stream in STREAMS if layout_name in (REFERENCE, "comments") else ("plain",):
            try:
                written = layout(documents, layout_name, stream)
            except (TypeError, ValueError, AttributeError):
                figures["layout not applicable"] += 1
                continue
            if not _fits(documents, written):
                figures["layout not applicable"] += 1
                continue
            figures["runs"] += 1
            where = f"{name} [{layout_name}/{stream}]"
            result, data = _convert(pipeline, written)
            findings = Counter((f.rule, f.path) for f in result.findings)
            if result.errors:
                failures.append(f"input error: {where}: {result.errors[0]}")
                continue
            if result.redumped or result.internal_error:
                failures.append(f"fallback writer or internal error: {where}")
                continue
            if reference is None:
                reference = (data, findings)
            elif not same(data, reference[0]):
                failures.append(f"different data: {where}")
            elif findings != reference[1]:
                failures.append(f"different findings: {where}: "
                                f"{sorted((findings - reference[1]) + (reference[1] - findings))}")
            patches = {p.index: p.operations for p in result.patches}
            fidelity = check_fidelity(written, result.converted, patches,
                                      layout_name.startswith("json"))
            if fidelity.stray_lines:
                failures.append(f"lines changed outside changed fields: {where}: "
                                f"{fidelity.stray_lines[:3]}")
            if fidelity.lost_comments:
                failures.append(f"comments lost: {where}: {fidelity.lost_comments[:3]}")
            again = pipeline.convert_text(result.converted, "again.yaml")
            if again.converted != result.converted:
                failures.append(f"not idempotent: {where}")


def test_every_layout_converts_the_same_and_keeps_untouched_lines() -> None:
    figures: Counter[str] = Counter()
    failures: list[str] = []
    for number, (name, text, config) in enumerate(_sources()):
        _check_source(name, text, config, figures, failures, number >= len(CASES))
    kinds = Counter(failure.split(":")[0] for failure in failures)
    print(f"\nlayouts: {figures['runs']} runs, {figures['layout not applicable']} layouts "
          f"not applicable; failures by kind: {dict(kinds) or 'none'}")
    assert figures["runs"] > 100
    assert not failures, "\n".join(failures[:20])
