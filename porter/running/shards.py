"""``--shard K/N``: a stable partition of a run's inputs, for CI matrices.

A file's shard is a hash of its path below its input root (``SHA-256 mod N``): the same on
every machine and in every checkout directory, whatever the other files, so each of N jobs
converts its own files and together they convert each file exactly once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from porter.charts.inputs import ChartInput
from porter.errors import ConfigError, InputError
from porter.running.inputs import InputFile

_SPEC = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Shard:
    index: int
    """1-based, as CI matrices count."""
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SPEC.fullmatch(text.strip())
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise ConfigError(f"--shard takes K/N with 1 <= K <= N (like 2/4), not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def holds(self, item: InputFile | ChartInput | InputError) -> bool:
        return shard_of(_key(item), self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(key: str, count: int) -> int:
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def _key(item: InputFile | ChartInput | InputError) -> str:
    if isinstance(item, InputError):  # a missing argument: reported by one shard only
        return f"error:{item.file or item.message}"
    return item.relative.replace("\\", "/")
