"""The processor's own metrics, stored like any service's (service.name ``sloscope``).

Counters mirror the Collector's exporterhelper/receiver set: points accepted, refused
(answered with an error) and rejected (dropped alone, reported in partial_success);
batches, points and bytes written; the queue size; and flush latency as a histogram.
They are built as one OTLP request per interval (delta temporality) and go through the
same write path as everything else.

``monitoring.metrics.collected`` (the product spec's name) is the points collected, the
same count as ``points.accepted``. Other parts of the process add their own counters with
``count`` (the API's requests and dashboard views): written by the same writer, under
their own scope. ``cumulative`` describes the totals since the process started
(cumulative temporality), for ``GET /metrics``.
"""

from __future__ import annotations

import copy
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from processor._batcher import FlushReport

SERVICE_NAME = "sloscope"
SCOPE_NAME = "sloscope.processor"
FLUSH_DURATION_BOUNDS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COLLECTED_METRIC = "monitoring.metrics.collected"
_DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
_CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE

Attributes = tuple[tuple[str, str], ...]
Temporality: TypeAlias = metrics_pb2.AggregationTemporality.ValueType
CounterKey = tuple[str, str, str, Attributes]
"""(scope, metric name, unit, sorted attributes) of a counter added with ``count``."""


@dataclass(slots=True)
class _Interval:
    """What happened since the last report."""

    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    batches_failed: int = 0
    points_written: int = 0
    bytes_written: int = 0
    flush_buckets: list[int] = field(
        default_factory=lambda: [0] * (len(FLUSH_DURATION_BOUNDS_S) + 1)
    )
    flush_count: int = 0
    flush_sum_s: float = 0.0
    flush_min_s: float = float("inf")
    flush_max_s: float = 0.0
    counters: Counter[CounterKey] = field(default_factory=Counter)

    def flushed(self, report: FlushReport) -> None:
        if not report.ok:
            self.batches_failed += 1
            return
        self.batches += 1
        self.points_written += report.points - report.rejected
        self.bytes_written += report.bytes
        self.flush_count += 1
        self.flush_sum_s += report.duration_s
        self.flush_min_s = min(self.flush_min_s, report.duration_s)
        self.flush_max_s = max(self.flush_max_s, report.duration_s)
        index = sum(1 for bound in FLUSH_DURATION_BOUNDS_S if report.duration_s > bound)
        self.flush_buckets[index] += 1


class SelfMetrics:
    """Thread-safe counters, drained into one OTLP request per interval, and kept as
    totals since the start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._interval = _Interval()
        self._total = _Interval()
        self._started_ns = self._since_ns = time.time_ns()
        self.totals: Counter[str] = Counter()

    def accepted(self, points: int) -> None:
        with self._lock:
            for record in (self._interval, self._total):
                record.accepted += points
            self.totals["accepted"] += points

    def refused(self, points: int, reason: str) -> None:
        with self._lock:
            for record in (self._interval, self._total):
                record.refused[reason] += points
            self.totals["refused"] += points

    def rejected(self, reasons: dict[str, int]) -> None:
        with self._lock:
            for record in (self._interval, self._total):
                record.rejected.update(reasons)
            self.totals["rejected"] += sum(reasons.values())

    def flushed(self, report: FlushReport) -> None:
        with self._lock:
            for record in (self._interval, self._total):
                record.flushed(report)
            if report.ok:
                self.totals["batches"] += 1

    def count(
        self,
        scope: str,
        name: str,
        unit: str,
        attributes: Mapping[str, str] | None = None,
        value: int = 1,
    ) -> None:
        """Add ``value`` to a counter of another part of the process, e.g.
        ``count("sloscope.api", "monitoring.dashboard.views", "{view}", {"page": "/"})``."""
        key = (scope, name, unit, tuple(sorted((attributes or {}).items())))
        with self._lock:
            for record in (self._interval, self._total):
                record.counters[key] += value

    def collect(self, queue_points: int, queue_capacity: int) -> ExportMetricsServiceRequest:
        """The interval's metrics as an OTLP request; starts the next interval."""
        with self._lock:
            interval, self._interval = self._interval, _Interval()
            start_ns, self._since_ns = self._since_ns, time.time_ns()
        return _request(interval, (start_ns, self._since_ns), (queue_points, queue_capacity))

    def cumulative(self, queue_points: int, queue_capacity: int) -> ExportMetricsServiceRequest:
        """Every total since the start, as an OTLP request of cumulative temporality."""
        with self._lock:
            total = copy.deepcopy(self._total)
        span = (self._started_ns, time.time_ns())
        return _request(total, span, (queue_points, queue_capacity), temporality=_CUMULATIVE)


def _request(
    interval: _Interval,
    span: tuple[int, int],
    queue: tuple[int, int],
    *,
    temporality: Temporality = _DELTA,
) -> ExportMetricsServiceRequest:
    """The metrics of ``interval`` over ``span``; ``queue`` is (points queued, capacity)."""
    request = ExportMetricsServiceRequest()
    resource_metrics = request.resource_metrics.add()
    resource_metrics.resource.attributes.extend(
        [
            _attribute("service.name", SERVICE_NAME),
            _attribute("host.name", socket.gethostname()),
            _attribute("process.pid", os.getpid()),
        ]
    )
    scope = resource_metrics.scope_metrics.add()
    scope.scope.name = SCOPE_NAME
    metrics = scope.metrics
    sums: list[tuple[str, str, dict[Attributes, int]]] = [
        ("sloscope.processor.points.accepted", "{point}", {(): interval.accepted}),
        ("sloscope.processor.points.refused", "{point}", _by_reason(interval.refused)),
        ("sloscope.processor.points.rejected", "{point}", _by_reason(interval.rejected)),
        (
            "sloscope.processor.batches",
            "{batch}",
            {
                (("outcome", "written"),): interval.batches,
                (("outcome", "failed"),): interval.batches_failed,
            },
        ),
        ("sloscope.processor.points.written", "{point}", {(): interval.points_written}),
        ("sloscope.processor.bytes.written", "By", {(): interval.bytes_written}),
        (COLLECTED_METRIC, "{point}", {(): interval.accepted}),
    ]
    for name, unit, values in sums:
        _sum(metrics.add(), name, unit, span, values, temporality=temporality)
    end_ns = span[1]
    _gauge(metrics.add(), "sloscope.processor.queue.size", "{point}", end_ns, queue[0])
    _gauge(metrics.add(), "sloscope.processor.queue.capacity", "{point}", end_ns, queue[1])
    if interval.flush_count:
        _flush_histogram(metrics.add(), interval, span, temporality)
    _counters(resource_metrics, interval.counters, span, temporality)
    return request


def _counters(
    resource_metrics: metrics_pb2.ResourceMetrics,
    counters: Counter[CounterKey],
    span: tuple[int, int],
    temporality: Temporality,
) -> None:
    """The counters added with ``count``: one scope each, one metric per name."""
    grouped: dict[str, dict[tuple[str, str], dict[Attributes, int]]] = {}
    for (scope_name, name, unit, attributes), value in sorted(counters.items()):
        metric = grouped.setdefault(scope_name, {}).setdefault((name, unit), {})
        metric[attributes] = value
    for scope_name, named in grouped.items():
        scope = resource_metrics.scope_metrics.add()
        scope.scope.name = scope_name
        for (name, unit), values in named.items():
            _sum(scope.metrics.add(), name, unit, span, values, temporality=temporality)


def _by_reason(counts: Counter[str]) -> dict[Attributes, int]:
    return {(("reason", reason),): count for reason, count in counts.items()}


def _attribute(key: str, value: str | int) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _sum(
    metric: metrics_pb2.Metric,
    name: str,
    unit: str,
    span: tuple[int, int],
    values: dict[Attributes, int],
    *,
    temporality: Temporality,
) -> None:
    metric.name, metric.unit = name, unit
    metric.sum.aggregation_temporality = temporality
    metric.sum.is_monotonic = True
    for attributes, value in values.items():
        point = metric.sum.data_points.add(
            start_time_unix_nano=span[0], time_unix_nano=span[1], as_int=value
        )
        point.attributes.extend(_attribute(key, item) for key, item in attributes)


def _gauge(metric: metrics_pb2.Metric, name: str, unit: str, time_ns: int, value: int) -> None:
    metric.name, metric.unit = name, unit
    metric.gauge.data_points.add(time_unix_nano=time_ns, as_int=value)


def _flush_histogram(
    metric: metrics_pb2.Metric, interval: _Interval, span: tuple[int, int], temporality: Temporality
) -> None:
    metric.name, metric.unit = "sloscope.processor.flush.duration", "s"
    metric.histogram.aggregation_temporality = temporality
    metric.histogram.data_points.add(
        start_time_unix_nano=span[0],
        time_unix_nano=span[1],
        count=interval.flush_count,
        sum=interval.flush_sum_s,
        bucket_counts=interval.flush_buckets,
        explicit_bounds=FLUSH_DURATION_BOUNDS_S,
        min=interval.flush_min_s,
        max=interval.flush_max_s,
    )
