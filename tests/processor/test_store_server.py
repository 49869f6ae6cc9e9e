"""The store on a ClickHouse server: the stand-in (and a real server when configured), with
the connection settings (user, password, TLS, timeouts, compression) applied for real."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from urllib3.exceptions import InsecureRequestWarning

from processor import QueryFailed, ServerOptions, StoreUnavailable
from processor._migrations import DdlOptions, apply_migrations
from processor.errors import InvalidDsn
from processor.store import HISTOGRAM_TABLE, METRIC_TABLES, Store, StoreOptions, open_store
from tests.support.clickhouse import ClickHouseServer, fresh_database, running_standin
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

READONLY = 164


def _without_credentials(dsn: str) -> str:
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port}"))


def test_a_server_store_is_created_and_migrated_once(server_dsn: str) -> None:
    first = open_store(StoreOptions(dsn=server_dsn))
    names = {row[0] for row in first.query("SHOW TABLES FROM {db:Identifier}")}
    assert set(METRIC_TABLES.values()) <= names
    first.close()
    again = open_store(StoreOptions(dsn=server_dsn))
    assert apply_migrations(again, DdlOptions()) == []
    again.close()


def test_the_read_only_session_refuses_writes_on_a_server(server_store: Store) -> None:
    session = server_store.read_only({"max_result_rows": 10, "readonly": 1})
    try:
        assert session.query("SELECT count() FROM {db:Identifier}.otel_metrics_gauge") == [(0,)]
        with pytest.raises(QueryFailed) as refused:
            session.command("TRUNCATE TABLE {db:Identifier}.otel_metrics_gauge")
        assert refused.value.code == READONLY
    finally:
        session.close()


def test_rows_written_through_every_compression_read_back_equal(
    server_dsn: str, clickhouse: ClickHouseServer
) -> None:
    at = datetime(2026, 11, 20, 12, tzinfo=UTC)
    points = [
        histogram_point("shop", request_attributes("/a"), at - timedelta(minutes=m), [0.1] * m)
        for m in range(1, 40)
    ]
    for compression in ("lz4", "zstd", "gzip", "none"):
        with fresh_database(clickhouse) as database:
            options = ServerOptions(compression=compression)
            store = open_store(
                StoreOptions(dsn=clickhouse.dsn(database), retention_days=0, server=options)
            )
            insert_histograms(store, points)
            rows = store.query(
                "SELECT count(), sum(Count), max(TimeUnix) FROM {db:Identifier}.{t:Identifier}",
                {"t": HISTOGRAM_TABLE},
            )
            store.close()
        assert rows == [(39, sum(range(1, 40)), datetime(2026, 11, 20, 11, 59))], compression


def test_settings_give_the_credentials_the_dsn_leaves_out(
    server_dsn: str, clickhouse: ClickHouseServer
) -> None:
    bare = _without_credentials(server_dsn)
    options = ServerOptions(user=clickhouse.user, password=clickhouse.password)
    store = open_store(StoreOptions(dsn=bare, server=options))
    database = urllib.parse.urlsplit(bare).path.strip("/")
    assert store.query("SELECT currentDatabase()") == [(database,)]
    store.close()


def test_a_password_in_the_settings_wins_over_the_dsns(
    server_dsn: str, clickhouse: ClickHouseServer
) -> None:
    wrong = server_dsn.replace(urllib.parse.quote(clickhouse.password), "wrong-in-dsn")
    store = open_store(StoreOptions(dsn=wrong, server=ServerOptions(password=clickhouse.password)))
    assert store.query("SELECT 1") == [(1,)]
    store.close()


def test_a_wrong_password_is_refused_and_never_shown(
    server_dsn: str, clickhouse: ClickHouseServer
) -> None:
    bare = _without_credentials(server_dsn)
    options = ServerOptions(user=clickhouse.user, password="hunter2-wrong")
    with pytest.raises(StoreUnavailable) as refused:
        open_store(StoreOptions(dsn=bare, server=options))
    assert "AUTHENTICATION_FAILED" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    in_dsn = server_dsn.replace(urllib.parse.quote(clickhouse.password), "hunter2-wrong")
    with pytest.raises(StoreUnavailable) as refused:
        open_store(StoreOptions(dsn=in_dsn))
    assert "hunter2" not in str(refused.value)
    assert f"{clickhouse.user}:***@" in str(refused.value)


def test_a_query_longer_than_the_receive_timeout_is_unavailable(server_dsn: str) -> None:
    store = open_store(StoreOptions(dsn=server_dsn, server=ServerOptions(send_receive_timeout_s=1)))
    try:
        with pytest.raises(StoreUnavailable):
            store.query("SELECT sleep(2)")
        assert store.query("SELECT 1") == [(1,)]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tls=1", "unknown DSN option 'tls'"),
        ("verify=maybe", "verify wants true or false"),
        ("connect_timeout=0", "connect_timeout wants whole seconds"),
        ("compression=snappy", "compression wants one of lz4, zstd, gzip, none"),
    ],
    ids=["unknown", "bad-bool", "bad-timeout", "bad-compression"],
)
def test_bad_dsn_options_are_refused_with_the_reason(query: str, message: str) -> None:
    with pytest.raises(InvalidDsn, match=message):
        open_store(StoreOptions(dsn=f"http://u:p@127.0.0.1:1/db?{query}"))


def test_dsn_options_set_what_the_settings_leave_unset() -> None:
    dsn = "https://u:p%40ss@ch.internal/db?verify=false&compression=zstd&connect_timeout=3"
    options = ServerOptions(compression="gzip").with_dsn(dsn)
    assert options == ServerOptions(
        user="u",
        password="p@ss",
        secure=True,
        verify=False,
        connect_timeout_s=3,
        compression="gzip",
    )
    assert "p@ss" not in repr(options)
    arguments = options.client_arguments(dsn, "db")
    assert (arguments["interface"], arguments["port"], arguments["compress"]) == (
        "https",
        8443,
        "gzip",
    )


@dataclasses.dataclass(frozen=True)
class TlsServer:
    server: ClickHouseServer
    ca_file: Path


@pytest.fixture(scope="module")
def tls_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """A second stand-in, serving HTTPS with a certificate from a test CA."""
    work = tmp_path_factory.mktemp("tls-standin")
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key, ca_file = work / "cert.pem", work / "key.pem", work / "ca.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    authority.cert_pem.write_to_path(str(ca_file))
    with running_standin(work, tls=(cert, key)) as server:
        yield TlsServer(server, ca_file)


def test_tls_with_the_ca_file_verifies_the_server(tls_standin: TlsServer) -> None:
    dsn = tls_standin.server.dsn("tls_db")
    store = open_store(StoreOptions(dsn=dsn, server=ServerOptions(ca_file=tls_standin.ca_file)))
    assert store.query("SELECT currentDatabase()") == [("tls_db",)]
    store.close()
    with pytest.raises(StoreUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        open_store(StoreOptions(dsn=dsn))
    with pytest.warns(InsecureRequestWarning):
        unverified = open_store(StoreOptions(dsn=dsn, server=ServerOptions(verify=False)))
    try:
        with pytest.warns(InsecureRequestWarning):
            answer = unverified.query("SELECT 1")
        assert answer == [(1,)]
    finally:
        unverified.close()
