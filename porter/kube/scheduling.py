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
