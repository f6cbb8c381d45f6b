"""The RuntimeClass manifest that RuntimeClass mode (os-scheduling.runtime-class) needs."""

from __future__ import annotations

from porter.engine.config import Config
from porter.kube.scheduling import runtime_class
from porter.yamledit.emitting import Layout, mapping_after_dash


def render(config: Config) -> str | None:
    """The RuntimeClass YAML when RuntimeClass mode is on, else None."""
    options = config.options_for("os-scheduling")
    if not options.runtime_class:
        return None
    manifest = runtime_class(options.runtime_class, config.target.build, options.toleration)
    return "\n".join(mapping_after_dash(manifest, 0, Layout(seq_offset=0))) + "\n"
