"""Facts kept between runs: the user cache (with a TTL) and a cache file for offline CI.

Entries are keyed by the normalised reference, which holds the digest when the image is
pinned by one: a digest's platforms never change, so such entries never expire; a tag's
entry (which records the digest it resolved to) is trusted for ``ttl`` seconds. Only
answers are kept, never failures: an unreachable registry is asked again next run.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from porter.images.facts import ImageFacts

FORMAT = 1


def user_cache_file() -> Path:
    """``$PORTER_CACHE_DIR``, else ``$XDG_CACHE_HOME/porter``, else ``~/.cache/porter``."""
    base = os.environ.get("PORTER_CACHE_DIR")
    if base:
        return Path(base) / "images.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "porter" / "images.json"


class FactsFile:
    """One JSON file of facts: ``{"format": 1, "images": {reference: {..., "at": time}}}``."""

    def __init__(self, path: Path, ttl: float | None) -> None:
        self.path = path
        self.ttl = ttl
        self.entries: dict[str, dict[str, Any]] = {}
        self.error: str | None = None
        self._loaded: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self.error = f"{path}: not a porter image cache ({exc}); it is rewritten"
            return
        images = data.get("images") if isinstance(data, dict) else None
        if not isinstance(images, dict) or data.get("format") != FORMAT:
            self.error = f"{path}: not a porter image cache (format {FORMAT}); it is rewritten"
            return
        self.entries = {k: v for k, v in images.items() if isinstance(v, dict)}
        self._loaded = dict(self.entries)

    def get(self, reference: str) -> ImageFacts | None:
        entry = self.entries.get(reference)
        if entry is None:
            return None
        pinned = "@" in reference
        at = entry.get("at")
        if self.ttl is not None and not pinned and (
                not isinstance(at, int | float) or time.time() - at > self.ttl):
            return None
        try:
            return ImageFacts.from_dict(entry)
        except (KeyError, TypeError, AttributeError):
            return None

    def put(self, facts: ImageFacts) -> None:
        if not facts.resolved:
            return
        old = self.entries.get(facts.reference)
        if old is not None and {k: v for k, v in old.items() if k != "at"} == facts.to_dict() \
                and self.get(facts.reference) is not None:
            return  # the same answer, still fresh: the file need not change
        self.entries[facts.reference] = {**facts.to_dict(), "at": int(time.time())}

    def save(self) -> None:
        """Write when something changed, atomically (a temporary file, then a rename)."""
        if self.entries == self._loaded and self.error is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "images": dict(sorted(self.entries.items()))},
                          indent=1, sort_keys=True) + "\n"
        handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                        suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(name, self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        self._loaded = dict(self.entries)
        self.error = None
