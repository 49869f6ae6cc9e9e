"""A processor killed with SIGKILL in the middle of a cumulative stream and restarted:
the SDK retries, and afterwards the store holds exactly what was recorded, embedded and
in a ClickHouse server (the stand-in, and a real one when SLOSCOPE_TEST_CLICKHOUSE_URL is
set)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from processor import StoreOptions, open_store
from tests.support.serve import ServeProcess

BOUNDS = [0.01, 0.1, 1.0]
ROUTES = ["/a", "/b", "/c"]
STORED = """
SELECT h.route, h.count, s.total FROM
    (SELECT Attributes['route'] AS route, sum(Count) AS count
     FROM {db:Identifier}.otel_metrics_histogram
     WHERE ServiceName = 'restart' GROUP BY route) AS h
JOIN
    (SELECT Attributes['route'] AS route, sum(Value) AS total
     FROM {db:Identifier}.otel_metrics_sum
     WHERE ServiceName = 'restart' GROUP BY route) AS s
USING (route)
"""


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(tmp_path / "data", env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"})
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


@pytest.fixture
def ingest_into_server(tmp_path: Path, server_dsn: str) -> Iterator[ServeProcess]:
    server = ServeProcess(
        tmp_path / "data",
        args=["--role", "ingest", "--dsn", server_dsn],
        env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"},
    )
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def _killed_mid_stream(serve: ServeProcess) -> Counter[str]:
    """Record requests while the SDK exports every 150 ms; SIGKILL the processor, start
    it again; return what was recorded per route once the last export is answered."""
    exporter = OTLPMetricExporter(endpoint=serve.otlp_endpoint, insecure=True, timeout=30)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=150)
    provider = MeterProvider(
        resource=Resource.create({"service.name": "restart"}), metric_readers=[reader]
    )
    meter = provider.get_meter("tests")
    latency = meter.create_histogram(
        "latency", unit="s", explicit_bucket_boundaries_advisory=BOUNDS
    )
    requests = meter.create_counter("requests")
    recorded: Counter[str] = Counter()
    stop = threading.Event()

    def record() -> None:
        rnd = random.Random(3)
        while not stop.is_set():
            route = rnd.choice(ROUTES)
            latency.record(rnd.random(), {"route": route})
            requests.add(2, {"route": route})
            recorded[route] += 1
            time.sleep(0.002)

    recorder = threading.Thread(target=record)
    recorder.start()
    time.sleep(2.0)
    serve.kill()  # exports are in flight every 150 ms: some will have been written, not answered
    time.sleep(1.0)
    serve.start()
    time.sleep(2.0)
    stop.set()
    recorder.join()
    provider.shutdown()  # the last export, with the final cumulative totals
    assert sum(recorded.values()) > 100
    return recorded


def _by_route(rows: list[Any]) -> dict[str, tuple[int, int]]:
    return {route: (int(count), int(total)) for route, count, total in rows}


def test_sigkill_and_restart_neither_lose_nor_double_count(serve: ServeProcess) -> None:
    recorded = _killed_mid_stream(serve)
    stored = _by_route(serve.query(STORED))
    assert stored == {route: (recorded[route], 2 * recorded[route]) for route in ROUTES}


@pytest.mark.slow
def test_a_processor_into_a_server_killed_and_restarted_counts_once(
    ingest_into_server: ServeProcess, server_dsn: str
) -> None:
    recorded = _killed_mid_stream(ingest_into_server)
    assert ingest_into_server.stop() == 0
    store = open_store(StoreOptions(dsn=server_dsn), migrate=False)
    try:
        stored = _by_route(store.query(STORED))
    finally:
        store.close()
    assert stored == {route: (recorded[route], 2 * recorded[route]) for route in ROUTES}
