"""The rule catalogue: every rule documented in full and exercised by a fixture."""

from __future__ import annotations

import pytest
from conftest import CASES, convert_case

from porter.engine.registry import all_rules, transform_types
from porter.engine.transform import PodSpecTransform

SECTIONS = ("Converts:", "Why:", "Example:", "Cannot convert:", "Source:")
# Raised only when porter itself fails: exercised by tests/test_cli.py with a crashing plug-in.
NOT_IN_FIXTURES = {"internal-error"}


@pytest.mark.parametrize(("owner", "rule"), all_rules(), ids=lambda v: getattr(v, "code", v))
def test_every_rule_has_the_documentation_sections(owner, rule):
    text = rule.text
    positions = [text.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), (rule.code, positions)
    assert positions == sorted(positions), rule.code
    assert rule.summary and rule.source
    assert rule.code == rule.code.lower() and " " not in rule.code


def test_rule_codes_are_unique():
    codes = [rule.code for _, rule in all_rules()]
    assert len(codes) == len(set(codes))


def test_every_rule_is_exercised_by_a_fixture():
    import preflight_cases  # the rules of porter preflight: fixtures/preflight

    seen = {f.rule for case in CASES for f in convert_case(case).findings}
    seen |= {f.rule for case in preflight_cases.CASES
             for f in preflight_cases.case_findings(case)}
    missing = {rule.code for _, rule in all_rules()} - seen - NOT_IN_FIXTURES
    assert not missing, f"rules without a fixture: {sorted(missing)}"


def test_every_transform_is_documented():
    import sys

    for transform in transform_types():
        module = sys.modules[transform.__module__]
        assert module.__doc__ and len(module.__doc__.strip()) > 80, transform.id
        assert transform.summary and len(transform.summary) <= 100, transform.id
        options = transform.Options.__dataclass_fields__
        for name in options:
            assert name.replace("_", "-") in module.__doc__, (transform.id, name)
        if issubclass(transform, PodSpecTransform):
            assert "List" in transform.kinds
