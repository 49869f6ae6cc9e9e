"""The JSON API on a real store, served by uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from processor.store import Store
from sloscope.config import ApiSettings
from tests.support.api import serving_api


@pytest.fixture
def client(store: Store) -> Iterator[httpx.Client]:
    settings = ApiSettings(query_max_rows=5, query_timeout_s=5)
    health_checks = {"otlp": lambda: {"port": 4317}}
    with (
        serving_api(store, settings, health_checks=health_checks) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "otlp": {"port": 4317}}


def test_query_returns_columns_types_and_rows(client: httpx.Client) -> None:
    response = client.post(
        "/api/query",
        json={
            "sql": "SELECT number AS n, toDateTime(number, 'UTC') AS t, {label:String} AS label "
            "FROM (SELECT arrayJoin(range(toUInt64(2))) AS number)",
            "parameters": {"label": "it's <ok>"},
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "columns": ["n", "t", "label"],
        "types": ["UInt64", "DateTime", "String"],
        "rows": [
            [0, "1970-01-01T00:00:00+00:00", "it's <ok>"],
            [1, "1970-01-01T00:00:01+00:00", "it's <ok>"],
        ],
    }


@pytest.mark.parametrize(
    ("sql", "status", "message"),
    [
        ("DROP TABLE {db:Identifier}.otel_metrics_sum", 400, "refused: DROP"),
        ("SELECT 1; DROP TABLE x", 400, "Multi-statements are not allowed"),
        ("SELECT 'a;b' AS x; -- trailing", 200, ""),
        ("WITH 1 AS x SELECT x SETTINGS readonly = 0", 400, "refused: the SETTINGS clause"),
        ("SELECT arrayJoin(range(10))", 400, "Limit for result exceeded"),
        ("SELECT nope", 400, "Unknown expression identifier"),
    ],
    ids=[
        "write",
        "two-statements",
        "semicolon-in-a-string",
        "lift-readonly",
        "row-limit",
        "bad-sql",
    ],
)
def test_query_refuses_what_it_must(
    client: httpx.Client, sql: str, status: int, message: str
) -> None:
    response = client.post("/api/query", json={"sql": sql})
    assert response.status_code == status
    assert message in response.json().get("error", "")


def test_query_rejects_a_malformed_body(client: httpx.Client) -> None:
    response = client.post(
        "/api/query", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("bad request body")


def test_writes_are_refused_even_inside_a_select(client: httpx.Client, store: Store) -> None:
    response = client.post(
        "/api/query",
        json={"sql": "SELECT * FROM {db:Identifier}.otel_metrics_sum", "parameters": {}},
    )
    assert response.status_code == 200
    sneaky = client.post(
        "/api/query",
        json={
            "sql": "WITH x AS (SELECT 1) "
            "INSERT INTO {db:Identifier}.otel_metrics_sum (Value) SELECT 1"
        },
    )
    assert sneaky.status_code == 400
    assert store.query("SELECT count() FROM {db:Identifier}.otel_metrics_sum") == [(0,)]


def test_openapi_describes_every_route_and_docs_is_served_here(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert sorted(schema["paths"]) == [
        "/api/alerts",
        "/api/alerts/{alert_id}",
        "/api/alerts/{alert_id}/ack",
        "/api/alerts/{alert_id}/annotations",
        "/api/alerts/{alert_id}/resolve",
        "/api/dashboards",
        "/api/dashboards/{name}",
        "/api/dashboards/{name}/widgets/{widget_id}",
        "/api/health",
        "/api/query",
        "/api/reports/sla",
        "/api/services",
        "/api/services/{name}",
        "/api/silences",
        "/api/silences/{silence_id}",
        "/api/slos",
        "/api/slos/status",
        "/api/slos/{name}",
        "/healthz",
        "/metrics",
    ]
    assert "QueryRequest" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize(
    ("request_line", "body", "status", "error"),
    [
        ("GET /nowhere", None, 404, "Not Found"),
        ("GET /api/query", None, 405, "Method Not Allowed"),
        ("POST /api/query", {}, 400, "bad request body: sql: Field required"),
        ("POST /api/query", {"sql": 1}, 400, "bad request body: sql: Input should be"),
    ],
    ids=["unknown-path", "wrong-method", "missing-field", "wrong-type"],
)
def test_errors_answer_error_never_detail(
    client: httpx.Client, request_line: str, body: object, status: int, error: str
) -> None:
    method, path = request_line.split()
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith(error)
