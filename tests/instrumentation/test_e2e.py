"""End to end: a uvicorn-served app, real HTTP traffic with a known mix of routes,
statuses and delays, exported over OTLP to a running processor (directly, through rotel,
or from ``opentelemetry-instrument`` with no code change), checked in the store."""

from __future__ import annotations

import bisect
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from instrumentation import (
    DEFAULT_LATENCY_BUCKETS_S,
    build_telemetry,
    instrument_app,
    resolve_settings,
)
from processor.store import Store
from tests.instrumentation.apps.checkout import SLOW_S, create_app
from tests.instrumentation.test_resources import PROCESS, SYSTEM
from tests.support.servers import running_rotel, serving, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# (method, path, body) x times
TRAFFIC: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("GET", "/users/{n}", None, 6),
    ("GET", "/slow", None, 3),
    ("POST", "/orders", {"amount": 20.0}, 3),
    ("POST", "/orders", {"amount": 12.5, "express": True}, 1),
    ("GET", "/fail", None, 2),
    ("GET", "/unavailable", None, 1),
    ("GET", "/missing/{n}", None, 2),
]
# (route, method, status, error.type) -> requests
EXPECTED = {
    ("/users/{user_id}", "GET", "200", ""): 6,
    ("/slow", "GET", "200", ""): 3,
    ("/orders", "POST", "201", ""): 4,
    ("/fail", "GET", "500", "ValueError"): 2,
    ("/unavailable", "GET", "503", "503"): 1,
    ("", "GET", "404", ""): 2,
}


def send_traffic(base_url: str) -> None:
    # Connection: close, since uvicorn drops a keep-alive connection after an app error.
    with httpx.Client(base_url=base_url, timeout=60, headers={"Connection": "close"}) as client:
        for method, path, body, times in TRAFFIC:
            for n in range(times):
                response = client.request(method, path.format(n=n), json=body)
                assert response.status_code < 600


def stored_counts(store: Store, service: str) -> dict[tuple[str, str, str, str], int]:
    rows = store.query(
        """
        SELECT Attributes['http.route'], Attributes['http.request.method'],
               Attributes['http.response.status_code'], Attributes['error.type'], sum(Count)
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE ServiceName = {service:String} AND MetricName = 'http.server.request.duration'
        GROUP BY 1, 2, 3, 4
        """,
        {"service": service},
    )
    return {tuple(row[:4]): int(row[4]) for row in rows}


def assert_latency_buckets(store: Store, service: str) -> None:
    rows = store.query(
        """
        SELECT Attributes['http.route'], sumForEach(BucketCounts), any(ExplicitBounds),
               min(Min), sum(Count)
        FROM {db:Identifier}.otel_metrics_histogram
        WHERE ServiceName = {service:String} AND MetricName = 'http.server.request.duration'
        GROUP BY 1
        """,
        {"service": service},
    )
    by_route = {row[0]: row[1:] for row in rows}
    for buckets, bounds, _, count in by_route.values():
        assert bounds == list(DEFAULT_LATENCY_BUCKETS_S)
        assert sum(buckets) == count
    buckets, bounds, fastest_s, count = by_route["/slow"]
    # Every /slow request sleeps 0.35 s: it lands in (0.3, 0.5] (0.3 and 0.5 are bounds).
    slow_bucket = bisect.bisect_left(bounds, SLOW_S)
    assert bounds[slow_bucket - 1 : slow_bucket + 1] == [0.3, 0.5]
    assert fastest_s >= SLOW_S
    assert buckets[slow_bucket] == count == 3


@pytest.fixture
def telemetry_to(monkeypatch: pytest.MonkeyPatch) -> Any:
    def build(target: str, service: str) -> Any:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{target}")
        settings = resolve_settings(os.environ, service_name=service, resource_metrics=False)
        return build_telemetry(settings)

    return build


def test_counts_and_buckets_arrive_exactly(store: Store, endpoint: str, telemetry_to: Any) -> None:
    telemetry = telemetry_to(endpoint, "checkout")
    try:
        app = instrument_app(
            create_app(telemetry.meter_provider), meter_provider=telemetry.meter_provider
        )
        with serving(app) as base_url:
            send_traffic(base_url)
        assert telemetry.force_flush(timeout_s=30)
    finally:
        telemetry.shutdown()
    assert stored_counts(store, "checkout") == EXPECTED
    assert_latency_buckets(store, "checkout")


def test_the_same_through_rotel(
    store: Store, endpoint: str, telemetry_to: Any, tmp_path: Path
) -> None:
    with running_rotel(endpoint, tmp_path) as rotel_endpoint:
        telemetry = telemetry_to(rotel_endpoint, "checkout-rotel")
        try:
            app = instrument_app(
                create_app(telemetry.meter_provider), meter_provider=telemetry.meter_provider
            )
            with serving(app) as base_url:
                send_traffic(base_url)
            assert telemetry.force_flush(timeout_s=30)
        finally:
            telemetry.shutdown()
        wait_for(
            lambda: sum(stored_counts(store, "checkout-rotel").values()) >= sum(EXPECTED.values()),
            what="rotel to forward the requests",
        )
    assert stored_counts(store, "checkout-rotel") == EXPECTED
    assert_latency_buckets(store, "checkout-rotel")


def test_business_metrics_arrive_beside_the_request_metrics(
    store: Store, endpoint: str, telemetry_to: Any
) -> None:
    telemetry = telemetry_to(endpoint, "checkout-business")
    try:
        app = instrument_app(
            create_app(telemetry.meter_provider), meter_provider=telemetry.meter_provider
        )
        with serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
            for _ in range(3):
                client.post("/login")
            client.post("/logout")
            for _ in range(4):
                client.post("/conversations")
            client.post("/conversations/c1/complete")
            client.post("/conversations/c2/complete", params={"outcome": "escalated"})
            client.post("/orders", json={"amount": 19.99})
            client.post("/orders", json={"amount": 5.01, "express": True})
            client.post("/orders", json={"amount": 7.5, "currency": "EUR", "express": True})
        assert telemetry.force_flush(timeout_s=30)
    finally:
        telemetry.shutdown()
    sums = store.query(
        """
        SELECT MetricName, MetricUnit, toString(Attributes),
               -- counters arrive as deltas; an up-down counter's value is a level
               round(if(any(IsMonotonic), sum(Value), argMax(Value, TimeUnixNano)), 6),
               any(IsMonotonic)
        FROM {db:Identifier}.otel_metrics_sum
        WHERE ServiceName = 'checkout-business' AND MetricName LIKE 'checkout.%'
        GROUP BY MetricName, MetricUnit, Attributes
        ORDER BY MetricName, toString(Attributes)
        """
    )
    chats = ("checkout.conversations.completed", "{conversation}")
    assert sums == [
        (*chats, "{'channel':'chat','outcome':'escalated'}", 1.0, True),
        (*chats, "{'channel':'chat','outcome':'resolved'}", 1.0, True),
        ("checkout.conversations.started", "{conversation}", "{'channel':'chat'}", 4.0, True),
        ("checkout.feature.usage", "{use}", "{'feature':'express_checkout'}", 2.0, True),
        ("checkout.revenue", "{USD}", "{'currency':'EUR'}", 7.5, True),
        ("checkout.revenue", "{USD}", "{'currency':'USD'}", 25.0, True),
        ("checkout.users.active", "{user}", "{}", 2.0, False),
    ]  # fmt: skip
    gauges = store.query(
        """
        SELECT Attributes['sku'], argMax(Value, TimeUnixNano)
        FROM {db:Identifier}.otel_metrics_gauge
        WHERE ServiceName = 'checkout-business' AND MetricName = 'checkout.inventory.items'
        GROUP BY 1 ORDER BY 1
        """
    )
    assert gauges == [("sku-1", 9.0), ("sku-2", 3.0)]
    requests = stored_counts(store, "checkout-business")
    assert requests[("/orders", "POST", "201", "")] == 3


def test_opentelemetry_instrument_with_no_code_change(
    store: Store, endpoint: str, database: str, tmp_path: Path
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SLOSCOPE_"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{endpoint}",
        "SLOSCOPE_POSTGRES_DSN": database,
    }
    argv = [
        str(BIN / "opentelemetry-instrument"), "--service_name", "checkout-auto",
        "uvicorn", "tests.instrumentation.apps.checkout:app",
        "--fd", str(listener.fileno()), "--log-level", "warning",
    ]  # fmt: skip
    output = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        send_traffic(f"http://127.0.0.1:{port}")
    finally:
        process.send_signal(signal.SIGTERM)  # uvicorn stops; the SDK flushes at exit
        process.wait(timeout=60)
        listener.close()
        output.close()
    log = (tmp_path / "service.log").read_text(errors="replace")
    # uvicorn re-raises SIGTERM after its graceful shutdown; the flush ran before that.
    assert process.returncode == -signal.SIGTERM, log
    assert stored_counts(store, "checkout-auto") == EXPECTED, log
    assert_latency_buckets(store, "checkout-auto")
    resource = store.query(
        """
        SELECT DISTINCT MetricName FROM {db:Identifier}.otel_metrics_sum
        WHERE ServiceName = 'checkout-auto'
          AND (MetricName LIKE 'system.%' OR MetricName LIKE 'process.%')
        """
    )
    expected = {name for name, spec in {**SYSTEM, **PROCESS}.items() if spec[1] == "sum"}
    assert {name for (name,) in resource} == {n for n in expected if not n.startswith("cpython")}
    postgres = store.query(
        """
        SELECT count() FROM {db:Identifier}.otel_metrics_sum
        WHERE ServiceName = 'checkout-auto' AND MetricName = 'postgresql.commits'
        """
    )
    assert postgres[0][0] >= 1
