"""Cumulative streams become exact deltas: resets, unknown starts, duplicates, changed
bounds and exponential scales, all from hand-built points."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from processor.store import Store
from tests.support import otlp
from tests.support.processor import RunningProcessor, running_processor

T0 = float(int(time.time()) - 3600)
BOUNDS = [1.0, 2.0]


@pytest.fixture
def processor(store: Store) -> Iterator[RunningProcessor]:
    with running_processor(store) as running:
        yield running


def _send_sum(
    endpoint: str, value: float, time_s: float, start_s: float, monotonic: bool = True
) -> None:
    request = otlp.request("delta")
    otlp.sum_point(
        otlp.metric(request, "c"),
        value,
        time_s,
        start_s=start_s,
        temporality=otlp.CUMULATIVE,
        monotonic=monotonic,
    )
    otlp.export(endpoint, request)


def _sums(store: Store) -> list[tuple[Any, ...]]:
    return store.query(
        "SELECT Value, TimeUnixNano - StartTimeUnixNano, AggregationTemporality "
        "FROM {db:Identifier}.otel_metrics_sum ORDER BY TimeUnixNano"
    )


def test_cumulative_sum_resets_unknown_starts_and_duplicates(
    store: Store, processor: RunningProcessor
) -> None:
    sequence = [
        (5, 10, 0),  # first point of a stream with a known start: all of it is new
        (8, 20, 0),  # +3
        (8, 20, 0),  # the same point again: a retry, dropped
        (8, 30, 0),  # nothing new: no row
        (2, 40, 35),  # a new start time: a reset, 2 counted from the new start
        (1, 50, 35),  # lower with the same start: an implicit reset, 1 counted from the last point
        (4, 60, 60),  # start equal to time: unknown start, only re-bases the stream
        (6, 70, 60),  # +2 after the re-base
        (7, 15, 0),  # older than what is stored: dropped
    ]
    for value, time_s, start_s in sequence:
        _send_sum(processor.endpoint, value, T0 + time_s, T0 + start_s)
    second = otlp.SECOND_NS
    assert _sums(store) == [
        (5.0, 10 * second, 1),
        (3.0, 10 * second, 1),
        (2.0, 5 * second, 1),
        (1.0, 10 * second, 1),
        (2.0, 10 * second, 1),
    ]


def test_up_down_counters_are_stored_as_levels(store: Store, processor: RunningProcessor) -> None:
    for value, time_s in ((5, 10), (3, 20), (3, 30)):
        _send_sum(processor.endpoint, value, T0 + time_s, T0, monotonic=False)
    assert [row[0] for row in _sums(store)] == [5.0, 3.0, 3.0]
    assert {row[2] for row in _sums(store)} == {2}


def _send_histogram(
    endpoint: str, counts: list[int], bounds: list[float], time_s: float, **fields: Any
) -> None:
    request = otlp.request("delta")
    otlp.histogram_point(
        otlp.metric(request, "h"),
        counts,
        bounds,
        T0 + time_s,
        start_s=T0,
        temporality=otlp.CUMULATIVE,
        **fields,
    )
    otlp.export(endpoint, request)


def test_cumulative_histograms_with_changed_bounds_and_min_max(
    store: Store, processor: RunningProcessor
) -> None:
    _send_histogram(processor.endpoint, [1, 1, 0], BOUNDS, 10, sum=2.5, min=0.5, max=2.0)
    _send_histogram(processor.endpoint, [1, 3, 1], BOUNDS, 20, sum=9.0, min=0.5, max=4.0)
    _send_histogram(processor.endpoint, [2, 3, 1], BOUNDS, 30, sum=9.1, min=0.1, max=4.0)
    _send_histogram(
        processor.endpoint, [3, 1, 0, 9], [1.0, 2.0, 5.0], 40, sum=50.0, min=0.1, max=9.0
    )
    rows = store.query(
        "SELECT Count, BucketCounts, ExplicitBounds, round(Sum, 6), HasMin, Min, HasMax, Max "
        "FROM {db:Identifier}.otel_metrics_histogram ORDER BY TimeUnixNano"
    )
    assert rows == [
        (2, [1, 1, 0], BOUNDS, 2.5, True, 0.5, True, 2.0),
        (3, [0, 2, 1], BOUNDS, 6.5, False, 0.0, True, 4.0),  # max moved: this interval had it
        (1, [1, 0, 0], BOUNDS, 0.1, True, 0.1, False, 0.0),  # min moved
        (13, [3, 1, 0, 9], [1.0, 2.0, 5.0], 50.0, True, 0.1, True, 9.0),  # new bounds: a reset
    ]


def test_cumulative_exponential_histograms_are_downscaled_to_a_common_scale(
    store: Store, processor: RunningProcessor
) -> None:
    def send(time_s: float, scale: int, offset: int, counts: list[int]) -> None:
        request = otlp.request("delta")
        metric = otlp.metric(request, "e")
        metric.exponential_histogram.aggregation_temporality = otlp.CUMULATIVE
        point = metric.exponential_histogram.data_points.add(
            time_unix_nano=int((T0 + time_s) * otlp.SECOND_NS),
            start_time_unix_nano=int(T0 * otlp.SECOND_NS),
            count=sum(counts),
            scale=scale,
        )
        point.positive.offset, point.positive.bucket_counts[:] = offset, counts
        otlp.export(processor.endpoint, request)

    send(10, scale=3, offset=8, counts=[1, 2, 3, 4])  # indexes 8..11 at scale 3
    send(20, scale=2, offset=4, counts=[4, 9, 5])  # at scale 2: {4: 3+1, 5: 7+2, 6: 5}
    assert store.query(
        "SELECT Count, Scale, PositiveOffset, PositiveBucketCounts "
        "FROM {db:Identifier}.otel_metrics_exponential_histogram ORDER BY TimeUnixNano"
    ) == [(10, 3, 8, [1, 2, 3, 4]), (8, 2, 4, [1, 2, 5])]
