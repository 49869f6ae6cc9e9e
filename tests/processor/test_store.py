from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from processor.errors import InvalidDsn, StoreUnavailable
from processor.store import METRIC_TABLES, Store, StoreOptions, open_store, parse_dsn
from tests.support.servers import free_port


def test_migrations_create_the_five_contrib_tables(store: Store) -> None:
    rows = store.query("SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name")
    names = {row[0] for row in rows}
    assert set(METRIC_TABLES.values()) <= names


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("chdb://", "needs a data directory"),
        ("http:///x", "needs a host"),
        ("ftp://host/db", "unsupported store DSN scheme"),
    ],
    ids=["chdb-without-path", "http-without-host", "unknown-scheme"],
)
def test_bad_dsn_is_rejected_with_a_reason(dsn: str, message: str) -> None:
    with pytest.raises(InvalidDsn, match=message):
        parse_dsn(dsn)


def test_an_unreachable_server_is_unavailable_and_the_password_is_not_shown() -> None:
    dsn = f"http://reader:hunter2@127.0.0.1:{free_port()}/metrics"
    with pytest.raises(StoreUnavailable) as caught:
        open_store(StoreOptions(dsn=dsn))
    assert "hunter2" not in str(caught.value)
    assert "reader:***@" in str(caught.value)


def test_server_dsns_name_their_database() -> None:
    location = parse_dsn("https://u:p@clickhouse.internal:8443/otel")
    assert (location.embedded, location.data_dir, location.database) == (False, None, "otel")
    assert parse_dsn("http://clickhouse:8123", database="sloscope").database == "sloscope"
    with pytest.raises(InvalidDsn, match="invalid database name"):
        parse_dsn("http://clickhouse:8123/bad;name")


def test_results_are_naive_utc_on_a_machine_in_another_zone(tmp_path: Path) -> None:
    """The embedded engine's zone is the machine's; results must not depend on it."""
    script = (
        "from processor.store import StoreOptions, open_store\n"
        f"store = open_store(StoreOptions(dsn='chdb://{tmp_path}/data', database='tz'))\n"
        "print(repr(store.query('SELECT toDateTime(0), toDateTime(0, \\'UTC\\')')))\n"
        "print(repr(store.query_typed('SELECT toDateTime(60) AS t')[2]))\n"
    )
    environment = {**os.environ, "TZ": "Asia/Kolkata"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == [
        "[(datetime.datetime(1970, 1, 1, 0, 0), datetime.datetime(1970, 1, 1, 0, 0))]",
        "[(datetime.datetime(1970, 1, 1, 0, 1),)]",
    ]


def test_query_typed_runs_the_text_as_written(store: Store) -> None:
    """No implicit parameter: clickhouse-connect would %-format a text without placeholders."""
    names, types, rows = store.query_typed("SELECT 'otel_x' LIKE 'otel_%' AS hit, '%(db)s' AS raw")
    assert (list(names), list(types)) == (["hit", "raw"], ["UInt8", "String"])
    assert rows == [(1, "%(db)s")]
    _, _, bound = store.query_typed("SELECT {db:String} LIKE '%' AS any", {"db": "x"})
    assert bound == [(1,)]
