"""The PostgreSQL statistics reader against a real PostgreSQL the tests start."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import InvalidConfiguration, build_telemetry, resolve_settings
from instrumentation.postgres import (
    PostgresMetrics,
    PostgresOptions,
    instrument_postgres,
    load_query,
)
from processor.store import Store
from tests.instrumentation._points import Point, by_attributes, collect, named
from tests.support.postgres import PostgresServer, running_standby

# The Collector contrib postgresqlreceiver's names and units (metadata.yaml).
RECEIVER_UNITS = {
    "postgresql.backends": "1",
    "postgresql.connection.max": "{connections}",
    "postgresql.commits": "1",
    "postgresql.rollbacks": "1",
    "postgresql.blks_hit": "{blks_hit}",
    "postgresql.blks_read": "{blks_read}",
    "postgresql.tup_returned": "{tup_returned}",
    "postgresql.tup_fetched": "{tup_fetched}",
    "postgresql.tup_inserted": "{tup_inserted}",
    "postgresql.tup_updated": "{tup_updated}",
    "postgresql.tup_deleted": "{tup_deleted}",
    "postgresql.deadlocks": "{deadlock}",
    "postgresql.temp_files": "{temp_file}",
    "postgresql.temp.io": "By",
    "postgresql.db_size": "By",
    "postgresql.database.count": "{databases}",
    "postgresql.table.count": "{table}",
    "postgresql.table.size": "By",
    "postgresql.table.vacuum.count": "{vacuum}",
    "postgresql.rows": "1",
    "postgresql.operations": "1",
    "postgresql.blocks_read": "1",
    "postgresql.index.scans": "{scans}",
    "postgresql.index.size": "By",
    "postgresql.replication.data_delay": "By",
    "postgresql.wal.lag": "s",
    "postgresql.wal.delay": "s",
    "postgresql.query.execution.time": "s",
}
OURS = {"postgresql.statement.calls": "{call}", "postgresql.statement.execution.time": "s"}


def run(dsn: str, *statements: str) -> None:
    """Run statements on a connection of their own, then make their statistics visible."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.execute("SELECT pg_stat_force_next_flush()")
    # Closing the connection flushes its pending statistics.


@pytest.fixture
def reading(database: str, meter_provider: MeterProvider) -> Iterator[PostgresMetrics]:
    handle = instrument_postgres(
        database, meter_provider=meter_provider, options=PostgresOptions(max_age_s=0)
    )
    yield handle
    handle.close()


def db_name(dsn: str) -> str:
    return dsn.rsplit("dbname=", 1)[1]


def test_table_rows_and_operations_are_exact(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    run(
        database,
        "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
        "INSERT INTO orders (total) SELECT g FROM generate_series(1, 5) AS g",
        "UPDATE orders SET total = total + 1 WHERE id <= 2",
        "DELETE FROM orders WHERE id = 5",
        "SELECT * FROM orders WHERE id = 1",
    )
    points = collect(reader)
    namespace = f"{db_name(database)}|public"
    operations = by_attributes(
        points, "postgresql.operations", "operation", "db.namespace", "db.collection.name"
    )
    assert {
        key[0]: point.value for key, point in operations.items() if key[1:] == (namespace, "orders")
    } == {
        "ins": 5,
        "upd": 2,
        "del": 1,
        "hot_upd": 2,
    }
    rows = by_attributes(points, "postgresql.rows", "state", "db.collection.name")
    assert rows[("live", "orders")].value == 4
    assert rows[("dead", "orders")].value == 3
    (tables,) = named(points, "postgresql.table.count")
    assert tables.value == 1
    assert tables.attributes == {"db.namespace": db_name(database)}
    (size,) = named(points, "postgresql.table.size")
    assert (size.value or 0) >= 8192
    indexes = by_attributes(points, "postgresql.index.scans", "postgresql.index.name")
    assert (indexes[("orders_pkey",)].value or 0) >= 1
    sources = {p.attributes["source"] for p in named(points, "postgresql.blocks_read")}
    assert sources == {
        "heap_read", "heap_hit", "idx_read", "idx_hit",
        "toast_read", "toast_hit", "tidx_read", "tidx_hit",
    }  # fmt: skip


def test_database_counters(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    name = db_name(database)

    def counter(points: list[Point], metric: str) -> float:
        return by_attributes(points, metric, "db.namespace")[(name,)].value or 0

    before = collect(reader)
    with psycopg.connect(database) as conn:  # not autocommit: explicit transactions
        conn.execute("CREATE TABLE t (v int)")
        conn.commit()
        for _ in range(3):
            conn.execute("INSERT INTO t VALUES (1)")
            conn.rollback()
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.commit()
    after = collect(reader)
    assert counter(after, "postgresql.rollbacks") - counter(before, "postgresql.rollbacks") == 3
    assert counter(after, "postgresql.commits") - counter(before, "postgresql.commits") >= 2
    for metric in ("postgresql.blks_hit", "postgresql.tup_returned", "postgresql.tup_inserted"):
        assert counter(after, metric) > 0
    assert counter(after, "postgresql.db_size") > 1_000_000
    databases = by_attributes(after, "postgresql.db_size", "db.namespace")
    (count,) = named(after, "postgresql.database.count")
    assert count.value == len(databases) >= 2


def test_backends_by_state_and_the_connection_limit(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    name = db_name(database)
    with psycopg.connect(database) as idle, psycopg.connect(database) as in_transaction:
        idle.execute("SELECT 1")
        idle.commit()
        in_transaction.execute("SELECT 1")  # leaves the transaction open
        points = collect(reader)
    backends = by_attributes(points, "postgresql.backends", "db.namespace", "postgresql.state")
    assert backends[(name, "idle")].value == 1
    assert backends[(name, "idle in transaction")].value == 1
    assert backends[(name, "active")].value == 1  # the reader's own query
    (limit,) = named(points, "postgresql.connection.max")
    assert limit.value == 50


def test_a_deadlock_is_counted(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    run(database, "CREATE TABLE accounts (id int PRIMARY KEY, balance int)",
        "INSERT INTO accounts VALUES (1, 0), (2, 0)")  # fmt: skip
    barrier = threading.Barrier(2)
    failures: list[str] = []

    def transfer(first: int, second: int) -> None:
        with psycopg.connect(database) as conn:
            try:
                conn.execute("UPDATE accounts SET balance = balance + 1 WHERE id = %s", [first])
                barrier.wait(timeout=10)
                conn.execute("UPDATE accounts SET balance = balance + 1 WHERE id = %s", [second])
                conn.commit()
            except psycopg.errors.DeadlockDetected:
                failures.append("deadlock")
                conn.rollback()
            conn.execute("SELECT pg_stat_force_next_flush()")

    threads = [threading.Thread(target=transfer, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == ["deadlock"]
    deadlocks = by_attributes(collect(reader), "postgresql.deadlocks", "db.namespace")
    assert deadlocks[(db_name(database),)].value == 1


def test_temp_files_are_counted(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    run(database, "SET work_mem = '64kB'",
        "SELECT g FROM generate_series(1, 200000) AS g ORDER BY g DESC")  # fmt: skip
    points = collect(reader)
    files = by_attributes(points, "postgresql.temp_files", "db.namespace")
    written = by_attributes(points, "postgresql.temp.io", "db.namespace")
    assert (files[(db_name(database),)].value or 0) >= 1
    assert (written[(db_name(database),)].value or 0) > 64 * 1024


def test_slow_statements_from_pg_stat_statements(
    postgres: PostgresServer,
    database: str,
    meter_provider: MeterProvider,
    reader: InMemoryMetricReader,
) -> None:
    if not postgres.pg_stat_statements:
        pytest.skip("pg_stat_statements is not shipped with this PostgreSQL")
    handle = instrument_postgres(
        database,
        meter_provider=meter_provider,
        options=PostgresOptions(max_age_s=0, slow_statement_threshold_s=0.05, query_text_length=40),
    )
    try:
        run(database, "SELECT pg_sleep(0.06)", "SELECT pg_sleep(0.07)", "SELECT 1 + 1")
        points = collect(reader)
    finally:
        handle.close()
    calls = named(points, "postgresql.statement.calls")
    assert [(p.attributes["db.query.text"], p.value) for p in calls] == [("SELECT pg_sleep($1)", 2)]
    assert set(calls[0].attributes) == {"db.namespace", "postgresql.queryid", "db.query.text"}
    (time_spent,) = named(points, "postgresql.statement.execution.time")
    assert (time_spent.value or 0) >= 0.13
    (total,) = named(points, "postgresql.query.execution.time")
    assert (total.value or 0) >= (time_spent.value or 0)


def test_replication_lag_with_a_standby(
    postgres: PostgresServer, meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    handle = instrument_postgres(
        postgres.dsn(), meter_provider=meter_provider, options=PostgresOptions(max_age_s=0)
    )
    try:
        assert named(collect(reader), "postgresql.replication.data_delay") == []
        with running_standby(postgres):
            deadline = time.monotonic() + 30
            points: list[Point] = []
            while time.monotonic() < deadline:
                points = collect(reader)
                if named(points, "postgresql.replication.data_delay"):
                    break
                time.sleep(0.1)
    finally:
        handle.close()
    (delay,) = named(points, "postgresql.replication.data_delay")
    assert delay.attributes == {"replication_client": "unix"}
    assert (delay.value or 0) >= 0
    lags = by_attributes(points, "postgresql.wal.lag", "operation", "replication_client")
    assert set(lags) == {("write", "unix"), ("flush", "unix"), ("replay", "unix")}
    assert {p.attributes["operation"] for p in named(points, "postgresql.wal.delay")} == {
        "write", "flush", "replay"
    }  # fmt: skip


def test_names_and_units_follow_the_collector_receiver(
    postgres: PostgresServer, database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    run(database, "CREATE TABLE t (id int PRIMARY KEY)", "SELECT pg_sleep(0.11)")
    with running_standby(postgres), psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replayed = "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS NOT NULL"
            if conn.execute(replayed).fetchone() == (1,):
                break
            time.sleep(0.1)
        units = {p.name: p.unit for p in collect(reader)}
    expected = RECEIVER_UNITS | OURS
    if not postgres.pg_stat_statements:
        expected = {k: v for k, v in expected.items() if "statement" not in k and "query" not in k}
    assert units == expected


def test_an_unreachable_server_costs_a_warning_and_no_observations(
    meter_provider: MeterProvider, reader: InMemoryMetricReader, caplog: pytest.LogCaptureFixture
) -> None:
    handle = instrument_postgres(
        "host=/nonexistent port=1 user=nobody dbname=none connect_timeout=1",
        meter_provider=meter_provider,
    )
    try:
        with caplog.at_level(logging.WARNING, logger="instrumentation._sampling"):
            assert collect(reader) == []
    finally:
        handle.close()
    readers = {record.reader for record in caplog.records}  # type: ignore[attr-defined]
    assert readers == {
        "postgres databases", "postgres backends", "postgres tables", "postgres indexes",
        "postgres replication", "postgres statements",
    }  # fmt: skip


def test_the_reader_reconnects_after_the_server_drops_it(
    database: str, reading: PostgresMetrics, reader: InMemoryMetricReader
) -> None:
    assert named(collect(reader), "postgresql.connection.max")
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'sloscope-instrumentation'"
        )
    collect(reader)  # this cycle finds the connection dead
    assert named(collect(reader), "postgresql.connection.max")


@pytest.mark.parametrize(
    "options",
    [{"max_tables": -1}, {"statement_timeout_s": 0}, {"slow_statement_threshold_s": -1.0}],
    ids=["negative-limit", "zero-timeout", "negative-threshold"],
)
def test_options_are_checked(options: dict[str, float]) -> None:
    with pytest.raises(InvalidConfiguration):
        PostgresOptions(**options)  # type: ignore[arg-type]


def test_an_empty_dsn_is_refused() -> None:
    with pytest.raises(InvalidConfiguration, match="DSN is empty"):
        instrument_postgres("  ")


def test_every_query_file_is_valid_sql(database: str) -> None:
    names = ["databases", "backends", "tables", "indexes", "replication", "statements_present"]
    with psycopg.connect(database, autocommit=True) as conn:
        for name in names:
            text = load_query(name).replace("{max_tables}", "1").replace("{max_indexes}", "1")
            assert "%(" not in text
            conn.execute(text)


def test_postgres_metrics_arrive_in_the_store(
    store: Store, endpoint: str, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(database, "CREATE TABLE carts (id int)", "INSERT INTO carts VALUES (1), (2), (3)")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{endpoint}")
    telemetry = build_telemetry(resolve_settings({}, service_name="shop", resource_metrics=False))
    handle = instrument_postgres(database, meter_provider=telemetry.meter_provider)
    try:
        assert telemetry.force_flush(timeout_s=30)
    finally:
        handle.close()
        telemetry.shutdown()
    rows = store.query(
        """
        SELECT Attributes['operation'], Value
        FROM {db:Identifier}.otel_metrics_sum
        WHERE ServiceName = 'shop' AND MetricName = 'postgresql.operations'
          AND Attributes['db.collection.name'] = 'carts'
        ORDER BY 1
        """
    )
    assert rows == [("del", 0.0), ("hot_upd", 0.0), ("ins", 3.0), ("upd", 0.0)]
