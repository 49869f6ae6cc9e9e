"""Settings resolution and provider wiring, with real SDK readers and no global state.

``configure()`` itself registers global providers, which a process may do once, so it
is exercised in a subprocess (``test_configure_*``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import Histogram
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation

from instrumentation import (
    DEFAULT_LATENCY_BUCKETS_S,
    InvalidConfiguration,
    build_telemetry,
    instrument_app,
    resolve_settings,
)
from instrumentation._setup import DEFAULT_EXPORT_INTERVAL_MS, DELTA_TEMPORALITY
from processor.store import Store
from tests.instrumentation._points import by_attributes, collect, named
from tests.instrumentation.test_asgi import drive, make_app

ROOT = Path(__file__).resolve().parents[2]


def test_service_name_is_required() -> None:
    with pytest.raises(InvalidConfiguration, match="service name is required"):
        resolve_settings({})
    with pytest.raises(InvalidConfiguration, match="service name is required"):
        resolve_settings({"OTEL_SERVICE_NAME": "unknown_service:python"})


@pytest.mark.parametrize(
    ("argument", "environ", "expected"),
    [
        ("checkout", {"OTEL_SERVICE_NAME": "other"}, "checkout"),
        (None, {"OTEL_SERVICE_NAME": "from-env"}, "from-env"),
        (None, {"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs"}, "from-attrs"),
        (
            None,
            {"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs", "OTEL_SERVICE_NAME": "name"},
            "name",
        ),
    ],
    ids=["argument-wins", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "name-over-attributes"],
)
def test_service_name_precedence(
    argument: str | None, environ: dict[str, str], expected: str
) -> None:
    assert resolve_settings(environ, service_name=argument).service_name == expected


def test_resource_attributes() -> None:
    settings = resolve_settings(
        {"OTEL_RESOURCE_ATTRIBUTES": "team=payments,host.name=node-7,note=a%20b"},
        service_name="checkout",
        service_version="1.4.2",
        environment="prod",
    )
    attributes = dict(settings.resource.attributes)
    assert attributes["service.name"] == "checkout"
    assert attributes["service.version"] == "1.4.2"
    assert attributes["deployment.environment"] == "prod"
    assert attributes["deployment.environment.name"] == "prod"
    assert attributes["host.name"] == "node-7"  # the environment overrides the default
    assert attributes["process.pid"] == os.getpid()
    assert attributes["team"] == "payments"
    assert attributes["note"] == "a b"
    assert len(str(attributes["service.instance.id"])) == 36
    assert attributes["telemetry.sdk.language"] == "python"


def test_defaults() -> None:
    settings = resolve_settings({}, service_name="checkout")
    assert settings.latency_buckets == DEFAULT_LATENCY_BUCKETS_S
    assert settings.delta_temporality
    assert settings.export_interval_ms == DEFAULT_EXPORT_INTERVAL_MS == 10_000
    assert not settings.exponential_histograms
    assert not settings.tracing
    assert settings.resource_metrics
    assert settings.exemplars_off


def test_standard_variables_take_over_from_the_defaults() -> None:
    settings = resolve_settings(
        {
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "cumulative",
            "OTEL_METRIC_EXPORT_INTERVAL": "500",
            "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": (
                "base2_exponential_bucket_histogram"
            ),
            "OTEL_METRICS_EXEMPLAR_FILTER": "always_on",
            "SLOSCOPE_TRACING": "true",
            "SLOSCOPE_RESOURCE_METRICS": "off",
            "SLOSCOPE_LATENCY_BUCKETS": "100ms,300ms",
        },
        service_name="checkout",
    )
    assert not settings.delta_temporality
    assert settings.export_interval_ms is None  # the SDK reads the variable itself
    assert settings.exponential_histograms
    assert settings.tracing
    assert not settings.resource_metrics
    assert not settings.exemplars_off
    assert settings.latency_buckets == pytest.approx((0.1, 0.3), rel=1e-12)


def test_arguments_take_over_from_the_environment() -> None:
    settings = resolve_settings(
        {"SLOSCOPE_TRACING": "true", "SLOSCOPE_RESOURCE_METRICS": "false"},
        service_name="checkout",
        tracing=False,
        resource_metrics=True,
        latency_buckets=[0.4],
    )
    assert not settings.tracing
    assert settings.resource_metrics
    assert settings.latency_buckets == (0.4,)


@pytest.mark.parametrize(
    ("environ", "tracing"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "console,otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp", "SLOSCOPE_TRACING": "false"}, False),
    ],
    ids=["default", "none", "otlp", "list", "sloscope-variable-wins"],
)
def test_tracing_from_the_environment(environ: dict[str, str], tracing: bool) -> None:
    assert resolve_settings(environ, service_name="checkout").tracing is tracing


def test_a_bad_boolean_is_named() -> None:
    with pytest.raises(InvalidConfiguration, match="SLOSCOPE_TRACING: expected true or false"):
        resolve_settings({"SLOSCOPE_TRACING": "sometimes"}, service_name="checkout")


def test_views_set_the_buckets_and_keep_only_allowed_attributes() -> None:
    reader = InMemoryMetricReader()
    settings = resolve_settings({}, service_name="checkout", latency_buckets=[0.1, 0.3])
    telemetry = build_telemetry(settings, metric_readers=[reader])
    try:
        meter = telemetry.meter_provider.get_meter("another-library")
        foreign = meter.create_histogram("http.server.request.duration", unit="s")
        foreign.record(0.2, {"http.route": "/x", "http.target": "/x?id=1", "user.id": "42"})
        (point,) = named(collect(reader), "http.server.request.duration")
    finally:
        telemetry.shutdown()
    assert point.bounds == (0.1, 0.3)
    assert point.attributes == {"http.route": "/x"}
    assert point.resource["service.name"] == "checkout"


def test_exponential_histograms_on_request() -> None:
    """With the standard variable set, the Views leave the aggregation to the reader
    (the OTLP exporter then prefers exponential histograms)."""
    environ = {
        "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": (
            "base2_exponential_bucket_histogram"
        )
    }
    settings = resolve_settings(environ, service_name="checkout", resource_metrics=False)
    reader = InMemoryMetricReader(
        preferred_aggregation={Histogram: ExponentialBucketHistogramAggregation()}
    )
    telemetry = build_telemetry(settings, metric_readers=[reader])
    try:
        app = instrument_app(make_app(), meter_provider=telemetry.meter_provider)
        drive(app, ("GET", "/users/a"), ("GET", "/users/b"))
        points = collect(reader)
    finally:
        telemetry.shutdown()
    (duration,) = named(points, "http.server.request.duration")
    assert duration.kind == "exponential_histogram"
    assert duration.count == 2
    assert {p.kind for p in named(points, "http.server.response.body.size")} == {
        "exponential_histogram"
    }


def test_shutdown_is_idempotent_and_flush_reports_success() -> None:
    reader = InMemoryMetricReader()
    settings = resolve_settings({}, service_name="checkout")
    telemetry = build_telemetry(settings, metric_readers=[reader])
    assert telemetry.resources is not None
    assert telemetry.force_flush(timeout_s=5)
    telemetry.shutdown()
    telemetry.shutdown()
    assert not telemetry.resources.is_open()


def test_tracing_builds_a_tracer_provider_with_the_same_resource() -> None:
    settings = resolve_settings({}, service_name="checkout", tracing=True, resource_metrics=False)
    telemetry = build_telemetry(settings, metric_readers=[InMemoryMetricReader()])
    try:
        assert telemetry.tracer_provider is not None
        assert telemetry.tracer_provider.resource is settings.resource
        assert not settings.exemplars_off  # exemplars link latency buckets to traces
        assert telemetry.force_flush(timeout_s=5)
    finally:
        telemetry.shutdown()


def test_resource_metrics_can_be_left_out() -> None:
    reader = InMemoryMetricReader()
    settings = resolve_settings({}, service_name="checkout", resource_metrics=False)
    telemetry = build_telemetry(settings, metric_readers=[reader])
    try:
        assert telemetry.resources is None
        assert collect(reader) == []
    finally:
        telemetry.shutdown()


def test_delta_preference_matches_the_otlp_delta_setting() -> None:
    kinds = {kind.__name__: value for kind, value in DELTA_TEMPORALITY.items()}
    assert kinds == {
        "Counter": AggregationTemporality.DELTA,
        "UpDownCounter": AggregationTemporality.CUMULATIVE,
        "Histogram": AggregationTemporality.DELTA,
        "ObservableCounter": AggregationTemporality.DELTA,
        "ObservableUpDownCounter": AggregationTemporality.CUMULATIVE,
        "ObservableGauge": AggregationTemporality.CUMULATIVE,
    }


def test_telemetry_exports_deltas_with_the_resource_to_the_processor(
    store: Store, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{endpoint}")
    settings = resolve_settings(
        os.environ, service_name="checkout", service_version="2.0.1", environment="staging"
    )
    telemetry = build_telemetry(settings)
    try:
        app = instrument_app(make_app(), meter_provider=telemetry.meter_provider)
        drive(app, *[("GET", "/users/a")] * 3)
        assert telemetry.force_flush(timeout_s=30)
        drive(app, *[("GET", "/users/b")] * 2)
        assert telemetry.force_flush(timeout_s=30)
    finally:
        telemetry.shutdown()
    rows = store.query(
        """
        SELECT Count, AggregationTemporality, ResourceAttributes['service.version'],
               ResourceAttributes['deployment.environment'], ResourceAttributes['host.name'] != '',
               toUInt64(ResourceAttributes['process.pid']), ExplicitBounds
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE ServiceName = 'checkout' AND MetricName = 'http.server.request.duration'
        ORDER BY TimeUnixNano
        """
    )
    assert [row[0] for row in rows] == [3, 2]  # deltas: each export carries only its own
    assert {row[1:6] for row in rows} == {(1, "2.0.1", "staging", True, os.getpid())}
    assert rows[0][6] == list(DEFAULT_LATENCY_BUCKETS_S)


CONFIGURE_TWICE = textwrap.dedent(
    """
    import json, instrumentation
    from opentelemetry import metrics, trace
    first = instrumentation.configure("checkout", resource_metrics=False)
    second = instrumentation.configure("ignored", tracing=True)
    print(json.dumps({
        "same": first is second,
        "global": metrics.get_meter_provider() is first.meter_provider,
        "tracing": type(trace.get_tracer_provider()).__name__,
        "service": second.settings.service_name,
    }))
    first.shutdown()
    """
)


def test_configure_twice_registers_once() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CONFIGURE_TWICE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**_clean_env(), "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "same": True,
        "global": True,
        "tracing": "ProxyTracerProvider",
        "service": "checkout",
    }


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SLOSCOPE_"))}


def test_resource_metric_families_are_registered() -> None:
    reader = InMemoryMetricReader()
    telemetry = build_telemetry(resolve_settings({}, service_name="c"), metric_readers=[reader])
    try:
        points = collect(reader)
    finally:
        telemetry.shutdown()
    families = {p.name.split(".")[0] for p in points}
    assert families == {"system", "process", "cpython"}
    assert by_attributes(points, "system.memory.usage", "system.memory.state")
