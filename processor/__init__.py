"""The OTLP metrics receiver and everything that writes to the store."""

from processor.errors import (
    InvalidDsn,
    InvalidInput,
    Overloaded,
    ProcessorError,
    QueryFailed,
    StoreLocked,
    StoreUnavailable,
    Unavailable,
)
from processor.store import Queryable, Store, StoreOptions, open_store, parse_dsn

__all__ = [
    "InvalidDsn",
    "InvalidInput",
    "Overloaded",
    "ProcessorError",
    "QueryFailed",
    "Queryable",
    "Store",
    "StoreLocked",
    "StoreOptions",
    "StoreUnavailable",
    "Unavailable",
    "open_store",
    "parse_dsn",
]
