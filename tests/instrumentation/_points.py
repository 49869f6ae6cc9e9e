"""Flatten what an ``InMemoryMetricReader`` collected into one list of points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics.export import (
    ExponentialHistogram,
    Gauge,
    Histogram,
    InMemoryMetricReader,
    Sum,
)


@dataclass(frozen=True)
class Point:
    """One data point with the metric and scope it belongs to."""

    name: str
    unit: str
    kind: str
    scope: str
    resource: Mapping[str, Any]
    attributes: Mapping[str, Any]
    value: float | None = None
    count: int | None = None
    total: float | None = None
    bucket_counts: tuple[int, ...] = ()
    bounds: tuple[float, ...] = ()
    monotonic: bool | None = None
    temporality: int | None = None
    minimum: float | None = None


def collect(reader: InMemoryMetricReader) -> list[Point]:
    """Every point of one collection."""
    data = reader.get_metrics_data()
    found: list[Point] = []
    if data is None:
        return found
    for resource_metrics in data.resource_metrics:
        resource = dict(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_metrics.scope.name
            for metric in scope_metrics.metrics:
                found.extend(_points(metric.name, metric.unit or "", scope, resource, metric.data))
    return found


def _points(name: str, unit: str, scope: str, resource: dict[str, Any], data: Any) -> list[Point]:
    common: dict[str, Any] = {"name": name, "unit": unit, "scope": scope, "resource": resource}
    if isinstance(data, Histogram):
        return [
            Point(
                kind="histogram",
                attributes=dict(p.attributes or {}),
                count=p.count,
                total=p.sum,
                bucket_counts=tuple(p.bucket_counts),
                bounds=tuple(p.explicit_bounds),
                temporality=int(data.aggregation_temporality),
                minimum=p.min,
                **common,
            )
            for p in data.data_points
        ]
    if isinstance(data, ExponentialHistogram):
        return [
            Point(kind="exponential_histogram", attributes=dict(p.attributes or {}), count=p.count,
                  total=p.sum, temporality=int(data.aggregation_temporality), **common)
            for p in data.data_points
        ]  # fmt: skip
    if isinstance(data, Sum):
        return [
            Point(kind="sum", attributes=dict(p.attributes or {}), value=p.value,
                  monotonic=data.is_monotonic, temporality=int(data.aggregation_temporality),
                  **common)
            for p in data.data_points
        ]  # fmt: skip
    if isinstance(data, Gauge):
        return [
            Point(kind="gauge", attributes=dict(p.attributes or {}), value=p.value, **common)
            for p in data.data_points
        ]
    raise TypeError(f"unexpected metric data {type(data).__name__}")


def named(points: Sequence[Point], name: str) -> list[Point]:
    return [point for point in points if point.name == name]


def by_attributes(points: Sequence[Point], name: str, *keys: str) -> dict[tuple[Any, ...], Point]:
    """The points of ``name`` keyed by the values of ``keys`` (None when absent)."""
    return {tuple(p.attributes.get(key) for key in keys): p for p in named(points, name)}
