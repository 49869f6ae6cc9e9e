"""Errors of the application shell.

SloscopeError
├── UsageError        a command or request used wrongly (exit 2, HTTP 400)
│   └── QueryRefused  SQL the API does not run: what and why is in the message
├── ServerUnreachable a running ``sloscope serve`` did not answer (exit 2)
└── Busy              every query slot of the API is taken (HTTP 429, retry later)
"""

from __future__ import annotations


class SloscopeError(Exception):
    """Root of the shell's own errors."""


class UsageError(SloscopeError):
    """The command was used wrongly."""


class QueryRefused(UsageError):
    """A query that reads something other than the store, or asks for a clause or a
    statement the API does not run (docs/security.md, "What the API runs")."""


class ServerUnreachable(SloscopeError):
    """``sloscope serve`` holds the store but its API did not answer."""


class Busy(SloscopeError):
    """All the API's query slots are in use; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
