"""What a registry says about one image: its platforms, or why it could not say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Platform:
    """One entry of an image index, or the platform of a single image's config blob."""

    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""
    """``os.version``: for Windows the full build, e.g. ``10.0.20348.2227``."""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}" + (f"/{self.variant}" if self.variant else "")
        return text + (f" {self.os_version}" if self.os_version else "")

    def to_dict(self) -> dict[str, str]:
        data = {"os": self.os, "architecture": self.architecture}
        if self.variant:
            data["variant"] = self.variant
        if self.os_version:
            data["os.version"] = self.os_version
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Platform:
        """From an OCI ``platform`` object (or an image config, which has the same keys)."""
        return cls(str(data.get("os") or ""), str(data.get("architecture") or ""),
                   str(data.get("variant") or ""), str(data.get("os.version") or ""))


@dataclass(frozen=True)
class ImageFacts:
    """The answer for one image reference: ``platforms`` when resolved, else ``error``."""

    reference: str
    """The normalised reference (``docker.io/library/nginx:latest``)."""
    platforms: tuple[Platform, ...] = ()
    digest: str | None = None
    """The digest of the manifest or index the registry returned."""
    error: str | None = None
    """Why the registry could not answer (one line), or None."""

    @property
    def resolved(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "digest": self.digest,
                "platforms": [p.to_dict() for p in self.platforms]}

    @classmethod
    def from_dict(cls, data: Any) -> ImageFacts:
        return cls(str(data["reference"]), tuple(Platform.from_dict(p)
                                                 for p in data.get("platforms") or ()),
                   data.get("digest"))
