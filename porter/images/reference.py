"""Image references, normalised as Docker and containerd read them.

``nginx`` is ``docker.io/library/nginx:latest``: the first path component names a registry
only when it holds a ``.`` or a ``:`` or is ``localhost`` (distribution's
``reference.ParseNormalizedNamed``); Docker Hub's API host is ``registry-1.docker.io``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")

# distribution/reference grammar (path components, tag, digest).
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}")
_HOST = re.compile(r"(?:\[[0-9a-fA-F:]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::\d+)?")


class ReferenceError(ValueError):
    """Not a valid image reference."""


@dataclass(frozen=True)
class Reference:
    registry: str
    """Host (and port) as written, with Docker Hub's aliases as ``docker.io``."""
    repository: str
    tag: str | None
    digest: str | None

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def version(self) -> str:
        """What the manifest endpoint is asked for: the digest when there is one."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse(image: str) -> Reference:
    """The normalised reference of ``image``; :class:`ReferenceError` when it is not one."""
    text = image.strip()
    name, at, digest = text.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        raise ReferenceError(f"invalid digest {digest!r}")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
        if not _HOST.fullmatch(registry):
            raise ReferenceError(f"invalid registry host {registry!r}")
        if registry.lower() in _HUB_ALIASES:
            registry = DOCKER_HUB
    else:
        registry, path = DOCKER_HUB, name
    tag = None
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > last_slash:
        path, tag = path[:colon], path[colon + 1:]
        if not _TAG.fullmatch(tag):
            raise ReferenceError(f"invalid tag {tag!r}")
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not path or not all(_COMPONENT.fullmatch(part) for part in path.split("/")):
        raise ReferenceError(f"invalid repository name {path!r}")
    if tag is None and not at:
        tag = "latest"
    return Reference(registry, path, tag, digest if at else None)
