"""The processor's own metrics, stored like any service's (service.name ``sloscope``).

Counters mirror the Collector's exporterhelper/receiver set: points accepted, refused
(answered with an error) and rejected (dropped alone, reported in partial_success);
batches, points and bytes written; the queue size; and flush latency as a histogram.
They are built as one OTLP request per interval (delta temporality) and go through the
same write path as everything else.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

from processor._batcher import FlushReport

SERVICE_NAME = "sloscope"
SCOPE_NAME = "sloscope.processor"
FLUSH_DURATION_BOUNDS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA


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


class SelfMetrics:
    """Thread-safe counters, drained into one OTLP request per interval."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._interval = _Interval()
        self._since_ns = time.time_ns()
        self.totals: Counter[str] = Counter()

    def accepted(self, points: int) -> None:
        with self._lock:
            self._interval.accepted += points
            self.totals["accepted"] += points

    def refused(self, points: int, reason: str) -> None:
        with self._lock:
            self._interval.refused[reason] += points
            self.totals["refused"] += points

    def rejected(self, reasons: dict[str, int]) -> None:
        with self._lock:
            self._interval.rejected.update(reasons)
            self.totals["rejected"] += sum(reasons.values())

    def flushed(self, report: FlushReport) -> None:
        with self._lock:
            interval = self._interval
            if not report.ok:
                interval.batches_failed += 1
                return
            interval.batches += 1
            interval.points_written += report.points - report.rejected
            interval.bytes_written += report.bytes
            interval.flush_count += 1
            interval.flush_sum_s += report.duration_s
            interval.flush_min_s = min(interval.flush_min_s, report.duration_s)
            interval.flush_max_s = max(interval.flush_max_s, report.duration_s)
            index = sum(1 for bound in FLUSH_DURATION_BOUNDS_S if report.duration_s > bound)
            interval.flush_buckets[index] += 1
            self.totals["batches"] += 1

    def collect(self, queue_points: int, queue_capacity: int) -> ExportMetricsServiceRequest:
        """The interval's metrics as an OTLP request; starts the next interval."""
        with self._lock:
            interval, self._interval = self._interval, _Interval()
            start_ns, self._since_ns = self._since_ns, time.time_ns()
        end_ns = self._since_ns
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
        span = (start_ns, end_ns)
        _sum(
            metrics.add(),
            "sloscope.processor.points.accepted",
            "{point}",
            span,
            {(): interval.accepted},
        )
        _sum(
            metrics.add(),
            "sloscope.processor.points.refused",
            "{point}",
            span,
            _by_reason(interval.refused),
        )
        _sum(
            metrics.add(),
            "sloscope.processor.points.rejected",
            "{point}",
            span,
            _by_reason(interval.rejected),
        )
        _sum(
            metrics.add(),
            "sloscope.processor.batches",
            "{batch}",
            span,
            {
                (("outcome", "written"),): interval.batches,
                (("outcome", "failed"),): interval.batches_failed,
            },
        )
        _sum(
            metrics.add(),
            "sloscope.processor.points.written",
            "{point}",
            span,
            {(): interval.points_written},
        )
        _sum(
            metrics.add(),
            "sloscope.processor.bytes.written",
            "By",
            span,
            {(): interval.bytes_written},
        )
        _gauge(metrics.add(), "sloscope.processor.queue.size", "{point}", end_ns, queue_points)
        _gauge(
            metrics.add(), "sloscope.processor.queue.capacity", "{point}", end_ns, queue_capacity
        )
        if interval.flush_count:
            _flush_histogram(metrics.add(), interval, span)
        return request


def _by_reason(counts: Counter[str]) -> dict[tuple[tuple[str, str], ...], int]:
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
    values: dict[tuple[tuple[str, str], ...], int],
) -> None:
    metric.name, metric.unit = name, unit
    metric.sum.aggregation_temporality = _DELTA
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
    metric: metrics_pb2.Metric, interval: _Interval, span: tuple[int, int]
) -> None:
    metric.name, metric.unit = "sloscope.processor.flush.duration", "s"
    metric.histogram.aggregation_temporality = _DELTA
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
