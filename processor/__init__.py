"""The OTLP metrics receiver and everything that writes to the store."""

from processor._auth import bearer_matches
from processor._batcher import BatchOptions
from processor._connection import ServerOptions
from processor._copy import CopyOptions, CopyProgress, TableCopy, TargetNotEmpty, copy_store
from processor._copy_target import CopyTarget, open_copy_target
from processor._migrations import DdlOptions, change_retention
from processor._pipeline import Limits
from processor._receiver import Receiver, ReceiverOptions, TlsFiles
from processor._retention import Expiring, Retention, expiring_rows, retention_in_force
from processor._schema import schema_script
from processor._self_metrics import SelfMetrics
from processor.errors import (
    InvalidDsn,
    InvalidInput,
    Overloaded,
    ProcessorError,
    QueryFailed,
    SchemaMismatch,
    StoreLocked,
    StoreNotMigrated,
    StoreUnavailable,
    Unavailable,
    UnsupportedSchema,
    UnsupportedServer,
)
from processor.store import Queryable, Store, StoreOptions, open_store, parse_dsn

__all__ = [
    "BatchOptions",
    "CopyOptions",
    "CopyProgress",
    "CopyTarget",
    "DdlOptions",
    "Expiring",
    "InvalidDsn",
    "InvalidInput",
    "Limits",
    "Overloaded",
    "ProcessorError",
    "QueryFailed",
    "Queryable",
    "Receiver",
    "ReceiverOptions",
    "Retention",
    "SchemaMismatch",
    "SelfMetrics",
    "ServerOptions",
    "Store",
    "StoreLocked",
    "StoreNotMigrated",
    "StoreOptions",
    "StoreUnavailable",
    "TableCopy",
    "TargetNotEmpty",
    "TlsFiles",
    "Unavailable",
    "UnsupportedSchema",
    "UnsupportedServer",
    "bearer_matches",
    "change_retention",
    "copy_store",
    "expiring_rows",
    "open_copy_target",
    "open_store",
    "parse_dsn",
    "retention_in_force",
    "schema_script",
]
