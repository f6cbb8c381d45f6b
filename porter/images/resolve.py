"""Resolving a run's images: each distinct reference once, concurrently, through the caches.

Order of answers: this run's memory, the ``--image-cache`` file (no TTL: CI gets the same
answer offline), the user cache (TTL), then the registry. Registry answers go to both caches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from porter.images.cache import FactsFile, user_cache_file
from porter.images.credentials import Credentials
from porter.images.facts import ImageFacts
from porter.images.reference import ReferenceError, parse
from porter.images.settings import ImageSettings

if TYPE_CHECKING:  # the HTTP client is loaded when an image is first looked up
    from porter.images.registry import Client


class Resolver:
    """Facts for image references, each asked for at most once per run."""

    def __init__(self, settings: ImageSettings) -> None:
        self.settings = settings
        self._memo: dict[str, ImageFacts] = {}
        self._lock = threading.Lock()
        self._started: float | None = None
        self.file = FactsFile(settings.cache_file, None) if settings.cache_file else None
        self.user = FactsFile(user_cache_file(), settings.ttl) if settings.user_cache else None
        self._client: Client | None = None
        self.asked = 0
        """How many references went to a registry (for the summary and the benchmark)."""

    def __getstate__(self) -> dict[str, Any]:
        # Worker processes get the answers found so far; they ask registries only for the
        # (rare) image the prefetch did not see, and keep no cache of their own.
        state = dict(self.__dict__)
        state["_lock"] = None
        state["_client"] = None
        state["user"] = None
        state["file"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def notes(self) -> list[str]:
        return [c.error for c in (self.file, self.user) if c is not None and c.error]

    def _deadline(self) -> float:
        if self._started is None:
            self._started = time.monotonic()
        return self._started + self.settings.budget

    def client(self) -> Client:
        if self._client is None:
            from porter.images.registry import Client, ClientSettings

            self._client = Client(ClientSettings(self.settings.timeout, self.settings.retries,
                                                 self.settings.insecure),
                                  Credentials(self.settings.docker_config), self._deadline)
        return self._client

    def facts(self, image: str) -> ImageFacts:
        """What the registry says about ``image`` (never raises)."""
        try:
            reference = parse(image)
        except ReferenceError as exc:
            return ImageFacts(image, error=f"not a valid image reference: {exc}")
        key = str(reference)
        with self._lock:
            known = self._memo.get(key)
        if known is not None:
            return known
        found = None
        for cache in (self.file, self.user):
            found = cache.get(key) if cache is not None else None
            if found is not None:
                break
        if found is None:
            with self._lock:
                self.asked += 1
                client = self.client()
            found = client.resolve(reference)
        with self._lock:
            found = self._memo.setdefault(key, found)
            for cache in (self.file, self.user):
                if cache is not None:
                    cache.put(found)
        return found

    def prefetch(self, images: Iterable[str]) -> None:
        """Resolve the distinct ``images`` concurrently (bounded), before the conversion."""
        distinct = list(dict.fromkeys(images))
        if not distinct:
            return
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(self.settings.concurrency, len(distinct)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(self.facts, distinct))

    def save(self) -> None:
        """Write the caches (a cache that cannot be written only costs the next run time)."""
        for cache in (self.file, self.user):
            if cache is None:
                continue
            try:
                cache.save()
            except OSError as exc:
                cache.error = f"{cache.path}: cannot write the image cache ({exc})"
