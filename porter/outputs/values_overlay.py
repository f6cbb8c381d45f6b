"""The Helm values overlay as commented YAML: each value says which rendered fields it sets,
and the end lists what only a template change can fix."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from porter.charts.overlay import Overlay, OverlayEntry
from porter.charts.values import dotted

_INDENT = 2


def _yaml() -> YAML:
    writer = YAML(typ="rt")
    writer.width = 4096
    writer.indent(mapping=_INDENT, sequence=_INDENT + 2, offset=_INDENT)
    writer.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return writer


_OFF = "turns off a chart feature (the chart deploys less: review it)"


def _comment(entry: OverlayEntry) -> str:
    lines = []
    if entry.disables:
        lines.append(f"{_OFF}; removes what only the templates could convert:")
        lines += [f"  {text}" for text in entry.disables]
    for target in entry.targets:
        lines.append(f"sets {target.resource} {target.pointer} ({target.template})")
    if entry.rules:
        lines.append(f"porter rules: {', '.join(entry.rules)} (porter explain RULE)")
    return "\n".join(lines)


def _tree(overlay: Overlay) -> CommentedMap:
    root = CommentedMap()
    for entry in overlay.entries:
        node = root
        for part in entry.path[:-1]:
            child = node.get(part)
            if not isinstance(child, CommentedMap):
                child = node[part] = CommentedMap()
            node = child
        key = entry.path[-1]
        node[key] = _commented(entry.value)
        node.yaml_set_comment_before_after_key(key, before=_comment(entry),
                                               indent=_INDENT * (len(entry.path) - 1))
    return root


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _commented(item)
        return mapping
    if isinstance(value, list):
        return [_commented(item) for item in value]
    return value


def render(overlay: Overlay) -> str:
    """The overlay file: a header, the values, then the template-only changes as comments."""
    head = [
        f"# Helm values overlay for Windows nodes: chart {overlay.chart_name} "
        f"({overlay.chart}), made by porter.",
        "# Pass it after your own values, e.g.:",
        f"#   helm upgrade --install RELEASE {overlay.chart} -f your-values.yaml -f THIS_FILE",
        "# null deletes a chart default. Each value names the rendered fields it sets.",
    ]
    if not overlay.entries:
        head.append("# No chart value reaches a field that needs converting.")
    out = io.StringIO()
    if overlay.entries:
        _yaml().dump(_tree(overlay), out)
    else:
        out.write("{}\n")
    tail: list[str] = [f"# {effect(overlay)}"]
    if overlay.switched_off:
        tail.append("# Chart features turned off (this changes what the chart deploys; each "
                    "was kept only if every Windows-bound workload still renders, with fewer "
                    "changes left and no new finding):")
        tail += [f"#   - {dotted(e.path)}: false (removes {len(e.disables)} change"
                 f"{'s' * (len(e.disables) != 1)} only the templates could make)"
                 for e in overlay.switched_off]
    if overlay.conflicts:
        tail.append("# Not set:")
        tail += [f"#   - {text}" for text in overlay.conflicts]
    if overlay.template_only:
        tail.append("# Only a template change can fix these (or run porter as a Helm "
                    "post-renderer):")
        for change in overlay.template_only:
            where = f"{change.template}:{change.line}" if change.line else change.template
            tail.append(f"#   - {where}: {change.resource} {change.pointer}: {change.change}")
    elif overlay.verified:
        tail.append("# With this overlay the chart renders manifests porter leaves unchanged.")
    if overlay.skipped:
        tail.append(f"# Values not probed ({len(overlay.skipped)} of {overlay.probes} "
                    "candidates; what they feed is not known):")
        tail += [f"#   - {dotted(s.path)}: {s.reason}" for s in overlay.skipped]
    return "\n".join(head) + "\n" + out.getvalue() + "".join(t + "\n" for t in tail)


def effect(overlay: Overlay) -> str:
    """What the overlay alone achieves, counted over the Windows-bound pod specs."""
    pods = overlay.pods
    text = (f"with the overlay alone, of {pods.total} Windows-bound pod spec"
            f"{'s' * (pods.total != 1)}: {pods.clean} clean, {pods.os_only} only miss "
            f"spec.os")
    if pods.equivalent:
        text += (f" ({pods.equivalent} also keep what the Windows node does the same "
                 "anyway: Linux mount paths, which the kubelet mounts under C: itself, false "
                 "host-namespace fields, or emptyDir medium: Memory, which it keeps on disk)")
    text += f", {pods.templates} need the templates"
    if not overlay.verified:
        text += " (unverified: the chart does not render with it)"
    return text


def summary(overlay: Overlay, path: str) -> str:
    """The lines for stderr: how many values were set and what stays template-only."""
    lines = [f"porter: values overlay for {overlay.chart}: {len(overlay.entries)} value"
             f"{'s' * (len(overlay.entries) != 1)} written to {path}; "
             f"{len(overlay.template_only)} change{'s' * (len(overlay.template_only) != 1)} "
             "need the templates",
             f"  {effect(overlay)}",
             f"  probes: {overlay.tried} of {overlay.probes} candidate values tried in "
             f"{overlay.renders} render{'s' * (overlay.renders != 1)} "
             f"({overlay.seconds:.1f} s); {len(overlay.skipped)} not (listed in the file)"]
    for entry in overlay.switched_off:
        lines.append(f"  feature turned off: {dotted(entry.path)}: false (the chart deploys "
                     f"less; it removes: {'; '.join(entry.disables)})")
    for change in overlay.template_only:
        where = f"{change.template}:{change.line}" if change.line else change.template
        lines.append(f"  template-only {where}: {change.resource} {change.pointer}: "
                     f"{change.change}")
    lines += [f"  not set: {text}" for text in overlay.conflicts]
    return "\n".join(lines) + "\n"
