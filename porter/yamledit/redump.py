"""Fallback writer: ruamel.yaml round trip of one document, for layouts the splicer declines.

Comments and key order survive (ruamel keeps them); only that document's formatting may
differ from the input. Used rarely; the pipeline counts it.
"""

from __future__ import annotations

import io
from typing import Any

import jsonpatch
from ruamel.yaml import YAML


def redump(document_text: str, patch: list[dict[str, Any]], map_step: int,
           seq_offset: int) -> str:
    """``document_text`` (one document's root node text) with ``patch`` applied."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=map_step, sequence=seq_offset + 2, offset=seq_offset)
    data = yaml.load(document_text)
    data = jsonpatch.apply_patch(data, patch, in_place=True)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
