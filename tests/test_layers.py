"""The architecture, enforced: each layer imports only the layers below it, features do not
import each other, there are no import loops, and the wheel installs only ``porter``.

The layers, lowest first (README, "Architecture"):

- ``porter.yamledit``: byte-preserving YAML edits; imports nothing of porter.
- ``porter.errors``, ``porter.version``: the user-facing error types, the version.
- ``porter.kube``: workloads, pod specs, resource identity, scheduling, Windows versions and
  the API server's Windows rules.
- ``porter.images``: image references, the registry client, the image caches (no engine).
- ``porter.engine``: transform protocol, registry, config, findings, pipeline, suppression.
- ``porter.transforms``: the built-in transforms (the top-level ``transforms/`` folder).
- features, independent of each other: ``porter.charts``, ``porter.preflight``, ``porter.krm``.
- ``porter.running``: inputs, reading, parallel conversion, safe writes.
- ``porter.outputs``: pure renderers of results.
- the CLI and the Python API: ``porter.commands``, ``porter.cli``, ``porter.entry``, ``porter``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("porter.yamledit",),
    ("porter.errors", "porter.version"),
    ("porter.kube",),
    ("porter.images",),
    ("porter.engine",),
    ("porter.transforms",),
    ("porter.charts", "porter.preflight", "porter.krm"),
    ("porter.running",),
    ("porter.outputs",),
    ("porter.commands", "porter.cli", "porter.entry", "porter.__main__", "porter"),
)
INDEPENDENT = {"porter.charts", "porter.preflight", "porter.krm"}
"""Packages of one layer that must not import each other."""


def module_files() -> dict[str, Path]:
    """Every module of porter, by its installed name (``transforms/`` is ``porter.transforms``)."""
    found: dict[str, Path] = {}
    for base, package in ((ROOT / "porter", "porter"), (ROOT / "transforms", "porter.transforms")):
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def unit_of(module: str) -> str | None:
    """The most specific entry of :data:`LAYERS` that holds ``module``."""
    best = None
    for layer in LAYERS:
        for unit in layer:
            if (module == unit or module.startswith(unit + ".")) and (
                    best is None or len(unit) > len(best)):
                best = unit
    return best


def rank(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(module: str, source: str) -> list[tuple[str, int, bool]]:
    """(imported porter module, line, at run time) for each import in ``source``; names
    imported from a package count as its submodules when such modules exist."""
    known = set(module_files())
    package = module if module_files().get(module, Path()).name == "__init__.py" else \
        module.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, runtime)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "porter":
                    found.append((alias.name, node.lineno, runtime))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] == "porter":
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    found.append((target if target in known else base, node.lineno, runtime))
        for child in ast.iter_child_nodes(node):
            visit(child, runtime)

    visit(ast.parse(source), True)
    return found


def violations(sources: dict[str, str]) -> list[str]:
    """Every import that goes up a layer or across independent features, and every loop."""
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for module, source in sources.items():
        here = unit_of(module)
        assert here, f"{module} belongs to no layer: add it to LAYERS"
        for target, line, runtime in imports(module, source):
            there = unit_of(target)
            if there is None:
                problems.append(f"{module}:{line} imports {target}, which belongs to no layer")
                continue
            if runtime and target != module:
                graph.setdefault(module, set()).add(target)
            if there == here or target == "porter.version":
                continue
            if rank(there) > rank(here):
                problems.append(f"{module}:{line} imports {target}: {here} is below {there}")
            elif rank(there) == rank(here) and {here, there} <= INDEPENDENT:
                problems.append(f"{module}:{line} imports {target}: {here} and {there} are "
                                "independent features")
    problems.extend(f"import loop: {' -> '.join(loop)}" for loop in _loops(graph))
    return problems


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """One loop per strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return loops


def _sources() -> dict[str, str]:
    return {module: path.read_text(encoding="utf-8") for module, path in module_files().items()}


def test_every_module_belongs_to_a_layer():
    assert [m for m in module_files() if unit_of(m) is None] == []


def test_layers_import_only_downwards_and_without_loops():
    assert violations(_sources()) == []


def test_yaml_layer_knows_nothing_of_porter():
    sources = _sources()
    for module, source in sources.items():
        if unit_of(module) == "porter.yamledit":
            outside = [t for t, _, _ in imports(module, source) if unit_of(t) != "porter.yamledit"]
            assert outside == [], module


@pytest.mark.parametrize(("module", "line", "expected"), [
    ("porter.yamledit.diffing", "from porter.engine.findings import Finding",
     "porter.yamledit is below porter.engine"),
    ("porter.kube.workloads", "from porter.transforms.os_scheduling import OsScheduling",
     "porter.kube is below porter.transforms"),
    ("porter.engine.registry", "from porter.preflight.rules import RULES",
     "porter.engine is below porter.preflight"),
    ("porter.outputs.sarif", "import porter.commands.common",
     "porter.outputs is below porter.commands"),
    ("porter.charts.render", "from porter.krm import function",
     "porter.charts and porter.krm are independent features"),
    ("porter.engine.findings", "from porter.engine import pipeline",
     "import loop"),
])
def test_a_forbidden_import_is_caught(module, line, expected):
    sources = _sources()
    sources[module] = sources[module] + "\n" + line + "\n"
    assert any(expected in problem for problem in violations(sources))


def test_imports_under_type_checking_make_no_loop():
    sources = _sources()
    sources["porter.engine.findings"] += ("\nfrom typing import TYPE_CHECKING\n"
                                          "if TYPE_CHECKING:\n"
                                          "    from porter.engine.pipeline import Pipeline\n")
    assert violations(sources) == []


def test_wheel_installs_only_porter(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the tracked files")
    # Build from the tracked files only (a work tree may hold a venv and caches).
    source = tmp_path / "src"
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        origin = ROOT / name
        if origin.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
               str(tmp_path / "dist"), str(source)]
    subprocess.run(command, check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("winporter-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "porter", next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))}
    assert "porter/transforms/os_scheduling.py" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "porter.transforms.os_scheduling:OsScheduling" in entry_points
    assert "[porter.rules]" in entry_points
