"""The OTel SDK's own OTLP gRPC exporter against a running receiver (directly, and
through rotel): what is recorded is what is stored, value for value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View

from processor.store import Store
from tests.support.processor import running_processor
from tests.support.sdk import Sender
from tests.support.servers import running_rotel, wait_for

BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]


@pytest.fixture
def endpoint(store: Store) -> Iterator[str]:
    with running_processor(store) as running:
        yield running.endpoint


def _record_phases(sender: Sender) -> None:
    duration = sender.meter.create_histogram(
        "http.server.request.duration", unit="s", explicit_bucket_boundaries_advisory=BOUNDS
    )
    requests = sender.meter.create_counter("requests", unit="{request}")
    phases: list[list[tuple[float, str, int]]] = [
        [
            (0.003, "/a", 200),
            (0.02, "/a", 200),
            (0.02, "/a", 200),
            (0.3, "/a", 200),
            (7.0, "/a", 200),
        ],
        [(0.004, "/a", 200), (12.0, "/a", 200), (0.2, "/b", 500)],
        [],
        [(0.05, "/b", 500), (0.05, "/b", 200)],
    ]
    for phase in phases:
        for value, route, status in phase:
            attrs: dict[str, str | int] = {"http.route": route, "http.response.status_code": status}
            duration.record(value, attrs)
            requests.add(1, attrs)
        sender.flush()


def _deltas(store: Store, service: str) -> list[tuple[Any, ...]]:
    return store.query(
        """
        SELECT Attributes['http.route'], Attributes['http.response.status_code'], Count,
               BucketCounts, round(Sum, 9), AggregationTemporality
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE ServiceName = {service:String} AND MetricName = 'http.server.request.duration'
        ORDER BY TimeUnixNano, 1, 2
        """,
        {"service": service},
    )


def test_delta_and_cumulative_traffic_store_identical_deltas(store: Store, endpoint: str) -> None:
    for service, delta in (("delta", True), ("cumulative", False)):
        sender = Sender(endpoint, service, delta)
        _record_phases(sender)
        sender.provider.shutdown()

    delta_rows, cumulative_rows = _deltas(store, "delta"), _deltas(store, "cumulative")
    assert delta_rows == cumulative_rows
    assert [row[:3] for row in delta_rows] == [
        ("/a", "200", 5),
        ("/a", "200", 2),
        ("/b", "500", 1),
        ("/b", "200", 1),
        ("/b", "500", 1),
    ]
    assert delta_rows[0][3] == [1, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]
    counters = store.query(
        "SELECT ServiceName, sum(Value), count(), any(AggregationTemporality) "
        "FROM {db:Identifier}.otel_metrics_sum WHERE MetricName = 'requests' GROUP BY 1 ORDER BY 1"
    )
    assert counters == [("cumulative", 10.0, 5, 1), ("delta", 10.0, 5, 1)]


def test_every_instrument_kind_arrives_value_for_value(store: Store, endpoint: str) -> None:
    views = [
        View(
            instrument_name="queue.wait",
            aggregation=ExponentialBucketHistogramAggregation(max_size=20),
        )
    ]
    sender = Sender(endpoint, "kinds", delta=False, views=views)
    active = sender.meter.create_up_down_counter("active", unit="{request}")
    wait = sender.meter.create_histogram("queue.wait", unit="s")
    temperature = {"value": 21.5}

    def observe(options: CallbackOptions) -> list[Observation]:
        return [Observation(temperature["value"], {"room": "lab"})]

    sender.meter.create_observable_gauge("temperature", [observe], unit="Cel")
    active.add(5)
    active.add(-2)
    for value in (0.5, 1.0, 1.5, 3.0, 100.0):
        wait.record(value)
    sender.flush()
    temperature["value"] = 22.0
    active.add(4)
    wait.record(0.25)
    sender.flush()
    sender.provider.shutdown()  # one more export: levels again, no new histogram delta

    # An up-down counter's value is a level: each export is stored as it was sent.
    assert store.query(
        "SELECT Value, AggregationTemporality, IsMonotonic FROM {db:Identifier}.otel_metrics_sum "
        "WHERE MetricName = 'active' ORDER BY TimeUnixNano"
    ) == [(3.0, 2, False), (7.0, 2, False), (7.0, 2, False)]
    assert store.query(
        "SELECT Value, Attributes FROM {db:Identifier}.otel_metrics_gauge "
        "WHERE MetricName = 'temperature' ORDER BY TimeUnixNano"
    ) == [(21.5, {"room": "lab"}), (22.0, {"room": "lab"}), (22.0, {"room": "lab"})]
    exponential = store.query(
        "SELECT sum(Count), round(sum(Sum), 6), sum(ZeroCount), min(Scale), count() "
        "FROM {db:Identifier}.otel_metrics_exponential_histogram WHERE MetricName = 'queue.wait'"
    )
    assert exponential[0][:3] == (6, 106.25, 0)
    assert exponential[0][4] == 2


def test_through_rotel(store: Store, endpoint: str, tmp_path: Path) -> None:
    with running_rotel(endpoint, tmp_path) as collector:
        sender = Sender(collector, "via-rotel", delta=False)
        _record_phases(sender)
        sender.provider.shutdown()
        wait_for(lambda: len(_deltas(store, "via-rotel")) == 5, what="rotel to forward five deltas")
    direct = Sender(endpoint, "direct", delta=True)
    _record_phases(direct)
    direct.provider.shutdown()
    assert _deltas(store, "via-rotel") == _deltas(store, "direct")
