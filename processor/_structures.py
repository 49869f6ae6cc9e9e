"""ClickHouse column structures that read OTLP requests through the ``Protobuf`` format.

ClickHouse matches columns to protobuf fields by name; a field with no column is
skipped without being decoded. So each metric type gets a structure that declares only
its own data points: a batch of histograms is not paid for by gauges' fields.

Presence: ``input_format_protobuf_oneof_presence`` fills an Enum column named after a
``oneof`` with the number of the field that was set. That is how ``AnyValue`` keeps its
type, and how proto3 ``optional`` fields (``sum``, ``min``, ``max``: synthetic oneofs
``_sum``...) say whether they were set.
"""

from __future__ import annotations

from typing import Final

from processor._types import MetricType

_SCALAR_VALUE = (
    "Enum8('none' = 0, 'string_value' = 1, 'bool_value' = 2, 'int_value' = 3, "
    "'double_value' = 4, 'array_value' = 5, 'kvlist_value' = 6, 'bytes_value' = 7)"
)
_SCALAR = (
    f"Tuple(value {_SCALAR_VALUE}, string_value String, bool_value Bool, "
    "int_value Int64, double_value Float64, bytes_value String)"
)
# One level of nesting is kept (arrays and maps of scalars, rendered as JSON); deeper
# values are rare in metric attributes and are rendered as an empty string.
_ANY_VALUE = (
    f"Tuple(value {_SCALAR_VALUE}, string_value String, bool_value Bool, "
    "int_value Int64, double_value Float64, bytes_value String, "
    f"array_value Tuple(values Array({_SCALAR})), "
    f"kvlist_value Tuple(values Array(Tuple(key String, value {_SCALAR}))))"
)
_ATTRIBUTES = f"Array(Tuple(key String, value {_ANY_VALUE}))"
_EXEMPLARS = (
    f"Array(Tuple(filtered_attributes {_ATTRIBUTES}, time_unix_nano UInt64, "
    "value Enum8('none' = 0, 'as_double' = 3, 'as_int' = 6), as_double Float64, as_int Int64, "
    "span_id String, trace_id String))"
)
_OPTIONAL = "Enum8('none' = 0, '{name}' = {number})"
_POINT_COMMON = (
    f"attributes {_ATTRIBUTES}, start_time_unix_nano UInt64, time_unix_nano UInt64, flags UInt32"
)

_NUMBER_POINTS = (
    f"Array(Tuple({_POINT_COMMON}, "
    "value Enum8('none' = 0, 'as_double' = 4, 'as_int' = 6), as_double Float64, as_int Int64, "
    f"exemplars {_EXEMPLARS}))"
)
_HISTOGRAM_POINTS = (
    f"Array(Tuple({_POINT_COMMON}, count UInt64, "
    f"sum Float64, _sum {_OPTIONAL.format(name='sum', number=5)}, "
    "bucket_counts Array(UInt64), explicit_bounds Array(Float64), "
    f"min Float64, _min {_OPTIONAL.format(name='min', number=11)}, "
    f"max Float64, _max {_OPTIONAL.format(name='max', number=12)}, "
    f"exemplars {_EXEMPLARS}))"
)
_BUCKETS = "Tuple(offset Int32, bucket_counts Array(UInt64))"
_EXPONENTIAL_POINTS = (
    f"Array(Tuple({_POINT_COMMON}, count UInt64, "
    f"sum Float64, _sum {_OPTIONAL.format(name='sum', number=5)}, "
    f"scale Int32, zero_count UInt64, zero_threshold Float64, "
    f"positive {_BUCKETS}, negative {_BUCKETS}, "
    f"min Float64, _min {_OPTIONAL.format(name='min', number=12)}, "
    f"max Float64, _max {_OPTIONAL.format(name='max', number=13)}, "
    f"exemplars {_EXEMPLARS}))"
)
_SUMMARY_POINTS = (
    f"Array(Tuple({_POINT_COMMON}, count UInt64, sum Float64, "
    "quantile_values Array(Tuple(quantile Float64, value Float64))))"
)

_DATA: Final[dict[MetricType, str]] = {
    MetricType.GAUGE: f"gauge Tuple(data_points {_NUMBER_POINTS})",
    MetricType.SUM: (
        f"sum Tuple(data_points {_NUMBER_POINTS}, aggregation_temporality Int32, is_monotonic Bool)"
    ),
    MetricType.HISTOGRAM: (
        f"histogram Tuple(data_points {_HISTOGRAM_POINTS}, aggregation_temporality Int32)"
    ),
    MetricType.EXPONENTIAL_HISTOGRAM: (
        f"exponential_histogram Tuple(data_points {_EXPONENTIAL_POINTS}, "
        "aggregation_temporality Int32)"
    ),
    MetricType.SUMMARY: f"summary Tuple(data_points {_SUMMARY_POINTS})",
}


def structure_for(metric_type: MetricType) -> str:
    """The column structure that reads ``metric_type`` points out of ``Envelope`` messages."""
    metric = f"Tuple(name String, description String, unit String, {_DATA[metric_type]})"
    scope = (
        f"Tuple(name String, version String, attributes {_ATTRIBUTES}, "
        "dropped_attributes_count UInt32)"
    )
    scope_metrics = f"Array(Tuple(scope {scope}, metrics Array({metric}), schema_url String))"
    resource = f"Tuple(attributes {_ATTRIBUTES})"
    return (
        "request_seq UInt64, "
        f"resource_metrics Array(Tuple(resource {resource}, scope_metrics {scope_metrics}, "
        "schema_url String))"
    )
