"""Which ClickHouse errors are the store's trouble, by error code.

An error ClickHouse answers with carries a code (clickhouse-connect's ``exc.code``; the
names are ClickHouse's own, ``src/Common/ErrorCodes.cpp``, also in ``system.errors``).
Errors are sorted by that code, never by their text:

* the codes below mean the store cannot serve the call *now*: it is out of memory, parts,
  disk or time, a connection or a replica is gone, a table is being dropped or is
  read-only. The same call may well succeed later, so it becomes ``StoreUnavailable``:
  the OTLP sender gets UNAVAILABLE with a RetryInfo delay (after the batcher's own
  retries), the batch is written again, and an API caller gets 503;
* every other code is caused by the call itself (syntax, an unknown table or column, a
  value the statement cannot take, a result limit, a read-only session): it becomes
  ``QueryFailed`` (INVALID_ARGUMENT to an OTLP sender, 400 to an API caller).

A connection that fails before ClickHouse answers has no code; clickhouse-connect raises
``OperationalError`` for it, and it is the store's trouble too. docs/store.md lists these
codes for operators; a test keeps the two lists equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

STORE_TROUBLE: Final[Mapping[int, str]] = {
    # out of memory
    173: "CANNOT_ALLOCATE_MEMORY",
    241: "MEMORY_LIMIT_EXCEEDED",
    # out of parts, disk or other resources: merges or an operator must catch up
    75: "CANNOT_WRITE_TO_FILE_DESCRIPTOR",
    201: "QUOTA_EXCEEDED",
    202: "TOO_MANY_SIMULTANEOUS_QUERIES",
    204: "CANNOT_FSYNC",
    243: "NOT_ENOUGH_SPACE",
    252: "TOO_MANY_PARTS",
    294: "CANNOT_WRITE_TO_FILE",
    425: "SYSTEM_ERROR",
    439: "CANNOT_SCHEDULE_TASK",
    574: "DISTRIBUTED_TOO_MANY_PENDING_BYTES",
    745: "SERVER_OVERLOADED",
    # out of time, or stopped on the way
    159: "TIMEOUT_EXCEEDED",
    160: "TOO_SLOW",
    209: "SOCKET_TIMEOUT",
    236: "ABORTED",
    394: "QUERY_WAS_CANCELLED",
    473: "DEADLOCK_AVOIDED",
    # a connection lost or refused
    32: "ATTEMPT_TO_READ_AFTER_EOF",
    95: "CANNOT_READ_FROM_SOCKET",
    96: "CANNOT_WRITE_TO_SOCKET",
    198: "DNS_ERROR",
    203: "NO_FREE_CONNECTION",
    210: "NETWORK_ERROR",
    279: "ALL_CONNECTION_TRIES_FAILED",
    297: "SHARD_HAS_NO_CONNECTIONS",
    372: "SESSION_NOT_FOUND",
    373: "SESSION_IS_LOCKED",
    1000: "POCO_EXCEPTION",
    # a table or replica not ready: being dropped or restarted, read-only, out of quorum
    218: "TABLE_IS_DROPPED",
    225: "NO_ZOOKEEPER",
    242: "TABLE_IS_READ_ONLY",
    244: "UNEXPECTED_ZOOKEEPER_ERROR",
    254: "NO_ACTIVE_REPLICAS",
    285: "TOO_FEW_LIVE_REPLICAS",
    286: "UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE",
    289: "REPLICA_IS_NOT_IN_QUORUM",
    319: "UNKNOWN_STATUS_OF_INSERT",
    369: "ALL_REPLICAS_ARE_STALE",
    415: "ALL_REPLICAS_LOST",
    416: "REPLICA_STATUS_CHANGED",
    733: "TABLE_IS_BEING_RESTARTED",
    999: "KEEPER_EXCEPTION",
}


def is_store_trouble(code: int | None) -> bool:
    """Whether an error with ClickHouse error ``code`` is the store's trouble."""
    return code in STORE_TROUBLE
