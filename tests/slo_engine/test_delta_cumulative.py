"""The same traffic sent as delta and as cumulative, by the OTel SDK's OTLP exporter
through the real processor, gives the same SLO numbers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource

from processor.store import Store
from slo_engine import load, status
from tests.support.processor import running_processor

BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
EXPONENTIAL = "rpc.server.duration"
# Each round reaches below and above every earlier one, so a cumulative stream's min and
# max move in every export and its deltas keep them, as delta exports do.
ROUNDS: list[list[tuple[float, int]]] = [
    [(0.2, 200), (0.03, 200), (0.3, 200), (0.6, 500), (0.12, 200)],
    [(0.02, 200), (0.8, 200), (0.2, 200), (0.55, 500), (0.65, 500), (0.05, 200), (0.4, 200)],
    [(0.004, 200), (0.3, 200), (0.5, 500), (0.7, 500), (3.0, 200), (0.26, 200)],
]

SLOS = """\
slos:
  - {name: availability, objective: 0.9, window: 1h, sli: {availability: {route: /a}}}
  - {name: latency, objective: 0.9, window: 1h, sli: {latency: {route: /a, threshold: 0.25}}}
  - {name: hourly-slices, objective: 0.9, window: 1d, budgeting: timeslices, slice: 1h,
     slice_target: 0.5, sli: {availability: {route: /a}}}
  - {name: p90-hour, objective: 0.9, window: 1d, budgeting: timeslices, slice: 1h,
     sli: {latency_percentile: {route: /a, percentile: 90, threshold: 1.0}}}
  - name: exponential-latency
    objective: 0.9
    window: 1h
    sli: {latency: {metric: rpc.server.duration, histogram: exponential, threshold: 0.3}}
"""


def _provider(
    endpoint: str, service: str, delta: bool
) -> tuple[MeterProvider, PeriodicExportingMetricReader]:
    temporality: dict[type, AggregationTemporality] | None = (
        {Histogram: AggregationTemporality.DELTA} if delta else None
    )
    exporter = OTLPMetricExporter(
        endpoint=endpoint, insecure=True, preferred_temporality=temporality
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource.create({"service.name": service}),
        metric_readers=[reader],
        views=[
            View(instrument_name=EXPONENTIAL, aggregation=ExponentialBucketHistogramAggregation())
        ],
    )
    return provider, reader


@pytest.fixture
def sent(store: Store) -> datetime:
    """Both services' traffic stored; yields the instant to evaluate at."""
    with running_processor(store) as running:
        providers = [
            _provider(running.endpoint, name, name == "delta") for name in ("delta", "cumulative")
        ]
        instruments = []
        for provider, _ in providers:
            meter = provider.get_meter("test")
            explicit = meter.create_histogram(
                "http.server.request.duration", unit="s", explicit_bucket_boundaries_advisory=BOUNDS
            )
            instruments.append((explicit, meter.create_histogram(EXPONENTIAL, unit="s")))
        for values in ROUNDS:
            for explicit, exponential in instruments:
                for value, code in values:
                    attributes: dict[str, str | int] = {
                        "http.route": "/a",
                        "http.response.status_code": code,
                    }
                    explicit.record(value, attributes)
                    exponential.record(value, attributes)
            for _, reader in providers:
                reader.force_flush()
        for provider, _ in providers:
            provider.shutdown()
        expected = 2 * sum(len(values) for values in ROUNDS)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stored = store.query(
                "SELECT sum(Count) FROM {db:Identifier}.otel_metrics_histogram"
                " WHERE MetricName = 'http.server.request.duration'"
            )[0][0]
            if stored == expected:
                break
            time.sleep(0.05)
    return datetime.now(UTC) + timedelta(minutes=2)


def _comparable(text: str, service: str, at: datetime, store: Store) -> list[dict[str, Any]]:
    slo_set = load({"s.yaml": f"service: {service}\n{text}"})
    report = status(store, slo_set, at)
    return [s.model_dump(mode="json", exclude={"service"}) for s in report.slos]


def _hours_with_data(store: Store) -> list[datetime]:
    """The hours the traffic fell in (one, or two when it straddled an hour)."""
    rows = store.query(
        "SELECT DISTINCT toStartOfHour(TimeUnix, 'UTC') FROM {db:Identifier}.otel_metrics_histogram"
        " WHERE ServiceName = 'delta'"
    )
    return [hour.replace(tzinfo=UTC) for (hour,) in rows]


def test_delta_and_cumulative_give_the_same_slo_numbers(store, sent):
    delta = _comparable(SLOS, "delta", sent, store)
    cumulative = _comparable(SLOS, "cumulative", sent, store)
    assert delta == cumulative
    by_name = {s["name"]: s for s in delta}
    assert by_name["availability"]["total"] == sum(len(values) for values in ROUNDS)
    assert by_name["availability"]["good"] == sum(
        code < 500 for values in ROUNDS for _, code in values
    )
    assert by_name["latency"]["good"] == sum(
        value <= 0.25 for values in ROUNDS for value, _ in values
    )
    assert by_name["exponential-latency"]["total"] == by_name["availability"]["total"]
    hours = _hours_with_data(store)
    after = max(hours) + timedelta(hours=1)
    sliced = {s["name"]: s for s in _comparable(SLOS, "delta", after, store)}
    assert sliced == {s["name"]: s for s in _comparable(SLOS, "cumulative", after, store)}
    assert sliced["hourly-slices"]["total"] == len(hours)
    assert sliced["hourly-slices"]["good"] == len(hours)
    latency = by_name["availability"]["latency"]
    assert isinstance(latency, dict)
    assert latency["p99"] is not None
