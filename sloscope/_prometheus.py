"""OTLP metrics as Prometheus text exposition (format 0.0.4), for ``GET /metrics``.

The names follow the OpenTelemetry-to-Prometheus rules: characters outside
``[a-zA-Z0-9_:]`` become ``_``, the unit is appended as a word (``s`` -> ``seconds``,
``By`` -> ``bytes``; annotations such as ``{point}`` are dropped) unless the name already
holds it, and a monotonic sum is a counter named ``..._total``. Label values are escaped
(backslash, double quote, line feed), as are HELP texts (backslash, line feed).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
UNIT_WORDS: Final = {"s": "seconds", "ms": "milliseconds", "By": "bytes", "1": "ratio"}
_INVALID_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]")

Labels = tuple[tuple[str, str], ...]
Sample = tuple[str, Labels, float]
"""A name suffix (``_bucket``, ...), the labels and the value."""


@dataclass(slots=True)
class _Family:
    """One metric name: its type, help and samples (suffix, labels, value)."""

    name: str
    kind: str
    help: str
    samples: list[Sample] = field(default_factory=list)


def exposition(request: ExportMetricsServiceRequest) -> str:
    """Every metric of ``request`` in the text format, one family per name."""
    families: dict[str, _Family] = {}
    for resource_metrics in request.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                _add(families, metric)
    return "".join(_render(family) for family in families.values())


def metric_name(name: str, unit: str) -> str:
    """``sloscope.processor.flush.duration`` in ``s`` ->
    ``sloscope_processor_flush_duration_seconds``."""
    base = _INVALID_NAME.sub("_", name)
    if base[:1].isdigit():
        base = f"_{base}"
    word = UNIT_WORDS.get(unit, "" if unit.startswith("{") else _INVALID_NAME.sub("_", unit))
    if word and word not in base.split("_"):
        base = f"{base}_{word}"
    return base


def _add(families: dict[str, _Family], metric: metrics_pb2.Metric) -> None:
    name = metric_name(metric.name, metric.unit)
    help_text = metric.description or metric.name
    kind = metric.WhichOneof("data")
    if kind == "sum" and metric.sum.is_monotonic:
        name = name if name.endswith("_total") else f"{name}_total"
        family = families.setdefault(name, _Family(name, "counter", help_text))
        family.samples.extend(
            ("", _labels(p.attributes), _value(p)) for p in metric.sum.data_points
        )
    elif kind in ("sum", "gauge"):
        points = metric.sum.data_points if kind == "sum" else metric.gauge.data_points
        family = families.setdefault(name, _Family(name, "gauge", help_text))
        family.samples.extend(("", _labels(p.attributes), _value(p)) for p in points)
    elif kind == "histogram":
        family = families.setdefault(name, _Family(name, "histogram", help_text))
        for point in metric.histogram.data_points:
            family.samples.extend(_histogram_samples(point))


def _histogram_samples(
    point: metrics_pb2.HistogramDataPoint,
) -> Iterator[tuple[str, Labels, float]]:
    labels = _labels(point.attributes)
    running = 0
    bounds = [*point.explicit_bounds, math.inf]
    for bound, count in zip(bounds, point.bucket_counts, strict=False):
        running += count
        yield "_bucket", (*labels, ("le", _number(bound))), running
    yield "_sum", labels, point.sum
    yield "_count", labels, point.count


def _value(point: metrics_pb2.NumberDataPoint) -> float:
    return point.as_int if point.WhichOneof("value") == "as_int" else point.as_double


def _labels(attributes: Iterable[KeyValue]) -> Labels:
    return tuple(sorted((_label_name(kv.key), _attribute_text(kv)) for kv in attributes))


def _label_name(key: str) -> str:
    name = _INVALID_LABEL.sub("_", key)
    return f"_{name}" if name[:1].isdigit() or not name else name


def _attribute_text(kv: KeyValue) -> str:
    value = kv.value
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    if which == "int_value":
        return str(value.int_value)
    if which == "double_value":
        return _number(value.double_value)
    return ""


def _render(family: _Family) -> str:
    lines = [
        f"# HELP {family.name} {_escape_help(family.help)}",
        f"# TYPE {family.name} {family.kind}",
    ]
    for suffix, labels, value in family.samples:
        lines.append(f"{family.name}{suffix}{_render_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def _render_labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape_value(text)}"' for name, text in labels) + "}"


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    """Integers without a decimal point; ``+Inf``, ``-Inf``, ``NaN`` as Prometheus spells them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))
