"""Errors about the user's input or configuration: one line each, never a traceback.

``InputError`` is the YAML layer's own (bad input text); porter adds configuration errors.
"""

from __future__ import annotations

from porter.yamledit.errors import InputError, LocatedError

PorterError = LocatedError
"""Any user-facing error: bad input (exit status 2) or bad configuration or usage (2)."""

__all__ = ["ConfigError", "InputError", "PorterError", "WriteError"]


class ConfigError(PorterError):
    """Bad configuration or usage (exit status 2)."""


class WriteError(PorterError):
    """An output could not be written (a full disk, a closed pipe, permissions): exit status
    2, counted apart from bad input."""
