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
        where = self.file or "-"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: error: {self.message}"


class InputError(LocatedError):
    """Bad input: unreadable, undecodable or invalid YAML, or refused as hostile."""
