"""The API as a hostile local process or web page would try it (issue 8): no file, URL,
process or other server is reachable through it, and only its own user may call it.

Every test speaks HTTP to a real uvicorn-served app on 127.0.0.1 over a real store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from pydantic import SecretStr
from starlette.types import Receive, Scope, Send
from typer.testing import CliRunner

from processor.store import Store
from sloscope.api import ApiContext, create_app
from sloscope.cli import app as cli
from sloscope.cli._exit import EXIT_USAGE
from sloscope.config import ApiSettings
from tests.sloscope.conftest import TRAFFIC_MINUTES
from tests.support.api import serving_api
from tests.support.servers import serving

TOKEN = "t0k-" + "x" * 28
REFUSED_FUNCTION = "it reaches outside the query"


class Recorder:
    """A real HTTP server on loopback that only writes down what it was asked: stands in
    for any server an SSRF would reach (the API's own port included)."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.requests.append(f"{scope['method']} {scope['path']}")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"x": 1}\n'})


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    recording = Recorder()
    with serving(recording) as url:
        yield recording, url


@pytest.fixture(scope="module")
def api(module_store: Store) -> Iterator[httpx.Client]:
    with serving_api(module_store) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def query(client: httpx.Client, sql: str, **parameters: Any) -> httpx.Response:
    return client.post("/api/query", json={"sql": sql, "parameters": parameters})


def refused(response: httpx.Response, fragment: str) -> None:
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert fragment in response.json()["error"], response.json()["error"]


# What the API runs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        (
            "SELECT file('/etc/passwd')",
            f"the function file() (it is unknown, or {REFUSED_FUNCTION}",
        ),
        ("SELECT file('/proc/self/environ')", "the function file()"),
        ("SELECT FiLe('/etc/passwd')", "the function FiLe()"),
        ("SELECT * FROM file('/etc/passwd', 'LineAsString')", "the table function file()"),
        ("SELECT * FROM url('http://127.0.0.1:1/', 'CSV')", "the table function url()"),
        ("SELECT * FROM s3('http://127.0.0.1:1/b/k', 'CSV')", "the table function s3()"),
        ("SELECT * FROM remote('127.0.0.1:1', system.one)", "the table function remote()"),
        ("SELECT * FROM cluster('default', system.one)", "the table function cluster()"),
        ("SELECT * FROM executable('id', 'TSV', 'x String')", "the table function executable()"),
        (
            "SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')",
            "table function postgresql",
        ),
        ("SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')", "the table function mysql()"),
        ("SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'CSV')", "the table function hdfs()"),
        ("SELECT * FROM azureBlobStorage('a', 'b', 'c')", "table function azureBlobStorage"),
        ("SELECT * FROM input('x String')", "the table function input()"),
        ("SELECT * FROM dictionary('d')", "the table function dictionary()"),
        ("SELECT * FROM numbers(10)", "the table function numbers()"),
        ("SELECT 1 IN url('http://127.0.0.1:1/')", "the function url()"),
        ("SELECT dictGet('d', 'a', toUInt64(1))", "the function dictGet()"),
        ("SELECT joinGet('t', 'a', 1)", "the function joinGet()"),
        ("SELECT getSetting('max_threads')", "the function getSetting()"),
        ("SELECT getServerSetting('tcp_port')", "the function getServerSetting()"),
        ("SELECT getMacro('shard')", "the function getMacro()"),
        ("SELECT hostName()", "the function hostName()"),
        ("SELECT filesystemAvailable()", "the function filesystemAvailable()"),
        ("SELECT aiGenerate('hello')", "the function aiGenerate()"),
        ("SELECT * APPLY(file) FROM otel_metrics_sum", "the function file()"),
        ("SELECT name FROM system.tables", "the table system.tables (a query reads only"),
        ("SELECT 1 IN system.users", "the table system.users"),
        ("SELECT * FROM INFORMATION_SCHEMA.TABLES", "the table INFORMATION_SCHEMA.TABLES"),
        ("DESC system.tables", "the table system.tables"),
        ("DESC url('http://127.0.0.1:1/', 'JSONEachRow')", "DESCRIBE reads only the store's"),
        ("DESC (SELECT file('/etc/passwd'))", "DESCRIBE reads only the store's tables"),
        ("SHOW TABLES FROM system", "SHOW TABLES of a database other than"),
        ("SHOW DATABASES", "refused: SHOW with databases"),
        ("SHOW CREATE TABLE otel_metrics_sum", "refused: SHOW CREATE"),
        ("EXPLAIN SELECT * FROM url('http://127.0.0.1:1/')", "the table function url()"),
        ("EXPLAIN PIPELINE graph = 1 SELECT 1", "the SETTINGS clause"),
        ("EXPLAIN TABLE OVERRIDE mysql('a', 'b', 'c', 'd', 'e')", "refused: EXPLAIN with"),
        ("EXPLAIN CURRENT TRANSACTION", "refused: EXPLAIN CURRENT TRANSACTION"),
        ("SHOW COLUMNS FROM system.tables", "the table system.tables"),
        ("SHOW DICTIONARIES", "refused: SHOW with dictionaries"),
        ("SELECT 'x' INTO OUTFILE '/tmp/sloscope-outfile'", "the INTO OUTFILE clause"),
        ("SELECT 1 FORMAT JSONEachRow", "the FORMAT clause"),
        ("SELECT 1 SETTINGS readonly = 0", "the SETTINGS clause"),
        ("SELECT * FROM (SELECT 1 SETTINGS max_threads = 1)", "the SETTINGS clause"),
        ("INSERT INTO otel_metrics_sum SELECT * FROM otel_metrics_sum", "refused: INSERT"),
        ("CREATE TABLE x (a Int8) ENGINE = Memory", "refused: CREATE"),
        ("ALTER TABLE otel_metrics_sum DELETE WHERE 1", "refused: ALTER"),
        ("DROP TABLE otel_metrics_sum", "refused: DROP"),
        ("SET readonly = 0", "refused: SET"),
        ("USE system", "refused: USE"),
        ("SYSTEM FLUSH LOGS", "refused: SYSTEM"),
        ("KILL QUERY WHERE 1", "refused: KILL"),
        ("SELECT 1 # '\n; SELECT 2 -- '", "Multi-statements are not allowed"),
        ("SELECT 1; SELECT 2", "Multi-statements are not allowed"),
    ],
    ids=lambda value: value if len(value) < 48 else value[:48],
)
def test_the_api_refuses_anything_but_a_read_of_the_store(
    api: httpx.Client, sql: str, fragment: str
) -> None:
    refused(query(api, sql), fragment)


@pytest.mark.parametrize("mode", ["", " APPEND", " TRUNCATE"])
def test_into_outfile_writes_nothing(api: httpx.Client, tmp_path: Path, mode: str) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("kept\n")
    refused(query(api, f"SELECT 'x' INTO OUTFILE '{target}'{mode}"), "the INTO OUTFILE clause")
    assert target.read_text() == "kept\n"
    fresh = tmp_path / "never.txt"
    refused(query(api, f"SELECT 'x' INTO OUTFILE '{fresh}'{mode}"), "INTO OUTFILE")
    assert not fresh.exists()


def test_no_table_function_calls_out_and_the_api_never_calls_itself(
    api: httpx.Client, recorder: tuple[Recorder, str]
) -> None:
    """DESC url(<the API's own /healthz>) held the store lock while calling the API: every
    call hung for minutes. No form of url() may reach any server now."""
    recording, url = recorder
    own = f"{api.base_url}healthz"
    for target in (own, f"{url}/ssrf"):
        for sql in (
            f"DESC url('{target}', 'JSONEachRow')",
            f"DESCRIBE TABLE url('{target}', 'JSONEachRow', 'x UInt8')",
            f"SELECT * FROM url('{target}', 'JSONEachRow')",
            f"EXPLAIN SELECT * FROM url('{target}', 'JSONEachRow')",
            f"SELECT 1 IN url('{target}', 'JSONEachRow')",
            f"SELECT count() FROM (SELECT * FROM urlCluster('default', '{target}'))",
        ):
            assert query(api, sql).status_code == 400, sql
    assert recording.requests == []
    assert api.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("sql", "parameters", "rows"),
    [
        ("SELECT count() FROM {db:Identifier}.otel_metrics_histogram", {}, [[2 * TRAFFIC_MINUTES]]),
        (
            "SELECT count() FROM otel_metrics_histogram WHERE MetricName LIKE 'http.server.%'",
            {},
            [[2 * TRAFFIC_MINUTES]],
        ),
        ("SELECT '100%' AS p, '%(db)s' AS raw", {}, [["100%", "%(db)s"]]),
        (
            "SELECT name FROM (SELECT arrayJoin(['otel_x', 'other']) AS name) "
            "WHERE name LIKE 'otel_%'",
            {},
            [["otel_x"]],
        ),
        (
            "WITH per_code AS (SELECT Attributes['http.response.status_code'] AS code, "
            "sum(Count) AS n FROM otel_metrics_histogram GROUP BY code) "
            "SELECT code, n FROM per_code WHERE n > {least:UInt32} ORDER BY code",
            {"least": 0},
            [["200", TRAFFIC_MINUTES], ["500", TRAFFIC_MINUTES]],
        ),
        (
            "SELECT quantileIf(0.5)(Sum, Count > 0), countIf(Count > 0) FROM {t:Identifier}",
            {"t": "otel_metrics_histogram"},
            [[0.1, 2 * TRAFFIC_MINUTES]],
        ),
        (
            "SHOW TABLES LIKE 'otel_metrics_s%'",
            {},
            [["otel_metrics_sum"], ["otel_metrics_summary"]],
        ),
    ],
    ids=[
        "db-parameter",
        "like-percent",
        "percent-literals",
        "like-without-table",
        "with-and-parameter",
        "table-parameter",
        "show-tables",
    ],
)
def test_reads_of_the_store_run_as_written(
    api: httpx.Client, sql: str, parameters: dict[str, Any], rows: list[list[Any]]
) -> None:
    response = query(api, sql, **parameters)
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == rows


def test_describe_and_explain_of_the_store_tables_run(api: httpx.Client) -> None:
    described = query(api, "DESC {db:Identifier}.otel_metrics_sum")
    assert described.status_code == 200, described.text
    assert described.json()["rows"][0][:2] == [
        "ResourceAttributes",
        "Map(LowCardinality(String), String)",
    ]
    assert query(api, "DESCRIBE otel_metrics_gauge").status_code == 200
    explained = query(api, "EXPLAIN SELECT count() FROM otel_metrics_sum")
    assert explained.status_code == 200, explained.text
    columns = query(api, "SHOW COLUMNS FROM otel_metrics_sum LIKE 'Time%'").json()["rows"]
    assert [row[0] for row in columns] == ["TimeUnix", "TimeUnixNano"]


def test_db_is_always_the_stores_database(api: httpx.Client) -> None:
    refused(query(api, "SELECT * FROM {db:Identifier}.tables", db="system"), "db is the store's")
    refused(query(api, "SELECT * FROM {t:Identifier}", t="system.users"), "the table system.users")
    refused(query(api, "SELECT { x : String }", x="a"), "write the parameter x as {x:String}")


# Who may call it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:8317", "localhost", "LOCALHOST:1", "[::1]:8317", "127.1.2.3"],
)
def test_loopback_hosts_are_served(api: httpx.Client, host: str) -> None:
    assert api.get("/healthz", headers={"host": host}).status_code == 200
    assert query(api, "SELECT 1").status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8317", "127.0.0.1.evil.example", "localhost.evil.example", ""],
)
def test_other_hosts_are_refused_421(api: httpx.Client, host: str) -> None:
    """A page whose name was rebound to 127.0.0.1 still sends its own name (DNS rebinding)."""
    for response in (
        api.get("/healthz", headers={"host": host}),
        api.post("/api/query", json={"sql": "SELECT 1"}, headers={"host": host}),
    ):
        assert response.status_code == 421
        assert "api.allowed_hosts" in response.json()["error"]


def test_a_configured_host_name_is_served(module_store: Store) -> None:
    settings = ApiSettings(allowed_hosts=("sloscope.internal",))
    with serving_api(module_store, settings) as url, httpx.Client(base_url=url) as client:
        assert client.get("/healthz", headers={"host": "sloscope.internal:8317"}).status_code == 200
        assert client.get("/healthz", headers={"host": "other.internal"}).status_code == 421


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_bodies_that_are_not_json_are_refused_415(
    api: httpx.Client, content_type: str | None
) -> None:
    """A web page may post a form or text/plain anywhere without asking (no preflight)."""
    headers = {"origin": "http://evil.example"}
    if content_type is not None:
        headers["content-type"] = content_type
    body = json.dumps({"sql": "SELECT 'x' INTO OUTFILE '/tmp/pwned'"})
    response = api.post("/api/query", content=body, headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]
    assert "access-control-allow-origin" not in response.headers


def test_no_cors_headers_unless_configured(api: httpx.Client, module_store: Store) -> None:
    origin = {"origin": "http://evil.example"}
    allowed = api.post("/api/query", json={"sql": "SELECT 1"}, headers=origin)
    assert allowed.status_code == 200
    assert "access-control-allow-origin" not in allowed.headers
    preflight = {**origin, "access-control-request-method": "POST"}
    assert "access-control-allow-origin" not in api.options("/api/query", headers=preflight).headers
    settings = ApiSettings(cors_origins=("https://dash.example",))
    with serving_api(module_store, settings) as url, httpx.Client(base_url=url) as client:
        dash = {"origin": "https://dash.example", "access-control-request-method": "POST"}
        answer = client.options("/api/query", headers=dash)
        assert answer.headers["access-control-allow-origin"] == "https://dash.example"
        other = client.options("/api/query", headers=preflight)
        assert "access-control-allow-origin" not in other.headers


@pytest.fixture(scope="module")
def guarded(module_store: Store) -> Iterator[httpx.Client]:
    with (
        serving_api(module_store, ApiSettings(token=SecretStr(TOKEN))) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-" + "x" * 20, 401),
        (f"Bearer {TOKEN[:-1]}", 401),
        (f"Bearer {TOKEN}x", 401),
        (f"Basic {TOKEN}", 401),
        (TOKEN, 401),
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
        (f"BEARER   {TOKEN}", 200),
    ],
    ids=["none", "wrong", "prefix", "longer", "basic", "no-scheme", "ok", "lower", "upper"],
)
def test_with_a_token_every_api_call_needs_it(
    guarded: httpx.Client, authorization: str | None, status: int
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    for response in (
        guarded.post("/api/query", json={"sql": "SELECT 1"}, headers=headers),
        guarded.post("/api/slos/status", json={"files": {}}, headers=headers),
    ):
        assert response.status_code == status, response.text
        if status == 401:
            assert response.headers["www-authenticate"] == 'Bearer realm="sloscope"'
            assert TOKEN not in response.text
    assert guarded.get("/healthz").status_code == 200


def test_a_route_added_later_is_behind_the_same_gate(module_store: Store) -> None:
    """The security layer wraps the app, not a list of routes; an unexpected error is a
    logged 500 with no traceback for the client."""
    router = APIRouter()

    @router.post("/api/later")
    async def later() -> None:
        raise RuntimeError("a bug in a later route")

    context = ApiContext.open(module_store, ApiSettings(token=SecretStr(TOKEN)))
    app = create_app(context)
    app.include_router(router)
    try:
        with serving(app) as url, httpx.Client(base_url=url) as client:
            auth = {"authorization": f"Bearer {TOKEN}"}
            assert client.post("/api/later", json={}).status_code == 401
            assert (
                client.post(
                    "/api/later", json={}, headers={**auth, "host": "x.example"}
                ).status_code
                == 421
            )
            assert client.post("/api/later", content="{}", headers=auth).status_code == 415
            crashed = client.post("/api/later", json={}, headers=auth)
            assert crashed.status_code == 500
            assert crashed.json() == {"error": "internal error; the server log has the details"}
    finally:
        context.close()


def test_serve_refuses_an_api_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--api", "0.0.0.0:0", "--otlp", "127.0.0.1:0", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stderr.startswith("error: the API would listen on 0.0.0.0, beyond loopback,")
    assert "set SLOSCOPE_API__TOKEN" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "status").exists()
