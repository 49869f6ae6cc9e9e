"""``opentelemetry-instrument`` with sloscope's defaults, and no code change.

``opentelemetry-instrument --service_name checkout uvicorn app:app`` loads, through the
``opentelemetry_distro`` and ``opentelemetry_configurator`` entry points:

1. ``SloscopeDistro.configure``: environment defaults (stable HTTP semantic conventions
   for the other instrumentations, OTLP metrics, no traces or logs unless asked:
   ``--traces_exporter otlp`` or ``SLOSCOPE_TRACING=true`` turns tracing on);
2. ``SloscopeConfigurator.configure``: ``instrumentation.configure()`` from the
   environment (service name from ``OTEL_SERVICE_NAME``), plus the PostgreSQL reader
   when ``SLOSCOPE_POSTGRES_DSN`` is set;
3. the instrumentors: for FastAPI and Starlette, instead of the upstream instrumentors,
   every application gets ``instrument_app`` when its middleware stack is first built;
   opentelemetry-instrumentation-system-metrics is skipped (``configure()`` reports the
   same resources under current semantic-convention names, and both together would
   mix two attribute schemes under one metric name); every other installed
   instrumentor loads as usual.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.instrumentation.distro import BaseDistro  # type: ignore[attr-defined]

from instrumentation._asgi import instrument_app, instrumented_flag_set
from instrumentation._setup import configure

__all__ = ["ENV_POSTGRES_DSN", "SloscopeConfigurator", "SloscopeDistro", "patch_starlette"]

logger = logging.getLogger(__name__)

ENV_POSTGRES_DSN: Final = "SLOSCOPE_POSTGRES_DSN"

ENVIRONMENT_DEFAULTS: Final[Mapping[str, str]] = {
    "OTEL_SEMCONV_STABILITY_OPT_IN": "http",
    "OTEL_METRICS_EXPORTER": "otlp",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
}

# The upstream instrumentors sloscope's middleware and resource metrics replace.
REPLACED_BY_MIDDLEWARE: Final = frozenset({"fastapi", "starlette"})
REPLACED_BY_RESOURCE_METRICS: Final = frozenset({"system_metrics"})

_PATCHED: Final = "_sloscope_patched"
_APP_CLASSES: Final = (("starlette.applications", "Starlette"), ("fastapi.applications", "FastAPI"))


class SloscopeDistro(BaseDistro):  # type: ignore[misc]  # BaseDistro is untyped
    """The ``opentelemetry_distro`` entry point ``sloscope``."""

    def _configure(self, **kwargs: Any) -> None:
        for name, value in ENVIRONMENT_DEFAULTS.items():
            os.environ.setdefault(name, value)

    def load_instrumentor(self, entry_point: Any, **kwargs: Any) -> None:
        if entry_point.name in REPLACED_BY_MIDDLEWARE:
            patch_starlette()
            return
        if entry_point.name in REPLACED_BY_RESOURCE_METRICS:
            logger.debug("instrumentor replaced", extra={"instrumentor": entry_point.name})
            return
        super().load_instrumentor(entry_point, **kwargs)


class SloscopeConfigurator:
    """The ``opentelemetry_configurator`` entry point ``sloscope``."""

    def configure(self, **kwargs: Any) -> None:
        telemetry = configure()
        dsn = os.environ.get(ENV_POSTGRES_DSN, "").strip()
        if dsn:
            from instrumentation.postgres import instrument_postgres  # noqa: PLC0415

            instrument_postgres(dsn, meter_provider=telemetry.meter_provider)


def patch_starlette() -> list[str]:
    """Make every Starlette/FastAPI app instrument itself when its stack is first built.

    Returns the classes patched now (patching is idempotent). Applications the user
    instruments explicitly are not wrapped twice.
    """
    patched: list[str] = []
    for module_name, class_name in _APP_CLASSES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, class_name)
        original = cls.__dict__.get("build_middleware_stack")
        if original is None or getattr(original, _PATCHED, False):
            continue
        cls.build_middleware_stack = _self_instrumenting(original)
        patched.append(f"{module_name}.{class_name}")
    return patched


def _self_instrumenting(original: Any) -> Any:
    def build_middleware_stack(self: Any) -> Any:
        if not instrumented_flag_set(self):
            instrument_app(self)
            # The instance now has its own wrapper, which calls back here (flag set).
            return self.build_middleware_stack()
        return original(self)

    setattr(build_middleware_stack, _PATCHED, True)
    return build_middleware_stack
