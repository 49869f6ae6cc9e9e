"""The OTLP metrics receiver and everything that writes to the store."""

from processor.errors import (
    InvalidDsn,
    InvalidInput,
    Overloaded,
    ProcessorError,
    StoreLocked,
    StoreUnavailable,
    Unavailable,
)
from processor.store import Store, StoreOptions, open_store, parse_dsn

__all__ = [
    "InvalidDsn",
    "InvalidInput",
    "Overloaded",
    "ProcessorError",
    "Store",
    "StoreLocked",
    "StoreOptions",
    "StoreUnavailable",
    "Unavailable",
    "open_store",
    "parse_dsn",
]
