"""How porter asks registries about images: the settings alone (every run reads them; the
resolver is loaded only when resolution is on)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_TTL = 24 * 3600.0
"""Seconds an image's facts stay fresh in a cache."""


@dataclass(frozen=True)
class ImageSettings:
    """``images:`` in ``porter.yaml`` and the ``--resolve-images`` family of flags."""

    resolve: bool = False
    cache_file: Path | None = None
    """``--image-cache FILE``: read first, written with every answer."""
    insecure: frozenset[str] = frozenset()
    """``--insecure-registry HOST``: plain HTTP for these hosts."""
    timeout: float = 5.0
    retries: int = 2
    budget: float = 60.0
    """Seconds the whole run may spend asking registries."""
    concurrency: int = 8
    ttl: float = DEFAULT_TTL
    user_cache: bool = True
    docker_config: Path | None = None
    """Default: ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``."""
