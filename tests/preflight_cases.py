"""The preflight fixtures (fixtures/preflight/<case>/): files and target of each case."""

from __future__ import annotations

from pathlib import Path

from porter.engine.findings import Finding
from porter.kube.windows_versions import target
from porter.preflight.cluster import check, describe, read_json

PREFLIGHT = Path(__file__).resolve().parent.parent / "fixtures" / "preflight"

# case -> the --target-windows it is checked against
CASES = {
    "good": "ltsc2022",
    "kubenet-ws2019": "ltsc2022",
    "mixed-versions": "ltsc2022",
    "no-windows-pool": "ltsc2025",
    "version-support": "ltsc2025",
    "windows-system-pool": "ltsc2022",
}


def arguments(case: str) -> list[str]:
    """The command-line arguments of a case, with paths relative to fixtures/preflight."""
    args = ["--cluster", f"{case}/cluster.json"]
    if (PREFLIGHT / case / "nodepools.json").is_file():
        args += ["--nodepools", f"{case}/nodepools.json"]
    return [*args, "--target-windows", CASES[case]]


def case_findings(case: str) -> list[Finding]:
    """What porter preflight finds for a case (without the command line)."""
    files = {}
    for name in ("cluster.json", "nodepools.json"):
        path = PREFLIGHT / case / name
        if path.is_file():
            files[name] = read_json(path.read_text(encoding="utf-8"), f"{case}/{name}")
    description = describe(files.get("cluster.json"), files.get("nodepools.json"))
    return check(description, target(CASES[case]))
