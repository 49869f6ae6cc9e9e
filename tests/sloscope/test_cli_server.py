"""The read commands against a ClickHouse server (``--dsn http://user:pass@host:port/db``):
the same rows written to the embedded store and to the server give the same answers."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from processor.store import Store, StoreOptions, open_store
from slo_engine import SlaReport, StatusReport
from sloscope.cli import app
from tests.support import sla_traffic
from tests.support.traffic import (
    ExponentialPoint,
    HistogramPoint,
    exponential_point,
    histogram_point,
    insert_exponential,
    insert_histograms,
    request_attributes,
)

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MONTH_START = datetime(2026, 10, 1, tzinfo=UTC)
SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.99
    window: 1d
    sli: {availability: {route: /a}}
  - name: latency
    objective: 0.9
    window: 1d
    sli: {latency: {route: /a, threshold: 0.25}}
  - name: checkout-latency
    objective: 0.95
    window: 1d
    sli:
      latency:
        {route: /checkout, threshold: 0.25, metric: http.checkout.duration, histogram: exponential}
"""


@pytest.fixture
def store_options(store_options: StoreOptions) -> StoreOptions:
    """Rows from past months stay: no retention."""
    return dataclasses.replace(store_options, retention_days=0)


@pytest.fixture
def server(server_dsn: str) -> Iterator[Store]:
    opened = open_store(StoreOptions(dsn=server_dsn, retention_days=0))
    try:
        yield opened
    finally:
        opened.close()


def _traffic(generator: random.Random) -> list[HistogramPoint]:
    points = []
    for minute in range(1, 6 * 60):
        for status in (200, 200, 503):
            latencies = [
                generator.lognormvariate(-2.0, 0.8) for _ in range(generator.randint(0, 9))
            ]
            attributes = request_attributes("/a", "GET", status)
            points.append(
                histogram_point("shop", attributes, AT - timedelta(minutes=minute), latencies)
            )
    return points


def _exponential(generator: random.Random) -> list[ExponentialPoint]:
    return [
        exponential_point(
            "shop",
            request_attributes("/checkout", "POST", 200),
            AT - timedelta(minutes=minute),
            [generator.lognormvariate(-1.5, 0.5) for _ in range(5)],
            scale=3,
            metric="http.checkout.duration",
        )
        for minute in range(1, 120)
    ]


@pytest.fixture
def same_rows(store: Store, server: Store) -> None:
    """The same histograms and exponential histograms in both stores."""
    generator = random.Random(13)
    histograms, exponentials = _traffic(generator), _exponential(generator)
    for target in (store, server):
        insert_histograms(target, histograms)
        insert_exponential(target, exponentials)
        sla_traffic.insert(
            target,
            "shop",
            sla_traffic.plan(
                MONTH_START,
                MONTH_START + timedelta(hours=6),
                overrides=sla_traffic.run(
                    MONTH_START + timedelta(hours=2), 7, sla_traffic.Minute(3, 9)
                ),
            ),
        )


def _invoke(args: list[str], dsn: str, database: str | None = None) -> Result:
    env = {"SLOSCOPE_STORE__RETENTION_DAYS": "0"}
    if database is not None:
        env["SLOSCOPE_STORE__DATABASE"] = database
    result = CliRunner().invoke(app, [*args, "--dsn", dsn], env=env)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def slos(tmp_path: Path) -> Path:
    path = tmp_path / "slos.yaml"
    path.write_text(SLOS)
    return path


@pytest.mark.usefixtures("same_rows")
def test_slo_status_on_a_server_equals_the_embedded_store(
    store: Store, server_dsn: str, slos: Path
) -> None:
    args = ["slo", "status", "--slos", str(slos), "--at", AT.isoformat(), "--json"]
    embedded = StatusReport.model_validate_json(
        _invoke(args, store.location.dsn, store.database).stdout
    )
    served = StatusReport.model_validate_json(_invoke(args, server_dsn).stdout)
    assert served == embedded
    totals = {s.name: (s.good, s.total) for s in served.slos}
    generator = random.Random(13)
    histograms, exponentials = _traffic(generator), _exponential(generator)
    good = sum(p.count for p in histograms if p.attributes["http.response.status_code"] == "200")
    assert totals["availability"] == (good, sum(p.count for p in histograms))
    assert totals["checkout-latency"][1] == sum(p.count for p in exponentials) == 119 * 5


@pytest.mark.usefixtures("same_rows")
def test_report_sla_on_a_server_equals_the_embedded_store(
    store: Store, server_dsn: str, slos: Path
) -> None:
    args = ["report", "sla", "--month", "2026-10", "--slos", str(slos), "--json"]
    embedded = SlaReport.model_validate_json(
        _invoke(args, store.location.dsn, store.database).stdout
    )
    served = SlaReport.model_validate_json(_invoke(args, server_dsn).stdout)
    assert served.model_dump(exclude={"generated_at"}) == embedded.model_dump(
        exclude={"generated_at"}
    )
    (shop,) = served.services
    assert (shop.requests, shop.failed_requests) == (6 * 60 * 20 - 7 * 20 + 7 * 12, 7 * 9)


@pytest.mark.usefixtures("same_rows")
def test_query_on_a_server_equals_the_embedded_store(store: Store, server_dsn: str) -> None:
    sql = (
        "SELECT ServiceName, Attributes['http.response.status_code'] AS status, "
        "count() AS rows, sum(Count) AS requests, round(sum(Sum), 9) AS seconds "
        "FROM {db:Identifier}.otel_metrics_histogram WHERE TimeUnix < {before:DateTime} "
        "GROUP BY ServiceName, status ORDER BY ServiceName, status"
    )
    args = ["query", sql, "-p", f"before={AT:%Y-%m-%d %H:%M:%S}", "--json"]
    embedded = json.loads(_invoke(args, store.location.dsn, store.database).stdout)
    served = json.loads(_invoke(args, server_dsn).stdout)
    assert served == embedded
    assert served["columns"] == ["ServiceName", "status", "rows", "requests", "seconds"]
    histograms = _traffic(random.Random(13))
    failed = [p for p in histograms if p.attributes["http.response.status_code"] == "503"]
    (_, _ok), (_, outage), (_, unavailable) = [(row[0], row[1:4]) for row in served["rows"]]
    assert outage == ["500", 7, 7 * 9]
    assert unavailable == ["503", len(failed), sum(p.count for p in failed)]
