"""Decoding input bytes to text and back, keeping the BOM, encoding and line ends as found."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from porter.yamledit.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class SourceText:
    """A file's text without its BOM; ``encode`` gives back the exact bytes for unchanged text."""

    text: str
    encoding: str = "utf-8"
    bom: bytes = b""

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)


def decode(data: bytes, name: str) -> SourceText:
    """Decode ``data``: a BOM picks the encoding, else the pattern of NUL bytes in its first
    four bytes (YAML 1.2 §5.2: UTF-16 or UTF-32 without a BOM), else strict UTF-8; binary
    data is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return SourceText(body.decode(encoding), encoding, bom)
            except UnicodeDecodeError as exc:
                raise _decode_error(body, exc, name, encoding) from None
    encoding = _without_bom(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.end == len(data) and "truncated" in exc.reason:
                # UTF-16 or UTF-32 text cut short (an odd number of bytes): say so.
                raise InputError(f"{encoding.upper()} text cut short: {len(data):,} bytes, "
                                 f"not a whole number of characters", name,
                                 *_text_position(data[:exc.start], encoding)) from None
            text = "\x00"  # not that encoding after all: binary
        if not _CONTROL.search(text):
            return SourceText(text, encoding)
    if b"\x00" in data:
        line, column = _position(data, data.index(b"\x00"))
        raise InputError("binary file (NUL byte), not YAML text", name, line, column)
    try:
        return SourceText(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _decode_error(data, exc, name, "utf-8") from None


_TEXT_BYTES = frozenset(b"\t\n\r" + bytes(range(0x20, 0x7F)))
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_bom(data: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding that the first (ASCII) character of ``data`` shows."""
    head = data[:4]
    if len(head) == 4 and head[:3] == b"\x00\x00\x00" and head[3] in _TEXT_BYTES:
        return "utf-32-be"
    if len(head) == 4 and head[1:] == b"\x00\x00\x00" and head[0] in _TEXT_BYTES:
        return "utf-32-le"
    if len(head) >= 2 and head[0] == 0 and head[1] in _TEXT_BYTES:
        return "utf-16-be"
    if len(head) >= 2 and head[1] == 0 and head[0] in _TEXT_BYTES:
        return "utf-16-le"
    return None


def _decode_error(data: bytes, exc: UnicodeDecodeError, name: str, encoding: str) -> InputError:
    """The place of the first bad byte, in characters (what an editor shows)."""
    head = data[:exc.start].decode(encoding, "replace")
    line = head.count("\n") + 1
    column = len(head) - (head.rfind("\n") + 1) + 1
    bad = " ".join(f"0x{byte:02x}" for byte in data[exc.start:max(exc.end, exc.start + 1)])
    what = "byte" if " " not in bad else "bytes"
    return InputError(f"not valid {encoding.upper()} text ({what} {bad})", name, line, column)


def _text_position(head: bytes, encoding: str) -> tuple[int, int]:
    """Line and column just after ``head``, text in ``encoding``."""
    text = head.decode(encoding, "replace")
    return text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1


def _position(data: bytes, offset: int) -> tuple[int, int]:
    head = data[:offset]
    line = head.count(b"\n") + 1
    column = offset - (head.rfind(b"\n") + 1) + 1
    return line, column
