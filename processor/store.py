"""The store: a ClickHouse database, embedded (chDB) or on a server, behind one client API.

``open_store`` parses a DSN and opens the client. For ``sloscope serve`` it also creates
the database, adopts tables others created, applies the migrations and brings the TTLs to
the retention in force; a read command (``migrate=False``) changes nothing and refuses a
store whose schema is not current. The rest of sloscope only sees a ``Store``. Table
names are constants here so that every part spells them the same way (DESIGN.md section 3).

DSNs:

* ``chdb:///abs/path`` (or ``chdb://./relative``): the embedded engine on a data
  directory. chDB allows one process per directory and one directory per process.
* ``http(s)://user:password@host:port/database``: a ClickHouse server.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError

from processor._connection import ServerOptions
from processor._error_codes import is_store_trouble
from processor._server_version import check_server_version
from processor._types import MetricType
from processor.errors import (
    InvalidDsn,
    ProcessorError,
    QueryFailed,
    StoreLocked,
    StoreNotMigrated,
    StoreUnavailable,
)

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR: Final = "./sloscope-data"
DEFAULT_DATABASE: Final = "sloscope"
# Results read DateTime values as naive UTC on every machine: by default the client
# converts them to the server's zone, which for the embedded engine is the local one.
RESULT_TIMEZONE: Final = "UTC"

METRIC_TABLES: Final[Mapping[MetricType, str]] = {
    metric_type: f"otel_metrics_{metric_type.value}" for metric_type in MetricType
}
GAUGE_TABLE: Final = METRIC_TABLES[MetricType.GAUGE]
SUM_TABLE: Final = METRIC_TABLES[MetricType.SUM]
HISTOGRAM_TABLE: Final = METRIC_TABLES[MetricType.HISTOGRAM]
EXPONENTIAL_HISTOGRAM_TABLE: Final = METRIC_TABLES[MetricType.EXPONENTIAL_HISTOGRAM]
SUMMARY_TABLE: Final = METRIC_TABLES[MetricType.SUMMARY]
# The SLO engine's rollups, filled at ingest by views on the histogram tables: what SLOs
# and SLA reports read, kept for the rollup retention (processor/_retention.py).
ROLLUP_TABLES: Final = tuple(
    f"slo_{metric_type.value}_{period}"
    for metric_type in (MetricType.HISTOGRAM, MetricType.EXPONENTIAL_HISTOGRAM)
    for period in ("1m", "1h", "1d")
)
ROLLED_UP_TYPES: Final = frozenset({MetricType.HISTOGRAM, MetricType.EXPONENTIAL_HISTOGRAM})
SERIES_STATE_TABLE: Final = "sloscope_series_state"
SERIES_COUNTS_TABLE: Final = "sloscope_series_counts"
MIGRATIONS_TABLE: Final = "sloscope_schema_migrations"
RETENTION_TABLE: Final = "sloscope_retention"
# The alerting package's state (migration 0006): alerts, their history, silences and
# the notifications sent.
ALERTS_TABLE: Final = "sloscope_alerts"
ALERT_EVENTS_TABLE: Final = "sloscope_alert_events"
SILENCES_TABLE: Final = "sloscope_silences"
DELIVERIES_TABLE: Final = "sloscope_alert_deliveries"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def default_dsn() -> str:
    """The embedded store in ``./sloscope-data``, as an absolute DSN."""
    return f"chdb://{Path(DEFAULT_DATA_DIR).resolve()}"


@dataclass(frozen=True, slots=True)
class StoreOptions:
    """Where the store is and how its tables are made.

    ``cluster`` renders the DDL for a cluster (``ON CLUSTER``, local tables behind
    Distributed ones), ``replicated`` with replicated engines; ``database`` is ignored
    for server DSNs that name their own database; ``server`` says how to reach a server.
    The retentions (days, 0 keeps forever) change the store's only when given: None keeps
    the one in force.
    """

    dsn: str = field(default_factory=default_dsn)
    database: str = DEFAULT_DATABASE
    retention_days: int | None = None
    rollup_retention_days: int | None = None
    cluster: str | None = None
    replicated: bool = False
    server: ServerOptions = field(default_factory=ServerOptions)


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed DSN, with the options that reach a server (``dsn`` may hold a password:
    show ``redacted()``)."""

    embedded: bool
    data_dir: Path | None
    dsn: str = field(repr=False)
    database: str
    server: ServerOptions = field(default_factory=ServerOptions)

    def redacted(self) -> str:
        return _redact(self.dsn)


def parse_dsn(
    dsn: str, database: str = DEFAULT_DATABASE, server: ServerOptions | None = None
) -> Location:
    """Parse and check a store DSN; relative embedded paths become absolute."""
    parts = urllib.parse.urlsplit(dsn)
    if parts.scheme == "chdb":
        raw_path = parts.netloc + parts.path
        if not raw_path:
            raise InvalidDsn(f"chdb DSN needs a data directory: {_redact(dsn)}")
        data_dir = Path(raw_path).expanduser().resolve()
        return Location(True, data_dir, f"chdb://{data_dir}", _checked(database))
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise InvalidDsn(f"server DSN needs a host: {_redact(dsn)}")
        named = parts.path.strip("/")
        options = (server or ServerOptions()).with_dsn(dsn)
        return Location(False, None, dsn, _checked(named or database), options)
    raise InvalidDsn(f"unsupported store DSN scheme {parts.scheme!r} (use chdb:// or http(s)://)")


def _checked(database: str) -> str:
    if not _IDENTIFIER.match(database):
        raise InvalidDsn(f"invalid database name {database!r}")
    return database


def _redact(dsn: str) -> str:
    parts = urllib.parse.urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def data_dir_holder(data_dir: Path) -> int | None:
    """The pid of the process holding an embedded data directory, or None if it is free.

    ClickHouse takes an exclusive ``flock`` on ``<dir>/status`` for as long as it runs.
    """
    status = data_dir / "status"
    if not status.exists():
        return None
    with status.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid_from_status(status)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _pid_from_status(status: Path) -> int:
    match = re.search(rb"PID:\s*(\d+)", status.read_bytes())
    return int(match.group(1)) if match else -1


class Queryable(Protocol):
    """What a reader of the store needs: run a SELECT with parameters.

    ``Store`` is one; ``sloscope``'s client for a running server's ``/api/query`` is
    another, so read-side code (the SLO engine) works whether or not the embedded store
    is held by ``sloscope serve``. ``db`` is always bound to the database name.
    """

    @property
    def database(self) -> str: ...

    def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]: ...


class Store:
    """A database in ClickHouse and the client to reach it.

    The client is not safe for concurrent use, so calls are serialised by a lock; parts
    that need to query while another writes open a second ``Store`` on the same location
    (``Store.reopen``), which chDB allows within one process.
    """

    def __init__(self, location: Location, client: Client) -> None:
        self.location = location
        self.database = location.database
        self._client = client
        self._lock = threading.Lock()

    @property
    def embedded(self) -> bool:
        return self.location.embedded

    def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Run a SELECT; ``db`` is always available as a parameter."""
        with self._lock:
            try:
                result = self._client.query(
                    sql,
                    parameters=self._with_db(parameters),
                    settings=dict(settings or {}),
                    query_tz=RESULT_TIMEZONE,
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc
        return [tuple(row) for row in result.result_rows]

    def query_typed(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
    ) -> tuple[Sequence[str], Sequence[str], list[tuple[Any, ...]]]:
        """Run a SELECT; return column names, ClickHouse type names and rows.

        Binds exactly ``parameters``, without the implicit ``db``: this runs a user's SQL,
        which must reach the engine as written. Given any parameter, clickhouse-connect
        binds server-side only when the text holds a ``{name:Type}`` placeholder and
        otherwise %-formats the text, which breaks ``LIKE 'otel_%'``.
        """
        with self._lock:
            try:
                result = self._client.query(
                    sql, parameters=dict(parameters or {}), query_tz=RESULT_TIMEZONE
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc
        types = tuple(column_type.name for column_type in result.column_types)
        return tuple(result.column_names), types, [tuple(row) for row in result.result_rows]

    def command(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
        data: bytes | None = None,
    ) -> None:
        """Run a statement that returns nothing (DDL, INSERT ... SELECT); ``data`` is the
        body of an INSERT that reads it (``input()``), sent to a server after the statement."""
        with self._lock:
            try:
                self._client.command(
                    sql,
                    parameters=self._with_db(parameters),
                    settings=dict(settings or {}),
                    data=data,
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc

    def insert_arrow(
        self, table: str, arrow_table: Any, settings: Mapping[str, Any] | None = None
    ) -> None:
        """Insert a pyarrow table into ``table`` of this database."""
        with self._lock:
            try:
                self._client.insert_arrow(
                    table, arrow_table, database=self.database, settings=dict(settings or {})
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc

    def query_native(self, sql: str, parameters: Mapping[str, Any] | None = None) -> bytes:
        """Run a SELECT; its result in ClickHouse's Native format, every type exact (what
        ``insert_native`` takes)."""
        with self._lock:
            try:
                return self._client.raw_query(
                    sql, parameters=self._with_db(parameters), fmt="Native"
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc

    def insert_native(
        self,
        table: str,
        column_names: Sequence[str],
        data: bytes,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert Native-format ``data`` (from ``query_native``) into ``table`` of this
        database."""
        with self._lock:
            try:
                self._client.raw_insert(
                    table, list(column_names), data, settings=dict(settings or {}), fmt="Native"
                )
            except ClickHouseError as exc:
                raise _translated(exc) from exc

    def reopen(self, *, session: bool = False) -> Store:
        """A second Store on the same location, with its own client and lock. With
        ``session``, a server keeps one session for the client's requests, and with it
        the temporary tables they create (the embedded engine's client always does)."""
        return Store(self.location, _client_for(self.location, self.database, session=session))

    def read_only(self, settings: Mapping[str, Any]) -> Store:
        """A second Store whose every query runs with ``settings`` (``readonly`` last).

        The embedded engine applies them once to its own session, since a per-query
        ``SET`` could not be undone after ``readonly``; a server receives them with
        every query.
        """
        if not self.embedded:
            client = _client_for(self.location, self.database)
            for name, value in settings.items():
                client.set_client_setting(name, str(value))
            return Store(self.location, client)
        session = self.reopen()
        ordered = sorted(settings.items(), key=lambda item: item[0] == "readonly")
        for name, value in ordered:
            session.command(f"SET {_setting_name(name)} = {{value:String}}", {"value": str(value)})
        return session

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def _with_db(self, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"db": self.database, **(parameters or {})}


def open_store(options: StoreOptions, *, migrate: bool = True) -> Store:
    """Open the store at ``options.dsn``.

    With ``migrate`` (``sloscope serve``): create the database, adopt tables others
    created, apply the migrations, and bring every TTL to the retention in force, which
    ``options`` change only where they give a value. Without (every read command): no
    CREATE, no migration, no ALTER; a store without the current schema raises
    ``StoreNotMigrated``.
    """
    # _migrations needs Store; importing it here keeps the two modules out of a cycle.
    from processor._migrations import check_schema, update_schema  # noqa: PLC0415

    location = parse_dsn(options.dsn, options.database, options.server)
    if location.data_dir is not None:
        holder = data_dir_holder(location.data_dir)
        if holder is not None and holder != os.getpid():
            raise StoreLocked(
                f"data directory {location.data_dir} is held by another process (pid {holder})"
            )
        if not migrate and not (location.data_dir / "metadata").is_dir():
            raise StoreNotMigrated(
                f"no store in {location.data_dir}: run `sloscope serve` once to create it"
            )
        location.data_dir.mkdir(parents=True, exist_ok=True)
    _prepare_database(location, create=migrate, cluster=options.cluster)
    store = Store(location, _client_for(location, location.database))
    try:
        if migrate:
            update_schema(store, options)
        else:
            check_schema(store)
    except ProcessorError:
        store.close()
        raise
    return store


def _prepare_database(location: Location, *, create: bool, cluster: str | None) -> None:
    """Create the database (and a cluster's local one) with ``create``, or check that it
    exists."""
    # _cluster renders DDL; importing it here keeps the two modules out of a cycle.
    from processor._cluster import Layout  # noqa: PLC0415

    bootstrap = _client_for(location, None)
    try:
        if not location.embedded:
            check_server_version(bootstrap.server_version or "")
        if create:
            for statement in Layout(location.database, cluster).databases():
                bootstrap.command(statement.sql, parameters={"db": statement.database})
            return
        found = bootstrap.query(
            "SELECT count() FROM system.databases WHERE name = {db:String}",
            parameters={"db": location.database},
        ).result_rows[0][0]
    except ClickHouseError as exc:
        raise StoreUnavailable(f"cannot reach database {location.database}: {exc}") from exc
    finally:
        bootstrap.close()
    if not found:
        raise StoreNotMigrated(
            f"the store has no database {location.database}: run `sloscope serve` once to create it"
        )


def _translated(exc: ClickHouseError) -> StoreUnavailable | QueryFailed:
    """The store's trouble (by ClickHouse error code, or a connection that failed before
    an answer) is retryable; an error caused by the statement is not."""
    code = getattr(exc, "code", None)
    if isinstance(exc, OperationalError) or is_store_trouble(code):
        return StoreUnavailable(str(exc), code)
    return QueryFailed(str(exc), code)


def _setting_name(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"invalid setting name {name!r}")
    return name


def _client_for(location: Location, database: str | None, *, session: bool = False) -> Client:
    try:
        if location.embedded:
            return clickhouse_connect.get_client(dsn=location.dsn, database=database or "")
        arguments = location.server.client_arguments(location.dsn, database or "default")
        if session:
            arguments["session_id"] = f"sloscope-{uuid.uuid4()}"
        return clickhouse_connect.get_client(**arguments)
    except ClickHouseError as exc:
        raise StoreUnavailable(f"cannot open store {_redact(location.dsn)}: {exc}") from exc
