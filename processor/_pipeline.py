"""The write path of one flush: OTLP request bytes in, rows in the store out.

ClickHouse does the work (DESIGN.md section 7): the requests of a flush are written as
length-delimited ``Envelope`` messages, each tagged with its request's sequence number,
and for every metric type present

1. ``stage_<type>.sql`` parses them with the ``Protobuf`` format, flattens resource,
   scope, metric and point, validates every point (its times against the retention in
   force, ``processor/_retention.py``) and fills ``ingest_staging_<type>``;
2. ``rejections.sql`` reports the rejected points per request and reason, and the valid
   ones older than the raw retention, which only the SLO rollups keep;
3. ``write_<type>.sql`` writes the valid points, one round per point of a series in this
   flush, through ``ingest_sink_<type>``, whose views fill the metric table and
   ``sloscope_series_state`` in the same statement.

A flush can be retried as a whole: the staging tables are refilled from the same bytes
and checked against the same instant, each round's rows are the same and carry the same
``insert_deduplication_token``, and points already stored are among their series' recent
point times (``RECENT_POINTS``). So a processor killed mid-flush loses nothing that was
acknowledged (a request is answered once its batch is written) and doubles nothing when
the sender retries into a new processor: the state in the store knows what was stored.

Embedded and on a server the statements are the same; only the way the batch reaches
``stage_<type>.sql`` differs. The embedded engine reads a file in the spool directory,
with the schema in a file beside it. A server has no file of ours to read: the batch is
the body of the stage INSERT (``input()``, ``FORMAT Protobuf``) and the schema travels
inline (``format_schema_source = 'string'``, ClickHouse 25.6 and later;
``processor/_server_version.py`` has the whole minimum). The staging tables are then
temporary tables of the pipeline's own server session, so several processors stage side
by side without seeing each other's batches. A session can be lost (a server restart, an
idle timeout, a load balancer that sends a request to another server): every statement
after the tables are made says ``session_check``, so a lost session is an error the flush
retries (SESSION_NOT_FOUND, the store's trouble), which makes the tables anew in a new
session, and never an insert into tables that are not there.

No statement of a flush is an asynchronous insert (``async_insert = 0`` in each, against
a server's default, on since ClickHouse 26.2, and any user profile): an asynchronous
insert is acknowledged before its rows are in the tables, or, waited for, is written
with other clients' rows in a block deduplicated as a whole; a flush needs each round's
rows and series state stored, under its own token, before the next round reads that state
and before the sender is told its points are stored.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from processor import _sql
from processor._otlp_schema import ENVELOPE_MESSAGE, REQUEST_SEQ_FIELD_NUMBER, proto_schema
from processor._retention import AgeLimits, Retention, retention_in_force
from processor._structures import structure_for
from processor._types import MetricType
from processor.errors import StoreUnavailable
from processor.store import SERIES_COUNTS_TABLE, SERIES_STATE_TABLE, Store

logger = logging.getLogger(__name__)

_FUNCTIONS = (
    "function_scalar_text",
    "function_scalar_json",
    "function_value_text",
    "function_attributes",
    "function_attributes_oversized",
    "function_exp_downscaled",
    "function_point_is_new",
    "function_recent_times",
    "function_point_time_reason",
)
# Point times kept per series to tell a late point from a retried one (the state's
# RecentTimes): a delta point may arrive this many exports late and still be stored.
RECENT_POINTS = 32


def _varint(value: int) -> bytes:
    """Protobuf's base-128 varint encoding of a non-negative integer."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_REQUEST_SEQ_TAG = _varint(REQUEST_SEQ_FIELD_NUMBER << 3)


def staging_table(metric_type: MetricType) -> str:
    return f"ingest_staging_{metric_type.value}"


def sink_table(metric_type: MetricType) -> str:
    return f"ingest_sink_{metric_type.value}"


@dataclass(frozen=True, slots=True)
class Limits:
    """What a point may carry before it is rejected, and how many series a metric may have."""

    series_limit: int = 10_000
    max_attributes: int = 128
    max_attribute_bytes: int = 4096


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One accepted OTLP request waiting in a batch: its bytes, its points per type, and
    the types it has cumulative streams of that the write converts to deltas."""

    seq: int
    payload: bytes
    points: Mapping[MetricType, int]
    converted: frozenset[MetricType] = frozenset()

    @property
    def total_points(self) -> int:
        return sum(self.points.values())


@dataclass(slots=True)
class FlushResult:
    """What one flush did: rejected points per request (with reasons), points per request
    stored into the SLO rollups only (older than the raw retention), and rows stored."""

    rejected: dict[int, Counter[str]] = field(default_factory=dict)
    rollup_only: Counter[int] = field(default_factory=Counter)
    points: int = 0
    bytes: int = 0
    overflowing: dict[tuple[str, str], int] = field(default_factory=dict)

    def rejected_points(self, seq: int) -> int:
        return sum(self.rejected.get(seq, Counter()).values())


class Pipeline:
    """Runs flushes against one store. Not thread-safe: one flush at a time.

    ``spool_dir`` is where the embedded engine reads batches from (a server needs none,
    and is given none).
    """

    def __init__(self, store: Store, limits: Limits, spool_dir: Path | None) -> None:
        self._embedded = store.embedded
        if self._embedded and spool_dir is None:
            raise ValueError("the embedded store reads batches from a spool directory")
        # On a server the staging tables are temporary tables of one session: this one's.
        self._store = store if self._embedded else store.reopen(session=True)
        self._limits = limits
        self._spool_dir = spool_dir if self._embedded else None
        self._source = _sql.FILE_SOURCE if self._embedded else _sql.INPUT_SOURCE
        self._session: dict[str, int] = {} if self._embedded else {"session_check": 1}
        self._staging_ready = False
        self._retention: Retention | None = None

    @property
    def retention(self) -> Retention:
        """The store's retention in force, as ``prepare`` read it."""
        if self._retention is None:
            raise RuntimeError("the pipeline is not prepared")
        return self._retention

    def prepare(self) -> None:
        """Read the retention in force, write the OTLP schema file (embedded), create the
        SQL functions and empty the staging tables a crash may have left."""
        self._retention = retention_in_force(self._store)
        if self._spool_dir is not None:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
            # A schema given as a file path is read from there; given as text, ClickHouse
            # would cache it under the process's working directory.
            self._schema_path.write_text(proto_schema())
        for name in _FUNCTIONS:
            self._store.command(_sql.statement(name))
        self._make_staging()
        for metric_type in MetricType:
            self._truncate(metric_type)

    def close(self) -> None:
        """Close the server session's client (the embedded store is the caller's)."""
        if not self._embedded:
            self._store.close()

    @property
    def _schema_path(self) -> Path:
        assert self._spool_dir is not None
        return self._spool_dir / "otlp.proto"

    def flush(
        self, token: str, requests: Sequence[BatchRequest], now_unix_nano: int
    ) -> FlushResult:
        """Store the points of ``requests``; ``token`` names this batch across retries and
        ``now_unix_nano`` is the instant its point times are checked against."""
        limits = AgeLimits.at(self.retention, now_unix_nano)
        present = [t for t in MetricType if any(r.points.get(t) for r in requests)]
        result = FlushResult(points=sum(r.total_points for r in requests))
        if not present:
            return result
        batch = _envelopes(requests)
        result.bytes = len(batch)
        path = None
        if self._spool_dir is not None:
            path = self._spool_dir / f"batch-{token}.bin"
            path.write_bytes(batch)
        try:
            self._make_staging()
            for metric_type in present:
                converted = any(metric_type in request.converted for request in requests)
                points = sum(request.points.get(metric_type, 0) for request in requests)
                self._flush_type(
                    metric_type,
                    token,
                    _Batch(batch, path),
                    result,
                    limits=limits,
                    points=points,
                    converted=converted,
                )
        except StoreUnavailable:
            # The server session may be gone with its tables: the retry makes them anew.
            self._staging_ready = self._embedded
            raise
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        rows = self._store.query(_sql.statement("overflowing"), {"counts": SERIES_COUNTS_TABLE})
        result.overflowing = {(service, metric): series for service, metric, series in rows}
        return result

    def _flush_type(
        self,
        metric_type: MetricType,
        token: str,
        batch: _Batch,
        result: FlushResult,
        *,
        limits: AgeLimits,
        points: int,
        converted: bool,
    ) -> None:
        # Staging keeps its rows until the next flush of its type: emptying it first is
        # enough, and also clears what a failed attempt left.
        staging = staging_table(metric_type)
        self._truncate(metric_type)
        self._stage(metric_type, batch, limits)
        rejected = 0
        for seq, reason, count in self._store.query(
            _sql.statement("rejections"),
            {"staging": staging, "raw_oldest_unix_nano": limits.raw_oldest_unix_nano},
            self._session,
        ):
            if not reason:
                result.rollup_only[seq] += count
                continue
            result.rejected.setdefault(seq, Counter())[reason] += count
            rejected += count
        if rejected == points:
            rounds = 0
        elif not converted:
            rounds = 1  # delta points all go in the first round
        else:
            rows = self._store.query(_sql.statement("rounds"), {"staging": staging}, self._session)
            rounds = rows[0][0] or 0
        for round_number in range(1, rounds + 1):
            self._store.command(
                _sql.statement(f"write_{metric_type.value}"),
                {
                    "staging": staging,
                    "sink": sink_table(metric_type),
                    "state": SERIES_STATE_TABLE,
                    "counts": SERIES_COUNTS_TABLE,
                    "series_limit": self._limits.series_limit,
                    "round": round_number,
                    "recent_points": RECENT_POINTS,
                },
                settings={
                    "insert_deduplication_token": f"{token}-{metric_type.value}-{round_number}",
                    "deduplicate_blocks_in_dependent_materialized_views": 1,
                    **self._session,
                },
            )

    def _stage(self, metric_type: MetricType, batch: _Batch, limits: AgeLimits) -> None:
        """Parse, flatten and check the batch's points of one type into its staging table."""
        parameters: dict[str, object] = {
            "staging": staging_table(metric_type),
            "structure": structure_for(metric_type),
            "max_attributes": self._limits.max_attributes,
            "max_attribute_bytes": self._limits.max_attribute_bytes,
            "oldest_unix_nano": limits.oldest_unix_nano(metric_type),
            "newest_unix_nano": limits.newest_unix_nano,
        }
        statement = _sql.stage_statement(metric_type.value, self._source)
        if batch.path is not None:
            parameters |= {
                "path": str(batch.path),
                "schema": f"{self._schema_path}:{ENVELOPE_MESSAGE}",
            }
            self._store.command(statement, parameters)
            return
        parameters["schema"] = proto_schema()
        settings = {
            "format_schema_source": "string",
            "format_schema_message_name": ENVELOPE_MESSAGE,
            **self._session,
        }
        self._store.command(statement, parameters, settings, data=batch.data)

    def _make_staging(self) -> None:
        """On a server, the session's staging tables, shaped as the store's (idempotent)."""
        if self._staging_ready:
            return
        if not self._embedded:
            for metric_type in MetricType:
                self._store.command(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS {staging:Identifier} ENGINE = Memory "
                    "EMPTY AS SELECT * FROM {db:Identifier}.{staging:Identifier}",
                    {"staging": staging_table(metric_type)},
                )
        self._staging_ready = True

    def _truncate(self, metric_type: MetricType) -> None:
        self._store.command(
            "TRUNCATE TABLE {staging:Identifier}",
            {"staging": staging_table(metric_type)},
            self._session,
        )


@dataclass(frozen=True, slots=True)
class _Batch:
    """A flush's requests as length-delimited Envelopes, and the file holding them
    (embedded) or None (a server gets them as the body of the stage INSERT)."""

    data: bytes
    path: Path | None


def _envelopes(requests: Sequence[BatchRequest]) -> bytes:
    """Each request as a length-delimited Envelope tagged with its sequence number."""
    chunks: list[bytes] = []
    for request in requests:
        tagged = request.payload + _REQUEST_SEQ_TAG + _varint(request.seq)
        chunks += (_varint(len(tagged)), tagged)
    return b"".join(chunks)
