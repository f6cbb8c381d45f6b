"""Byte-preserving YAML edits: parse with node offsets, diff plain data as RFC 6902
operations, splice only those into the original text.

This layer knows nothing of Kubernetes or of porter's findings; it could be published as a
library of its own.

The public API is :func:`edit_document` (an RFC 6902 patch applied to one document of a
text, verified, with how it was written) and :func:`write_changes` (many documents at once,
as porter's pipeline does); see ``porter.yamledit.editing``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REDUMPED", "REFUSED", "SPLICED", "UNCHANGED", "Change", "Edited", "edit_document",
           "write_changes"]


def __getattr__(name: str) -> Any:
    # Lazily: the fallback writer (ruamel.yaml) is only imported when an edit is written.
    if name in __all__:
        from porter.yamledit import editing

        return getattr(editing, name)
    raise AttributeError(name)
