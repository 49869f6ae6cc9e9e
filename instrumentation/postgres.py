"""PostgreSQL statistics as metrics, under the Collector contrib postgresqlreceiver's names.

``instrument_postgres(dsn)`` registers observable instruments; on each collection the
reader runs a handful of catalog queries over one connection of its own (autocommit, a
2 s ``statement_timeout``) and reports:

* ``postgresql.backends`` (by ``db.namespace`` and ``postgresql.state``) and
  ``postgresql.connection.max``;
* ``postgresql.commits`` / ``.rollbacks``, ``postgresql.tup_returned`` / ``_fetched`` /
  ``_inserted`` / ``_updated`` / ``_deleted`` (rows by operation), ``postgresql.blks_hit``
  / ``.blks_read`` (the cache hit ratio), ``postgresql.deadlocks``,
  ``postgresql.temp_files`` / ``.temp.io``, ``postgresql.db_size``,
  ``postgresql.database.count``, for every database;
* for the largest tables and indexes of the connected database: ``postgresql.rows``
  (live/dead), ``postgresql.operations`` (ins/upd/del/hot_upd), ``postgresql.blocks_read``
  (by source), ``postgresql.table.size`` / ``.vacuum.count`` / ``.count``,
  ``postgresql.index.scans`` / ``.size``;
* with standbys attached: ``postgresql.replication.data_delay`` (bytes) and
  ``postgresql.wal.lag`` / ``.wal.delay`` (seconds, by operation);
* with pg_stat_statements: ``postgresql.query.execution.time`` (all statements) and,
  for the statements whose mean time reaches a threshold, ``postgresql.statement.calls``
  and ``postgresql.statement.execution.time`` by ``postgresql.queryid`` and
  ``db.query.text`` (normalised, truncated).

A server that is down or refuses a query costs one logged warning and no observations;
the reader reconnects on the next collection. The role needs ``pg_monitor``.

psycopg (the ``postgres`` extra) is imported only when a reader is created.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, TypeVar

from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation
from opentelemetry.util.types import AttributeValue

from instrumentation import _conventions as conv
from instrumentation._attributes import AttributeSets
from instrumentation._sampling import DEFAULT_MAX_AGE_S, CycleCache
from instrumentation._scope import get_meter
from instrumentation.errors import InvalidConfiguration, PostgresUnavailable

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresMetrics", "PostgresOptions", "instrument_postgres"]

logger = logging.getLogger(__name__)

APPLICATION_NAME: Final = "sloscope-instrumentation"
_QUERIES: Final = "postgres_queries"
_Row = dict[str, Any]
_Callback = Callable[[CallbackOptions], Iterable[Observation]]
_T = TypeVar("_T")

# pg_stat_database column -> (metric, unit)
_DATABASE_COUNTERS: Final[Mapping[str, tuple[str, str]]] = {
    "xact_commit": (conv.METRIC_PG_COMMITS, "1"),
    "xact_rollback": (conv.METRIC_PG_ROLLBACKS, "1"),
    "blks_hit": (conv.METRIC_PG_BLKS_HIT, "{blks_hit}"),
    "blks_read": (conv.METRIC_PG_BLKS_READ, "{blks_read}"),
    "tup_returned": (conv.METRIC_PG_TUP_RETURNED, "{tup_returned}"),
    "tup_fetched": (conv.METRIC_PG_TUP_FETCHED, "{tup_fetched}"),
    "tup_inserted": (conv.METRIC_PG_TUP_INSERTED, "{tup_inserted}"),
    "tup_updated": (conv.METRIC_PG_TUP_UPDATED, "{tup_updated}"),
    "tup_deleted": (conv.METRIC_PG_TUP_DELETED, "{tup_deleted}"),
    "deadlocks": (conv.METRIC_PG_DEADLOCKS, "{deadlock}"),
    "temp_files": (conv.METRIC_PG_TEMP_FILES, "{temp_file}"),
    "temp_bytes": (conv.METRIC_PG_TEMP_IO, "By"),
}
_OPERATIONS: Final[Mapping[str, str]] = {
    "ins": "n_tup_ins",
    "upd": "n_tup_upd",
    "del": "n_tup_del",
    "hot_upd": "n_tup_hot_upd",
}
_BLOCK_SOURCES: Final = (
    "heap_read",
    "heap_hit",
    "idx_read",
    "idx_hit",
    "toast_read",
    "toast_hit",
    "tidx_read",
    "tidx_hit",
)
_WAL_OPERATIONS: Final[Mapping[str, str]] = {
    "write": "write_lag_s",
    "flush": "flush_lag_s",
    "replay": "replay_lag_s",
}


@dataclass(frozen=True, slots=True)
class PostgresOptions:
    """Bounds on what the reader reports and how long it may take."""

    max_tables: int = 100
    max_indexes: int = 100
    max_statements: int = 10
    slow_statement_threshold_s: float = 0.1
    query_text_length: int = 256
    statement_timeout_s: float = 2.0
    max_age_s: float = DEFAULT_MAX_AGE_S

    def __post_init__(self) -> None:
        for name in ("max_tables", "max_indexes", "max_statements", "query_text_length"):
            if getattr(self, name) < 0:
                raise InvalidConfiguration(f"PostgresOptions.{name} must not be negative")
        if self.statement_timeout_s <= 0 or self.slow_statement_threshold_s < 0:
            raise InvalidConfiguration("PostgresOptions: timeouts and thresholds must be >= 0")


def load_query(name: str) -> str:
    """The text of ``postgres_queries/<name>.sql``."""
    return resources.files("instrumentation").joinpath(_QUERIES, f"{name}.sql").read_text("utf-8")


class _Connection:
    """One lazily opened autocommit connection, reopened after a failure."""

    def __init__(self, dsn: str, options: PostgresOptions) -> None:
        import psycopg  # noqa: PLC0415 - optional dependency, the ``postgres`` extra
        from psycopg import sql  # noqa: PLC0415

        self._psycopg = psycopg
        self._sql = sql
        self._dsn = dsn
        self._timeout_ms = int(options.statement_timeout_s * 1000)
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[_Row] | None = None
        self._texts: dict[str, str] = {}

    @property
    def database(self) -> str | None:
        return None if self._conn is None else self._conn.info.dbname

    def _connect(self) -> psycopg.Connection[_Row]:
        from psycopg.rows import dict_row  # noqa: PLC0415

        if self._conn is None or self._conn.closed:
            self._conn = self._psycopg.connect(
                self._dsn,
                autocommit=True,
                row_factory=dict_row,
                application_name=APPLICATION_NAME,
                options=f"-c statement_timeout={self._timeout_ms}",
                connect_timeout=max(1, self._timeout_ms // 1000),
            )
        return self._conn

    def query(self, name: str, **literals: object) -> list[_Row]:
        """Run ``postgres_queries/<name>.sql``; ``{key}`` fields become SQL literals."""
        text = self._texts.get(name)
        if text is None:
            text = self._texts[name] = load_query(name)
        statement = self._sql.SQL(text).format(
            **{key: self._sql.Literal(value) for key, value in literals.items()}
        )
        with self._lock:
            try:
                conn = self._connect()
                with conn.cursor() as cursor:
                    cursor.execute(statement)
                    return list(cursor.fetchall())
            except self._psycopg.Error as exc:
                if self._conn is not None and self._conn.broken:
                    self._conn.close()
                raise PostgresUnavailable(
                    f"postgres query {name} failed: {type(exc).__name__}"
                ) from exc

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PostgresMetrics:
    """The registered PostgreSQL instruments; ``close()`` stops them and disconnects."""

    def __init__(self, dsn: str, meter: Meter, options: PostgresOptions) -> None:
        self._options = options
        self._db = _Connection(dsn, options)
        self._open = threading.Event()
        self._open.set()
        self._attrs = AttributeSets()

        def cache(name: str, read: Callable[[], _T]) -> CycleCache[_T]:
            return CycleCache(
                f"postgres {name}", read, errors=(PostgresUnavailable,), max_age_s=options.max_age_s
            )

        self._databases = cache("databases", lambda: self._db.query("databases"))
        self._backends = cache("backends", lambda: self._db.query("backends"))
        self._tables = cache(
            "tables", lambda: self._db.query("tables", max_tables=options.max_tables)
        )
        self._indexes = cache(
            "indexes", lambda: self._db.query("indexes", max_indexes=options.max_indexes)
        )
        self._replication = cache("replication", lambda: self._db.query("replication"))
        self._statements = cache("statements", self._read_statements)
        self._register(meter)

    def close(self) -> None:
        """Stop observing and close the connection; idempotent."""
        self._open.clear()
        self._db.close()

    # --- registration ------------------------------------------------------------------

    def _register(self, meter: Meter) -> None:
        counter = meter.create_observable_counter
        updown = meter.create_observable_up_down_counter
        gauge = meter.create_observable_gauge
        instruments: list[tuple[Callable[..., object], str, str, str, _Callback]] = [
            (updown, conv.METRIC_PG_BACKENDS, "1",
             "Client backends by database and state.", self._backend_counts),
            (gauge, conv.METRIC_PG_CONNECTION_MAX, "{connections}",
             "Configured maximum number of client connections.", self._connection_max),
            (updown, conv.METRIC_PG_DB_SIZE, "By", "Database disk usage.", self._db_size),
            (updown, conv.METRIC_PG_DATABASE_COUNT, "{databases}",
             "Number of user databases.", self._database_count),
            (updown, conv.METRIC_PG_ROWS, "1",
             "Rows in each table, live and dead.", self._rows),
            (counter, conv.METRIC_PG_OPERATIONS, "1",
             "Row operations on each table.", self._operations),
            (counter, conv.METRIC_PG_BLOCKS_READ, "1",
             "Blocks read from disk or found in the buffer cache, per table.",
             self._blocks_read),
            (updown, conv.METRIC_PG_TABLE_SIZE, "By", "Disk space used by each table.",
             self._table_field("size_bytes")),
            (counter, conv.METRIC_PG_TABLE_VACUUM_COUNT, "{vacuum}",
             "Manual vacuums of each table.", self._table_field("vacuum_count")),
            (updown, conv.METRIC_PG_TABLE_COUNT, "{table}",
             "User tables in the connected database.", self._table_count),
            (counter, conv.METRIC_PG_INDEX_SCANS, "{scans}",
             "Index scans of each index.", self._index_field("idx_scan")),
            (gauge, conv.METRIC_PG_INDEX_SIZE, "By",
             "Disk space used by each index.", self._index_field("size_bytes")),
            (gauge, conv.METRIC_PG_REPLICATION_DATA_DELAY, "By",
             "WAL bytes each standby has still to replay.", self._data_delay),
            (gauge, conv.METRIC_PG_WAL_LAG, "s",
             "Replication lag of each standby, whole seconds, by operation.",
             self._wal_lag(whole_seconds=True)),
            (gauge, conv.METRIC_PG_WAL_DELAY, "s",
             "Replication lag of each standby, by operation.",
             self._wal_lag(whole_seconds=False)),
            (counter, conv.METRIC_PG_QUERY_EXECUTION_TIME, "s",
             "Execution time of every statement pg_stat_statements tracks.",
             self._execution_time),
            (counter, conv.METRIC_PG_STATEMENT_CALLS, "{call}",
             "Calls of the slowest statements.", self._statement_field("calls", 1.0)),
            (counter, conv.METRIC_PG_STATEMENT_EXECUTION_TIME, "s",
             "Execution time of the slowest statements.",
             self._statement_field("total_exec_time_ms", 0.001)),
        ]  # fmt: skip
        for column, (name, unit) in _DATABASE_COUNTERS.items():
            instruments.append(
                (counter, name, unit, f"pg_stat_database.{column}", self._database_column(column))
            )
        for create, name, unit, description, callback in instruments:
            create(name, callbacks=[self._guard(callback)], unit=unit, description=description)

    def _guard(self, callback: _Callback) -> _Callback:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return callback(options) if self._open.is_set() else ()

        return observe

    # --- reads -------------------------------------------------------------------------

    def _read_statements(self) -> list[_Row]:
        present = self._db.query("statements_present")
        if not present or not present[0]["present"]:
            return []
        return self._db.query(
            "statements",
            threshold_ms=self._options.slow_statement_threshold_s * 1000.0,
            max_statements=self._options.max_statements,
        )

    # --- attributes --------------------------------------------------------------------

    def _database(self, name: str) -> dict[str, AttributeValue]:
        return self._attrs.get((conv.ATTR_DB_NAMESPACE, name))

    def _table(self, row: _Row, *extra: tuple[str, AttributeValue]) -> dict[str, AttributeValue]:
        namespace = f"{self._db.database}|{row['schemaname']}"
        return self._attrs.get(
            *extra,
            (conv.ATTR_DB_NAMESPACE, namespace),
            (conv.ATTR_DB_COLLECTION_NAME, row["relname"]),
        )

    # --- callbacks ---------------------------------------------------------------------

    def _database_column(self, column: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [
                Observation(int(row[column]), self._database(row["datname"]))
                for row in self._databases.get() or ()
                if row[column] is not None
            ]

        return observe

    def _db_size(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._database_column("size_bytes")(options)

    def _database_count(self, _: CallbackOptions) -> Iterable[Observation]:
        rows = self._databases.get()
        return () if rows is None else [Observation(len(rows))]

    def _backend_counts(self, _: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(
                int(row["backends"]),
                self._attrs.get(
                    (conv.ATTR_DB_NAMESPACE, row["datname"]), (conv.ATTR_PG_STATE, row["state"])
                ),
            )
            for row in self._backends.get() or ()
        ]

    def _connection_max(self, _: CallbackOptions) -> Iterable[Observation]:
        rows = self._backends.get()
        return [Observation(int(rows[0]["max_connections"]))] if rows else ()

    def _rows(self, _: CallbackOptions) -> Iterable[Observation]:
        observations: list[Observation] = []
        for row in self._tables.get() or ():
            for state in ("live", "dead"):
                attributes = self._table(row, (conv.ATTR_PG_ROW_STATE, state))
                observations.append(Observation(int(row[f"n_{state}_tup"]), attributes))
        return observations

    def _operations(self, _: CallbackOptions) -> Iterable[Observation]:
        observations: list[Observation] = []
        for row in self._tables.get() or ():
            for operation, column in _OPERATIONS.items():
                attributes = self._table(row, (conv.ATTR_PG_OPERATION, operation))
                observations.append(Observation(int(row[column]), attributes))
        return observations

    def _blocks_read(self, _: CallbackOptions) -> Iterable[Observation]:
        observations: list[Observation] = []
        for row in self._tables.get() or ():
            for source in _BLOCK_SOURCES:
                column = source.replace("_", "_blks_", 1)
                attributes = self._table(row, (conv.ATTR_PG_BLOCK_SOURCE, source))
                observations.append(Observation(int(row[column]), attributes))
        return observations

    def _table_field(self, column: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [
                Observation(int(row[column]), self._table(row)) for row in self._tables.get() or ()
            ]

        return observe

    def _table_count(self, _: CallbackOptions) -> Iterable[Observation]:
        rows = self._tables.get()
        if rows is None or self._db.database is None:
            return ()
        count = int(rows[0]["table_count"]) if rows else 0
        return [Observation(count, self._database(self._db.database))]

    def _index_field(self, column: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [
                Observation(
                    int(row[column]),
                    self._table(row, (conv.ATTR_PG_INDEX_NAME, row["indexrelname"])),
                )
                for row in self._indexes.get() or ()
            ]

        return observe

    def _data_delay(self, _: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(
                int(row["data_delay_bytes"]),
                self._attrs.get((conv.ATTR_PG_REPLICATION_CLIENT, row["client"])),
            )
            for row in self._replication.get() or ()
            if row["data_delay_bytes"] is not None
        ]

    def _wal_lag(self, *, whole_seconds: bool) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            observations: list[Observation] = []
            for row in self._replication.get() or ():
                if not row["replay_known"]:
                    continue  # the standby has not reported its position yet
                for operation, column in _WAL_OPERATIONS.items():
                    lag_s = row[column]
                    if lag_s is None:
                        # PostgreSQL shows no lag once a standby has caught up and
                        # stays idle: that is a lag of zero.
                        lag_s = 0.0
                    attributes = self._attrs.get(
                        (conv.ATTR_PG_OPERATION, operation),
                        (conv.ATTR_PG_REPLICATION_CLIENT, row["client"]),
                    )
                    value = int(lag_s) if whole_seconds else float(lag_s)
                    observations.append(Observation(value, attributes))
            return observations

        return observe

    def _execution_time(self, _: CallbackOptions) -> Iterable[Observation]:
        rows = self._statements.get() or ()
        database = self._db.database
        return [
            Observation(float(row["total_exec_time_ms"]) / 1000.0, self._database(database))
            for row in rows
            if row["is_total"] and database is not None
        ]

    def _statement_field(self, column: str, scale: float) -> _Callback:
        length = self._options.query_text_length

        def observe(_: CallbackOptions) -> Iterable[Observation]:
            database = self._db.database
            observations: list[Observation] = []
            for row in self._statements.get() or ():
                if row["is_total"] or database is None:
                    continue
                text = " ".join(str(row["query"]).split())[:length]
                attributes = self._attrs.get(
                    (conv.ATTR_DB_NAMESPACE, database),
                    (conv.ATTR_PG_QUERYID, str(row["queryid"])),
                    (conv.ATTR_PG_QUERY_TEXT, text),
                )
                value = float(row[column]) * scale
                observations.append(Observation(int(value) if scale == 1.0 else value, attributes))
            return observations

        return observe


def instrument_postgres(
    dsn: str,
    *,
    meter_provider: MeterProvider | None = None,
    options: PostgresOptions | None = None,
) -> PostgresMetrics:
    """Report the statistics of the PostgreSQL server at ``dsn`` (a libpq DSN or URL).

    Nothing connects until the first collection. Raises ``InvalidConfiguration`` for an
    empty DSN and ``ModuleNotFoundError`` when psycopg (the ``postgres`` extra) is missing.
    """
    if not dsn.strip():
        raise InvalidConfiguration("instrument_postgres: the DSN is empty")
    return PostgresMetrics(dsn, get_meter(meter_provider), options or PostgresOptions())
