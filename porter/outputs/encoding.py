"""Output text as bytes, file names that are not UTF-8 included.

A name such as ``caf\\xe9.yaml`` (Latin-1 on disk) reaches porter as ``caf\\udce9.yaml``, the
surrogate escape of ``os.fsdecode``. Text outputs write the name's original bytes back, as
git does and ``os.fsencode`` would; JSON outputs (reports, SARIF, patches) write the escape as
``\\udce9``, which is valid JSON and which ``os.fsencode(json.loads(...))`` turns back into
the name's bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def to_bytes(text: str) -> bytes:
    """``text`` as UTF-8, with surrogate-escaped name bytes written back as they were."""
    return text.encode("utf-8", "surrogateescape")


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` with non-ASCII text kept readable and lone surrogates escaped (only
    strings can hold them, so the escapes land inside JSON strings)."""
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
