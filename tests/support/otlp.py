"""Hand-built OTLP requests and a raw gRPC client for them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
DELTA = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
SECOND_NS = 1_000_000_000


def attributes(values: Mapping[str, Any]) -> list[KeyValue]:
    """OTLP KeyValues from a mapping of str, bool, int, float, bytes or lists of those."""
    return [KeyValue(key=key, value=any_value(value)) for key, value in values.items()]


_SCALAR_FIELDS: tuple[tuple[type, str], ...] = (
    (bool, "bool_value"),
    (int, "int_value"),
    (float, "double_value"),
    (bytes, "bytes_value"),
)


def any_value(value: Any) -> AnyValue:
    """An AnyValue from a Python value; lists and dicts nest."""
    for kind, field in _SCALAR_FIELDS:
        if isinstance(value, kind):
            scalar = AnyValue()
            setattr(scalar, field, value)
            return scalar
    if isinstance(value, list):
        any_list = AnyValue()
        any_list.array_value.values.extend(any_value(item) for item in value)
        return any_list
    if isinstance(value, dict):
        any_map = AnyValue()
        any_map.kvlist_value.values.extend(attributes(value))
        return any_map
    return AnyValue(string_value=str(value))


def request(
    service: str = "svc", resource: Mapping[str, Any] | None = None
) -> ExportMetricsServiceRequest:
    """An empty request with one resource (service.name set) and one scope."""
    built = ExportMetricsServiceRequest()
    resource_metrics = built.resource_metrics.add()
    resource_metrics.resource.attributes.extend(
        attributes({"service.name": service, **(resource or {})})
    )
    resource_metrics.scope_metrics.add().scope.name = "tests"
    return built


def metric(built: ExportMetricsServiceRequest, name: str, unit: str = "") -> metrics_pb2.Metric:
    """A new metric in the request's first scope."""
    added = built.resource_metrics[0].scope_metrics[0].metrics.add()
    added.name, added.unit = name, unit
    return added


def histogram_point(
    target: metrics_pb2.Metric,
    counts: Sequence[int],
    bounds: Sequence[float],
    time_s: float,
    *,
    start_s: float | None = None,
    attrs: Mapping[str, Any] | None = None,
    temporality: metrics_pb2.AggregationTemporality.ValueType = DELTA,
    **fields: Any,
) -> metrics_pb2.HistogramDataPoint:
    """Add an explicit-bucket point; count defaults to sum(counts)."""
    target.histogram.aggregation_temporality = temporality
    point = target.histogram.data_points.add(
        time_unix_nano=int(time_s * SECOND_NS),
        start_time_unix_nano=int((start_s if start_s is not None else time_s - 10) * SECOND_NS),
        bucket_counts=list(counts),
        explicit_bounds=list(bounds),
        count=fields.pop("count", sum(counts)),
        **fields,
    )
    point.attributes.extend(attributes(attrs or {}))
    return point


def sum_point(
    target: metrics_pb2.Metric,
    value: float,
    time_s: float,
    *,
    start_s: float | None = None,
    attrs: Mapping[str, Any] | None = None,
    temporality: metrics_pb2.AggregationTemporality.ValueType = DELTA,
    monotonic: bool = True,
) -> metrics_pb2.NumberDataPoint:
    target.sum.aggregation_temporality = temporality
    target.sum.is_monotonic = monotonic
    point = target.sum.data_points.add(
        time_unix_nano=int(time_s * SECOND_NS),
        start_time_unix_nano=int((start_s if start_s is not None else time_s - 10) * SECOND_NS),
    )
    if isinstance(value, int) and not isinstance(value, bool):
        point.as_int = int(value)
    else:
        point.as_double = value
    point.attributes.extend(attributes(attrs or {}))
    return point


def gauge_point(
    target: metrics_pb2.Metric,
    value: float,
    time_s: float,
    *,
    attrs: Mapping[str, Any] | None = None,
) -> metrics_pb2.NumberDataPoint:
    point = target.gauge.data_points.add(time_unix_nano=int(time_s * SECOND_NS), as_double=value)
    point.attributes.extend(attributes(attrs or {}))
    return point


def export(
    endpoint: str,
    payload: ExportMetricsServiceRequest | bytes,
    *,
    metadata: Iterable[tuple[str, str]] | None = None,
    compression: grpc.Compression | None = None,
    credentials: grpc.ChannelCredentials | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> ExportMetricsServiceResponse:
    """One Export call over a real channel; raises grpc.RpcError on an error status."""
    data = payload if isinstance(payload, bytes) else payload.SerializeToString()
    all_options = [("grpc.max_send_message_length", 256 << 20), *options]
    if credentials is None:
        channel = grpc.insecure_channel(endpoint, options=all_options)
    else:
        channel = grpc.secure_channel(endpoint, credentials, options=all_options)
    with channel:
        call = channel.unary_unary(
            EXPORT_METHOD, response_deserializer=ExportMetricsServiceResponse.FromString
        )
        response: ExportMetricsServiceResponse = call(
            data, metadata=list(metadata or ()), compression=compression, timeout=60
        )
        return response
