"""``configure()``: the OpenTelemetry SDK wired the way sloscope wants it, once per process.

What it sets up (each default yields to the standard ``OTEL_*`` variable when it is set):

* a ``MeterProvider`` exporting over OTLP/gRPC (endpoint, headers, TLS, compression and
  timeout from ``OTEL_EXPORTER_OTLP_*``), every 10 s (``OTEL_METRIC_EXPORT_INTERVAL``);
* delta temporality for counters and histograms, as the sloscope processor stores
  deltas (``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE``; cumulative works too);
* Views: the latency bucket bounds on ``http.server.request.duration`` (unless
  ``OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION`` asks for exponential
  histograms) and an attribute allow-list on the HTTP instruments;
* the resource: ``service.name``, ``service.version``, ``deployment.environment``,
  ``host.name``, ``process.pid``, ``service.instance.id`` (``OTEL_RESOURCE_ATTRIBUTES``
  and ``OTEL_SERVICE_NAME`` are honoured);
* the psutil resource metrics (``SLOSCOPE_RESOURCE_METRICS=false`` turns them off);
* tracing only when asked for (``tracing=True``, ``SLOSCOPE_TRACING=true``, or
  ``OTEL_TRACES_EXPORTER=otlp``);
* a final flush at exit, including on SIGTERM (``flush_on_sigterm``).

``resolve_settings`` is pure (it reads a mapping, not the process environment) and
``build_telemetry`` sets nothing global; ``configure`` composes them and registers the
providers globally, once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Final

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics._internal.exemplar import AlwaysOffExemplarFilter
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from instrumentation import _conventions as conv
from instrumentation._buckets import BODY_SIZE_BUCKETS_BY, latency_buckets_from
from instrumentation._resources import ResourceMetrics, instrument_resources
from instrumentation.errors import InvalidConfiguration

__all__ = [
    "DEFAULT_EXPORT_INTERVAL_MS",
    "Telemetry",
    "TelemetrySettings",
    "build_telemetry",
    "configure",
    "flush_on_sigterm",
    "resolve_settings",
]

logger = logging.getLogger(__name__)

DEFAULT_EXPORT_INTERVAL_MS: Final = 10_000
SIGTERM_FLUSH_TIMEOUT_S: Final = 5.0
ENV_TRACING: Final = "SLOSCOPE_TRACING"
ENV_RESOURCE_METRICS: Final = "SLOSCOPE_RESOURCE_METRICS"
OTEL_SERVICE_NAME: Final = "OTEL_SERVICE_NAME"
OTEL_TRACES_EXPORTER: Final = "OTEL_TRACES_EXPORTER"
OTEL_METRIC_EXPORT_INTERVAL: Final = "OTEL_METRIC_EXPORT_INTERVAL"
OTEL_TEMPORALITY: Final = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
OTEL_HISTOGRAM_AGGREGATION: Final = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
OTEL_EXEMPLAR_FILTER: Final = "OTEL_METRICS_EXEMPLAR_FILTER"
EXPONENTIAL: Final = "base2_exponential_bucket_histogram"
_UNKNOWN_SERVICE: Final = "unknown_service"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})

DELTA_TEMPORALITY: Final[Mapping[type, AggregationTemporality]] = {
    Counter: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
    Histogram: AggregationTemporality.DELTA,
    ObservableCounter: AggregationTemporality.DELTA,
    ObservableUpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableGauge: AggregationTemporality.CUMULATIVE,
}
"""The OTLP ``delta`` preference: monotonic sums and histograms as deltas."""


@dataclass(frozen=True, slots=True)
class TelemetrySettings:
    """Everything ``build_telemetry`` needs, resolved from arguments and environment."""

    resource: Resource
    latency_buckets: tuple[float, ...]
    exponential_histograms: bool
    delta_temporality: bool
    export_interval_ms: int | None
    tracing: bool
    resource_metrics: bool
    exemplars_off: bool

    @property
    def service_name(self) -> str:
        return str(self.resource.attributes[conv.ATTR_SERVICE_NAME])


def resolve_settings(
    environ: Mapping[str, str],
    *,
    service_name: str | None = None,
    service_version: str | None = None,
    environment: str | None = None,
    latency_buckets: Sequence[float] | None = None,
    tracing: bool | None = None,
    resource_metrics: bool | None = None,
) -> TelemetrySettings:
    """Merge arguments, ``environ`` and defaults; arguments win. Raises ``InvalidConfiguration``."""
    resource = _resource(environ, service_name, service_version, environment)
    traces_exporter = environ.get(OTEL_TRACES_EXPORTER, "").strip().lower()
    tracing_on = (
        tracing
        if tracing is not None
        else _env_bool(environ, ENV_TRACING, "otlp" in traces_exporter.split(","))
    )
    return TelemetrySettings(
        resource=resource,
        latency_buckets=latency_buckets_from(latency_buckets, environ),
        exponential_histograms=environ.get(OTEL_HISTOGRAM_AGGREGATION, "").strip() == EXPONENTIAL,
        delta_temporality=not environ.get(OTEL_TEMPORALITY, "").strip(),
        export_interval_ms=(
            None if environ.get(OTEL_METRIC_EXPORT_INTERVAL) else DEFAULT_EXPORT_INTERVAL_MS
        ),
        tracing=tracing_on,
        resource_metrics=(
            resource_metrics
            if resource_metrics is not None
            else _env_bool(environ, ENV_RESOURCE_METRICS, True)
        ),
        exemplars_off=not tracing_on and not environ.get(OTEL_EXEMPLAR_FILTER),
    )


def _resource(
    environ: Mapping[str, str],
    service_name: str | None,
    service_version: str | None,
    environment: str | None,
) -> Resource:
    from_env = _env_resource(environ)
    name = service_name or str(from_env.attributes.get(conv.ATTR_SERVICE_NAME, ""))
    if not name or name.startswith(_UNKNOWN_SERVICE):
        raise InvalidConfiguration(
            "a service name is required: pass service_name= or set OTEL_SERVICE_NAME"
        )
    defaults: dict[str, str | int] = {
        conv.ATTR_HOST_NAME: socket.gethostname(),
        conv.ATTR_PROCESS_PID: os.getpid(),
        conv.ATTR_SERVICE_INSTANCE_ID: str(uuid.uuid4()),
    }
    explicit: dict[str, str | int] = {conv.ATTR_SERVICE_NAME: name}
    if service_version:
        explicit[conv.ATTR_SERVICE_VERSION] = service_version
    if environment:
        explicit[conv.ATTR_DEPLOYMENT_ENVIRONMENT] = environment
        explicit[conv.ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = environment
    return Resource(defaults).merge(from_env).merge(Resource(explicit))


def _env_resource(environ: Mapping[str, str]) -> Resource:
    """``Resource.create`` reads ``os.environ``; rebuild its answer from ``environ``."""
    attributes: dict[str, str] = {}
    for item in environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            attributes[key.strip()] = _unquote(value.strip())
    service = environ.get(OTEL_SERVICE_NAME, "").strip()
    if service:
        attributes[conv.ATTR_SERVICE_NAME] = service
    return Resource.create(attributes)


def _unquote(value: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415 - rarely needed, kept local

    return unquote(value)


def _env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidConfiguration(f"{name}: expected true or false, got {raw!r}")


def views_for(settings: TelemetrySettings) -> list[View]:
    """Bucket bounds and attribute allow-lists for the HTTP server instruments."""
    keys = set(conv.HTTP_DURATION_ATTRIBUTE_KEYS)
    if settings.exponential_histograms:
        return [
            View(instrument_name=name, attribute_keys=keys)
            for name in (
                conv.METRIC_HTTP_SERVER_REQUEST_DURATION,
                conv.METRIC_HTTP_SERVER_REQUEST_BODY_SIZE,
                conv.METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE,
            )
        ]
    return [
        View(
            instrument_name=conv.METRIC_HTTP_SERVER_REQUEST_DURATION,
            attribute_keys=keys,
            aggregation=ExplicitBucketHistogramAggregation(settings.latency_buckets),
        ),
        View(
            instrument_name=conv.METRIC_HTTP_SERVER_REQUEST_BODY_SIZE,
            attribute_keys=keys,
            aggregation=ExplicitBucketHistogramAggregation(BODY_SIZE_BUCKETS_BY),
        ),
        View(
            instrument_name=conv.METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE,
            attribute_keys=keys,
            aggregation=ExplicitBucketHistogramAggregation(BODY_SIZE_BUCKETS_BY),
        ),
    ]


class Telemetry:
    """The providers ``configure`` built; flush them, shut them down (once)."""

    def __init__(
        self,
        settings: TelemetrySettings,
        meter_provider: MeterProvider,
        tracer_provider: TracerProvider | None,
        resources: ResourceMetrics | None,
    ) -> None:
        self.settings = settings
        self.meter_provider = meter_provider
        self.tracer_provider = tracer_provider
        self.resources = resources
        self._lock = threading.Lock()
        self._shut_down = False

    def force_flush(self, timeout_s: float = 10.0) -> bool:
        """Export everything recorded so far; False if the deadline passed first."""
        timeout_ms = timeout_s * 1000
        flushed = self.meter_provider.force_flush(timeout_millis=timeout_ms)
        if self.tracer_provider is not None:
            flushed = self.tracer_provider.force_flush(timeout_millis=int(timeout_ms)) and flushed
        return flushed

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Flush and stop exporting. Idempotent."""
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
        # The provider's final collection still observes the resource instruments.
        self.meter_provider.shutdown(timeout_millis=timeout_s * 1000)
        if self.resources is not None:
            self.resources.close()
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()


def build_telemetry(
    settings: TelemetrySettings, *, metric_readers: Sequence[MetricReader] | None = None
) -> Telemetry:
    """Build providers from ``settings``; nothing is registered globally.

    ``metric_readers`` replaces the OTLP reader (tests pass an ``InMemoryMetricReader``).
    """
    readers = list(metric_readers) if metric_readers is not None else [_otlp_reader(settings)]
    meter_provider = MeterProvider(
        metric_readers=readers,
        resource=settings.resource,
        views=views_for(settings),
        exemplar_filter=AlwaysOffExemplarFilter() if settings.exemplars_off else None,
    )
    tracer_provider = None
    if settings.tracing:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        tracer_provider = TracerProvider(resource=settings.resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    resources = (
        instrument_resources(meter_provider=meter_provider) if settings.resource_metrics else None
    )
    return Telemetry(settings, meter_provider, tracer_provider, resources)


def _otlp_reader(settings: TelemetrySettings) -> PeriodicExportingMetricReader:
    exporter = OTLPMetricExporter(
        preferred_temporality=dict(DELTA_TEMPORALITY) if settings.delta_temporality else None
    )
    return PeriodicExportingMetricReader(
        exporter, export_interval_millis=settings.export_interval_ms
    )


def flush_on_sigterm(telemetry: Telemetry, timeout_s: float = SIGTERM_FLUSH_TIMEOUT_S) -> bool:
    """Flush before a SIGTERM ends the process, when nothing else handles SIGTERM.

    A default SIGTERM kills the process without running ``atexit``, so the metrics of
    the last export interval would be lost. uvicorn handles SIGTERM itself, then
    restores the previous handler and raises the signal again: this handler, which
    shuts the telemetry down and then dies of the signal as it would have. The flush
    runs in a thread of its own, so an SDK lock held by the interrupted main thread
    delays death by ``timeout_s`` at most. Returns whether the handler was installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False

    def handle(signum: int, frame: FrameType | None) -> None:
        flusher = threading.Thread(
            target=telemetry.shutdown, args=(timeout_s,), name="sloscope-flush", daemon=True
        )
        flusher.start()
        flusher.join(timeout_s)
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, handle)
    return True


_configure_lock = threading.Lock()
_configured: Telemetry | None = None


def configure(
    service_name: str | None = None,
    *,
    service_version: str | None = None,
    environment: str | None = None,
    latency_buckets: Sequence[float] | None = None,
    tracing: bool | None = None,
    resource_metrics: bool | None = None,
) -> Telemetry:
    """Set up metrics (and, if asked, tracing) for this process; returns the handle.

    Idempotent: a second call returns the first call's handle and registers nothing.
    Raises ``InvalidConfiguration`` for a missing service name or a bad setting.
    """
    global _configured  # noqa: PLW0603 - the one process-wide registration
    with _configure_lock:
        if _configured is not None:
            logger.debug("already configured", extra={"service": _configured.settings.service_name})
            return _configured
        settings = resolve_settings(
            os.environ,
            service_name=service_name,
            service_version=service_version,
            environment=environment,
            latency_buckets=latency_buckets,
            tracing=tracing,
            resource_metrics=resource_metrics,
        )
        telemetry = build_telemetry(settings)
        metrics.set_meter_provider(telemetry.meter_provider)
        if telemetry.tracer_provider is not None:
            trace.set_tracer_provider(telemetry.tracer_provider)
        _configured = telemetry
        flush_on_sigterm(telemetry)
        logger.info(
            "telemetry configured",
            extra={"service": settings.service_name, "tracing": settings.tracing},
        )
        return telemetry
