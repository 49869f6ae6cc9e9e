"""``run_probe`` against real servers on loopback: uvicorn over HTTP and HTTPS (a test
CA from ``trustme``), a TCP listener, a grpcio server with the standard health service,
and the embedded store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import grpc
import pytest
import trustme
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from alerting.probes import HealthCheck, run_probe
from tests.support.receivers import silent_server
from tests.support.servers import free_port, serving

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)


async def _healthz(request):
    return PlainTextResponse("status: ok; db=up", 200)


async def _broken(request):
    return PlainTextResponse("status: failing", 503)


APP = Starlette(routes=[Route("/healthz", _healthz), Route("/broken", _broken)])


def _run(check, **kwargs):
    return asyncio.run(run_probe(HealthCheck.model_validate(check), clock=lambda: T0, **kwargs))


def _http(url, **probe):
    return {"name": "web", "service": "checkout", "http": {"url": url, **probe}}


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    with serving(APP) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "probe", "up", "detail"),
    [
        ("/healthz", {}, True, "HTTP 200, 17 bytes"),
        ("/healthz", {"body": "db=up"}, True, "HTTP 200, 17 bytes"),
        ("/healthz", {"body": r"status: \w+;"}, True, "HTTP 200, 17 bytes"),
        ("/healthz", {"body": "db=down"}, False, "HTTP 200, 17 bytes, the body does not match"),
        ("/broken", {}, False, "HTTP 503, 15 bytes (want HTTP 200)"),
        ("/broken", {"status": 503}, True, "HTTP 503, 15 bytes"),
        ("/missing", {}, False, "HTTP 404"),
    ],
    ids=["ok", "substring", "regex", "body-mismatch", "wrong-status", "wanted-status", "404"],
)
def test_http_check_judges_status_and_body(web, path, probe, up, detail):
    result = _run(_http(web + path, **probe))
    assert (result.name, result.service, result.up) == ("web", "checkout", up)
    assert result.detail.startswith(detail)
    assert result.checked_at == T0
    assert result.tls_days_left is None
    assert result.duration_s > 0


@pytest.fixture(scope="module")
def tls_web(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """HTTPS with a certificate that expires in 10 days; yields (URL, CA file)."""
    work = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    expires = datetime.now(timezone.utc) + timedelta(days=10)
    cert = ca.issue_cert("127.0.0.1", not_after=expires)
    cert_file, key_file, ca_file = work / "cert.pem", work / "key.pem", work / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    with serving(APP, tls=(cert_file, key_file)) as url:
        yield url, str(ca_file)


def test_https_check_reports_days_to_certificate_expiry(tls_web):
    url, ca_file = tls_web
    result = _run(_http(f"{url}/healthz", ca_file=ca_file, tls_days_min=7))
    assert result.up, result.detail
    assert result.tls_days_left == pytest.approx(10, abs=0.01)  # the few seconds since issuing
    assert "certificate valid 10.0 more days" in result.detail


def test_https_check_fails_when_the_certificate_expires_too_soon(tls_web):
    url, ca_file = tls_web
    result = _run(_http(f"{url}/healthz", ca_file=ca_file, tls_days_min=14))
    assert not result.up
    assert result.detail.endswith("(want at least 14)")
    assert result.tls_days_left == pytest.approx(10, abs=0.01)


def test_https_check_fails_on_an_untrusted_certificate(tls_web):
    url, _ = tls_web
    result = _run(_http(f"{url}/healthz"))
    assert not result.up
    assert result.detail.startswith("ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED]")


def test_http_check_to_a_dead_port_is_down():
    result = _run(_http(f"http://127.0.0.1:{free_port()}/healthz"))
    assert not result.up
    assert result.detail.startswith("ConnectError")


def test_a_check_that_gets_no_answer_is_cut_at_its_timeout():
    async def main():
        async with silent_server() as url:
            check = HealthCheck.model_validate(_http(url) | {"timeout": "100ms"})
            return await run_probe(check)

    result = asyncio.run(main())
    assert (result.up, result.detail) == (False, "no answer within 100ms")


def test_tcp_check_is_up_when_the_port_accepts(web):
    port = int(web.rsplit(":", 1)[1])
    up = _run({"name": "pg", "service": "postgres", "tcp": {"host": "127.0.0.1", "port": port}})
    assert (up.up, up.detail) == (True, f"connected to 127.0.0.1:{port}")
    down = _run(
        {"name": "pg", "service": "postgres", "tcp": {"host": "127.0.0.1", "port": free_port()}}
    )
    assert not down.up
    assert "Connect call failed" in down.detail


@contextlib.contextmanager
def grpc_health_server(
    tls: tuple[bytes, bytes] | None = None,
) -> Iterator[tuple[str, health.HealthServicer]]:
    """A grpcio server with the standard health service (grpcio-health-checking);
    ``tls`` (key, certificate chain) serves TLS."""
    servicer = health.HealthServicer()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    if tls is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        credentials = grpc.ssl_server_credentials([tls])
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        server.stop(grace=None).wait()


def test_grpc_check_speaks_the_health_protocol():
    serving_status = health_pb2.HealthCheckResponse
    with grpc_health_server() as (target, servicer):
        servicer.set("", serving_status.SERVING)
        servicer.set("payments.Payments", serving_status.NOT_SERVING)

        def check(service):
            probe = {"target": target, "service": service}
            return _run({"name": "g", "service": "payments", "grpc": probe})

        whole, payments, unknown = check(""), check("payments.Payments"), check("nope")
    assert (whole.up, whole.detail) == (True, "gRPC health: SERVING")
    assert (payments.up, payments.detail) == (False, "gRPC health: NOT_SERVING")
    assert (unknown.up, unknown.detail) == (False, "gRPC NOT_FOUND")


def test_grpc_check_over_tls_trusts_its_ca_file(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    with grpc_health_server(tls=(cert.private_key_pem.bytes(), chain)) as (target, servicer):
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        probe = {"target": target, "tls": True, "ca_file": str(ca_file)}
        trusted = _run({"name": "g", "service": "payments", "grpc": probe})
        untrusted = _run(
            {"name": "g", "service": "payments", "grpc": {"target": target, "tls": True}}
        )
    assert (trusted.up, trusted.detail) == (True, "gRPC health: SERVING")
    assert not untrusted.up
    assert untrusted.detail.startswith("gRPC UNAVAILABLE")


def test_grpc_check_to_a_dead_port_is_down():
    target = f"127.0.0.1:{free_port()}"
    result = _run({"name": "g", "service": "payments", "grpc": {"target": target}})
    assert not result.up
    assert result.detail.startswith("gRPC UNAVAILABLE")


def test_store_check_runs_select_1(store):
    result = _run({"name": "store", "service": "sloscope", "store": {}}, store=store)
    assert (result.up, result.detail) == (True, "SELECT 1 answered")


def test_store_check_without_a_store_is_down():
    result = _run({"name": "store", "service": "sloscope", "store": {}})
    assert (result.up, result.detail) == (False, "no store to check (run it inside sloscope serve)")
