"""``sloscope serve --role ingest --dsn http://...``: OTLP into a ClickHouse server (the
stand-in, and a real server when SLOSCOPE_TEST_CLICKHOUSE_URL is set), then the SLO
engine and the SLA report read that server: every request counted once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from processor import StoreOptions, open_store
from slo_engine import SlaReport, StatusReport
from sloscope.cli import app
from tests.support import otlp, sla_traffic
from tests.support.serve import ServeProcess

MONTH_START = datetime(2026, 10, 1, tzinfo=UTC)
OUTAGE = sla_traffic.run(MONTH_START + timedelta(hours=2), 7, sla_traffic.Minute(3, 9))
MINUTES = sla_traffic.plan(MONTH_START, MONTH_START + timedelta(hours=6), overrides=OUTAGE)
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
"""


@pytest.fixture
def ingest(tmp_path: Path, server_dsn: str) -> Iterator[ServeProcess]:
    server = ServeProcess(
        tmp_path / "data",
        args=["--role", "ingest", "--dsn", server_dsn, "--retention-days", "0"],
        env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"},
    )
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def _invoke(args: list[str], dsn: str) -> Result:
    result = CliRunner().invoke(app, [*args, "--dsn", dsn])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_otlp_through_serve_into_a_server_is_counted_once_by_slos_and_the_sla(
    ingest: ServeProcess, server_dsn: str, tmp_path: Path
) -> None:
    requests = sla_traffic.export_requests("shop", MINUTES, points_per_request=100)
    for request in requests:
        assert not otlp.export(ingest.otlp_endpoint, request).HasField("partial_success")
    otlp.export(ingest.otlp_endpoint, requests[1])  # a retry, answered and not counted
    assert ingest.stop() == 0

    total = sum(minute.total for minute in MINUTES.values())
    failed = sum(minute.failed for minute in MINUTES.values())
    assert (total, failed) == (360 * 20 - 7 * 20 + 7 * 12, 7 * 9)
    store = open_store(StoreOptions(dsn=server_dsn), migrate=False)
    try:
        stored = store.query(
            "SELECT count(), sum(Count) FROM {db:Identifier}.otel_metrics_histogram "
            "WHERE ServiceName = 'shop'"
        )
        rolled_up = store.query(
            "SELECT sum(Count) FROM {db:Identifier}.slo_histogram_1h WHERE ServiceName = 'shop'"
        )
    finally:
        store.close()
    assert stored == [(360 + 7, total)]
    assert rolled_up == [(total,)]

    slos = tmp_path / "slos.yaml"
    slos.write_text(SLOS)
    at = MONTH_START + timedelta(hours=6)
    status = StatusReport.model_validate_json(
        _invoke(
            ["slo", "status", "--slos", str(slos), "--at", at.isoformat(), "--json"], server_dsn
        ).stdout
    )
    assert {s.name: (s.good, s.total) for s in status.slos} == {
        "availability": (total - failed, total),
        "latency": (total, total),
    }
    report = SlaReport.model_validate_json(
        _invoke(
            ["report", "sla", "--month", "2026-10", "--slos", str(slos), "--json"], server_dsn
        ).stdout
    )
    (shop,) = report.services
    assert (shop.requests, shop.failed_requests) == (total, failed)
