"""RFC 6901 JSON Pointers for paths of mapping keys and sequence indexes."""

from __future__ import annotations


def json_pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    joined = "/".join(map(str, path))
    # Nothing to escape (no "~", and no "/" but the separators): the common case, at once.
    if "~" not in joined and joined.count("/") == len(path) - 1:
        return "/" + joined if path else ""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """Inverse of :func:`json_pointer` (indexes come back as strings)."""
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
