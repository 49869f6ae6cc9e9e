"""The instrumentation scope: one meter and one tracer name for everything we emit."""

from __future__ import annotations

import importlib.metadata
from functools import cache
from typing import Final

from opentelemetry import metrics, trace
from opentelemetry.metrics import Meter, MeterProvider
from opentelemetry.trace import Tracer, TracerProvider

from instrumentation._conventions import SCOPE_NAME

__all__ = ["SCHEMA_URL", "get_meter", "get_tracer", "scope_version", "tracer_provider_configured"]

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.26.0"
_DISTRIBUTION: Final = "sloscope"


@cache
def scope_version() -> str:
    """The installed sloscope version, reported as the instrumentation scope version."""
    try:
        return importlib.metadata.version(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "0+unknown"


def get_meter(meter_provider: MeterProvider | None) -> Meter:
    """Our meter from ``meter_provider``, or from the global provider when it is None."""
    return metrics.get_meter(
        SCOPE_NAME, scope_version(), meter_provider=meter_provider, schema_url=SCHEMA_URL
    )


def get_tracer(tracer_provider: TracerProvider | None) -> Tracer:
    """Our tracer from ``tracer_provider``, or from the global provider when it is None."""
    return trace.get_tracer(
        SCOPE_NAME, scope_version(), tracer_provider=tracer_provider, schema_url=SCHEMA_URL
    )


def tracer_provider_configured() -> bool:
    """Whether a real tracer provider has been set globally (tracing was asked for)."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))
