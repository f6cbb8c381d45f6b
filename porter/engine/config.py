"""Configuration: ``porter.yaml`` (or ``--config``) and command-line options, validated."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from porter.engine.findings import Severity
from porter.engine.registry import find_rule, transform_by_id, transform_types
from porter.engine.transform import Transform, option_fields
from porter.errors import ConfigError, InputError
from porter.images.facts import ImageFacts
from porter.images.settings import ImageSettings
from porter.kube.windows_versions import DEFAULT_TARGET, target
from porter.yamledit.reading import load_one

if TYPE_CHECKING:
    from porter.images.resolve import Resolver

CONFIG_NAME = "porter.yaml"
FAIL_ON = ("error", "warning", "never")
_TOP_KEYS = ("disable", "only", "options", "fail-on", "target-windows", "select", "ignore",
             "images")
_IMAGE_KEYS = {"resolve": bool, "cache": str, "insecure-registries": list, "timeout": float,
               "budget": float, "ttl": float, "concurrency": int}


@dataclass
class Config:
    """Everything a run is configured with; options are validated per transform."""

    disable: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: str = "error"
    source: str | None = None
    target_windows: str = DEFAULT_TARGET
    """The Windows Server version of the nodes (ltsc2019, ltsc2022, ltsc2025)."""
    select: frozenset[str] | None = None
    """Rule codes to report (None: every rule); the others are suppressed."""
    ignore: frozenset[str] = frozenset()
    """Rule codes never to report."""
    images: ImageSettings = field(default_factory=ImageSettings)
    """Whether and how to ask registries about images (``images:``, ``--resolve-images``)."""

    def __post_init__(self) -> None:
        for code in sorted((*(self.select or ()), *self.ignore)):
            if find_rule(code) is None:
                raise ConfigError(f"unknown rule {code!r} in select/ignore (see porter rules)",
                                  self.source)
        try:
            self.target = target(self.target_windows)
        except ConfigError as exc:
            raise ConfigError(exc.message, self.source) from None
        for transform_id in (*self.disable, *(self.only or ()), *self.options):
            transform_by_id(transform_id)
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {self.fail_on!r}",
                              self.source)
        self._built: dict[str, Any] = {
            t.id: build_options(t, self.options.get(t.id, {}), self.source)
            for t in transform_types()
        }

    def enabled(self) -> list[Transform]:
        """Instances of the enabled transforms, in pipeline order."""
        return [t(self._built[t.id]) for t in transform_types()
                if t.id not in self.disable and (self.only is None or t.id in self.only)]

    def image_resolver(self) -> Resolver | None:
        """The run's resolver (one per configuration), or None when resolution is off."""
        if not self.images.resolve:
            return None
        resolver = self.__dict__.get("_resolver")
        if resolver is None:
            from porter.images.resolve import Resolver  # registries: with --resolve-images

            resolver = self.__dict__["_resolver"] = Resolver(self.images)
        return resolver

    def image_facts(self, image: str) -> ImageFacts | None:
        """What the registry says about ``image``; None when resolution is off."""
        resolver = self.image_resolver()
        return None if resolver is None else resolver.facts(image)

    def options_for(self, transform_id: str) -> Any:
        return self._built[transform_id]

    def fails(self, severity: Severity) -> bool:
        if self.fail_on == "never":
            return False
        return severity.rank >= Severity(self.fail_on).rank

    def with_options(self, extra: dict[str, dict[str, Any]]) -> Config:
        merged = {k: dict(v) for k, v in self.options.items()}
        for transform_id, values in extra.items():
            merged.setdefault(transform_id, {}).update(values)
        return dataclasses.replace(self, options=merged)


def build_options(transform: type[Transform], raw: dict[str, Any], source: str | None) -> Any:
    """The transform's Options instance from config values, naming any unknown key."""
    fields = option_fields(transform.Options)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise ConfigError(f"unknown option {key!r} for transform {transform.id!r} "
                              f"(known: {known})", source)
        values[fields[key].name] = coerce(value, str(fields[key].type),
                                          f"{transform.id}.{key}", source)
    try:
        return transform.Options(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"options of {transform.id!r}: {exc}", source) from None


def coerce(value: Any, annotation: str, name: str, source: str | None) -> Any:
    """Check (and, for command-line strings, convert) one option value against its type."""
    optional = annotation.endswith("| None")
    base = annotation.removesuffix("| None").strip()
    if value is None and optional:
        return None
    if base == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        if isinstance(value, bool):
            return value
    elif base == "int":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif base == "str":
        if isinstance(value, str):
            return value
    elif base.startswith(("dict[str, str]", "Mapping[str, str]")):
        if isinstance(value, str):
            value = dict(_pair(part, name, source) for part in value.split(",") if part)
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {k: str(v) for k, v in value.items()}
    elif base.startswith(("tuple[str, ...]", "list[str]")):
        if isinstance(value, str):
            value = [part for part in value.split(",") if part]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    raise ConfigError(f"option {name} must be {annotation}, not {value!r}", source)


def _pair(text: str, name: str, source: str | None) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise ConfigError(f"option {name} takes KEY=VALUE pairs, not {text!r}", source)
    return key.strip(), value.strip()


def load_config(path: Path | None, *, required: bool) -> Config:
    """Read ``path`` (or ``porter.yaml`` in the working directory when it exists)."""
    if path is None:
        candidate = Path(CONFIG_NAME)
        if not candidate.is_file():
            return Config()
        path = candidate
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError("config file not found", name) from None
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", name) from None
    try:
        raw = load_one(text, name)  # bounded: an alias bomb planted in a pull request is refused
    except InputError as exc:
        raise ConfigError(exc.message, name, exc.line, exc.column) from None
    try:
        return config_from_mapping(raw or {}, name)
    except ConfigError:
        pass  # find every problem, each at its line (the text is known to be bounded now)
    problems = _problems(raw or {}, yaml.compose(text), name)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigProblems(problems)
    return config_from_mapping(raw or {}, name)


class ConfigProblems(ConfigError):
    """Several problems in one config file, each on its own located line."""

    def __init__(self, problems: list[ConfigError]) -> None:
        first = problems[0]
        super().__init__(first.message, first.file, first.line, first.column)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(ConfigError.__str__(problem) for problem in self.problems)


def _positions(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], tuple[int, int]]:
    """1-based line and column of every key and list item of a composed YAML node."""
    found: dict[tuple[Any, ...], tuple[int, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*path, key.value)
                found[here] = (key.start_mark.line + 1, key.start_mark.column + 1)
                found.update(_positions(value, here))
    elif isinstance(node, yaml.SequenceNode):
        for number, item in enumerate(node.value):
            here = (*path, number)
            found[here] = (item.start_mark.line + 1, item.start_mark.column + 1)
            found.update(_positions(item, here))
    return found


def _problems(raw: Any, node: Any, name: str) -> list[ConfigError]:
    """Every problem of the config, each at the key or list item it is about: each part is
    checked on its own, so that one mistake does not hide the next."""
    if not isinstance(raw, dict):
        return [ConfigError("config must be a mapping", name, 1, 1)]
    positions = _positions(node)
    parts: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for key, value in raw.items():
        if key == "options" and isinstance(value, dict):
            for transform_id, options in value.items():
                if isinstance(options, dict) and options:
                    parts.extend(((key, transform_id, option), {key: {transform_id: {option: v}}})
                                 for option, v in options.items())
                else:
                    parts.append(((key, transform_id), {key: {transform_id: options}}))
        elif key in ("disable", "only", "select", "ignore") and isinstance(value, list):
            parts.extend(((key, number), {key: [item]}) for number, item in enumerate(value))
        else:
            parts.append(((key,), {key: value}))
    problems = []
    for where, part in parts:
        try:
            config_from_mapping(part, name)
        except ConfigError as exc:
            line, column = positions.get(where, positions.get(where[:1], (None, None)))
            problems.append(ConfigError(exc.message, name, line, column))
    return problems


def config_from_mapping(raw: Any, source: str | None = None) -> Config:
    if not isinstance(raw, dict):
        raise ConfigError("config must be a mapping", source)
    for key in raw:
        if key not in _TOP_KEYS:
            raise ConfigError(f"unknown config key {key!r} (known: {', '.join(_TOP_KEYS)})",
                              source)
    options = raw.get("options") or {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise ConfigError("options must map transform ids to mappings of options", source)
    only = raw.get("only")
    return Config(
        disable=frozenset(_ids(raw.get("disable") or [], "disable", source)),
        only=None if only is None else frozenset(_ids(only, "only", source)),
        options={str(k): dict(v) for k, v in options.items()},
        fail_on=str(raw.get("fail-on", "error")),
        source=source,
        target_windows=str(raw.get("target-windows", DEFAULT_TARGET)),
        select=None if raw.get("select") is None else
        frozenset(_codes(raw["select"], "select", source)),
        ignore=frozenset(_codes(raw.get("ignore") or [], "ignore", source)),
        images=_images(raw.get("images"), source),
    )


def _images(value: Any, source: str | None) -> ImageSettings:
    """``images: {resolve: true, cache: FILE, insecure-registries: [HOST], timeout: S,
    budget: S, ttl: S, concurrency: N}``; a relative cache path is the config file's."""
    if value is None:
        return ImageSettings()
    if not isinstance(value, dict):
        raise ConfigError("images must be a mapping (for example {resolve: true})", source)
    values: dict[str, Any] = {}
    for key, item in value.items():
        kind = _IMAGE_KEYS.get(key)
        if kind is None:
            raise ConfigError(f"unknown key images.{key} (known: {', '.join(_IMAGE_KEYS)})",
                              source)
        good = (isinstance(item, bool) if kind is bool else
                isinstance(item, int | float) and not isinstance(item, bool) and item > 0
                if kind in (float, int) else isinstance(item, kind))
        if kind is int:
            good = good and isinstance(item, int)
        if kind is list:
            good = good and all(isinstance(v, str) for v in item)
        if not good:
            raise ConfigError(f"images.{key} must be "
                              + {bool: "true or false", str: "a file name",
                                 list: "a list of hosts", float: "a positive number of seconds",
                                 int: "a positive integer"}[kind] + f", not {item!r}", source)
        values[key] = item
    cache = values.get("cache")
    if cache is not None and source is not None and not Path(cache).is_absolute():
        cache = str(Path(source).parent / cache)
    return ImageSettings(resolve=values.get("resolve", False),
                         cache_file=Path(cache) if cache else None,
                         insecure=frozenset(values.get("insecure-registries", ())),
                         timeout=float(values.get("timeout", ImageSettings.timeout)),
                         budget=float(values.get("budget", ImageSettings.budget)),
                         ttl=float(values.get("ttl", ImageSettings.ttl)),
                         concurrency=int(values.get("concurrency", ImageSettings.concurrency)))


def _codes(value: Any, key: str, source: str | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of rule codes", source)
    return value


def _ids(value: Any, key: str, source: str | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of transform ids", source)
    return value
