"""sloscope's own metrics: counted exactly, stored beside the processor's, served by
``GET /metrics`` in the Prometheus text format (read back by Prometheus's own parser)."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.responses import HTMLResponse
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from processor.store import Store
from sloscope._monitoring import Monitoring
from sloscope._prometheus import exposition
from sloscope.api import ApiContext, create_app
from sloscope.config import ApiSettings
from tests.support import otlp
from tests.support.processor import running_processor
from tests.support.servers import serving

TOKEN = "a-token-of-sixteen-or-more"
BOUNDS = [0.1, 0.5, 1.0]
NOW_S = float(int(time.time()) - 600)


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(f"<p>{name}</p>")


@contextlib.contextmanager
def _api(
    store: Store, monitoring: Monitoring, settings: ApiSettings | None = None
) -> Iterator[httpx.Client]:
    """The API app with one HTML page added, as the dashboard's pages will be."""
    context = ApiContext.open(store, settings or ApiSettings(), monitoring=monitoring)
    app = create_app(context)
    app.add_api_route("/pages/{name}", _page, response_class=HTMLResponse)
    app.add_api_route("/docs", lambda: _page("docs"), response_class=HTMLResponse)
    try:
        with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        context.close()


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _requests(route: str, method: str, status: int) -> tuple[str, frozenset[tuple[str, str]]]:
    labels = {
        "http_route": route,
        "http_request_method": method,
        "http_response_status_code": str(status),
    }
    return ("sloscope_api_requests_total", frozenset(labels.items()))


def test_metrics_count_requests_and_page_views_exactly(store: Store) -> None:
    with _api(store, Monitoring()) as client:
        for name in ("a", "b", "<c>"):
            assert client.get(f"/pages/{name}").status_code == 200
        assert client.post("/pages/a").status_code == 405
        assert client.get("/no/such/page").status_code == 404
        assert client.get("/docs").status_code == 200
        for _ in range(2):
            assert client.post("/api/query", json={"sql": "SELECT 1"}).status_code == 200
        assert client.post("/api/query", json={"sql": "SELECT * FROM system.users"}).status_code
        first = client.get("/metrics")
        second = client.get("/metrics")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = _samples(first.text)
    views = {key: value for key, value in samples.items() if key[0].startswith("monitoring_dash")}
    assert views == {
        ("monitoring_dashboard_views_total", frozenset({("page", "/pages/{name}")})): 3.0
    }
    assert samples[_requests("/pages/{name}", "GET", 200)] == 3.0
    assert samples[_requests("/pages/{name}", "POST", 405)] == 1.0
    assert samples[_requests("unmatched", "GET", 404)] == 1.0
    # The API's documentation is HTML too, but not a dashboard page.
    assert samples[_requests("/docs", "GET", 200)] == 1.0
    assert samples[_requests("/api/query", "POST", 200)] == 2.0
    assert samples[_requests("/api/query", "POST", 400)] == 1.0
    # A request is counted once answered: the first /metrics is in the second's answer.
    assert _requests("/metrics", "GET", 200) not in samples
    assert _samples(second.text)[_requests("/metrics", "GET", 200)] == 1.0
    # No ingest in this process: the processor's counters are there, at zero.
    assert samples[("monitoring_metrics_collected_total", frozenset())] == 0.0


def test_metrics_want_the_token_when_one_is_set(store: Store) -> None:
    with _api(store, Monitoring(), ApiSettings(token=SecretStr(TOKEN))) as client:
        refused = client.get("/metrics")
        wrong = client.get("/metrics", headers={"authorization": "Bearer not-the-token-at-all"})
        served = client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert (refused.status_code, wrong.status_code, served.status_code) == (401, 401, 200)
    assert "error" in refused.json()
    # Only what passed the request gate is counted: the refused two are not there.
    assert "sloscope_api_requests_total" not in served.text
    assert "sloscope_processor_points_accepted_total 0" in served.text


def test_collected_points_and_views_are_stored_beside_the_processor_metrics(
    store: Store,
) -> None:
    request = otlp.request("recv")
    histogram = otlp.metric(request, "latency", "s")
    for route in ("/a", "/b", "/c"):
        otlp.histogram_point(histogram, [1, 0, 2, 0], BOUNDS, NOW_S, attrs={"route": route})
    otlp.sum_point(otlp.metric(request, "orders"), 5, NOW_S)
    with running_processor(store) as running:
        monitoring = Monitoring(running.receiver.metrics)
        with _api(store, monitoring) as client:
            for name in ("x", "y"):
                client.get(f"/pages/{name}")
            otlp.export(running.endpoint, request)
            served = _samples(client.get("/metrics").text)
        running.call(running.receiver.write_self_metrics())
    rows = store.query(
        "SELECT MetricName, ScopeName, Attributes, sum(Value) "
        "FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'sloscope' "
        "AND MetricName IN ('monitoring.metrics.collected', 'monitoring.dashboard.views') "
        "GROUP BY MetricName, ScopeName, Attributes ORDER BY MetricName"
    )
    assert rows == [
        ("monitoring.dashboard.views", "sloscope.api", {"page": "/pages/{name}"}, 2.0),
        ("monitoring.metrics.collected", "sloscope.processor", {}, 4.0),
    ]
    assert served[("monitoring_metrics_collected_total", frozenset())] == 4.0
    assert served[("sloscope_processor_points_accepted_total", frozenset())] == 4.0


def test_the_exposition_escapes_labels_and_help_and_spells_histograms() -> None:
    request = otlp.request("svc")
    odd = otlp.metric(request, "odd.name-with/chars", "{thing}")
    odd.description = 'a \\ backslash\nand a "quote"'
    otlp.sum_point(odd, 2, NOW_S, attrs={"path": 'C:\\dir "x"\nnext', "9lives": "yes"})
    level = otlp.metric(request, "queue.level", "By")
    otlp.sum_point(level, 1.5, NOW_S, monotonic=False, attrs={"on": True, "n": 3, "x": 0.25})
    otlp.gauge_point(otlp.metric(request, "temperature", "Cel"), float("nan"), NOW_S)
    latency = otlp.metric(request, "request.duration", "s")
    otlp.histogram_point(latency, [1, 2, 3, 4], [0.1, 0.25, 1], NOW_S, sum=7.5)
    text = exposition(request)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["odd_name_with_chars"].type == "counter"
    assert families["odd_name_with_chars"].documentation == 'a \\ backslash\nand a "quote"'
    (sample,) = families["odd_name_with_chars"].samples
    assert sample.name == "odd_name_with_chars_total"
    assert sample.labels == {"path": 'C:\\dir "x"\nnext', "_9lives": "yes"}
    assert sample.value == 2
    assert families["queue_level_bytes"].type == "gauge"
    assert families["queue_level_bytes"].samples[0].value == 1.5
    assert families["queue_level_bytes"].samples[0].labels == {"on": "true", "n": "3", "x": "0.25"}
    assert math.isnan(families["temperature_Cel"].samples[0].value)
    buckets = {
        s.labels["le"]: s.value
        for s in families["request_duration_seconds"].samples
        if s.name.endswith("_bucket")
    }
    assert buckets == {"0.1": 1, "0.25": 3, "1": 6, "+Inf": 10}
    counts = {s.name: s.value for s in families["request_duration_seconds"].samples}
    assert counts["request_duration_seconds_count"] == 10
    assert counts["request_duration_seconds_sum"] == pytest.approx(7.5, abs=1e-12)


def test_the_sloscope_dashboard_shows_the_stored_self_metrics(store: Store) -> None:
    request = otlp.request("recv")
    histogram = otlp.metric(request, "latency", "s")
    for route in ("/a", "/b"):
        otlp.histogram_point(histogram, [1, 0, 2, 0], BOUNDS, NOW_S, attrs={"route": route})
    with (
        running_processor(store) as running,
        _api(store, Monitoring(running.receiver.metrics)) as client,
    ):
        for name in ("x", "y", "z"):
            client.get(f"/pages/{name}")
        otlp.export(running.endpoint, request)
        running.call(running.receiver.write_self_metrics())

        def widget(name: str) -> Any:
            answer = client.get(f"/api/dashboards/sloscope/widgets/{name}")
            assert answer.status_code == 200, answer.text
            return answer.json()

        collected, views, pages, requests, refused, queue = (
            widget(name) for name in ("collected", "views", "pages", "requests", "refused", "queue")
        )
    assert collected["value"] == 2.0
    assert views["value"] == 3.0
    assert pages["rows"] == [["/pages/{name}", 3.0]]
    # What the API was asked before the self-metrics were written: the three pages.
    assert requests["rows"] == [["/pages/{name}", "GET", "200", 3.0]]
    assert (refused["value"], refused["status"]) == (0.0, "ok")
    assert queue["value"] == 0.0
