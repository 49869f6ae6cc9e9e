"""What a service installs to report latency, errors and resources over OTLP.

One call sets everything up::

    import instrumentation
    from fastapi import FastAPI

    instrumentation.configure(service_name="checkout")
    app = instrumentation.instrument_app(FastAPI())

or none at all: ``opentelemetry-instrument --service_name checkout uvicorn app:app``.
The PostgreSQL reader lives in ``instrumentation.postgres``.
"""

from instrumentation._asgi import SloscopeMiddleware, instrument_app
from instrumentation._buckets import (
    DEFAULT_LATENCY_BUCKETS_S,
    SEMCONV_LATENCY_BUCKETS_S,
    buckets_for_thresholds,
    parse_latency_buckets,
)
from instrumentation._resources import ResourceMetrics, instrument_resources
from instrumentation._setup import (
    Telemetry,
    TelemetrySettings,
    build_telemetry,
    configure,
    resolve_settings,
)
from instrumentation.errors import InstrumentationError, InvalidConfiguration, PostgresUnavailable

__all__ = [
    "DEFAULT_LATENCY_BUCKETS_S",
    "SEMCONV_LATENCY_BUCKETS_S",
    "InstrumentationError",
    "InvalidConfiguration",
    "PostgresUnavailable",
    "ResourceMetrics",
    "SloscopeMiddleware",
    "Telemetry",
    "TelemetrySettings",
    "buckets_for_thresholds",
    "build_telemetry",
    "configure",
    "instrument_app",
    "instrument_resources",
    "parse_latency_buckets",
    "resolve_settings",
]
