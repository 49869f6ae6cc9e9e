"""The OTel distro: environment defaults, and sloscope's middleware in place of the
upstream FastAPI/Starlette instrumentors. (The configurator registers global providers:
``test_e2e.test_opentelemetry_instrument_with_no_code_change`` runs it in a subprocess.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points

import fastapi
import pytest
from fastapi import FastAPI
from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
from opentelemetry.instrumentation.urllib import URLLibInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from starlette.applications import Starlette

from instrumentation import SloscopeMiddleware, instrument_app, resolve_settings
from instrumentation.distro import (
    ENVIRONMENT_DEFAULTS,
    SloscopeConfigurator,
    SloscopeDistro,
    patch_starlette,
)


@pytest.fixture
def restore_app_classes() -> Iterator[None]:
    """Let a test patch Starlette and FastAPI (as the distro does); put the originals back."""
    originals = {cls: cls.__dict__["build_middleware_stack"] for cls in (Starlette, FastAPI)}
    yield
    for cls, method in originals.items():
        cls.build_middleware_stack = method  # type: ignore[method-assign]


def _forget_on_teardown(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)


def _installed(name: str) -> EntryPoint:
    (entry,) = [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == name]
    return entry


def test_entry_points_name_the_distro_and_configurator() -> None:
    (distro,) = [ep for ep in entry_points(group="opentelemetry_distro") if ep.name == "sloscope"]
    (configurator,) = [
        ep for ep in entry_points(group="opentelemetry_configurator") if ep.name == "sloscope"
    ]
    assert distro.load() is SloscopeDistro
    assert configurator.load() is SloscopeConfigurator


def test_distro_sets_defaults_without_overriding_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget_on_teardown(monkeypatch, *ENVIRONMENT_DEFAULTS)
    monkeypatch.setenv("OTEL_LOGS_EXPORTER", "otlp")
    SloscopeDistro().configure()
    assert os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] == "http"
    assert os.environ["OTEL_METRICS_EXPORTER"] == "otlp"
    assert os.environ["OTEL_TRACES_EXPORTER"] == "none"
    assert os.environ["OTEL_LOGS_EXPORTER"] == "otlp"


def test_asking_for_traces_keeps_the_trace_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget_on_teardown(monkeypatch, *ENVIRONMENT_DEFAULTS)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    SloscopeDistro().configure()
    assert os.environ["OTEL_TRACES_EXPORTER"] == "otlp"
    assert resolve_settings(os.environ, service_name="checkout").tracing


@pytest.mark.usefixtures("restore_app_classes")
def test_fastapi_and_starlette_get_sloscope_instead_of_the_upstream_instrumentors() -> None:
    fastapi_class = fastapi.FastAPI
    for name in ("fastapi", "starlette"):
        SloscopeDistro().load_instrumentor(_installed(name), skip_dep_check=True)
    assert fastapi.FastAPI is fastapi_class  # the upstream instrumentor was not loaded
    assert patch_starlette() == []  # already patched, idempotently

    for app in (FastAPI(), Starlette()):
        stack = app.build_middleware_stack()
        assert isinstance(stack, SloscopeMiddleware)
        assert not isinstance(stack.app, SloscopeMiddleware)


@pytest.mark.usefixtures("restore_app_classes")
def test_an_explicitly_instrumented_app_is_wrapped_once() -> None:
    assert sorted(patch_starlette()) == [
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
    ]
    app = instrument_app(FastAPI(), meter_provider=MeterProvider(shutdown_on_exit=False))
    stack = app.build_middleware_stack()
    assert isinstance(stack, SloscopeMiddleware)
    assert not isinstance(stack.app, SloscopeMiddleware)


def test_the_legacy_system_metrics_instrumentor_is_skipped(
    meter_provider: MeterProvider,
) -> None:
    SloscopeDistro().load_instrumentor(_installed("system_metrics"), skip_dep_check=True)
    assert not SystemMetricsInstrumentor().is_instrumented_by_opentelemetry


def test_other_instrumentors_load_as_usual() -> None:
    instrumentor = URLLibInstrumentor()
    assert not instrumentor.is_instrumented_by_opentelemetry
    SloscopeDistro().load_instrumentor(_installed("urllib"), skip_dep_check=True)
    try:
        assert instrumentor.is_instrumented_by_opentelemetry
    finally:
        instrumentor.uninstrument()
