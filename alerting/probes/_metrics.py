"""Check results as OpenTelemetry gauges, so checks are SLIs too (docs/slo.md, "Health
checks: the convention").

Each result is one point of ``sloscope.health_check.up`` (1 passed, 0 failed) and one of
``sloscope.health_check.duration`` (seconds), with the attribute ``check.name``, under
the resource ``service.name`` of the service the check is about. They are built as an
OTLP request, like the processor's self-metrics, and written through the same path
(``Receiver.submit`` in ``sloscope serve``), so they are validated and stored like any
service's points.
"""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from alerting.probes._result import ProbeResult
from slo_engine._conventions import HEALTH_CHECK_METRIC

UP_METRIC = HEALTH_CHECK_METRIC
DURATION_METRIC = "sloscope.health_check.duration"
CHECK_ATTRIBUTE = "check.name"
SCOPE_NAME = "sloscope.alerting.probes"


def health_metrics(results: Iterable[ProbeResult]) -> ExportMetricsServiceRequest:
    """One resource per service, with an ``up`` and a ``duration`` point per result."""
    request = ExportMetricsServiceRequest()
    by_service: dict[str, list[ProbeResult]] = {}
    for result in results:
        by_service.setdefault(result.service, []).append(result)
    for service, service_results in sorted(by_service.items()):
        resource_metrics = request.resource_metrics.add()
        resource_metrics.resource.attributes.append(_string("service.name", service))
        scope = resource_metrics.scope_metrics.add()
        scope.scope.name = SCOPE_NAME
        up = scope.metrics.add(name=UP_METRIC, unit="1")
        duration = scope.metrics.add(name=DURATION_METRIC, unit="s")
        for result in service_results:
            time_ns = _unix_nano(result)
            attributes = [_string(CHECK_ATTRIBUTE, result.name)]
            up.gauge.data_points.add(
                time_unix_nano=time_ns, as_int=int(result.up), attributes=attributes
            )
            duration.gauge.data_points.add(
                time_unix_nano=time_ns, as_double=result.duration_s, attributes=attributes
            )
    return request


def _unix_nano(result: ProbeResult) -> int:
    instant = result.checked_at
    seconds = int(instant.timestamp())
    return seconds * 1_000_000_000 + instant.microsecond * 1_000


def _string(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))
