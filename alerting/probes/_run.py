"""Running one check: HTTP(S), TCP, the gRPC health protocol, or sloscope's store.

``run_probe`` never raises for the target's trouble: a refused connection, a timeout, a
wrong status or an expiring certificate are a result with ``up`` false and a ``detail``
saying why. The whole run, connection included, is cut at the check's timeout.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import grpc
import httpx
import re2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from alerting.probes._config import GrpcProbe, HealthCheck, HttpProbe, TcpProbe
from alerting.probes._result import ProbeResult
from processor.errors import ProcessorError
from processor.store import Queryable

MAX_BODY_BYTES = 64 * 1024
MAX_DETAIL_CHARS = 300
USER_AGENT = "sloscope-health-check"
_SECONDS_PER_DAY = 86_400

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class _Down(Exception):
    """The target answered, but not as the check wants."""


async def run_probe(
    check: HealthCheck, *, store: Queryable | None = None, clock: Clock = utc_now
) -> ProbeResult:
    """Run ``check`` once. A ``store`` check needs ``store``."""
    checked_at = clock()
    started = time.perf_counter()
    tls_days_left: float | None = None
    try:
        up, detail, tls_days_left = await asyncio.wait_for(_probe(check, store), check.timeout_s)
    except asyncio.TimeoutError:
        up, detail = False, f"no answer within {check.timeout}"
    except _Down as exc:
        up, detail = False, str(exc)
    except (OSError, httpx.HTTPError, grpc.RpcError, ProcessorError) as exc:
        up, detail = False, _describe(exc)
    return ProbeResult(
        name=check.name,
        service=check.service,
        up=up,
        duration_s=time.perf_counter() - started,
        detail=detail[:MAX_DETAIL_CHARS],
        checked_at=checked_at,
        tls_days_left=tls_days_left,
    )


async def _probe(check: HealthCheck, store: Queryable | None) -> tuple[bool, str, float | None]:
    if check.http is not None:
        return await _http(check.http, check.timeout_s)
    if check.tcp is not None:
        return await _tcp(check.tcp)
    if check.grpc is not None:
        return await _grpc(check.grpc, check.timeout_s)
    return await _store(store)


async def _http(probe: HttpProbe, timeout_s: float) -> tuple[bool, str, float | None]:
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=probe.ca_file) if probe.ca_file else True
    )
    headers = {"User-Agent": USER_AGENT}
    async with (
        httpx.AsyncClient(verify=verify, timeout=timeout_s, follow_redirects=False) as client,
        client.stream("GET", probe.url, headers=headers) as response,
    ):
        days_left = _tls_days_left(response)
        body = await _read_bounded(response)
    detail = f"HTTP {response.status_code}, {len(body)} bytes"
    if days_left is not None:
        detail += f", certificate valid {days_left:.1f} more days"
    if response.status_code != probe.status:
        raise _Down(f"{detail} (want HTTP {probe.status})")
    if probe.body is not None and not _body_matches(probe.body, body):
        raise _Down(f"{detail}, the body does not match {probe.body[:60]!r}")
    if probe.tls_days_min is not None and (days_left is None or days_left < probe.tls_days_min):
        return False, f"{detail} (want at least {probe.tls_days_min})", days_left
    return True, detail, days_left


async def _read_bounded(response: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) >= MAX_BODY_BYTES:
            break
    return bytes(body[:MAX_BODY_BYTES])


def _body_matches(pattern: str, body: bytes) -> bool:
    text = body.decode("utf-8", errors="replace")
    return pattern in text or re2.search(pattern, text) is not None


def _tls_days_left(response: httpx.Response) -> float | None:
    """Days until the server's certificate expires (None over plain HTTP)."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    if not certificate or "notAfter" not in certificate:
        return None
    expires = ssl.cert_time_to_seconds(certificate["notAfter"])
    return float((expires - time.time()) / _SECONDS_PER_DAY)


async def _tcp(probe: TcpProbe) -> tuple[bool, str, float | None]:
    _, writer = await asyncio.open_connection(probe.host, probe.port)
    writer.close()
    await writer.wait_closed()
    return True, f"connected to {probe.host}:{probe.port}", None


async def _grpc(probe: GrpcProbe, timeout_s: float) -> tuple[bool, str, float | None]:
    if probe.tls:
        roots = Path(probe.ca_file).read_bytes() if probe.ca_file else None
        channel = grpc.aio.secure_channel(probe.target, grpc.ssl_channel_credentials(roots))
    else:
        channel = grpc.aio.insecure_channel(probe.target)
    async with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service=probe.service)
        response = await stub.Check(request, timeout=timeout_s)
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        raise _Down(f"gRPC health: {status}")
    return True, f"gRPC health: {status}", None


async def _store(store: Queryable | None) -> tuple[bool, str, float | None]:
    if store is None:
        raise _Down("no store to check (run it inside sloscope serve)")
    rows = await asyncio.to_thread(store.query, "SELECT 1")
    if rows != [(1,)]:
        raise _Down(f"SELECT 1 returned {rows[:1]!r}")
    return True, "SELECT 1 answered", None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        details = exc.details()
        return f"gRPC {exc.code().name}: {details}" if details else f"gRPC {exc.code().name}"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text
