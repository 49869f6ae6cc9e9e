"""Ingest into a ClickHouse server (the stand-in, and a real one when
SLOSCOPE_TEST_CLICKHOUSE_URL is set): the same pipeline as embedded, the batch as the
body of the stage INSERT, staging in the processor's own session, exactly once."""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from processor import StoreOptions, UnsupportedServer, open_store
from processor._pipeline import BatchRequest, Limits, Pipeline
from processor._points import count_points
from processor._server_version import MINIMUM_VERSION, REQUIREMENTS, check_server_version
from processor.store import Store
from tests.support import otlp
from tests.support.clickhouse import running_standin
from tests.support.processor import running_processor

BOUNDS = [0.1, 0.5, 1.0]
NOW_S = float(int(time.time()) - 600)


def _histograms(service: str, times_s: list[float], route: str = "/a") -> bytes:
    request = otlp.request(service)
    latency = otlp.metric(request, "latency", "s")
    for time_s in times_s:
        otlp.histogram_point(latency, [1, 0, 2, 0], BOUNDS, time_s, attrs={"route": route})
    return request.SerializeToString()


def _every_type(service: str, step: int) -> bytes:
    """One request with a point of every metric type, cumulative sums and histograms."""
    request = otlp.request(service)
    at = NOW_S + 10 * step
    otlp.histogram_point(
        otlp.metric(request, "latency", "s"),
        [step, 1, 0, 0],
        BOUNDS,
        at,
        start_s=NOW_S - 10,
        temporality=otlp.CUMULATIVE,
    )
    otlp.sum_point(
        otlp.metric(request, "requests"),
        3 * step,
        at,
        start_s=NOW_S - 10,
        temporality=otlp.CUMULATIVE,
    )
    otlp.gauge_point(otlp.metric(request, "queue"), float(step), at)
    exponential = otlp.metric(request, "size", "By")
    exponential.exponential_histogram.aggregation_temporality = otlp.DELTA
    point = exponential.exponential_histogram.data_points.add(
        time_unix_nano=int(at * otlp.SECOND_NS),
        start_time_unix_nano=int((at - 10) * otlp.SECOND_NS),
        count=2,
        scale=1,
    )
    point.positive.offset = 3
    point.positive.bucket_counts.extend([1, 1])
    summary = otlp.metric(request, "sizes").summary.data_points.add(
        time_unix_nano=int(at * otlp.SECOND_NS), count=4, sum=10.0
    )
    summary.quantile_values.add(quantile=0.5, value=2.5)
    return request.SerializeToString()


def _totals(store: Store, service: str) -> dict[str, tuple[int, float]]:
    tables = ("histogram", "sum", "gauge", "exponential_histogram", "summary")
    totals = {}
    for table in tables:
        value = "Value" if table in ("sum", "gauge") else "Count"
        ((rows, total),) = store.query(
            "SELECT count(), sum({v:Identifier}) FROM {db:Identifier}.{t:Identifier} "
            "WHERE ServiceName = {service:String}",
            {"v": value, "t": f"otel_metrics_{table}", "service": service},
        )
        totals[table] = (int(rows), float(total))
    return totals


def test_every_metric_type_is_stored_exactly_through_a_server(server_store: Store) -> None:
    with running_processor(server_store) as running:
        for step in range(1, 6):
            otlp.export(running.endpoint, _every_type("types", step))
    assert _totals(server_store, "types") == {
        # Cumulative counts 2..6 and sums 3..15 become deltas from a known start.
        "histogram": (5, 6.0),
        "sum": (5, 15.0),
        "gauge": (5, 15.0),
        "exponential_histogram": (5, 10.0),
        "summary": (5, 20.0),
    }
    state = server_store.query(
        "SELECT MetricType, TimeUnixNano FROM {db:Identifier}.sloscope_series_state FINAL "
        "WHERE ServiceName = 'types' ORDER BY MetricType"
    )
    newest = int((NOW_S + 50) * otlp.SECOND_NS)
    kinds = ("exponential_histogram", "gauge", "histogram", "sum", "summary")
    assert state == [(kind, newest) for kind in kinds]


def test_a_retried_request_is_stored_once_on_a_server(server_store: Store) -> None:
    payload = _histograms("retry", [NOW_S])
    with running_processor(server_store) as running:
        otlp.export(running.endpoint, payload)
        otlp.export(running.endpoint, payload)
        otlp.export(running.endpoint, _histograms("retry", [NOW_S + 10]))
        otlp.export(running.endpoint, payload)  # an old retry arriving late
    assert _totals(server_store, "retry")["histogram"] == (2, 6.0)


def test_a_retried_flush_reuses_its_token_and_stores_nothing_twice(
    server_store: Store,
) -> None:
    """Retried after its rows were written, a flush finds them in the series state; with
    the state gone (as when a retry reads a replica that has not caught up), the server
    still drops the retried rounds by their deduplication token."""
    payloads = [_histograms("flush", [NOW_S + i], route=f"/{i}") for i in range(3)]
    requests = [
        BatchRequest(
            seq, payload, count_points(ExportMetricsServiceRequest.FromString(payload)).points
        )
        for seq, payload in enumerate(payloads, 1)
    ]
    pipeline = Pipeline(server_store, Limits(), None)
    pipeline.prepare()
    now_ns = time.time_ns()
    try:
        for _ in range(2):
            result = pipeline.flush("retried-token", requests, now_ns)
            assert (result.points, result.rejected) == (3, {})
        assert _totals(server_store, "flush")["histogram"] == (3, 9.0)
        forget_state = "TRUNCATE TABLE {db:Identifier}.sloscope_series_state"
        server_store.command(forget_state)
        pipeline.flush("retried-token", requests, now_ns)
        assert _totals(server_store, "flush")["histogram"] == (3, 9.0)
        server_store.command(forget_state)
        pipeline.flush("another-token", requests, now_ns)  # the same rows, a new batch
    finally:
        pipeline.close()
    assert _totals(server_store, "flush")["histogram"] == (6, 18.0)


def test_processors_stage_side_by_side_without_seeing_each_other(server_store: Store) -> None:
    def send(endpoint: str, service: str) -> None:
        for i in range(4):
            otlp.export(endpoint, _histograms(service, [NOW_S + i]))

    with (
        running_processor(server_store) as first,
        running_processor(server_store) as second,
        concurrent.futures.ThreadPoolExecutor(2) as senders,
    ):
        sent = [
            senders.submit(send, first.endpoint, "first"),
            senders.submit(send, second.endpoint, "second"),
        ]
        for future in sent:
            future.result()
    assert _totals(server_store, "first")["histogram"] == (4, 12.0)
    assert _totals(server_store, "second")["histogram"] == (4, 12.0)


def test_a_server_restart_loses_the_session_and_nothing_else(tmp_path: Path) -> None:
    """The stand-in restarted on its data directory and port between two batches: the
    processor's session and staging tables are gone, and the next flush makes them anew."""
    work = tmp_path / "standin"
    work.mkdir()
    with contextlib.ExitStack() as server_life:
        server = server_life.enter_context(running_standin(work))
        port = int(server.url.rsplit(":", 1)[1])
        store = open_store(StoreOptions(dsn=server.dsn("restarted")))
        try:
            with running_processor(store) as running:
                otlp.export(running.endpoint, _histograms("restart", [NOW_S]))
                server_life.close()
                server_life.enter_context(running_standin(work, port=port))
                otlp.export(running.endpoint, _histograms("restart", [NOW_S + 10]))
                otlp.export(running.endpoint, _histograms("restart", [NOW_S]))  # a retry
            assert _totals(store, "restart")["histogram"] == (2, 6.0)
        finally:
            store.close()


def test_a_server_older_than_the_minimum_is_refused_with_the_minimum() -> None:
    with pytest.raises(UnsupportedServer) as refused:
        check_server_version("25.8.3.1")
    message = str(refused.value)
    assert message.startswith("ClickHouse server 25.8.3.1 is too old: sloscope needs 26.7 or newer")
    assert "format_schema_source" not in message  # 25.8 has it
    assert "input_format_protobuf_oneof_presence (25.9" in message
    check_server_version("26.7.1.1")
    check_server_version("27.1")
    with pytest.raises(UnsupportedServer, match="cannot read"):
        check_server_version("unknown")


def test_each_requirement_is_the_release_clickhouse_records(store: Store) -> None:
    """The versions come from ClickHouse's own record of its settings."""
    recorded = dict(
        store.query(
            "SELECT change.1, min(version) FROM system.settings_changes "
            "ARRAY JOIN changes AS change WHERE change.1 IN {names:Array(String)} "
            "GROUP BY change.1",
            {"names": [requirement.setting for requirement in REQUIREMENTS]},
        )
    )
    assert recorded == {
        requirement.setting: f"{requirement.version[0]}.{requirement.version[1]}"
        for requirement in REQUIREMENTS
    }
    assert MINIMUM_VERSION == (26, 7)
