"""Rendering a chart with a real Helm engine: the ``helm`` binary on PATH, else the optional
``helm-python-sdk`` (Helm's Go SDK in a shared library). Both give the same manifests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from porter.charts.archive import unpacked
from porter.charts.manifests import Manifest, split_rendered, stream
from porter.charts.options import RenderOptions
from porter.charts.values import merge, put, read_values_file
from porter.errors import InputError
from porter.yamledit.reading import load_one

DIST = "winporter"
ENGINE_VARIABLE = "PORTER_HELM_ENGINE"
"""``binary``, ``sdk`` or ``auto`` (the default): which engine renders charts."""
NO_ENGINE = (f"no Helm engine to render it: put the helm binary on PATH, or install the "
             f"optional extra: pip install '{DIST}[helm]' (helm-python-sdk)")


@dataclass
class Rendered:
    """A chart's rendered manifests, in Helm's order, and the stream ``helm template`` prints."""

    manifests: list[Manifest]
    text: str
    not_yaml: list[str] = field(default_factory=list)
    """Templates whose output was not YAML (passed over)."""


class Engine(Protocol):
    name: str

    def render(self, chart: Path, options: RenderOptions, overlay: dict[str, Any] | None = None,
               values: dict[str, Any] | None = None) -> Rendered:
        """Render ``chart``; ``overlay`` goes after the ``-f`` files (before ``--set``), and
        ``values``, when given, replaces every user value (for probing)."""
        ...

    def values(self, chart: Path, options: RenderOptions) -> dict[str, Any]:
        """The values a render sees: the chart's defaults (subcharts included) and the user's."""
        ...


def find_engine(chart: str) -> Engine:
    """The engine to use: ``helm`` on PATH, else the SDK; an InputError naming both if none."""
    wanted = os.environ.get(ENGINE_VARIABLE, "auto").strip().lower() or "auto"
    if wanted not in ("auto", "binary", "sdk"):
        raise InputError(f"{ENGINE_VARIABLE} must be auto, binary or sdk, not {wanted!r}", chart)
    # Run as a Helm plugin, $HELM_BIN is the helm that runs porter: render with that one.
    binary = (os.environ.get("HELM_BIN") if os.access(os.environ.get("HELM_BIN") or "-",
                                                        os.X_OK) else None) or \
        shutil.which("helm") if wanted in ("auto", "binary") else None
    if binary:
        return HelmBinary(binary)
    if wanted in ("auto", "sdk"):
        try:
            return HelmSdk()
        except ImportError:
            pass
    raise InputError(NO_ENGINE, chart)


_DEBUG_HINT = "Use --debug flag to render out invalid YAML"


def _one_line(text: str) -> str:
    """Helm's message on one line; its hint about its own ``--debug`` flag (porter has a
    flag of that name that does something else) says which command to run instead."""
    hinted = _DEBUG_HINT in text
    lines = [line.strip() for line in text.replace(_DEBUG_HINT, "").strip().splitlines()
             if line.strip()]
    message = "; ".join(lines) if lines else "unknown error"
    return f"{message} (helm template --debug prints the invalid YAML)" if hinted else message


class HelmSdk:
    """Helm's Go SDK through ``helm-python-sdk`` (no binary, no network, no cluster)."""

    def __init__(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        import helm_python

        self.helm = helm_python
        try:
            self.name = f"helm-python-sdk {version('helm-python-sdk')} (Helm's Go SDK)"
        except PackageNotFoundError:
            self.name = "helm-python-sdk (Helm's Go SDK)"
        self._charts: dict[Path, Any] = {}
        self._nulls: dict[Path, dict[str, Any]] = {}

    def _load(self, chart: Path) -> Any:
        key = chart.resolve()
        if key not in self._charts:
            try:
                loaded = self.helm.Chart.load(str(chart))
            except self.helm.HelmError as exc:
                raise InputError(f"not a loadable Helm chart: {_one_line(str(exc))}",
                                 str(chart)) from None
            if loaded.metadata.get("type") == "library":  # helm template refuses these too
                raise InputError("library charts are not installable: render a chart that "
                                 "depends on it", str(chart))
            declared = loaded.metadata.get("dependencies") or []
            present = {d.get("name") for d in loaded.dependencies}
            missing = [d.get("name") for d in declared if d.get("name") not in present]
            if missing:
                raise InputError(f"missing chart dependencies: {', '.join(map(str, missing))} "
                                 f"(declared in Chart.yaml, not in charts/; run helm dependency "
                                 f"build {chart})", str(chart))
            self._charts[key] = loaded
            self._nulls[key] = self._dropped_nulls(chart, loaded)
        return self._charts[key]

    def _dropped_nulls(self, chart: Path, loaded: Any) -> dict[str, Any]:
        """The chart's ``null`` defaults (``rollingUpdate: null``) that the SDK's Helm drops
        and the binaries keep, as values that make the SDK keep them.

        Helm 4.2 (commit 00638773d, helm/helm#31919) stopped copying a chart's ``null``
        defaults into the coalesced values; Helm 3 and Helm 4.0/4.1 copy them, so
        ``toYaml .Values.updateStrategy`` prints ``rollingUpdate: null``. A ``null`` the user
        passes below a chart's top-level key survives in 4.2 where the default is ``null``
        too: passing the chart's own gives the binaries' render. Only the chart's own: a
        subchart's ``null`` defaults Helm 3 drops as 4.2 does (4.1 keeps them), and
        top-level ones cannot be kept (Helm deletes a top-level ``null`` the user passes)."""
        with unpacked(chart) as directory:
            own = directory / "values.yaml"
            defaults = read_values_file(own) if own.is_file() else {}
            aliases = dependency_aliases(directory)
        subcharts = {aliases.get(str(d.get("name")), str(d.get("name")))
                     for d in loaded.dependencies}
        paths = [path for path in _null_paths(defaults)
                 if len(path) > 1 and path[0] not in subcharts]
        if not paths:
            return {}
        try:
            kept = loaded.merge_values({})
            dropped = [path for path in paths if not _holds_null(kept, path)]
            if not dropped:
                return {}  # this Helm keeps them (before 4.2)
            tree: dict[str, Any] = {}
            for path in dropped:
                put(tree, path, None)
            restored = loaded.merge_values(tree)
        except self.helm.HelmError:
            return {}
        keep: dict[str, Any] = {}
        for path in dropped:
            if _holds_null(restored, path):
                put(keep, path, None)
        return keep

    def _user_values(self, options: RenderOptions, overlay: dict[str, Any] | None,
                     chart: Path) -> dict[str, Any]:
        nulls = self._nulls.get(chart.resolve(), {})
        merged = merge(nulls, *(read_values_file(f) for f in options.values_files),
                       overlay or {})
        try:
            for expression in options.set_values:
                merged = merge(merged, self.helm.parse_set_string(expression))
            for expression in options.set_strings:
                merged = merge(merged, self.helm.parse_set_string_values(expression))
        except self.helm.HelmError as exc:
            raise InputError(f"invalid --set value: {_one_line(str(exc))}", str(chart)) from None
        return merged

    def values(self, chart: Path, options: RenderOptions) -> dict[str, Any]:
        loaded = self._load(chart)
        try:
            merged: dict[str, Any] = loaded.merge_values(self._user_values(options, None, chart))
        except self.helm.HelmError as exc:
            raise InputError(f"invalid values: {_one_line(str(exc))}", str(chart)) from None
        return merged

    def render(self, chart: Path, options: RenderOptions, overlay: dict[str, Any] | None = None,
               values: dict[str, Any] | None = None) -> Rendered:
        import json

        from helm_python import _native  # render's kube_version is not in the public wrapper

        loaded = self._load(chart)
        if values is None:
            values = self._user_values(options, overlay, chart)
        settings: dict[str, Any] = {"name": options.release_name, "is_install": True,
                                    "revision": 1}
        if options.namespace:
            settings["namespace"] = options.namespace
        if options.kube_version:
            settings["kube_version"] = options.kube_version
        try:
            files = json.loads(_native.call_string("helm_render", loaded._raw(),
                                                   json.dumps(values), json.dumps(settings)))
        except self.helm.HelmError as exc:
            raise InputError(f"chart failed to render: {_one_line(str(exc))}",
                             str(chart)) from None
        manifests, not_yaml = split_rendered(files)
        if not_yaml:  # Helm refuses the whole chart when a template renders invalid YAML
            raise InputError(f"chart failed to render: YAML parse error on {not_yaml[0]}: "
                             "the template renders invalid YAML (helm template --debug "
                             "prints it)", str(chart))
        return Rendered(manifests, stream(manifests), not_yaml)


class HelmBinary:
    """The ``helm`` command: ``helm template`` with the user's options."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._name: str | None = None

    @property
    def name(self) -> str:
        """``helm v3.17.3 (/usr/local/bin/helm)``: the binary's version and path."""
        if self._name is None:
            try:
                done = subprocess.run([self.executable, "version", "--short"],
                                      capture_output=True, text=True, timeout=60, check=False,
                                      stdin=subprocess.DEVNULL)
                version = done.stdout.strip().split("+")[0] if done.returncode == 0 else ""
            except (OSError, subprocess.TimeoutExpired):
                version = ""
            self._name = f"helm {version or '(version unknown)'} ({self.executable})"
        return self._name

    def _run(self, arguments: list[str], chart: Path) -> str:
        try:
            done = subprocess.run([self.executable, *arguments], capture_output=True, text=True,
                                  timeout=300, check=False, stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise InputError(f"cannot run helm: {exc}", str(chart)) from None
        except subprocess.TimeoutExpired:
            raise InputError("helm did not finish in 300 s", str(chart)) from None
        if done.returncode != 0:
            message = _one_line(done.stderr).removeprefix("Error: ")
            raise InputError(f"chart failed to render (helm {arguments[0]}): {message}",
                             str(chart))
        return done.stdout

    def render(self, chart: Path, options: RenderOptions, overlay: dict[str, Any] | None = None,
               values: dict[str, Any] | None = None) -> Rendered:
        arguments = ["template", options.release_name, str(chart)]
        if options.namespace:
            arguments += ["--namespace", options.namespace]
        if options.kube_version:
            arguments += ["--kube-version", options.kube_version]
        with tempfile.TemporaryDirectory(prefix="porter-values-") as scratch:
            extra = values if values is not None else overlay
            if values is None:
                for path in options.values_files:
                    arguments += ["--values", str(path)]
            if extra is not None:
                written = Path(scratch) / "values.yaml"
                written.write_text(yaml.safe_dump(extra, sort_keys=False), encoding="utf-8")
                arguments += ["--values", str(written)]
            if values is None:
                for expression in options.set_values:
                    arguments += ["--set", expression]
                for expression in options.set_strings:
                    arguments += ["--set-string", expression]
            text = self._run(arguments, chart)
        return Rendered(_parse_template_output(text), text)

    def values(self, chart: Path, options: RenderOptions) -> dict[str, Any]:
        # Not ``helm show values``: it prints the parent's values only, none of the subcharts'.
        with unpacked(chart) as directory:
            defaults = _directory_defaults(directory)
        merged = merge(defaults, *(read_values_file(f) for f in options.values_files))
        for expression in (*options.set_values, *options.set_strings):
            for assignment in expression.split(","):
                key, _, raw = assignment.partition("=")
                value = raw if expression in options.set_strings else yaml.safe_load(raw or "''")
                put(merged, tuple(key.strip().split(".")), value)
        return merged


def _null_paths(values: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for key, value in values.items():
        path = (*prefix, str(key))
        if value is None:
            found.append(path)
        elif isinstance(value, dict):
            found += _null_paths(value, path)
    return found


def _holds_null(values: Any, path: tuple[str, ...]) -> bool:
    for part in path[:-1]:
        if not isinstance(values, dict):
            return False
        values = values.get(part)
    return isinstance(values, dict) and path[-1] in values and values[path[-1]] is None


def _parse_template_output(text: str) -> list[Manifest]:
    from porter.charts.manifests import source_ranges

    lines = text.splitlines()
    manifests = []
    for found in source_ranges(text):
        body = "\n".join(lines[found.content - 1:found.last]).strip()
        try:
            head = load_one(body, found.source, templates=False,
                                last_key_wins=True) if body else None
        except InputError:
            head = None  # converting it reports what is wrong, and where
        kind = str(head.get("kind") or "") if isinstance(head, dict) else ""
        manifests.append(Manifest(found.source, body, kind))
    return manifests


def _directory_defaults(chart: Path) -> dict[str, Any]:
    """A chart directory's values with its subcharts' under their names (globals shared)."""
    values = read_values_file(chart / "values.yaml") if (chart / "values.yaml").is_file() else {}
    aliases = dependency_aliases(chart)
    charts = chart / "charts"
    for sub in sorted(charts.iterdir()) if charts.is_dir() else []:
        sub_values, name = _subchart_defaults(sub)
        if name is None:
            continue
        key = aliases.get(name, name)
        own = values.get(key) if isinstance(values.get(key), dict) else {}
        values[key] = merge(sub_values, own)
    return values


def dependency_aliases(chart: Path) -> dict[str, str]:
    try:
        metadata = load_one((chart / "Chart.yaml").read_text(encoding="utf-8"),
                            str(chart / "Chart.yaml"), templates=False, last_key_wins=True) or {}
    except (OSError, ValueError, InputError):
        return {}
    return {str(d["name"]): str(d["alias"]) for d in metadata.get("dependencies") or []
            if isinstance(d, dict) and d.get("alias") and d.get("name")}


def _subchart_defaults(sub: Path) -> tuple[dict[str, Any], str | None]:
    if sub.is_dir() and (sub / "Chart.yaml").is_file():
        metadata = load_one((sub / "Chart.yaml").read_text(encoding="utf-8"),
                            str(sub / "Chart.yaml"), templates=False, last_key_wins=True) or {}
        return _directory_defaults(sub), str(metadata.get("name") or sub.name)
    if sub.name.endswith(".tgz"):
        with tarfile.open(sub) as archive:
            names = archive.getnames()
            top = names[0].split("/")[0] if names else sub.stem
            try:
                member = archive.extractfile(f"{top}/values.yaml")
                data = load_one(member.read().decode("utf-8", "replace"),
                                f"{sub}:{top}/values.yaml", templates=False,
                                last_key_wins=True) if member else None
            except KeyError:
                data = None
        return (data if isinstance(data, dict) else {}), top
    return {}, None
