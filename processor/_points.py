"""How many data points an OTLP request carries, counted without touching the points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2

from processor._types import MetricType

_CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE


@dataclass(frozen=True, slots=True)
class PointCounts:
    """Data points per metric type, and the types with cumulative streams to convert."""

    points: dict[MetricType, int]
    converted: frozenset[MetricType]

    @property
    def total(self) -> int:
        return sum(self.points.values())


def count_points(request: ExportMetricsServiceRequest) -> PointCounts:
    """Count points per type; touches each metric once, never each point."""
    counts: Counter[str] = Counter()
    converted: set[MetricType] = set()
    for resource_metrics in request.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                if kind is None:
                    continue
                data = getattr(metric, kind)
                counts[kind] += len(data.data_points)
                if _is_converted(kind, data):
                    converted.add(MetricType(kind))
    points = {MetricType(kind): count for kind, count in counts.items() if count}
    return PointCounts(points, frozenset(converted & points.keys()))


def _is_converted(kind: str, data: Any) -> bool:
    """Whether the write turns this metric's points (a Sum, Histogram or
    ExponentialHistogram message) from cumulative into deltas."""
    if kind in ("histogram", "exponential_histogram"):
        return bool(data.aggregation_temporality == _CUMULATIVE)
    if kind == "sum":
        return bool(data.aggregation_temporality == _CUMULATIVE and data.is_monotonic)
    return False
