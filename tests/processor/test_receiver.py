"""The receiver's answers: auth, backpressure, compression, TLS, size limit, retries,
shutdown, cardinality and its own metrics."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path

import grpc
import pytest
import trustme
from google.rpc import error_details_pb2, status_pb2

from processor import BatchOptions, Limits, TlsFiles
from processor._pipeline import RECENT_POINTS
from processor.store import Store
from tests.support import otlp
from tests.support.processor import running_processor

BOUNDS = [0.1, 0.5, 1.0]
NOW_S = float(int(time.time()) - 600)


def _one_point_request(route: str = "/a", time_s: float = NOW_S) -> bytes:
    request = otlp.request("recv")
    otlp.histogram_point(
        otlp.metric(request, "latency", "s"), [1, 0, 2, 0], BOUNDS, time_s, attrs={"route": route}
    )
    return request.SerializeToString()


def _count(store: Store) -> int:
    rows = store.query(
        "SELECT sum(Count) FROM {db:Identifier}.otel_metrics_histogram WHERE ServiceName = 'recv'"
    )
    return int(rows[0][0])


def test_a_token_is_required_when_set(store: Store) -> None:
    with running_processor(store, token="s3cret") as running:
        for metadata in ([], [("authorization", "Bearer wrong")]):
            with pytest.raises(grpc.RpcError) as caught:
                otlp.export(running.endpoint, _one_point_request(), metadata=metadata)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert _count(store) == 0
        otlp.export(
            running.endpoint, _one_point_request(), metadata=[("authorization", "Bearer s3cret")]
        )
    assert _count(store) == 3


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_matched_without_regard_to_case(store: Store, scheme: str) -> None:
    """RFC 6750 makes the scheme case-insensitive; the token itself is not."""
    with running_processor(store, token="s3cret") as running:
        otlp.export(
            running.endpoint, _one_point_request(), metadata=[("authorization", f"{scheme} s3cret")]
        )
        with pytest.raises(grpc.RpcError) as caught:
            otlp.export(
                running.endpoint,
                _one_point_request("/b"),
                metadata=[("authorization", f"{scheme} S3CRET")],
            )
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _count(store) == 3


def test_a_full_queue_answers_unavailable_with_retry_info_in_both_trailers(store: Store) -> None:
    batch = BatchOptions(queue_points=1, flush_interval_s=1.0)
    with (
        running_processor(store, batch=batch, retry_after_s=1.5) as running,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        first = pool.submit(otlp.export, running.endpoint, _one_point_request("/first"))
        time.sleep(0.3)  # the first request waits in the queue for its flush
        with pytest.raises(grpc.RpcError) as caught:
            otlp.export(running.endpoint, _one_point_request("/second"))
        first.result()
    error = caught.value
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    trailers = dict(error.trailing_metadata())
    retry = error_details_pb2.RetryInfo.FromString(trailers["google.rpc.retryinfo-bin"])
    assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (1, 500_000_000)
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    packed = error_details_pb2.RetryInfo()
    assert status.details[0].Unpack(packed)
    assert packed == retry
    assert _count(store) == 3  # only the first


def test_gzip_requests_are_accepted(store: Store) -> None:
    with running_processor(store) as running:
        otlp.export(running.endpoint, _one_point_request(), compression=grpc.Compression.Gzip)
    assert _count(store) == 3


def test_tls(store: Store, tmp_path: Path) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    with running_processor(store, tls=TlsFiles(cert=cert, key=key)) as running:
        credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert_pem.bytes())
        otlp.export(
            running.endpoint,
            _one_point_request(),
            credentials=credentials,
            options=[("grpc.ssl_target_name_override", "localhost")],
        )
    assert _count(store) == 3


def test_requests_over_the_size_limit_are_refused(store: Store) -> None:
    request = otlp.request("recv", {"padding": "x" * 2_000_000})
    with (
        running_processor(store, max_receive_bytes=1 << 20) as running,
        pytest.raises(grpc.RpcError) as caught,
    ):
        otlp.export(running.endpoint, request)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_retried_request_is_stored_once(store: Store) -> None:
    payload = _one_point_request()
    with running_processor(store) as running:
        otlp.export(running.endpoint, payload)
        otlp.export(running.endpoint, payload)
        later = _one_point_request(time_s=NOW_S + 10)
        otlp.export(running.endpoint, later)
        otlp.export(running.endpoint, payload)  # an old retry arriving late
    assert _count(store) == 6


def test_a_late_delta_point_is_stored_and_its_retry_is_not(store: Store) -> None:
    """Exports in parallel, or one retried while the next got through, reach the processor
    out of order: a point older than the series' newest is still new (three of each)."""
    first, second, third = (_one_point_request(time_s=NOW_S + s) for s in (0, 10, 20))
    with running_processor(store) as running:
        otlp.export(running.endpoint, third)
        otlp.export(running.endpoint, first)
        otlp.export(running.endpoint, second)
        otlp.export(running.endpoint, first)  # a retry of the late one
        otlp.export(running.endpoint, third)
    assert _count(store) == 9


def _points_request(times_s: list[float]) -> bytes:
    request = otlp.request("recv")
    histogram = otlp.metric(request, "latency", "s")
    for time_s in times_s:
        otlp.histogram_point(histogram, [1, 0, 0, 0], BOUNDS, time_s, attrs={"route": "/a"})
    return request.SerializeToString()


def test_a_point_older_than_every_recent_time_is_taken_for_a_retry(store: Store) -> None:
    """The state keeps the newest RECENT_POINTS times of a series: a point older than all
    of them cannot be told from a retry of a forgotten one and is dropped; one among them
    is stored once."""
    recent = [NOW_S + 10 * i for i in range(1, RECENT_POINTS + 2)]
    with running_processor(store) as running:
        otlp.export(running.endpoint, _points_request(recent[:2]))
        otlp.export(running.endpoint, _points_request([NOW_S]))  # late, the list not full
        otlp.export(running.endpoint, _points_request(recent[2:]))
        otlp.export(running.endpoint, _points_request([NOW_S + 5, NOW_S + 15]))
        otlp.export(running.endpoint, _points_request(recent))  # every one a retry
    assert _count(store) == len(recent) + 1
    stored = store.query(
        "SELECT length(RecentTimes), RecentTimes[1] FROM {db:Identifier}.sloscope_series_state"
        " FINAL WHERE ServiceName = 'recv'"
    )
    assert stored == [(RECENT_POINTS, int((NOW_S + 20) * otlp.SECOND_NS))]


def test_shutdown_writes_what_was_accepted(store: Store) -> None:
    batch = BatchOptions(flush_interval_s=30.0)
    with (
        running_processor(store, batch=batch) as running,
        concurrent.futures.ThreadPoolExecutor(4) as pool,
    ):
        sent = [
            pool.submit(otlp.export, running.endpoint, _one_point_request(f"/r{i}"))
            for i in range(4)
        ]
        time.sleep(0.5)
        running.call(running.receiver.shutdown(timeout_s=30))
        for future in sent:
            assert not future.result().HasField("partial_success")
    assert _count(store) == 12


def test_series_beyond_the_limit_go_to_the_overflow_series(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    request = otlp.request("recv")
    histogram = otlp.metric(request, "latency", "s")
    for index in range(5):
        otlp.histogram_point(histogram, [1, 0, 0, 0], BOUNDS, NOW_S, attrs={"route": f"/r{index}"})
    later = otlp.request("recv")
    again = otlp.metric(later, "latency", "s")
    otlp.histogram_point(again, [0, 1, 0, 0], BOUNDS, NOW_S + 10, attrs={"route": "/r4"})
    otlp.histogram_point(again, [0, 0, 1, 0], BOUNDS, NOW_S + 10, attrs={"route": "/r0"})
    with running_processor(store, limits=Limits(series_limit=3)) as running:
        otlp.export(running.endpoint, request)
        otlp.export(running.endpoint, later)
    rows = store.query(
        "SELECT Attributes, sum(Count) FROM {db:Identifier}.otel_metrics_histogram "
        "WHERE ServiceName = 'recv' GROUP BY Attributes"
    )
    sent = {"/r0": 2, "/r1": 1, "/r2": 1, "/r3": 1, "/r4": 2}
    admitted = {row[0]["route"]: row[1] for row in rows if "route" in row[0]}
    overflow = [row[1] for row in rows if row[0] == {"otel.metric.overflow": "true"}]
    assert len(admitted) == 3
    assert all(admitted[route] == sent[route] for route in admitted)
    assert overflow == [sum(count for route, count in sent.items() if route not in admitted)]
    warnings = [record for record in caplog.records if record.message == "series limit reached"]
    assert len(warnings) == 1


def test_the_processor_stores_its_own_metrics(store: Store) -> None:
    with running_processor(store) as running:
        otlp.export(running.endpoint, _one_point_request())
        running.call(running.receiver.write_self_metrics())
    rows = dict(
        store.query(
            "SELECT MetricName, sum(Value) FROM {db:Identifier}.otel_metrics_sum "
            "WHERE ServiceName = 'sloscope' GROUP BY MetricName"
        )
    )
    assert rows["sloscope.processor.points.accepted"] == 1.0
    assert rows["sloscope.processor.batches"] >= 1.0
    assert rows["sloscope.processor.points.written"] >= 1.0


def test_a_batch_the_store_refuses_is_split_and_the_server_stays_up(store: Store) -> None:
    with (
        running_processor(store, batch=BatchOptions(flush_interval_s=0.5)) as running,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        store.command("DROP TABLE {db:Identifier}.ingest_staging_histogram")
        sent = [
            pool.submit(otlp.export, running.endpoint, _one_point_request(f"/r{i}"))
            for i in range(2)
        ]
        for future in sent:
            with pytest.raises(grpc.RpcError) as caught:
                future.result()
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        request = otlp.request("recv")
        otlp.sum_point(otlp.metric(request, "still.up"), 1, NOW_S)
        assert not otlp.export(running.endpoint, request).HasField("partial_success")
    assert running.receiver.metrics.totals["refused"] == 2
