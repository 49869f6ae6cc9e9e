"""Dashboards as config: the shipped one and a user's, answered with exact numbers from
a real store; bad files refused with file:line:col; SQL the query policy refuses is
refused when the dashboard is checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from processor.store import Store
from slo_engine import SpecError
from sloscope._dashboard_data import shape, status_of
from sloscope._dashboard_spec import WidgetSpec
from sloscope._dashboards import check_queries, load_dashboards, parse_dashboards
from sloscope._read_query import QueryAnswer, QueryLimits, load_catalog, open_read_session
from sloscope.cli import app
from sloscope.errors import UsageError
from tests.sloscope.conftest import TRAFFIC_END
from tests.support.api import serving_api

AT = TRAFFIC_END.isoformat()

USER_FILE = """\
service: shop
dashboards:
  - name: shop
    title: Shop <routes>
    refresh: 10s
    range: 15m
    variables:
      - name: code
        default: "500"
        options: ["200", "500"]
    widgets:
      - id: by-code
        type: metric
        title: Requests with the code
        x: 0
        y: 0
        w: 6
        h: 2
        sql: |
          SELECT sum(Count) FROM {db:Identifier}.otel_metrics_histogram
          WHERE Attributes['http.response.status_code'] = {code:String}
            AND TimeUnixNano > {start_ns:UInt64} AND TimeUnixNano <= {end_ns:UInt64}
"""


@pytest.fixture(scope="module")
def client(module_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    slos_dir = tmp_path_factory.mktemp("slos")
    (slos_dir / "shop.yaml").write_text(USER_FILE)
    with (
        serving_api(module_store, slos_dir=slos_dir) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        yield http


def _widget(client: httpx.Client, dashboard: str, widget: str, **params: str) -> httpx.Response:
    return client.get(f"/api/dashboards/{dashboard}/widgets/{widget}", params={"at": AT, **params})


def test_the_list_has_the_users_dashboard_then_the_shipped_ones(client: httpx.Client) -> None:
    answer = client.get("/api/dashboards")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"name": "shop", "title": "Shop <routes>", "description": None, "refresh_s": 10.0},
        {
            "name": "otel",
            "title": "HTTP service",
            "description": "Requests, errors and latency from http.server.request.duration; "
            "CPU and memory.",
            "refresh_s": 30.0,
        },
        {
            "name": "sloscope",
            "title": "sloscope itself",
            "description": "Points collected and written, the ingest queue, flush latency, "
            "API requests and dashboard views.",
            "refresh_s": 30.0,
        },
    ]


def test_the_layout_is_the_grid_as_written(client: httpx.Client) -> None:
    layout = client.get("/api/dashboards/otel")
    assert layout.status_code == 200, layout.text
    body = layout.json()
    assert (body["columns"], body["range_s"], body["refresh_s"]) == (12, 3600.0, 30.0)
    placed = [(w["id"], w["type"], w["x"], w["y"], w["w"], w["h"]) for w in body["widgets"]]
    assert placed == [
        ("requests", "metric", 0, 0, 3, 2),
        ("error-ratio", "status", 3, 0, 3, 2),
        ("mean-latency", "gauge", 6, 0, 3, 2),
        ("cpu", "gauge", 9, 0, 3, 2),
        ("traffic", "chart", 0, 2, 8, 4),
        ("memory", "chart", 8, 2, 4, 4),
        ("routes", "table", 0, 6, 12, 4),
    ]
    assert body["variables"] == [
        {"name": "service", "label": "Service (empty for all)", "default": "", "options": None}
    ]


def test_the_shipped_widgets_count_exactly(client: httpx.Client) -> None:
    # 30 minutes of shop traffic on /a: a 200 and a 500 each minute, 100 ms each.
    assert _widget(client, "otel", "requests").json() == {
        "type": "metric",
        "value": 60.0,
        "unit": None,
    }
    # Points at 11:50 belong to the minute before the range (start, end]: 9 minutes.
    assert _widget(client, "otel", "requests", range="10m").json()["value"] == 18.0
    assert _widget(client, "otel", "error-ratio", service="shop").json() == {
        "type": "status",
        "value": 0.5,
        "status": "critical",
        "unit": "ratio",
    }
    latency = _widget(client, "otel", "mean-latency").json()
    assert latency["value"] == pytest.approx(100.0, abs=1e-9)
    assert (latency["min"], latency["max"], latency["unit"]) == (0.0, 1000.0, "ms")
    assert _widget(client, "otel", "cpu").json()["value"] is None
    chart = _widget(client, "otel", "traffic").json()
    # An hour's range steps by 30 s: one bucket per minute of traffic.
    assert len(chart["x"]) == 30
    assert chart["x"][-1] == "2026-11-20T11:59:00+00:00"
    assert [s["name"] for s in chart["series"]] == ["requests", "errors"]
    assert chart["series"][0]["values"] == [2.0] * 30
    assert chart["series"][1]["values"] == [1.0] * 30
    assert _widget(client, "otel", "routes").json() == {
        "type": "table",
        "columns": ["service", "route", "requests", "errors", "mean_ms"],
        "types": ["LowCardinality(String)", "String", "UInt64", "UInt64", "Nullable(Float64)"],
        "rows": [["shop", "/a", 60, 30, 100.0]],
    }


def test_a_filter_is_bound_not_written_into_the_sql(client: httpx.Client) -> None:
    nobody = _widget(client, "otel", "requests", service="x' OR '1'='1")
    assert nobody.json()["value"] == 0.0
    assert _widget(client, "otel", "error-ratio", service="none").json()["status"] == "no_data"
    assert _widget(client, "shop", "by-code").json()["value"] == 14.0
    assert _widget(client, "shop", "by-code", code="200", range="5m").json()["value"] == 4.0


@pytest.mark.parametrize(
    ("path", "params", "status", "error"),
    [
        ("shop/widgets/by-code", {"code": "404"}, 400, "code: '404' is not one of 200, 500"),
        ("shop/widgets/by-code", {"route": "/a"}, 400, "unknown parameter route"),
        ("shop/widgets/by-code", {"range": "500d"}, 400, "range: must be between 1m and"),
        ("shop/widgets/by-code", {"range": "soon"}, 400, "range: 'soon' is not a duration"),
        ("shop/widgets/by-code", {"at": "yesterday"}, 400, "at: 'yesterday' is not an ISO"),
        ("shop/widgets/nothing", {}, 404, "dashboard 'shop' has no widget 'nothing'"),
        ("nothing", {}, 404, "no dashboard 'nothing'"),
    ],
    ids=["not-an-option", "unknown", "range-too-long", "bad-range", "bad-at", "widget", "name"],
)
def test_bad_requests_are_refused_with_a_message(
    client: httpx.Client, path: str, params: dict[str, str], status: int, error: str
) -> None:
    answer = client.get(f"/api/dashboards/{path}", params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"].startswith(error)


def test_a_parameter_given_twice_is_refused(client: httpx.Client) -> None:
    answer = client.get("/api/dashboards/shop/widgets/by-code?code=200&code=500")
    assert answer.status_code == 400
    assert answer.json() == {"error": "a query parameter is given twice"}


BAD_FILE = """\
dashboards:
  - name: Bad Name
    title: x
    widgets: []
  - name: grid
    title: Grid
    refresh: 1s
    range: 1h
    variables:
      - name: start
      - name: route
        default: /b
        options: [/a]
    widgets:
      - {id: a, type: metric, title: A, sql: SELECT 1, x: 0, y: 0, w: 6, h: 2}
      - {id: a, type: metric, title: B, sql: SELECT 1, x: 4, y: 0, w: 6, h: 2}
      - {id: c, type: gauge, title: C, sql: SELECT 1, x: 10, y: 3, w: 4, h: 2}
      - {id: d, type: gauge, title: D, sql: SELECT 1, x: 0, y: 5, w: 2, h: 2, min: 0}
      - {id: e, type: status, title: E, sql: SELECT 1, x: 3, y: 5, w: 2, h: 2}
  - name: pie
    title: Pie
    widgets:
      - {id: f, type: pie, title: F, sql: SELECT 1, x: 6, y: 5, w: 2, h: 2}
"""


def test_bad_dashboard_files_are_refused_with_locations() -> None:
    with pytest.raises(SpecError) as caught:
        load_dashboards({"bad.yaml": BAD_FILE})
    assert [str(issue) for issue in caught.value.issues] == [
        "bad.yaml:2:5: dashboards[0].name: String should match pattern "
        "'^[a-z0-9][a-z0-9_-]{0,62}$'",
        "bad.yaml:4:5: dashboards[0].widgets: List should have at least 1 item after "
        "validation, not 0",
        "bad.yaml:7:5: dashboards[1].refresh: must be between 5s and 1h",
        "bad.yaml:10:9: dashboards[1].variables[0].name: 'start' is reserved "
        "(at, db, end, end_ns, range, start, start_ns, step_s)",
        "bad.yaml:12:9: dashboards[1].variables[1].default: not one of the options",
        "bad.yaml:16:10: dashboards[1].widgets[1].id: duplicate widget id 'a'",
        "bad.yaml:16:56: dashboards[1].widgets[1].x: overlaps widget 'a'",
        "bad.yaml:17:68: dashboards[1].widgets[2].w: x + w is 14, over 12",
        "bad.yaml:18:9: dashboards[1].widgets[3].max: a gauge needs min and max",
        "bad.yaml:19:17: dashboards[1].widgets[4].type: a status needs a warning or a "
        "critical threshold",
        "bad.yaml:23:17: dashboards[2].widgets[0].type: Input should be 'metric', 'chart', "
        "'table', 'gauge' or 'status'",
    ]


REFUSED_FILE = """\
dashboards:
  - name: refused
    title: Refused
    widgets:
      - id: url
        type: table
        title: A URL
        x: 0
        y: 0
        w: 4
        h: 2
        sql: SELECT * FROM url('http://127.0.0.1:1/')
      - id: system
        type: table
        title: Users
        x: 4
        y: 0
        w: 4
        h: 2
        sql: SELECT name FROM system.users
      - id: unknown
        type: metric
        title: Unknown parameter
        x: 8
        y: 0
        w: 4
        h: 2
        sql: SELECT {route:String}
      - id: fine
        type: metric
        title: Fine
        x: 0
        y: 2
        w: 4
        h: 2
        sql: SELECT count() FROM {db:Identifier}.otel_metrics_sum
"""


def test_sql_the_query_policy_refuses_is_refused_at_validation(
    module_store: Store, client: httpx.Client, tmp_path: Path
) -> None:
    session = open_read_session(module_store, QueryLimits())
    try:
        issues = check_queries(
            load_dashboards({"refused.yaml": REFUSED_FILE}, shipped=False),
            session,
            load_catalog(session),
        )
    finally:
        session.close()
    assert [(i.line, i.column, i.field) for i in issues] == [
        (12, 9, "dashboards[0].widgets[0].sql"),
        (20, 9, "dashboards[0].widgets[1].sql"),
        (28, 9, "dashboards[0].widgets[2].sql"),
    ]
    assert "table function" in issues[0].message
    assert "system.users" in issues[1].message
    assert issues[2].message.startswith("unknown parameter route: declare it under variables")


def test_the_shipped_dashboards_pass_the_query_policy(module_store: Store) -> None:
    session = open_read_session(module_store, QueryLimits())
    try:
        assert check_queries(load_dashboards({}), session, load_catalog(session)) == []
    finally:
        session.close()


def test_files_without_dashboards_have_none() -> None:
    assert parse_dashboards("service: shop\nslos: []\n", "slos.yaml") == ([], [])
    assert parse_dashboards("- apiVersion: openslo/v1\n", "o.yaml") == ([], [])
    (issue,) = parse_dashboards("dashboards: {a: 1}\n", "d.yaml")[1]
    assert str(issue) == "d.yaml:1:1: dashboards: expected a list of dashboards"


def test_slo_validate_checks_the_dashboards_in_the_slo_files(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "shop.yaml").write_text(USER_FILE)
    result = CliRunner().invoke(app, ["slo", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 0 SLOs, 0 exclusions, 1 dashboards\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("service: shop\nslos:\n  - name: x\n" + BAD_FILE)
    result = CliRunner().invoke(app, ["slo", "validate", str(bad)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 12
    assert lines[0].startswith(f"{bad}:3:5: slos[0]")
    assert lines[1] == (
        f"{bad}:5:5: dashboards[0].name: String should match pattern '^[a-z0-9][a-z0-9_-]{{0,62}}$'"
    )
    assert lines[-1].startswith(f"{bad}:26:17: dashboards[2].widgets[0].type: Input should be")


def _spec(kind: str, **fields: object) -> WidgetSpec:
    return WidgetSpec.model_validate(
        {"id": "w", "type": kind, "title": "W", "sql": "SELECT 1", "x": 0, "y": 0, "w": 1, "h": 1}
        | fields
    )


def _answer(columns: list[str], rows: list[list[object]]) -> QueryAnswer:
    return QueryAnswer(columns=columns, types=["Float64"] * len(columns), rows=rows)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "value", "expected"),
    [
        ({"warning": 0.01, "critical": 0.05}, 0.009, "ok"),
        ({"warning": 0.01, "critical": 0.05}, 0.01, "warning"),
        ({"warning": 0.01, "critical": 0.05}, 0.05, "critical"),
        ({"critical": 0.05}, 0.04, "ok"),
        ({"warning": 0.99, "critical": 0.95, "higher_is_better": True}, 0.995, "ok"),
        ({"warning": 0.99, "critical": 0.95, "higher_is_better": True}, 0.99, "warning"),
        ({"warning": 0.99, "critical": 0.95, "higher_is_better": True}, 0.9, "critical"),
        ({"warning": 0.99}, None, "no_data"),
    ],
    ids=["ok", "warning", "critical", "critical-only", "hib-ok", "hib-warning", "hib-crit", "none"],
)
def test_a_status_is_judged_against_its_thresholds(
    fields: dict[str, object], value: float | None, expected: str
) -> None:
    assert status_of(_spec("status", **fields), value) == expected


def test_answers_a_widget_cannot_show_are_refused() -> None:
    with pytest.raises(UsageError, match="a metric shows one row, the query gave more"):
        shape(_spec("metric"), _answer(["v"], [[1], [2]]))
    with pytest.raises(UsageError, match="'high' is not a number"):
        shape(_spec("metric"), _answer(["v"], [["high"]]))
    with pytest.raises(UsageError, match=r"\[1\] is not a number"):
        shape(_spec("metric"), _answer(["v"], [[[1]]]))
    with pytest.raises(UsageError, match="a chart needs a time column and a series"):
        shape(_spec("chart"), _answer(["t"], [["2026-11-20T12:00:00+00:00"]]))
    assert shape(_spec("metric"), _answer(["v"], [])).model_dump() == {
        "type": "metric",
        "value": None,
        "unit": None,
    }
    assert shape(_spec("metric"), _answer(["v"], [["nan"]])).model_dump()["value"] is None
    assert shape(_spec("metric"), _answer(["v"], [["12.5"]])).model_dump()["value"] == 12.5


def test_the_layout_of_a_dashboard_with_refused_sql_is_422_with_locations(
    module_store: Store, tmp_path: Path
) -> None:
    (tmp_path / "refused.yaml").write_text(REFUSED_FILE)
    with (
        serving_api(module_store, slos_dir=tmp_path) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        layout = http.get("/api/dashboards/refused")
        fine = http.get("/api/dashboards/refused/widgets/fine")
    assert layout.status_code == 422, layout.text
    located = [issue.split(": ")[:2] for issue in layout.json()["issues"]]
    source = tmp_path / "refused.yaml"
    assert located == [
        [f"{source}:12:9", "dashboards[0].widgets[0].sql"],
        [f"{source}:20:9", "dashboards[0].widgets[1].sql"],
        [f"{source}:28:9", "dashboards[0].widgets[2].sql"],
    ]
    assert fine.json() == {"type": "metric", "value": 0.0, "unit": None}
