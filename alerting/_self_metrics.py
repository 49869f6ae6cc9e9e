"""Alerting's own metrics, stored beside the processor's (service.name ``sloscope``):
``monitoring.alerts.created``, ``monitoring.health.checks`` and
``monitoring.slo.evaluations``, the product spec's names.

``Monitoring`` counts in the loops (thread-safe); ``collect`` drains the counts into one
OTLP request of delta sums, which ``sloscope serve`` writes through its receiver like
any service's metrics, so they are SLIs and alert rules too.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Final

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

SERVICE_NAME: Final = "sloscope"
SCOPE_NAME: Final = "sloscope.alerting"
ALERTS_CREATED: Final = "monitoring.alerts.created"
HEALTH_CHECKS: Final = "monitoring.health.checks"
SLO_EVALUATIONS: Final = "monitoring.slo.evaluations"
_UNITS: Final = {ALERTS_CREATED: "{alert}", HEALTH_CHECKS: "{check}", SLO_EVALUATIONS: "{run}"}


class Monitoring:
    """Counts per metric and attribute value (``outcome``, ``source``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._since_ns = time.time_ns()

    def add(self, metric: str, key: str, value: str, count: int = 1) -> None:
        if count:
            with self._lock:
                self._counts[(metric, key, value)] += count

    def collect(self) -> ExportMetricsServiceRequest | None:
        """The counts since the last call as one request (None when there were none)."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            start_ns, self._since_ns = self._since_ns, time.time_ns()
        if not counts:
            return None
        request = ExportMetricsServiceRequest()
        resource = request.resource_metrics.add()
        resource.resource.attributes.append(_text("service.name", SERVICE_NAME))
        scope = resource.scope_metrics.add()
        scope.scope.name = SCOPE_NAME
        for name in sorted({metric for metric, _, _ in counts}):
            metric = scope.metrics.add()
            metric.name, metric.unit = name, _UNITS[name]
            metric.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
            metric.sum.is_monotonic = True
            for (found, key, value), count in sorted(counts.items()):
                if found == name:
                    point = metric.sum.data_points.add(
                        start_time_unix_nano=start_ns, time_unix_nano=self._since_ns, as_int=count
                    )
                    point.attributes.append(_text(key, value))
        return request


def _text(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))
