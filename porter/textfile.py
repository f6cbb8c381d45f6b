"""Decoding input bytes to text and back, keeping the BOM, encoding and line ends as found."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from porter.errors import InputError

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
    """Decode ``data``: a BOM picks the encoding, else strict UTF-8; binary data is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return SourceText(body.decode(encoding), encoding, bom)
            except UnicodeDecodeError as exc:
                raise _decode_error(body, exc, name, encoding) from None
    if b"\x00" in data:
        line, column = _position(data, data.index(b"\x00"))
        raise InputError("binary file (NUL byte), not YAML text", name, line, column)
    try:
        return SourceText(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _decode_error(data, exc, name, "utf-8") from None


def _decode_error(data: bytes, exc: UnicodeDecodeError, name: str, encoding: str) -> InputError:
    line, column = _position(data, exc.start)
    byte = data[exc.start]
    return InputError(f"not valid {encoding.upper()} text (byte 0x{byte:02x})", name, line, column)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    head = data[:offset]
    line = head.count(b"\n") + 1
    column = offset - (head.rfind(b"\n") + 1) + 1
    return line, column
