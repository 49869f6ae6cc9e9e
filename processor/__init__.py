"""The OTLP metrics receiver and everything that writes to the store."""

from processor._auth import bearer_matches
from processor._batcher import BatchOptions
from processor._connection import ServerOptions
from processor._migrations import DdlOptions
from processor._pipeline import Limits
from processor._receiver import Receiver, ReceiverOptions, TlsFiles
from processor._schema import schema_script
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
    "BatchOptions",
    "DdlOptions",
    "InvalidDsn",
    "InvalidInput",
    "Limits",
    "Overloaded",
    "ProcessorError",
    "QueryFailed",
    "Queryable",
    "Receiver",
    "ReceiverOptions",
    "ServerOptions",
    "Store",
    "StoreLocked",
    "StoreOptions",
    "StoreUnavailable",
    "TlsFiles",
    "Unavailable",
    "bearer_matches",
    "open_store",
    "parse_dsn",
    "schema_script",
]
