"""Synthetic request traffic, written the way the processor writes it.

Two levels:

* ``HistogramPoint`` / ``ExponentialPoint`` / ``GaugePoint`` records, built from individual
  observations (``histogram_point``) so a test keeps the raw events beside the stored
  rows and can compute an independent reference from them;
* ``bulk_histogram_table``: a columnar month of per-minute delta rows for many series,
  generated with numpy, for the benchmark.

Every row is a delta (AggregationTemporality = 1) with explicit columns, as the
processor stores it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from processor.store import (
    EXPONENTIAL_HISTOGRAM_TABLE,
    GAUGE_TABLE,
    HISTOGRAM_TABLE,
    SUM_TABLE,
    Store,
)

LATENCY_METRIC = "http.server.request.duration"
DEFAULT_BOUNDS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def request_attributes(route: str, method: str = "GET", status: int | None = 200) -> dict[str, str]:
    attributes = {"http.route": route, "http.request.method": method, "url.scheme": "http"}
    if status is not None:
        attributes["http.response.status_code"] = str(status)
        if status >= 500:
            attributes["error.type"] = str(status)
    return attributes


@dataclass(frozen=True, slots=True)
class HistogramPoint:
    service: str
    attributes: Mapping[str, str]
    time: datetime
    bucket_counts: tuple[int, ...]
    bounds: tuple[float, ...]
    total: float
    minimum: float | None
    maximum: float | None
    metric: str = LATENCY_METRIC
    flags: int = 0
    resource: Mapping[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.bucket_counts)


def bucket_index(bounds: Sequence[float], value: float) -> int:
    """The OTLP explicit bucket of ``value``: bucket i covers (bounds[i-1], bounds[i]]."""
    return bisect.bisect_left(bounds, value)


def histogram_point(
    service: str,
    attributes: Mapping[str, str],
    time: datetime,
    latencies: Sequence[float],
    bounds: Sequence[float] = DEFAULT_BOUNDS,
    *,
    record_min_max: bool = True,
    metric: str = LATENCY_METRIC,
) -> HistogramPoint:
    counts = [0] * (len(bounds) + 1)
    for value in latencies:
        counts[bucket_index(bounds, value)] += 1
    has = record_min_max and bool(latencies)
    return HistogramPoint(
        service=service,
        attributes=dict(attributes),
        time=time,
        bucket_counts=tuple(counts),
        bounds=tuple(bounds),
        total=float(sum(latencies)),
        minimum=min(latencies) if has else None,
        maximum=max(latencies) if has else None,
        metric=metric,
    )


def _seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def nanos(moment: datetime) -> int:
    """``moment`` in Unix nanoseconds, exactly (TimeUnix keeps only the whole seconds)."""
    return (moment - EPOCH) // timedelta(microseconds=1) * 1_000


def _nanos(rows: Sequence[HistogramPoint | ExponentialPoint | GaugePoint]) -> pa.Array:
    return pa.array([nanos(row.time) for row in rows], pa.uint64())


_MAP = pa.map_(pa.string(), pa.string())


def histogram_table(points: Sequence[HistogramPoint], interval_s: int = 60) -> pa.Table:
    times = [_seconds(point.time) for point in points]
    return pa.table(
        {
            "ResourceAttributes": pa.array(
                [[("service.name", p.service), *sorted(p.resource.items())] for p in points], _MAP
            ),
            "ServiceName": [p.service for p in points],
            "MetricName": [p.metric for p in points],
            "MetricUnit": ["s" for _ in points],
            "Attributes": pa.array([sorted(p.attributes.items()) for p in points], _MAP),
            "StartTimeUnix": pa.array([t - interval_s for t in times], pa.uint32()),
            "TimeUnix": pa.array(times, pa.uint32()),
            "Count": pa.array([p.count for p in points], pa.uint64()),
            "Sum": pa.array([p.total for p in points], pa.float64()),
            "BucketCounts": pa.array(
                [list(p.bucket_counts) for p in points], pa.list_(pa.uint64())
            ),
            "ExplicitBounds": pa.array([list(p.bounds) for p in points], pa.list_(pa.float64())),
            "Flags": pa.array([p.flags for p in points], pa.uint32()),
            "Min": pa.array([p.minimum or 0.0 for p in points], pa.float64()),
            "Max": pa.array([p.maximum or 0.0 for p in points], pa.float64()),
            "AggregationTemporality": pa.array([1 for _ in points], pa.int32()),
            "TimeUnixNano": _nanos(points),
            "StartTimeUnixNano": pa.array(
                [nanos(p.time) - interval_s * 1_000_000_000 for p in points], pa.uint64()
            ),
            "HasMin": [p.minimum is not None for p in points],
            "HasMax": [p.maximum is not None for p in points],
        }
    )


def insert_histograms(store: Store, points: Sequence[HistogramPoint]) -> None:
    if points:
        store.insert_arrow(HISTOGRAM_TABLE, histogram_table(points))


def dashboard_traffic(
    now: datetime, other_service: str, minutes: int = 180
) -> list[HistogramPoint]:
    """The dashboard tests' traffic, one point per series a minute for ``minutes`` minutes
    up to the minute before ``now``: web /a one 200 at 0.1 s and one 500 at 0.4 s,
    /b two 200s (0.1 s, 0.2 s) every other minute, ``other_service`` /x one 200 at 0.1 s."""
    points = []
    for minute in range(1, minutes + 1):
        time = now - timedelta(minutes=minute)
        points.append(histogram_point("web", request_attributes("/a", "GET", 200), time, [0.1]))
        points.append(histogram_point("web", request_attributes("/a", "GET", 500), time, [0.4]))
        if minute % 2 == 0:
            points.append(
                histogram_point("web", request_attributes("/b", "GET", 200), time, [0.1, 0.2])
            )
        points.append(histogram_point(other_service, request_attributes("/x"), time, [0.1]))
    return points


@dataclass(frozen=True, slots=True)
class ExponentialPoint:
    service: str
    attributes: Mapping[str, str]
    time: datetime
    scale: int
    zero_count: int
    positive_offset: int
    positive_counts: tuple[int, ...]
    total: float
    minimum: float | None
    maximum: float | None
    zero_threshold: float = 0.0
    metric: str = LATENCY_METRIC

    @property
    def count(self) -> int:
        return self.zero_count + sum(self.positive_counts)


def exponential_index(value: float, scale: int) -> int:
    """The OTLP exponential bucket of a positive value: bucket i covers (base^i, base^(i+1)]."""
    return math.ceil(math.log2(value) * 2.0**scale) - 1


def exponential_point(
    service: str,
    attributes: Mapping[str, str],
    time: datetime,
    latencies: Sequence[float],
    scale: int,
    *,
    metric: str = LATENCY_METRIC,
) -> ExponentialPoint:
    indexes = [exponential_index(value, scale) for value in latencies if value > 0]
    zero = sum(1 for value in latencies if value == 0)
    offset = min(indexes) if indexes else 0
    counts = [0] * ((max(indexes) - offset + 1) if indexes else 0)
    for index in indexes:
        counts[index - offset] += 1
    return ExponentialPoint(
        service=service,
        attributes=dict(attributes),
        time=time,
        scale=scale,
        zero_count=zero,
        positive_offset=offset,
        positive_counts=tuple(counts),
        total=float(sum(latencies)),
        minimum=min(latencies) if latencies else None,
        maximum=max(latencies) if latencies else None,
        metric=metric,
    )


def insert_exponential(store: Store, points: Sequence[ExponentialPoint]) -> None:
    times = [_seconds(point.time) for point in points]
    table = pa.table(
        {
            "ResourceAttributes": pa.array([[("service.name", p.service)] for p in points], _MAP),
            "ServiceName": [p.service for p in points],
            "MetricName": [p.metric for p in points],
            "Attributes": pa.array([sorted(p.attributes.items()) for p in points], _MAP),
            "StartTimeUnix": pa.array([t - 60 for t in times], pa.uint32()),
            "TimeUnix": pa.array(times, pa.uint32()),
            "Count": pa.array([p.count for p in points], pa.uint64()),
            "Sum": pa.array([p.total for p in points], pa.float64()),
            "Scale": pa.array([p.scale for p in points], pa.int32()),
            "ZeroCount": pa.array([p.zero_count for p in points], pa.uint64()),
            "PositiveOffset": pa.array([p.positive_offset for p in points], pa.int32()),
            "PositiveBucketCounts": pa.array(
                [list(p.positive_counts) for p in points], pa.list_(pa.uint64())
            ),
            "NegativeOffset": pa.array([0 for _ in points], pa.int32()),
            "NegativeBucketCounts": pa.array([[] for _ in points], pa.list_(pa.uint64())),
            "Flags": pa.array([0 for _ in points], pa.uint32()),
            "Min": pa.array([p.minimum or 0.0 for p in points], pa.float64()),
            "Max": pa.array([p.maximum or 0.0 for p in points], pa.float64()),
            "AggregationTemporality": pa.array([1 for _ in points], pa.int32()),
            "TimeUnixNano": _nanos(points),
            "ZeroThreshold": pa.array([p.zero_threshold for p in points], pa.float64()),
            "HasMin": [p.minimum is not None for p in points],
            "HasMax": [p.maximum is not None for p in points],
        }
    )
    store.insert_arrow(EXPONENTIAL_HISTOGRAM_TABLE, table)


@dataclass(frozen=True, slots=True)
class GaugePoint:
    service: str
    metric: str
    attributes: Mapping[str, str]
    time: datetime
    value: float


def insert_gauges(store: Store, points: Iterable[GaugePoint]) -> None:
    rows = list(points)
    times = [_seconds(point.time) for point in rows]
    table = pa.table(
        {
            "ResourceAttributes": pa.array([[("service.name", p.service)] for p in rows], _MAP),
            "ServiceName": [p.service for p in rows],
            "MetricName": [p.metric for p in rows],
            "Attributes": pa.array([sorted(p.attributes.items()) for p in rows], _MAP),
            "StartTimeUnix": pa.array(times, pa.uint32()),
            "TimeUnix": pa.array(times, pa.uint32()),
            "Value": pa.array([p.value for p in rows], pa.float64()),
            "Flags": pa.array([0 for _ in rows], pa.uint32()),
            "TimeUnixNano": _nanos(rows),
        }
    )
    store.insert_arrow(GAUGE_TABLE, table)


def insert_updown_sums(store: Store, points: Iterable[GaugePoint], start: datetime) -> None:
    """Cumulative non-monotonic sums (up-down counters): each value is a level."""
    rows = list(points)
    store.insert_arrow(SUM_TABLE, _sum_table(rows, [_seconds(start)] * len(rows), 2, False))


def insert_delta_sums(store: Store, points: Iterable[GaugePoint]) -> None:
    """Delta monotonic sums (counters): each value is what the minute before it added."""
    rows = list(points)
    starts = [_seconds(point.time) - 60 for point in rows]
    store.insert_arrow(SUM_TABLE, _sum_table(rows, starts, 1, True))


def _sum_table(
    rows: Sequence[GaugePoint], starts: Sequence[int], temporality: int, monotonic: bool
) -> pa.Table:
    times = [_seconds(point.time) for point in rows]
    return pa.table(
        {
            "ResourceAttributes": pa.array([[("service.name", p.service)] for p in rows], _MAP),
            "ServiceName": [p.service for p in rows],
            "MetricName": [p.metric for p in rows],
            "Attributes": pa.array([sorted(p.attributes.items()) for p in rows], _MAP),
            "StartTimeUnix": pa.array(starts, pa.uint32()),
            "TimeUnix": pa.array(times, pa.uint32()),
            "Value": pa.array([p.value for p in rows], pa.float64()),
            "Flags": pa.array([0 for _ in rows], pa.uint32()),
            "AggregationTemporality": pa.array([temporality for _ in rows], pa.int32()),
            "IsMonotonic": [monotonic for _ in rows],
            "TimeUnixNano": _nanos(rows),
        }
    )


@dataclass(frozen=True, slots=True)
class BulkSeries:
    """One request series of the bulk generator."""

    service: str
    route: str
    method: str
    status: int
    rate_per_minute: int


def bulk_series(
    services: int, routes: int, statuses: Sequence[int] = (200, 500)
) -> list[BulkSeries]:
    """services x routes x statuses series; errors get 1% of the traffic of successes."""
    series = []
    for s in range(services):
        for r in range(routes):
            for status in statuses:
                rate = 600 if status < 500 else 6
                method = "GET" if r % 2 == 0 else "POST"
                series.append(BulkSeries(f"svc-{s:02d}", f"/api/r{r:02d}", method, status, rate))
    return series


def bulk_histogram_table(
    series: Sequence[BulkSeries],
    start: datetime,
    minutes: int,
    *,
    seed: int = 7,
    bounds: Sequence[float] = DEFAULT_BOUNDS,
) -> pa.Table:
    """One delta row per series per minute over ``minutes`` from ``start``.

    Bucket counts are Poisson draws around a fixed latency profile per series, with an
    outage (errors x50) for the first ten minutes of every fifth day.
    """
    rng = np.random.default_rng(seed)
    n_series = len(series)
    rows = n_series * minutes
    buckets = len(bounds) + 1
    profile = np.array([2, 4, 10, 20, 18, 14, 16, 8, 4, 2, 1, 0.5, 0.3, 0.1, 0.1], dtype=float)
    profile = profile[:buckets] / profile[:buckets].sum()
    rates = np.repeat(np.array([s.rate_per_minute for s in series], dtype=float), minutes)
    minute_index = np.tile(np.arange(minutes), n_series)
    outage = (minute_index % (5 * 1440)) < 10
    is_error = np.repeat(np.array([s.status >= 500 for s in series]), minutes)
    rates = np.where(outage & is_error, rates * 50, rates)
    counts = rng.poisson(rates[:, None] * profile[None, :]).astype(np.uint64)
    totals = counts.sum(axis=1)
    mids = np.array([*bounds, bounds[-1] * 1.5], dtype=float)
    sums = (counts * mids[None, :]).sum(axis=1)
    base = _seconds(start)
    times = (base + 60 * (minute_index + 1)).astype(np.uint32)
    offsets = pa.array(np.arange(0, rows * buckets + 1, buckets, dtype=np.int32))
    bucket_lists = pa.ListArray.from_arrays(offsets, pa.array(counts.reshape(-1)))
    bound_values = np.tile(np.array(bounds, dtype=float), rows)
    bound_offsets = pa.array(np.arange(0, rows * len(bounds) + 1, len(bounds), dtype=np.int32))
    bound_lists = pa.ListArray.from_arrays(bound_offsets, pa.array(bound_values))

    def per_series(values: Sequence[Any]) -> list[Any]:
        return [value for value in values for _ in range(minutes)]

    attributes = pa.array(
        per_series(
            [sorted(request_attributes(s.route, s.method, s.status).items()) for s in series]
        ),
        _MAP,
    )
    resources = pa.array(per_series([[("service.name", s.service)] for s in series]), _MAP)
    first_nonzero = np.argmax(counts > 0, axis=1)
    last_nonzero = buckets - 1 - np.argmax(counts[:, ::-1] > 0, axis=1)
    low_edges = np.array([0.0, *bounds], dtype=float)
    has = totals > 0
    return pa.table(
        {
            "ResourceAttributes": resources,
            "ServiceName": pa.array(per_series([s.service for s in series])),
            "MetricName": pa.array([LATENCY_METRIC] * rows),
            "Attributes": attributes,
            "StartTimeUnix": pa.array(times - 60),
            "TimeUnix": pa.array(times),
            "Count": pa.array(totals),
            "Sum": pa.array(sums),
            "BucketCounts": bucket_lists,
            "ExplicitBounds": bound_lists,
            "Flags": pa.array(np.zeros(rows, dtype=np.uint32)),
            "Min": pa.array(np.where(has, low_edges[first_nonzero] + 0.0001, 0.0)),
            "Max": pa.array(np.where(has, mids[last_nonzero], 0.0)),
            "AggregationTemporality": pa.array(np.ones(rows, dtype=np.int32)),
            "TimeUnixNano": pa.array(times.astype(np.uint64) * np.uint64(1_000_000_000)),
            "StartTimeUnixNano": pa.array(
                (times.astype(np.uint64) - np.uint64(60)) * np.uint64(1_000_000_000)
            ),
            "HasMin": pa.array(has),
            "HasMax": pa.array(has),
        }
    )


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(minutes=1))
