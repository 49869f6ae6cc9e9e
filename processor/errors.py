"""Errors the processor raises, grouped by what the caller can do about them.

    ProcessorError
    ├── InvalidInput              the caller sent something wrong; fix it, do not retry
    │   ├── InvalidDsn            a store DSN that cannot be parsed or is not supported
    │   ├── QueryFailed           ClickHouse refused a statement because of what it says
    │   ├── SchemaMismatch        the store's tables are not what this sloscope can use
    │   │   ├── StoreNotMigrated  no schema yet, or migrations pending: run ``serve`` once
    │   │   └── UnsupportedSchema tables of a generation sloscope cannot adopt
    │   └── UnsupportedServer     a ClickHouse server older than sloscope's SQL needs
    └── Unavailable               a dependency is down or busy; retry later
        ├── StoreUnavailable      the store's trouble (a connection, memory, parts, disk,
        │   │                     a timeout: processor/_error_codes.py), not the request's
        │   └── StoreLocked       the embedded data directory is held by another process
        └── Overloaded            the ingest queue is full

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
    """ClickHouse rejected a statement for what it says (syntax, an unknown table, a bad
    value, a result limit, read-only mode); ``code`` is ClickHouse's error code."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SchemaMismatch(InvalidInput):
    """The store's tables are not what this version of sloscope can use as they are."""


class StoreNotMigrated(SchemaMismatch):
    """A read found no schema, or migrations not applied yet: ``sloscope serve`` applies them."""


class UnsupportedSchema(SchemaMismatch):
    """Tables someone else created in a shape sloscope cannot adopt (say, the Collector
    exporter's older ``DateTime64(9)`` generation, whose sort key cannot change in place)."""


class UnsupportedServer(InvalidInput):
    """A ClickHouse server too old for sloscope's SQL (processor/_server_version.py):
    upgrade it."""


class Unavailable(ProcessorError):
    """A dependency cannot serve the call now; the caller may retry."""


class StoreUnavailable(Unavailable):
    """ClickHouse could not serve a call now (its trouble, not the call's); ``code`` is
    ClickHouse's error code, None for a failed connection."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class StoreLocked(StoreUnavailable):
    """The embedded data directory is held by another process (one process per directory)."""


class Overloaded(Unavailable):
    """The ingest queue has no room for the request."""
