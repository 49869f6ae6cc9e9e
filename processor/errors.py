"""Errors the processor raises, grouped by what the caller can do about them.

    ProcessorError
    ├── InvalidInput          the caller sent something wrong; fix it, do not retry
    │   ├── InvalidDsn        a store DSN that cannot be parsed or is not supported
    │   └── QueryFailed       ClickHouse answered a statement with an error
    └── Unavailable           a dependency is down or busy; retry later
        ├── StoreUnavailable  ClickHouse (embedded or server) refused or failed a call
        │   └── StoreLocked   the embedded data directory is held by another process
        └── Overloaded        the ingest queue is full

Bugs stay ``TypeError``/``RuntimeError``.
"""

from __future__ import annotations


class ProcessorError(Exception):
    """Root of every error the processor raises on purpose."""


class InvalidInput(ProcessorError):
    """The input is wrong and retrying it will not help."""


class InvalidDsn(InvalidInput):
    """A store DSN that cannot be used."""


class QueryFailed(InvalidInput):
    """ClickHouse rejected a statement (syntax, unknown table, a limit, read-only mode)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Unavailable(ProcessorError):
    """A dependency cannot serve the call now; the caller may retry."""


class StoreUnavailable(Unavailable):
    """ClickHouse refused or failed a call."""


class StoreLocked(StoreUnavailable):
    """The embedded data directory is held by another process (one process per directory)."""


class Overloaded(Unavailable):
    """The ingest queue has no room for the request."""
