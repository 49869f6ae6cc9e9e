"""The ClickHouse stand-in speaks the HTTP interface as a server does: every test runs
against the stand-in, and against a real server when SLOSCOPE_TEST_CLICKHOUSE_URL is set,
so a difference between the two shows up as a failure on the real one."""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lz4.frame
import pyarrow as pa
import pytest
from backports import zstd
from clickhouse_connect import get_client
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from tests.support.clickhouse import SERVER_TIMEZONE, ClickHouseServer, fresh_database

PROTOCOL_WITH_LOW_CARDINALITY = 54405


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def database(clickhouse: ClickHouseServer) -> Iterator[str]:
    with fresh_database(clickhouse) as name:
        client = _client(clickhouse, "default")
        client.command("CREATE DATABASE {db:Identifier}", parameters={"db": name})
        client.close()
        yield name


def _client(server: ClickHouseServer, database: str, **options: Any) -> Client:
    return get_client(dsn=server.dsn(database), **options)


def _post(
    server: ClickHouseServer,
    body: bytes,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    *,
    password: str | None = None,
) -> Answer:
    token = f"{server.user}:{server.password if password is None else password}"
    request = urllib.request.Request(
        f"{server.url}/?{urllib.parse.urlencode(params or {})}",
        data=body,
        headers={"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}
        | (headers or {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, _lower(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, _lower(error.headers), error.read())


def _lower(headers: Any) -> dict[str, str]:
    """Header names are case-insensitive; the server and the stand-in spell them apart."""
    return {name.lower(): value for name, value in headers.items()}


def test_ping_answers_ok(clickhouse: ClickHouseServer) -> None:
    with urllib.request.urlopen(f"{clickhouse.url}/ping", timeout=30) as response:
        assert response.read() == b"Ok.\n"


@pytest.mark.parametrize(
    ("sql", "code", "name", "status"),
    [
        (b"SELECT * FROM no_such_table", 60, "UNKNOWN_TABLE", 404),
        (b"SELEKT 1", 62, "SYNTAX_ERROR", 400),
        (b"SELECT 1; SELECT 2", 62, "SYNTAX_ERROR", 400),
        (b"SELECT throwIf(1)", 395, "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO", 500),
    ],
    ids=["unknown-table", "syntax", "two-statements", "thrown"],
)
def test_errors_come_in_the_servers_form(
    clickhouse: ClickHouseServer, sql: bytes, code: int, name: str, status: int
) -> None:
    answer = _post(clickhouse, sql)
    assert answer.status == status
    assert answer.headers["x-clickhouse-exception-code"] == str(code)
    assert answer.body.startswith(f"Code: {code}. DB::Exception: ".encode())
    assert f"({name})".encode() in answer.body


def test_a_wrong_password_is_authentication_failed(clickhouse: ClickHouseServer) -> None:
    answer = _post(clickhouse, b"SELECT 1", password="wrong")
    assert (answer.status, answer.headers["x-clickhouse-exception-code"]) == (403, "516")
    with pytest.raises(DatabaseError) as refused:
        get_client(dsn=ClickHouseServer(clickhouse.url, clickhouse.user, "wrong").dsn("default"))
    assert refused.value.code == 516


def test_the_answer_headers_the_client_reads(clickhouse: ClickHouseServer) -> None:
    params = {"query_id": "standin-q1", "default_format": "JSONEachRow"}
    answer = _post(clickhouse, b"SELECT 41 + 1 AS answer", params)
    assert answer.status == 200
    assert json.loads(answer.body) == {"answer": 42}
    assert answer.headers["x-clickhouse-query-id"] == "standin-q1"
    assert answer.headers["x-clickhouse-format"] == "JSONEachRow"
    assert set(json.loads(answer.headers["x-clickhouse-summary"])) >= {"read_rows", "read_bytes"}
    if clickhouse.url.startswith("http://127.0.0.1"):
        assert answer.headers["x-clickhouse-timezone"] == SERVER_TIMEZONE


@pytest.mark.parametrize("encoding", ["gzip", "zstd", "lz4"])
def test_answers_are_compressed_as_the_client_accepts(
    clickhouse: ClickHouseServer, encoding: str
) -> None:
    decompress = {"gzip": gzip.decompress, "zstd": zstd.decompress, "lz4": lz4.frame.decompress}
    answer = _post(
        clickhouse,
        b"SELECT sum(number) FROM numbers(1000)",
        {"enable_http_compression": "1"},
        {"Accept-Encoding": encoding},
    )
    assert answer.headers["content-encoding"] == encoding
    assert decompress[encoding](answer.body) == b"499500\n"


def test_a_query_in_the_url_and_data_in_the_body(
    clickhouse: ClickHouseServer, database: str
) -> None:
    create = f"CREATE TABLE {database}.t (n UInt32, s String) ENGINE = MergeTree ORDER BY n"
    assert _post(clickhouse, create.encode()).status == 200
    params = {"query": f"INSERT INTO {database}.t FORMAT CSV"}
    body = gzip.compress(b"1,a\n2,b\n3,c\n")
    answer = _post(clickhouse, body, params, {"Content-Encoding": "gzip"})
    assert answer.status == 200, answer.body
    assert json.loads(answer.headers["x-clickhouse-summary"])["written_rows"] == "3"
    in_body = f"INSERT INTO {database}.t FORMAT TSV\n4\td\n".encode()
    assert _post(clickhouse, in_body).status == 200
    read = _post(clickhouse, f"SELECT arraySort(groupArray(s)) FROM {database}.t".encode())
    assert read.body == b"['a','b','c','d']\n"


def test_input_reads_the_body_of_an_insert_select(
    clickhouse: ClickHouseServer, database: str
) -> None:
    client = _client(clickhouse, database)
    client.command("CREATE TABLE t (n UInt32) ENGINE = MergeTree ORDER BY n")
    client.command(
        "INSERT INTO t SELECT n * {factor:UInt32} FROM input('n UInt32') FORMAT CSV",
        parameters={"factor": 10},
        data="1\n2\n",
    )
    assert client.query("SELECT groupArray(n) FROM t").result_rows == [([10, 20],)]


@pytest.mark.parametrize("compress", [True, "lz4", "zstd", "gzip", False])
def test_the_client_inserts_and_reads_every_way(
    clickhouse: ClickHouseServer, database: str, compress: bool | str
) -> None:
    client = _client(clickhouse, database, compress=compress)
    assert client.protocol_version == PROTOCOL_WITH_LOW_CARDINALITY
    client.command(
        "CREATE TABLE t (n UInt64, s LowCardinality(String), a Array(Float64)) "
        "ENGINE = MergeTree ORDER BY n"
    )
    summary = client.insert("t", [[1, "x", [0.5]], [2, "y", []]], column_names=["n", "s", "a"])
    assert summary.written_rows == 2
    table = pa.table({"n": pa.array([3], pa.uint64()), "s": ["x"], "a": [[1.5, 2.5]]})
    client.insert_arrow("t", table)
    rows = client.query("SELECT n, s, a FROM t ORDER BY n").result_rows
    assert rows == [(1, "x", [0.5]), (2, "y", []), (3, "x", [1.5, 2.5])]
    arrow = client.query_arrow("SELECT n, s FROM t ORDER BY n")
    assert arrow.column("n").to_pylist() == [1, 2, 3]
    raw = client.raw_query("SELECT n FROM t ORDER BY n", fmt="RowBinaryWithNamesAndTypes")
    assert raw.endswith(
        b"\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"
        b"\x03\x00\x00\x00\x00\x00\x00\x00"
    )
    client.close()


def test_parameters_too_long_for_a_url_travel_as_a_form(
    clickhouse: ClickHouseServer,
) -> None:
    client = _client(clickhouse, "default")
    names = [f"name-{i:05d}" for i in range(5000)]
    rows = client.query(
        "SELECT length({names:Array(String)}), {names:Array(String)}[5000]",
        parameters={"names": names},
    ).result_rows
    assert rows == [(5000, "name-04999")]


def test_a_session_keeps_its_temporary_tables_and_settings(clickhouse: ClickHouseServer) -> None:
    session = _client(clickhouse, "default", session_id="standin-session-1")
    other = _client(clickhouse, "default", session_id="standin-session-2")
    session.command("CREATE TEMPORARY TABLE scratch (n UInt8)")
    session.command("INSERT INTO scratch VALUES (7)")
    session.command("SET max_result_rows = 123")
    assert session.query("SELECT n FROM scratch").result_rows == [(7,)]
    with pytest.raises(DatabaseError) as unknown:
        other.query("SELECT n FROM scratch")
    assert unknown.value.code == 60
    one_request = session.query(
        "SELECT getSetting('max_result_rows')", settings={"max_result_rows": 5}
    )
    assert one_request.result_rows == [(5,)]
    assert session.query("SELECT getSetting('max_result_rows')").result_rows == [(123,)]


def test_a_checked_session_that_does_not_exist_is_refused(clickhouse: ClickHouseServer) -> None:
    params = {"session_id": "never-opened", "session_check": "1"}
    answer = _post(clickhouse, b"SELECT 1", params)
    assert answer.headers["x-clickhouse-exception-code"] == "372"


def test_a_get_request_is_read_only(clickhouse: ClickHouseServer) -> None:
    token = base64.b64encode(f"{clickhouse.user}:{clickhouse.password}".encode()).decode()
    query = urllib.parse.urlencode({"query": "CREATE DATABASE get_is_read_only"})
    request = urllib.request.Request(
        f"{clickhouse.url}/?{query}", headers={"Authorization": f"Basic {token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.headers["x-clickhouse-exception-code"] == "164"
