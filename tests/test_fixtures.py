"""Every fixture case: snapshots of the converted YAML, the diff and the JSON report, plus the
invariants that hold for every case (idempotence, findings on real lines, clean read-back)."""

from __future__ import annotations

import re

from conftest import DiffSnapshot, JsonSnapshot, YamlSnapshot, convert_case

from porter.engine.pipeline import Pipeline
from porter.outputs import report_json, unified_diff
from porter.yamledit.parsing import compose


def test_output(case, snapshot):
    result = convert_case(case)
    assert not result.errors
    assert result.converted_bytes() == snapshot(extension_class=YamlSnapshot)


def test_diff(case, snapshot):
    result = convert_case(case)
    assert unified_diff.file_diff(result) == snapshot(extension_class=DiffSnapshot)


def test_report(case, snapshot):
    result = convert_case(case)
    assert report_json.render([result]) == snapshot(extension_class=JsonSnapshot)


def test_second_run_changes_nothing(case):
    from conftest import case_config

    first = convert_case(case)
    second = Pipeline(case_config(case)).convert_text(first.converted, "again.yaml")
    assert second.converted == first.converted
    assert not any(f.rule == "internal-error" for f in second.findings)


def test_spliced_without_fallback(case):
    """Every fixture is spliced, except a document with an explicit key (``? key``), which
    the fallback writer writes and says so."""
    result = convert_case(case)
    explicit = re.search(r"(?m)^[ \t]*(- )*\? ", result.original) is not None
    rewritten = sum(f.rule == "yaml-rewritten" for f in result.findings)
    assert result.redumped == rewritten
    assert result.redumped == 0 or explicit
    assert not result.internal_error
    compose(result.converted, "out.yaml")  # the output is valid YAML


def test_findings_point_at_their_key(case):
    result = convert_case(case)
    lines = result.original.splitlines()
    for finding in result.findings:
        assert 1 <= finding.line <= len(lines), finding
        key = finding.path.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        line = lines[finding.line - 1]
        if key and not key.isdigit() and key in result.original:
            assert key in line[finding.column - 1:], (finding, line)


def test_output_passes_validation(case):
    """Every converted pod spec passes the API server's Windows rules and every changed
    document its OpenAPI schema (porter.kube.validation), except where porter said it did not
    convert: see tests/validating.py for exactly what is excused and why."""
    from conftest import case_config
    from validating import check_result, describe

    from porter.engine.selfcheck import configured_toleration

    config = case_config(case)
    toleration = configured_toleration(config, frozenset(t.id for t in config.enabled()))
    checked = check_result(convert_case(case), toleration=toleration)
    assert not checked.violations, describe(case, checked)
