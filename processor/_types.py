"""Small closed sets and records shared by the processor's modules."""

from __future__ import annotations

import enum


class MetricType(enum.Enum):
    """The five OTLP metric data kinds, valued by their table suffix."""

    GAUGE = "gauge"
    SUM = "sum"
    HISTOGRAM = "histogram"
    EXPONENTIAL_HISTOGRAM = "exponential_histogram"
    SUMMARY = "summary"

    @property
    def proto_field(self) -> str:
        """The name of the ``Metric.data`` oneof member that carries this kind."""
        return self.value
