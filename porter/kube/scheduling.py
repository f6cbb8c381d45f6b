"""Node scheduling for Windows: the OS and build labels, taints and tolerations, and the
RuntimeClass that carries them."""

from __future__ import annotations

import re
from typing import Any

OS_LABEL = "kubernetes.io/os"
BETA_OS_LABEL = "beta.kubernetes.io/os"
_TAINT = re.compile(r"^(?P<key>[^=:\s]+)(=(?P<value>[^:\s]*))?:(?P<effect>NoSchedule|"
                    r"PreferNoSchedule|NoExecute)$")

BUILD_LABEL = "node.kubernetes.io/windows-build"


def runtime_class(name: str, build: str, toleration: str) -> dict[str, Any]:
    """A RuntimeClass for Windows process isolation on nodes of ``build``."""
    scheduling: dict[str, Any] = {"nodeSelector": {OS_LABEL: "windows",
                                                   "kubernetes.io/arch": "amd64",
                                                   BUILD_LABEL: build}}
    wanted = parse_taint(toleration) if toleration else None
    if wanted:
        scheduling["tolerations"] = [wanted]
    return {"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
            "metadata": {"name": name}, "handler": "runhcs-wcow-process",
            "scheduling": scheduling}


def parse_taint(text: str) -> dict[str, str] | None:
    """The toleration that matches a ``key[=value]:Effect`` taint."""
    match = _TAINT.match(text)
    if not match:
        return None
    toleration = {"key": match["key"]}
    if match["value"]:
        toleration |= {"operator": "Equal", "value": match["value"]}
    else:
        toleration["operator"] = "Exists"
    toleration["effect"] = match["effect"]
    return toleration


def tolerates(existing: Any, wanted: dict[str, str]) -> bool:
    """Does toleration ``existing`` already tolerate the taint ``wanted`` tolerates?"""
    if not isinstance(existing, dict):
        return False
    effect = existing.get("effect")
    if effect not in (None, "", wanted["effect"]):
        return False
    operator = existing.get("operator") or "Equal"
    key = existing.get("key")
    if operator == "Exists":
        return key in (None, "", wanted["key"])
    return key == wanted["key"] and str(existing.get("value", "")) == wanted.get("value", "")


ARCH_LABEL = "kubernetes.io/arch"
BETA_ARCH_LABEL = "beta.kubernetes.io/arch"
WINDOWS_NODE = {OS_LABEL: "windows", BETA_OS_LABEL: "windows",
                ARCH_LABEL: "amd64", BETA_ARCH_LABEL: "amd64"}
"""The labels every Windows node carries (Windows node pools are amd64 only)."""


def _requirement(key: Any, operator: Any, values: Any, labels: dict[str, str]) -> bool:
    """One node-selector requirement (or label-selector expression) against ``labels``
    (k8s.io/apimachinery labels.Requirement.Matches; Gt/Lt compare integers)."""
    values = [str(v) for v in values] if isinstance(values, list) else []
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        try:
            have, limit = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > limit if operator == "Gt" else have < limit
    return False


def node_term_problems(term: Any) -> list[tuple[int, str]]:
    """The match expressions of a required node-selector term that a Windows amd64 node
    fails (index, description); expressions on other labels are taken as satisfiable."""
    expressions = term.get("matchExpressions") if isinstance(term, dict) else None
    problems = []
    for index, expression in enumerate(expressions if isinstance(expressions, list) else []):
        if not isinstance(expression, dict) or expression.get("key") not in WINDOWS_NODE:
            continue
        key, operator, values = (expression.get("key"), expression.get("operator"),
                                 expression.get("values"))
        if not _requirement(key, operator, values, WINDOWS_NODE):
            problems.append((index, f"{key} {operator} {values if values else ''}".rstrip()))
    return problems


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """Does a LabelSelector (``matchLabels``, ``matchExpressions``) select these labels?"""
    have = {str(k): str(v) for k, v in labels.items()}
    match_labels = selector.get("matchLabels")
    for key, value in (match_labels.items() if isinstance(match_labels, dict) else ()):
        if have.get(str(key)) != str(value):
            return False
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else []:
        if not isinstance(expression, dict) or not _requirement(
                expression.get("key"), expression.get("operator"), expression.get("values"),
                have):
            return False
    return True
