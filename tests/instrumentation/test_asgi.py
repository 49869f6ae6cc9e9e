"""The ASGI middleware against real Starlette/FastAPI apps and a real SDK MeterProvider."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from instrumentation import DEFAULT_LATENCY_BUCKETS_S, SloscopeMiddleware, instrument_app
from instrumentation._conventions import SCOPE_NAME
from instrumentation._types import Message, Receive, Scope, Send
from tests.instrumentation._points import by_attributes, collect, named

DURATION = "http.server.request.duration"
ACTIVE = "http.server.active_requests"
REQUEST_SIZE = "http.server.request.body.size"
RESPONSE_SIZE = "http.server.response.body.size"
KEYS = ("http.route", "http.request.method", "http.response.status_code", "error.type")


def make_app(reader: InMemoryMetricReader | None = None) -> FastAPI:
    app = FastAPI()
    items = APIRouter(prefix="/items")

    @items.get("/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item": item_id}

    app.include_router(items, prefix="/api")

    @app.get("/users/{user_id}")
    async def user(user_id: str) -> dict[str, str]:
        return {"user": user_id}

    @app.post("/orders", status_code=201)
    async def order(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("no")

    @app.get("/unavailable")
    async def unavailable() -> None:
        raise HTTPException(status_code=503)

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(status_code=418)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            raise RuntimeError("broken stream")

        return StreamingResponse(chunks())

    @app.get("/active")
    async def active() -> dict[str, float]:
        assert reader is not None
        points = named(collect(reader), ACTIVE)
        return {"active": sum(p.value or 0 for p in points)}

    return app


async def _send(app: Any, *requests: tuple[str, str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [await client.request(method, path) for method, path in requests]


def drive(app: Any, *requests: tuple[str, str]) -> list[httpx.Response]:
    return asyncio.run(_send(app, *requests))


async def call_directly(app: Any, method: str, path: str) -> list[Message]:
    """One HTTP request straight into an ASGI callable (no server, no client checks)."""
    sent: list[Message] = []
    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "scheme": "http", "headers": [], "query_string": b""}  # fmt: skip

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.fixture
def app(meter_provider: MeterProvider, reader: InMemoryMetricReader) -> FastAPI:
    return instrument_app(make_app(reader), meter_provider=meter_provider)


def test_counts_per_route_method_status_are_exact(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    mix = (
        [("GET", f"/users/u{i}") for i in range(7)]
        + [("GET", f"/api/items/{i}") for i in range(3)]
        + [("POST", "/orders")] * 4
        + [("GET", "/unavailable")] * 2
        + [("GET", "/teapot")]
        + [("GET", "/api/items/not-a-number")] * 2
        + [("DELETE", "/users/u1")]
    )
    statuses = [response.status_code for response in drive(app, *mix)]
    assert statuses.count(200) == 10

    durations = by_attributes(collect(reader), DURATION, *KEYS)
    counts = {key: point.count for key, point in durations.items()}
    assert counts == {
        ("/users/{user_id}", "GET", 200, None): 7,
        ("/api/items/{item_id}", "GET", 200, None): 3,
        ("/orders", "POST", 201, None): 4,
        ("/unavailable", "GET", 503, "503"): 2,
        ("/teapot", "GET", 418, None): 1,
        ("/api/items/{item_id}", "GET", 422, None): 2,
        ("/users/{user_id}", "DELETE", 405, None): 1,
    }
    for point in durations.values():
        assert point.unit == "s"
        assert point.scope == SCOPE_NAME
        assert point.attributes["url.scheme"] == "http"
        assert set(point.attributes) <= {*KEYS, "url.scheme"}


def test_route_is_the_template_and_unmatched_paths_get_none(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    drive(app, ("GET", "/nowhere/1"), ("GET", "/nowhere/2"), ("GET", "/users/x"))
    durations = named(collect(reader), DURATION)
    routes = sorted((str(p.attributes.get("http.route")), p.count) for p in durations)
    assert routes == [("/users/{user_id}", 1), ("None", 2)]
    missing = [p for p in durations if p.attributes["http.response.status_code"] == 404]
    assert len(missing) == 1
    assert "http.route" not in missing[0].attributes
    assert missing[0].count == 2


def test_unhandled_exception_counts_as_500_with_its_class(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    (response,) = drive(app, ("GET", "/boom"))
    assert response.status_code == 500
    (point,) = named(collect(reader), DURATION)
    assert point.attributes == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/boom",
        "http.response.status_code": 500,
        "error.type": "ValueError",
    }
    assert point.count == 1


def test_exception_after_the_response_started_keeps_the_status(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    drive(app, ("GET", "/stream"))
    (point,) = named(collect(reader), DURATION)
    assert point.attributes["http.response.status_code"] == 200
    assert point.attributes["error.type"] == "RuntimeError"


async def _raises(scope: Scope, receive: Receive, send: Send) -> None:
    raise LookupError("before any response")


async def _silent(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class PaymentDeclinedError(Exception):
    pass


async def _declines(scope: Scope, receive: Receive, send: Send) -> None:
    raise PaymentDeclinedError


@pytest.mark.parametrize(
    ("asgi_app", "status", "error_type"),
    [
        (_raises, 500, "LookupError"),
        (_declines, 500, f"{__name__}.PaymentDeclinedError"),
        (_silent, None, "incomplete_response"),
    ],
    ids=["builtin-exception", "own-exception", "no-response"],
)
def test_plain_asgi_app_is_wrapped(
    meter_provider: MeterProvider,
    reader: InMemoryMetricReader,
    asgi_app: Any,
    status: int | None,
    error_type: str,
) -> None:
    wrapped = instrument_app(asgi_app, meter_provider=meter_provider)
    assert isinstance(wrapped, SloscopeMiddleware)
    with contextlib.suppress(Exception):
        asyncio.run(call_directly(wrapped, "GET", "/anything"))
    (point,) = named(collect(reader), DURATION)
    assert point.attributes.get("http.response.status_code") == status
    assert point.attributes["error.type"] == error_type
    assert "http.route" not in point.attributes


def test_body_sizes_are_counted_from_the_messages(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            posted = await client.post("/orders", content=b"x" * 1000)
            fetched = await client.get("/users/abc")
            return [posted, fetched]

    posted, fetched = asyncio.run(run())
    points = collect(reader)
    requests = by_attributes(points, REQUEST_SIZE, "http.route")
    responses = by_attributes(points, RESPONSE_SIZE, "http.route")
    assert set(requests) == {("/orders",)}
    assert requests[("/orders",)].total == 1000
    assert requests[("/orders",)].unit == "By"
    assert responses[("/orders",)].total == len(posted.content)
    assert responses[("/users/{user_id}",)].total == len(fetched.content)
    assert responses[("/users/{user_id}",)].bounds[:3] == (0, 64, 256)


def test_active_requests_counts_requests_in_flight(
    app: FastAPI, reader: InMemoryMetricReader
) -> None:
    (response,) = drive(app, ("GET", "/active"))
    assert response.json() == {"active": 1}
    (point,) = named(collect(reader), ACTIVE)
    assert point.value == 0
    assert point.unit == "{request}"
    assert point.attributes == {"http.request.method": "GET", "url.scheme": "http"}


def test_instrumenting_twice_records_once(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    app = make_app()
    assert instrument_app(app, meter_provider=meter_provider) is app
    assert instrument_app(app, meter_provider=meter_provider) is app
    drive(app, ("GET", "/users/a"))
    (point,) = named(collect(reader), DURATION)
    assert point.count == 1


def test_instrumenting_a_started_app_rebuilds_its_stack(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    app = make_app()
    drive(app, ("GET", "/users/a"))
    assert app.middleware_stack is not None
    instrument_app(app, meter_provider=meter_provider)
    drive(app, ("GET", "/users/b"))
    (point,) = named(collect(reader), DURATION)
    assert point.count == 1


def test_unknown_methods_are_other(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    wrapped = instrument_app(_ok, meter_provider=meter_provider)
    drive(wrapped, ("PURGE", "/"), ("GET", "/"))
    methods = sorted(p.attributes["http.request.method"] for p in named(collect(reader), DURATION))
    assert methods == ["GET", "_OTHER"]


def test_known_methods_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "get, purge")
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    wrapped = instrument_app(_ok, meter_provider=provider)
    drive(wrapped, ("PURGE", "/"), ("POST", "/"))
    methods = sorted(p.attributes["http.request.method"] for p in named(collect(reader), DURATION))
    provider.shutdown()
    assert methods == ["PURGE", "_OTHER"]


@pytest.mark.parametrize(
    ("argument", "environment", "expected"),
    [
        (None, None, DEFAULT_LATENCY_BUCKETS_S),
        ([0.3, 0.1], None, (0.1, 0.3)),
        (None, "50ms,1s", (0.05, 1.0)),
        ([0.2], "50ms,1s", (0.2,)),
    ],
    ids=["default", "argument", "environment", "argument-wins"],
)
def test_latency_bucket_bounds(
    monkeypatch: pytest.MonkeyPatch,
    argument: list[float] | None,
    environment: str | None,
    expected: tuple[float, ...],
) -> None:
    if environment is not None:
        monkeypatch.setenv("SLOSCOPE_LATENCY_BUCKETS", environment)
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    wrapped = instrument_app(_ok, meter_provider=provider, latency_buckets=argument)
    drive(wrapped, ("GET", "/"))
    (point,) = named(collect(reader), DURATION)
    provider.shutdown()
    assert point.bounds == pytest.approx(expected, rel=1e-12)


def test_non_http_scopes_pass_through(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    seen: list[str] = []

    async def lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        message = await receive()
        seen.append(message["type"])
        await send({"type": "lifespan.startup.complete"})

    async def run() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "lifespan.startup"}

        async def send(message: Message) -> None:
            sent.append(message)

        await SloscopeMiddleware(lifespan_app, meter_provider=meter_provider)(
            {"type": "lifespan"}, receive, send
        )
        return sent

    assert asyncio.run(run()) == [{"type": "lifespan.startup.complete"}]
    assert seen == ["lifespan", "lifespan.startup"]
    assert collect(reader) == []


def test_middleware_rejects_what_is_not_an_app() -> None:
    with pytest.raises(TypeError, match="must be callable"):
        SloscopeMiddleware("app")  # type: ignore[arg-type]


def test_starlette_routes_with_convertors_report_the_template(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    app = Starlette(routes=[Route("/orders/{order_id:int}", lambda _: PlainTextResponse("ok"))])
    instrument_app(app, meter_provider=meter_provider)
    drive(app, ("GET", "/orders/1"), ("GET", "/orders/22"))
    (point,) = named(collect(reader), DURATION)
    assert point.attributes["http.route"] == "/orders/{order_id}"
    assert point.count == 2


def test_fastapi_built_in_telemetry_is_switched_off(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    try:
        app = FastAPI(telemetry={"meter_provider": meter_provider})
    except TypeError:
        pytest.skip("this FastAPI has no built-in telemetry")

    @app.get("/ping")
    async def ping() -> str:
        return "pong"

    drive(app, ("GET", "/ping"))
    native = [p.scope for p in named(collect(reader), DURATION)]
    assert native == ["fastapi"]  # the built-in telemetry records on its own

    instrumented = FastAPI(telemetry={"meter_provider": meter_provider})
    instrumented.get("/ping")(ping)
    instrument_app(instrumented, meter_provider=meter_provider)
    drive(instrumented, ("GET", "/ping"))
    scopes = sorted((p.scope, p.count) for p in named(collect(reader), DURATION))
    assert scopes == [("fastapi", 1), (SCOPE_NAME, 1)]


def test_double_instrumentation_is_reported(
    meter_provider: MeterProvider, caplog: pytest.LogCaptureFixture
) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    app = make_app()
    FastAPIInstrumentor.instrument_app(app, meter_provider=meter_provider)
    try:
        with caplog.at_level(logging.WARNING, logger="instrumentation._asgi"):
            instrument_app(app, meter_provider=meter_provider)
        assert "recorded twice" in caplog.text
    finally:
        FastAPIInstrumentor.uninstrument_app(app)


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def test_tracing_makes_one_server_span_per_request(
    meter_provider: MeterProvider,
    reader: InMemoryMetricReader,
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    tracer_provider, exporter = spans
    app = instrument_app(make_app(), meter_provider=meter_provider, tracer_provider=tracer_provider)
    parent_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{parent_trace}-00f067aa0ba902b7-01"

    async def run() -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.get("/users/a", headers={"traceparent": traceparent})
            await client.get("/boom")

    asyncio.run(run())
    finished = {span.name: span for span in exporter.get_finished_spans()}
    assert set(finished) == {"GET /users/{user_id}", "GET /boom"}
    ok, failed = finished["GET /users/{user_id}"], finished["GET /boom"]
    assert ok.kind == SpanKind.SERVER
    assert f"{ok.context.trace_id:032x}" == parent_trace
    assert ok.attributes is not None
    assert ok.attributes["http.route"] == "/users/{user_id}"
    assert ok.attributes["http.response.status_code"] == 200
    assert ok.status.status_code == StatusCode.UNSET
    assert failed.status.status_code == StatusCode.ERROR
    assert [event.name for event in failed.events] == ["exception"]
    assert len(named(collect(reader), DURATION)) == 2
