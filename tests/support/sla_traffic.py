"""Minute-by-minute request traffic with known outages, for the SLA report's tests.

Each minute of a service gets at most two delta rows, one of good (status 200) and one
of failed (status 500) requests, stamped 30 s into the minute, written columnar (a month
is 43,200 minutes), or sent as the same points over OTLP (``export_requests``). Every
request takes 40 ms, so every percentile is exactly 0.04 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from processor.store import HISTOGRAM_TABLE, Store
from tests.support import otlp
from tests.support.traffic import (
    DEFAULT_BOUNDS,
    EPOCH,
    LATENCY_METRIC,
    bucket_index,
    request_attributes,
)

MINUTE = timedelta(minutes=1)
LATENCY_S = 0.04


@dataclass(frozen=True, slots=True)
class Minute:
    """What one minute carried: requests that succeeded and requests that failed."""

    good: int
    failed: int

    @property
    def total(self) -> int:
        return self.good + self.failed


def plan(
    start: datetime,
    end: datetime,
    *,
    good: int = 20,
    overrides: Mapping[datetime, Minute] | None = None,
    silent: Iterable[datetime] = (),
) -> dict[datetime, Minute]:
    """Every minute of [start, end): ``good`` successes, unless overridden or silent."""
    quiet = set(silent)
    found: dict[datetime, Minute] = {}
    minute = start
    while minute < end:
        if minute not in quiet:
            found[minute] = (overrides or {}).get(minute, Minute(good, 0))
        minute += MINUTE
    return found


_MAP = pa.map_(pa.string(), pa.string())


def insert(store: Store, service: str, minutes: Mapping[datetime, Minute]) -> None:
    """Each minute as a row of good (200) and a row of failed (500) requests, if any."""
    rows = [
        (minute, status, count)
        for minute, carried in minutes.items()
        for status, count in ((200, carried.good), (500, carried.failed))
        if count
    ]
    if not rows:
        return
    n = len(rows)
    buckets = len(DEFAULT_BOUNDS) + 1
    times = np.array([int((m - EPOCH).total_seconds()) + 30 for m, _, _ in rows], np.uint32)
    counts = np.array([c for _, _, c in rows], np.uint64)
    matrix = np.zeros((n, buckets), np.uint64)
    matrix[:, bucket_index(DEFAULT_BOUNDS, LATENCY_S)] = counts
    by_status = {
        status: sorted(request_attributes("/a", "GET", status).items()) for status in (200, 500)
    }

    def lists(values: np.ndarray, width: int) -> pa.ListArray:
        offsets = pa.array(np.arange(0, n * width + 1, width, dtype=np.int32))
        return pa.ListArray.from_arrays(offsets, pa.array(values.reshape(-1)))

    table = pa.table(
        {
            "ResourceAttributes": pa.array([[("service.name", service)]] * n, _MAP),
            "ServiceName": [service] * n,
            "MetricName": ["http.server.request.duration"] * n,
            "MetricUnit": ["s"] * n,
            "Attributes": pa.array([by_status[s] for _, s, _ in rows], _MAP),
            "StartTimeUnix": pa.array(times - 60),
            "TimeUnix": pa.array(times),
            "Count": pa.array(counts),
            "Sum": pa.array(counts.astype(np.float64) * LATENCY_S),
            "BucketCounts": lists(matrix, buckets),
            "ExplicitBounds": lists(np.tile(np.array(DEFAULT_BOUNDS), n), len(DEFAULT_BOUNDS)),
            "Flags": pa.array(np.zeros(n, np.uint32)),
            "Min": pa.array(np.full(n, LATENCY_S)),
            "Max": pa.array(np.full(n, LATENCY_S)),
            "AggregationTemporality": pa.array(np.ones(n, np.int32)),
            "TimeUnixNano": pa.array(times.astype(np.uint64) * np.uint64(1_000_000_000)),
            "StartTimeUnixNano": pa.array(
                (times.astype(np.uint64) - np.uint64(60)) * np.uint64(1_000_000_000)
            ),
            "HasMin": pa.array(np.ones(n, bool)),
            "HasMax": pa.array(np.ones(n, bool)),
        }
    )
    store.insert_arrow(HISTOGRAM_TABLE, table)


def export_requests(
    service: str, minutes: Mapping[datetime, Minute], points_per_request: int = 5_000
) -> list[ExportMetricsServiceRequest]:
    """The rows ``insert`` writes, as delta histogram points of OTLP export requests."""
    rows = [
        (minute, status, count)
        for minute, carried in minutes.items()
        for status, count in ((200, carried.good), (500, carried.failed))
        if count
    ]
    built = []
    for first in range(0, len(rows), points_per_request):
        request = otlp.request(service)
        metric = otlp.metric(request, LATENCY_METRIC, "s")
        for minute, status, count in rows[first : first + points_per_request]:
            counts = [0] * (len(DEFAULT_BOUNDS) + 1)
            counts[bucket_index(DEFAULT_BOUNDS, LATENCY_S)] = count
            time_s = (minute - EPOCH).total_seconds() + 30
            otlp.histogram_point(
                metric,
                counts,
                DEFAULT_BOUNDS,
                time_s,
                start_s=time_s - 60,
                attrs=request_attributes("/a", "GET", status),
                sum=count * LATENCY_S,
                min=LATENCY_S,
                max=LATENCY_S,
            )
        built.append(request)
    return built


def run(start: datetime, count: int, carried: Minute) -> dict[datetime, Minute]:
    """``count`` minutes from ``start``, each carrying ``carried``."""
    return {start + MINUTE * i: carried for i in range(count)}
