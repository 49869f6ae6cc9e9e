"""Everything OTLP carries arrives: attributes of every value type, scope, schema URLs,
exemplars, flags, min/max and whether they were set, exponential and summary fields."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from processor.store import Store
from tests.support import otlp
from tests.support.processor import RunningProcessor, running_processor

NOW_S = float(int(time.time()) - 300)
TRACE_ID = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
SPAN_ID = bytes.fromhex("b7ad6b7169203331")


@pytest.fixture
def processor(store: Store) -> Iterator[RunningProcessor]:
    with running_processor(store) as running:
        yield running


def test_histogram_rows_keep_every_field(store: Store, processor: RunningProcessor) -> None:
    request = otlp.request(
        "fidelity",
        {
            "process.command_args": ["python", "-m", "app"],
            "host.cores": 8,
            "sampled": True,
            "ratio": 0.25,
            "raw": b"\x00\x01",
            "labels": {"team": "payments", "tier": 1},
        },
    )
    resource_metrics = request.resource_metrics[0]
    resource_metrics.schema_url = "https://opentelemetry.io/schemas/1.26.0"
    scope_metrics = resource_metrics.scope_metrics[0]
    scope_metrics.scope.version = "1.2.3"
    scope_metrics.scope.attributes.extend(otlp.attributes({"library": "asgi"}))
    scope_metrics.scope.dropped_attributes_count = 2
    scope_metrics.schema_url = "https://opentelemetry.io/schemas/1.24.0"
    histogram = otlp.metric(request, "http.server.request.duration", "s")
    histogram.description = "Duration of HTTP server requests."
    point = otlp.histogram_point(
        histogram,
        [1, 2, 0],
        [0.1, 0.5],
        NOW_S,
        attrs={"http.route": "/pay"},
        sum=0.9,
        min=0.05,
        max=0.4,
    )
    exemplar = point.exemplars.add(
        time_unix_nano=int((NOW_S - 1) * otlp.SECOND_NS),
        as_double=0.4,
        trace_id=TRACE_ID,
        span_id=SPAN_ID,
    )
    exemplar.filtered_attributes.extend(otlp.attributes({"user": "u-1"}))
    without_min_max = otlp.histogram_point(
        histogram, [0, 1, 0], [0.1, 0.5], NOW_S, attrs={"http.route": "/ok"}
    )
    without_min_max.flags = 0
    stale = otlp.histogram_point(histogram, [], [], NOW_S, attrs={"http.route": "/gone"}, count=0)
    stale.flags = 1  # no recorded value: kept as a staleness marker

    response = otlp.export(processor.endpoint, request)

    assert not response.HasField("partial_success")
    rows = store.query(
        """
        SELECT ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
               ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricDescription, MetricUnit,
               Attributes, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, HasMin, HasMax,
               Flags, AggregationTemporality, `Exemplars.FilteredAttributes`, `Exemplars.Value`,
               `Exemplars.SpanId`, `Exemplars.TraceId`, TimeUnixNano - StartTimeUnixNano
        FROM {db:Identifier}.otel_metrics_histogram ORDER BY Attributes['http.route']
        """
    )
    gone, ok, pay = rows
    assert pay[0] == {
        "service.name": "fidelity",
        "process.command_args": '["python","-m","app"]',
        "host.cores": "8",
        "sampled": "true",
        "ratio": "0.25",
        "raw": "AAE=",
        "labels": '{"team":"payments","tier":1}',
    }
    assert pay[1:11] == (
        "https://opentelemetry.io/schemas/1.26.0",
        "tests",
        "1.2.3",
        {"library": "asgi"},
        2,
        "https://opentelemetry.io/schemas/1.24.0",
        "fidelity",
        "Duration of HTTP server requests.",
        "s",
        {"http.route": "/pay"},
    )
    assert pay[11:] == (
        3, 0.9, [1, 2, 0], [0.1, 0.5], 0.05, 0.4, True, True, 0, 1,
        [{"user": "u-1"}], [0.4], ["b7ad6b7169203331"], ["0af7651916cd43dd8448eb211c80319c"],
        10 * otlp.SECOND_NS,
    )  # fmt: skip
    assert ok[17:19] == (False, False)
    assert gone[19] == 1


def test_exponential_and_summary_points_keep_their_fields(
    store: Store, processor: RunningProcessor
) -> None:
    request = otlp.request("fidelity")
    exponential = otlp.metric(request, "wait", "s")
    exponential.exponential_histogram.aggregation_temporality = otlp.DELTA
    point = exponential.exponential_histogram.data_points.add(
        time_unix_nano=int(NOW_S * otlp.SECOND_NS),
        start_time_unix_nano=int((NOW_S - 10) * otlp.SECOND_NS),
        count=9, sum=12.5, scale=2, zero_count=1, zero_threshold=0.001, min=-1.5, max=8.0,
    )  # fmt: skip
    point.positive.offset, point.positive.bucket_counts[:] = 3, [1, 0, 4]
    point.negative.offset, point.negative.bucket_counts[:] = -2, [3]
    summary = otlp.metric(request, "rpc.duration", "ms")
    quantiles = summary.summary.data_points.add(
        time_unix_nano=int(NOW_S * otlp.SECOND_NS),
        start_time_unix_nano=int((NOW_S - 60) * otlp.SECOND_NS),
        count=100,
        sum=2500.0,
    )
    for quantile, value in ((0.5, 20.0), (0.99, 90.0)):
        quantiles.quantile_values.add(quantile=quantile, value=value)

    otlp.export(processor.endpoint, request)

    assert store.query(
        """
        SELECT Count, Sum, Scale, ZeroCount, ZeroThreshold, PositiveOffset, PositiveBucketCounts,
               NegativeOffset, NegativeBucketCounts, Min, Max, HasMin, HasMax
        FROM {db:Identifier}.otel_metrics_exponential_histogram
        """
    ) == [(9, 12.5, 2, 1, 0.001, 3, [1, 0, 4], -2, [3], -1.5, 8.0, True, True)]
    assert store.query(
        "SELECT Count, Sum, `ValueAtQuantiles.Quantile`, `ValueAtQuantiles.Value` "
        "FROM {db:Identifier}.otel_metrics_summary"
    ) == [(100, 2500.0, [0.5, 0.99], [20.0, 90.0])]
