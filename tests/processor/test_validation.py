"""Bad points are rejected alone and reported in partial_success; the rest is stored."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import grpc
import pytest

from processor.store import Store
from tests.support import otlp
from tests.support.processor import RunningProcessor, running_processor

BOUNDS = [0.1, 0.5, 1.0]
NOW_S = float(int(time.time()) - 600)


@pytest.fixture
def processor(store: Store) -> Iterator[RunningProcessor]:
    with running_processor(store) as running:
        yield running


def _stored_routes(store: Store) -> list[tuple[str, int]]:
    return store.query(
        "SELECT Attributes['route'], sum(Count) FROM {db:Identifier}.otel_metrics_histogram "
        "WHERE ServiceName = 'bad' GROUP BY 1 ORDER BY 1"
    )


def test_each_bad_histogram_point_is_rejected_alone(
    store: Store, processor: RunningProcessor
) -> None:
    request = otlp.request("bad")
    histogram = otlp.metric(request, "latency", "s")
    otlp.histogram_point(histogram, [1, 2, 3, 4], BOUNDS, NOW_S, attrs={"route": "good-1"})
    otlp.histogram_point(histogram, [1, 2, 3], BOUNDS, NOW_S, attrs={"route": "too-few-buckets"})
    otlp.histogram_point(
        histogram, [1, 2, 3, 4], [0.5, 0.1, 1.0], NOW_S, attrs={"route": "decreasing"}
    )
    otlp.histogram_point(
        histogram, [1, 2, 3, 4], BOUNDS, NOW_S, attrs={"route": "count-wrong"}, count=11
    )
    otlp.histogram_point(
        histogram, [1, 2, 3, 4], [0.1, math.nan, 1.0], NOW_S, attrs={"route": "nan-bound"}
    )
    otlp.histogram_point(
        histogram, [1, 2**64 - 1, 3, 4], BOUNDS, NOW_S, attrs={"route": "negative"}, count=7
    )
    otlp.histogram_point(
        histogram, [1, 2, 3, 4], BOUNDS, NOW_S, attrs={"route": "nan-sum"}, sum=math.nan
    )
    otlp.histogram_point(histogram, [1, 1, 1, 1], BOUNDS, 0, start_s=0, attrs={"route": "no-time"})
    otlp.histogram_point(histogram, [0, 0, 0, 5], BOUNDS, NOW_S, attrs={"route": "good-2"})

    response = otlp.export(processor.endpoint, request)

    assert response.partial_success.rejected_data_points == 7
    message = response.partial_success.error_message
    assert message.startswith("rejected 7 points: ")
    for reason in (
        "bucket counts do not match bounds",
        "bounds not increasing",
        "count differs from bucket sum",
        "negative count",
        "non-finite value",
        "timestamp missing",
    ):
        assert reason in message
    assert _stored_routes(store) == [("good-1", 10), ("good-2", 5)]


def test_exponential_and_sum_points_are_validated(
    store: Store, processor: RunningProcessor
) -> None:
    request = otlp.request("bad")
    exponential = otlp.metric(request, "exp", "s")
    exponential.exponential_histogram.aggregation_temporality = otlp.DELTA
    good = exponential.exponential_histogram.data_points.add(
        time_unix_nano=int(NOW_S * otlp.SECOND_NS),
        start_time_unix_nano=int((NOW_S - 10) * otlp.SECOND_NS),
        count=6,
        scale=3,
        zero_count=1,
    )
    good.positive.offset, good.positive.bucket_counts[:] = 4, [2, 3]
    exponential.exponential_histogram.data_points.add(
        time_unix_nano=int(NOW_S * otlp.SECOND_NS), count=1, scale=30, zero_count=1
    )
    exponential.exponential_histogram.data_points.add(
        time_unix_nano=int(NOW_S * otlp.SECOND_NS), count=9, scale=0, zero_count=1
    )
    counter = otlp.metric(request, "requests")
    otlp.sum_point(counter, 5, NOW_S, attrs={"k": "ok"})
    otlp.sum_point(counter, -3, NOW_S, attrs={"k": "negative"})
    otlp.sum_point(counter, math.inf, NOW_S, attrs={"k": "inf"})
    otlp.sum_point(
        otlp.metric(request, "active"), -2.5, NOW_S, attrs={"k": "updown"}, monotonic=False
    )

    response = otlp.export(processor.endpoint, request)

    assert response.partial_success.rejected_data_points == 4
    assert "scale out of range" in response.partial_success.error_message
    assert store.query(
        "SELECT Count, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts "
        "FROM {db:Identifier}.otel_metrics_exponential_histogram"
    ) == [(6, 3, 1, 4, [2, 3])]
    assert store.query(
        "SELECT Attributes['k'], Value, IsMonotonic "
        "FROM {db:Identifier}.otel_metrics_sum ORDER BY 1"
    ) == [("ok", 5.0, True), ("updown", -2.5, False)]


def test_oversized_attributes_are_rejected_and_the_server_stays_up(
    store: Store, processor: RunningProcessor
) -> None:
    request = otlp.request("bad")
    histogram = otlp.metric(request, "latency", "s")
    otlp.histogram_point(histogram, [1, 0, 0, 0], BOUNDS, NOW_S, attrs={"route": "fine"})
    many = {f"key.{index}": index for index in range(10_000)}
    otlp.histogram_point(histogram, [1, 0, 0, 0], BOUNDS, NOW_S, attrs={"route": "many", **many})
    otlp.histogram_point(histogram, [1, 0, 0, 0], BOUNDS, NOW_S, attrs={"route": "x" * 1_000_000})

    response = otlp.export(processor.endpoint, request)

    assert response.partial_success.rejected_data_points == 2
    assert response.partial_success.error_message == "rejected 2 points: 2 attributes over limit"
    assert _stored_routes(store) == [("fine", 1)]


def test_garbage_bytes_are_invalid_argument_and_nothing_is_stored(
    store: Store, processor: RunningProcessor
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        otlp.export(processor.endpoint, b"\xff\xfe this is not protobuf \x00\x01")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    request = otlp.request("bad")
    otlp.histogram_point(
        otlp.metric(request, "latency"), [0, 1, 0, 0], BOUNDS, NOW_S, attrs={"route": "after"}
    )
    response = otlp.export(processor.endpoint, request)
    assert not response.HasField("partial_success")
    assert _stored_routes(store) == [("after", 1)]


def test_an_empty_request_succeeds(processor: RunningProcessor) -> None:
    response = otlp.export(processor.endpoint, otlp.request("empty"))
    assert not response.HasField("partial_success")
