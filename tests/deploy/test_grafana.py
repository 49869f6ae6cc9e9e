"""The Grafana files: the data source provisioned as the read-only user ClickHouse is given,
and every dashboard query, with the plugin's macros and the variables filled in, run by the
embedded engine against the store's own schema and known traffic."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from processor.store import Store
from tests.support.deploy import DEPLOY, load_yaml, walk
from tests.support.traffic import (
    GaugePoint,
    histogram_point,
    insert_delta_sums,
    insert_gauges,
    insert_histograms,
    insert_updown_sums,
    request_attributes,
)

GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
START = AT - timedelta(hours=2)
VARIABLES = {"service": "shop", "objective": "0.999"}


def _datasource() -> dict[str, Any]:
    (source,) = load_yaml(GRAFANA / "provisioning/datasources/clickhouse.yaml")["datasources"]
    found: dict[str, Any] = source
    return found


def _filled(sql: str) -> str:
    """The query as the plugin sends it for START..AT in one-minute intervals."""
    window = f"toDateTime({int(START.timestamp())}) AND {{0}} <= toDateTime({int(AT.timestamp())})"
    sql = re.sub(r"\$__timeFilter\((\w+)\)", lambda m: f"{m[1]} >= " + window.format(m[1]), sql)
    sql = re.sub(
        r"\$__timeInterval\((\w+)\)",
        lambda m: f"toStartOfInterval(toDateTime({m[1]}), INTERVAL 60 second)",
        sql,
    )
    sql = sql.replace("$__interval_s", "60")
    sql = sql.replace("$__fromTime", f"toDateTime({int(START.timestamp())})")
    sql = sql.replace("$__toTime", f"toDateTime({int(AT.timestamp())})")
    sql = re.sub(r"\$\{(\w+):singlequote\}", lambda m: f"'{VARIABLES[m[1]]}'", sql)
    sql = re.sub(r"\$\{(\w+)\}", lambda m: VARIABLES[m[1]], sql)
    assert "$" not in sql, sql
    return sql


def _queries(path: Path) -> Iterator[tuple[str, str]]:
    board = json.loads(path.read_text())
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            yield f"variable {variable['name']}", variable["query"]
    for panel in board["panels"]:
        for target in panel["targets"]:
            yield panel["title"], target["rawSql"]


@pytest.fixture
def traffic(store: Store) -> Store:
    """An hour of requests to two routes, and a process at a quarter of the CPUs."""
    points = []
    for minute in range(1, 61):
        at = AT - timedelta(minutes=minute)
        for route, status, latencies in (
            ("/a", 200, [0.1] * 5),
            ("/a", 500, [0.2]),
            ("/b", 200, [0.3] * 2),
        ):
            points.append(
                histogram_point("shop", request_attributes(route, "GET", status), at, latencies)
            )
    insert_histograms(store, points)
    minutes = [AT - timedelta(minutes=m) for m in range(1, 61)]
    gauges = {
        ("process.cpu.utilization", ()): 0.25,
        ("system.cpu.utilization", (("cpu.mode", "user"),)): 0.5,
        ("system.memory.utilization", (("system.memory.state", "used"),)): 0.75,
    }
    insert_gauges(
        store,
        [
            GaugePoint("shop", metric, dict(attributes), at, value)
            for (metric, attributes), value in gauges.items()
            for at in minutes
        ],
    )
    levels = {"process.memory.usage": 2e8, "process.thread.count": 12.0}
    insert_updown_sums(
        store,
        [
            GaugePoint("shop", metric, {}, at, value)
            for metric, value in levels.items()
            for at in minutes
        ],
        START,
    )
    insert_delta_sums(
        store,
        [
            GaugePoint("shop", "system.network.io", {"network.io.direction": "receive"}, at, 6000.0)
            for at in minutes
        ],
    )
    return store


def test_the_data_source_is_the_read_only_user_clickhouse_is_given() -> None:
    source = _datasource()
    assert (source["type"], source["uid"]) == (
        "grafana-clickhouse-datasource",
        "sloscope-clickhouse",
    )
    settings = source["jsonData"]
    assert (settings["host"], settings["port"], settings["protocol"]) == (
        "clickhouse",
        8123,
        "http",
    )
    assert source["secureJsonData"]["password"] == "$CLICKHOUSE_GRAFANA_PASSWORD"
    users = (DEPLOY / "clickhouse/users.d/grafana.xml").read_text()
    assert f"<{settings['username']}>" in users
    assert f"GRANT SELECT ON {settings['defaultDatabase']}.*" in users
    assert '<password from_env="CLICKHOUSE_GRAFANA_PASSWORD"/>' in users
    assert "<readonly>1</readonly>" in users
    compose = load_yaml(DEPLOY / "docker-compose.yml")["services"]
    assert "CLICKHOUSE_GRAFANA_PASSWORD" in compose["grafana"]["environment"]
    assert "CLICKHOUSE_GRAFANA_PASSWORD" in compose["clickhouse"]["environment"]


def test_dashboards_are_provisioned_and_use_the_data_source() -> None:
    provider = load_yaml(GRAFANA / "provisioning/dashboards/sloscope.yaml")["providers"][0]
    mount = load_yaml(DEPLOY / "docker-compose.yml")["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mount
    assert [path.stem for path in DASHBOARDS] == ["resources", "service-red", "slo-overview"]
    uids = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        uids.add(board["uid"])
        sources = [value for key, value in walk(board) if key == "datasource"]
        assert sources
        assert all(source["uid"] == _datasource()["uid"] for source in sources), path.name
    assert len(uids) == len(DASHBOARDS)


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.stem for p in DASHBOARDS])
def test_every_query_runs_on_the_schema(traffic: Store, path: Path) -> None:
    for title, sql in _queries(path):
        rows = traffic.query(_filled(sql))
        assert rows, f"{path.name}: {title} found nothing"


def test_the_slo_overview_counts_exactly(traffic: Store) -> None:
    queries = dict(_queries(GRAFANA / "dashboards/slo-overview.json"))
    ((service, requests, failed, availability, burn),) = traffic.query(
        _filled(queries["Availability and burn rate over the range"])
    )
    assert (service, requests, failed) == ("shop", 60 * 8, 60)
    assert availability == pytest.approx(1 - 60 / 480, abs=1e-12)
    assert burn == pytest.approx((60 / 480) / 0.001, rel=1e-9)
    p99 = traffic.query(_filled(queries["p99 latency"]))
    assert len(p99) == 60
    assert all(0.2 < value <= 0.3 for _, _, value in p99)


def test_the_red_routes_table_counts_exactly(traffic: Store) -> None:
    queries = dict(_queries(GRAFANA / "dashboards/service-red.json"))
    rows = traffic.query(_filled(queries["Routes over the range"]))
    assert [(route, requests) for route, requests, _, _ in rows] == [("/a", 360), ("/b", 120)]
    assert rows[0][2] == pytest.approx(1 / 6, abs=1e-12)
    assert rows[1][2] == 0
    assert not any(math.isnan(p99) for *_, p99 in rows)
    rates = traffic.query(_filled(queries["Requests per second, by route"]))
    assert {(route, rate) for _, route, rate in rates} == {("/a", 6 / 60), ("/b", 2 / 60)}


@pytest.mark.parametrize(
    ("title", "value"),
    [
        ("Process CPU (share of all CPUs), by instance", 0.25),
        ("Process resident memory, by instance", 2e8),
        ("Host CPU, by mode", 0.5),
        ("Host memory, by state", 0.75),
        ("Threads, by instance", 12.0),
        ("Network bytes per second, by direction", 100.0),
    ],
)
def test_the_resources_dashboard_reads_each_metric(
    traffic: Store, title: str, value: float
) -> None:
    queries = dict(_queries(GRAFANA / "dashboards/resources.json"))
    rows = traffic.query(_filled(queries[title]))
    assert len(rows) == 60
    assert {row[-1] for row in rows} == {value}
