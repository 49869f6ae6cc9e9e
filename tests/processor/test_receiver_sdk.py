"""The OTel SDK's own OTLP gRPC exporter against a running receiver: what is recorded is
what is stored, value for value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, ObservableGauge, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from processor.store import Store
from tests.support.processor import running_processor

BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
DELTA = {
    Counter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableGauge: AggregationTemporality.CUMULATIVE,
}


def _provider(endpoint: str, service: str, delta: bool) -> tuple[MeterProvider, PeriodicExportingMetricReader]:
    exporter = OTLPMetricExporter(
        endpoint=endpoint, insecure=True, preferred_temporality=DELTA if delta else None
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(resource=Resource.create({"service.name": service}), metric_readers=[reader])
    return provider, reader


@pytest.fixture
def endpoint(store: Store) -> Iterator[str]:
    with running_processor(store) as running:
        yield running.endpoint


@pytest.mark.parametrize("delta", [True, False], ids=["delta", "cumulative"])
def test_sdk_histogram_and_counter_arrive_exactly(store: Store, endpoint: str, delta: bool) -> None:
    provider, reader = _provider(endpoint, "checkout", delta)
    meter = provider.get_meter("test")
    duration = meter.create_histogram(
        "http.server.request.duration", unit="s", explicit_bucket_boundaries_advisory=BOUNDS
    )
    requests = meter.create_counter("requests", unit="{request}")
    for value in (0.003, 0.02, 0.02, 0.3, 7.0):
        duration.record(value, {"http.route": "/a", "http.response.status_code": 200})
    requests.add(5, {"http.route": "/a"})
    reader.force_flush()
    for value in (0.004, 12.0):
        duration.record(value, {"http.route": "/a", "http.response.status_code": 200})
    duration.record(0.2, {"http.route": "/b", "http.response.status_code": 500})
    requests.add(3, {"http.route": "/a"})
    reader.force_flush()
    reader.force_flush()  # nothing new: a cumulative export repeats totals, stores nothing
    provider.shutdown()

    rows = store.query(
        """
        SELECT Attributes['http.route'], sum(Count), sumForEach(BucketCounts), round(sum(Sum), 9),
               minIf(Min, HasMin), maxIf(Max, HasMax), count(), any(AggregationTemporality)
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE ServiceName = 'checkout' AND MetricName = 'http.server.request.duration'
        GROUP BY 1 ORDER BY 1
        """
    )
    assert rows[0][:4] == ("/a", 7, [2, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1], 19.347)
    assert rows[0][4:6] == (0.003, 12.0)
    assert rows[1][:4] == ("/b", 1, [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 0.2)
    assert rows[0][7] == 1  # stored as deltas either way
    assert rows[0][6] == 2  # one row per export that had new measurements
    counter = store.query(
        "SELECT sum(Value), count() FROM {db:Identifier}.otel_metrics_sum WHERE MetricName = 'requests'"
    )
    assert counter == [(8.0, 2)]
