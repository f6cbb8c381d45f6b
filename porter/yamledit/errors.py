"""Errors about the input text: one located line each, never a traceback."""

from __future__ import annotations


class LocatedError(Exception):
    """An error with an optional location (file, 1-based line and column)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def located(self, file: str) -> LocatedError:
        """The same error, naming ``file`` when it did not name one yet."""
        if self.file is None:
            self.file = file
        return self

    def __str__(self) -> str:
        where = printable(self.file or "-")
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: error: {self.message}"


class InputError(LocatedError):
    """Bad input: unreadable, undecodable or invalid YAML, or refused as hostile."""


_UNPRINTABLE = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, 0x85)} | \
    {0x2028: "\\u2028", 0x2029: "\\u2029", ord("\n"): "\\n", ord("\r"): "\\r",
     ord("\t"): "\\t"}


def printable(name: str) -> str:
    """A file name fit for a one-line message: line breaks and control characters escaped
    (``a\\nb.yaml``), so that a name cannot split or forge an error line."""
    return name if name.isprintable() else name.translate(_UNPRINTABLE)
