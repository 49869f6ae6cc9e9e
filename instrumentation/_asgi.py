"""Request metrics for any ASGI app: a lean, pure-ASGI middleware.

It records the stable HTTP semantic-convention instruments directly:

* ``http.server.request.duration`` (s) with ``http.request.method``, ``url.scheme``,
  ``http.response.status_code``, ``http.route`` (the route template) and ``error.type``
  (5xx status or exception class);
* ``http.server.active_requests`` ({request}) with method and scheme;
* ``http.server.request.body.size`` / ``http.server.response.body.size`` (By), counted
  from the body messages themselves (request size only when a body was read).

The duration ends when the last body (or trailer) message has been sent, as the client
sees it, not after background tasks. An unhandled exception counts as a 500 with its
class as ``error.type`` (``ValueError``, ``app.errors.PaymentDeclined``); a 5xx response
without one has the status code as ``error.type``.

Why not wrap ``opentelemetry.instrumentation.asgi.OpenTelemetryMiddleware``: it gives
no ``http.route`` on its own, the FastAPI/Starlette instrumentors find the route by
re-matching every route on every request, and it builds a span (a non-recording one when
tracing is off), its attributes and several closures per request. Here the attribute
sets are built once per (method, scheme, route, status, error) and reused, tracing code
runs only when a tracer provider is configured, and we reuse the asgi package's header
getter for context propagation when it is.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from contextvars import Token
from time import perf_counter
from typing import Any, Final, Protocol, TypeVar, overload

from opentelemetry import propagate, trace
from opentelemetry.context import Context, attach, detach
from opentelemetry.metrics import Histogram, MeterProvider, UpDownCounter
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider
from opentelemetry.util.types import AttributeValue

from instrumentation import _conventions as conv
from instrumentation._buckets import BODY_SIZE_BUCKETS_BY, latency_buckets_from
from instrumentation._routes import RouteResolver
from instrumentation._scope import get_meter, get_tracer, tracer_provider_configured
from instrumentation._types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SloscopeMiddleware", "instrument_app"]

logger = logging.getLogger(__name__)

ENV_KNOWN_METHODS: Final = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS"
DEFAULT_KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)
OTHER_METHOD: Final = "_OTHER"
INCOMPLETE_RESPONSE: Final = "incomplete_response"
_MAX_ATTRIBUTE_SETS: Final = 4096
_INSTRUMENTED_FLAG: Final = "_sloscope_instrumented"

_Attributes = dict[str, AttributeValue]
_AttributeKey = tuple[str, str, str | None, int, str | None]


class _HttpRecorder:
    """The instruments and cached attribute sets one instrumented app records into."""

    __slots__ = (
        "_active_sets",
        "_duration_sets",
        "_getter",
        "_methods",
        "_tracer",
        "active",
        "duration",
        "request_size",
        "response_size",
        "routes",
    )

    def __init__(
        self,
        meter_provider: MeterProvider | None,
        tracer_provider: TracerProvider | None,
        latency_buckets: Sequence[float] | None,
    ) -> None:
        buckets = latency_buckets_from(latency_buckets, os.environ)
        meter = get_meter(meter_provider)
        self.duration: Histogram = meter.create_histogram(
            conv.METRIC_HTTP_SERVER_REQUEST_DURATION,
            unit="s",
            description="Duration of HTTP server requests.",
            explicit_bucket_boundaries_advisory=buckets,
        )
        self.active: UpDownCounter = meter.create_up_down_counter(
            conv.METRIC_HTTP_SERVER_ACTIVE_REQUESTS,
            unit="{request}",
            description="Number of active HTTP server requests.",
        )
        self.request_size: Histogram = meter.create_histogram(
            conv.METRIC_HTTP_SERVER_REQUEST_BODY_SIZE,
            unit="By",
            description="Size of HTTP server request bodies.",
            explicit_bucket_boundaries_advisory=BODY_SIZE_BUCKETS_BY,
        )
        self.response_size: Histogram = meter.create_histogram(
            conv.METRIC_HTTP_SERVER_RESPONSE_BODY_SIZE,
            unit="By",
            description="Size of HTTP server response bodies.",
            explicit_bucket_boundaries_advisory=BODY_SIZE_BUCKETS_BY,
        )
        self._tracer: Tracer | None = None
        self._getter: Getter[Any] | None = None
        if tracer_provider is not None or tracer_provider_configured():
            self._tracer = get_tracer(tracer_provider)
            # Only with tracing on: the asgi package takes about 0.1 s to import.
            from opentelemetry.instrumentation.asgi import asgi_getter  # noqa: PLC0415

            self._getter = asgi_getter
        self._methods = _known_methods(os.environ)
        self._active_sets: dict[tuple[str, str], _Attributes] = {}
        self._duration_sets: dict[_AttributeKey, _Attributes] = {}
        self.routes = RouteResolver()

    @property
    def tracer(self) -> Tracer | None:
        return self._tracer

    def start_span(self, scope: Scope, method: str, scheme: str) -> tuple[Span, Token[Context]]:
        """A server span, child of the propagated context, made current until detached."""
        if self._tracer is None or self._getter is None:
            raise RuntimeError("start_span called with tracing off")
        parent: Context = propagate.extract(scope, getter=self._getter)
        name = "HTTP" if method == OTHER_METHOD else method
        span = self._tracer.start_span(
            name,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={
                conv.ATTR_HTTP_REQUEST_METHOD: method,
                conv.ATTR_URL_SCHEME: scheme,
                "url.path": scope.get("path", ""),
            },
        )
        token = attach(trace.set_span_in_context(span, parent))
        return span, token

    def method(self, raw: str) -> str:
        return raw if raw in self._methods else OTHER_METHOD

    def active_attributes(self, method: str, scheme: str) -> _Attributes:
        key = (method, scheme)
        found = self._active_sets.get(key)
        if found is None:
            found = {conv.ATTR_HTTP_REQUEST_METHOD: method, conv.ATTR_URL_SCHEME: scheme}
            if len(self._active_sets) < _MAX_ATTRIBUTE_SETS:
                self._active_sets[key] = found
        return found

    def duration_attributes(
        self, method: str, scheme: str, route: str | None, status: int, error_type: str | None
    ) -> _Attributes:
        key = (method, scheme, route, status, error_type)
        found = self._duration_sets.get(key)
        if found is None:
            found = {conv.ATTR_HTTP_REQUEST_METHOD: method, conv.ATTR_URL_SCHEME: scheme}
            if status:
                found[conv.ATTR_HTTP_RESPONSE_STATUS_CODE] = status
            if route is not None:
                found[conv.ATTR_HTTP_ROUTE] = route
            if error_type is not None:
                found[conv.ATTR_ERROR_TYPE] = error_type
            if len(self._duration_sets) < _MAX_ATTRIBUTE_SETS:
                self._duration_sets[key] = found
        return found


class SloscopeMiddleware:
    """Pure ASGI middleware recording the HTTP server metrics of every request.

    ``meter_provider`` / ``tracer_provider`` default to the global ones; spans are made
    only when a tracer provider is given or configured globally. ``latency_buckets``
    defaults to ``SLOSCOPE_LATENCY_BUCKETS`` or the package default; a View installed by
    ``configure()`` takes precedence over it.
    """

    __slots__ = ("_recorder", "app")

    def __init__(
        self,
        app: ASGIApp,
        *,
        meter_provider: MeterProvider | None = None,
        tracer_provider: TracerProvider | None = None,
        latency_buckets: Sequence[float] | None = None,
    ) -> None:
        if not callable(app):
            raise TypeError(f"an ASGI application must be callable, got {type(app).__name__}")
        self.app = app
        self._recorder = _HttpRecorder(meter_provider, tracer_provider, latency_buckets)

    @classmethod
    def _sharing(cls, app: ASGIApp, recorder: _HttpRecorder) -> SloscopeMiddleware:
        middleware = cls.__new__(cls)
        middleware.app = app
        middleware._recorder = recorder
        return middleware

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: PLR0915
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = self._recorder
        method = recorder.method(scope["method"])
        scheme: str = scope.get("scheme", "http")
        active = recorder.active_attributes(method, scheme)
        start_root_path: str = scope.get("root_path", "")
        span: Span | None = None
        token: Token[Context] | None = None
        if recorder.tracer is not None:
            span, token = recorder.start_span(scope, method, scheme)
        recorder.active.add(1, active)
        start = perf_counter()
        status = 0
        sent = 0
        received = 0
        trailers = False
        done = False

        def finish(error_type: str | None, exc: BaseException | None = None) -> None:
            nonlocal done
            done = True
            duration_s = perf_counter() - start
            route = recorder.routes.resolve(scope, start_root_path)
            if error_type is None and status >= 500:
                error_type = str(status)
            elif error_type is None and not status:
                error_type = INCOMPLETE_RESPONSE
            attributes = recorder.duration_attributes(method, scheme, route, status, error_type)
            recorder.duration.record(duration_s, attributes)
            if status:
                recorder.response_size.record(sent, attributes)
            if received:
                recorder.request_size.record(received, attributes)
            recorder.active.add(-1, active)
            if span is not None:
                _end_span(span, method, route, attributes, exc)

        async def receive_counting() -> Message:
            nonlocal received
            message = await receive()
            body = message.get("body")
            if body:
                received += len(body)
            return message

        async def send_observing(message: Message) -> None:
            nonlocal status, sent, trailers
            kind = message["type"]
            if kind == "http.response.body":
                body = message.get("body")
                if body:
                    sent += len(body)
                await send(message)
                # A 5xx is finished when the app returns or raises, so that an
                # exception re-raised after the error page (Starlette's
                # ServerErrorMiddleware does) names its class in error.type.
                if not (done or trailers or status >= 500 or message.get("more_body", False)):
                    finish(None)
                return
            if kind == "http.response.start":
                status = message["status"]
                trailers = bool(message.get("trailers", False))
            await send(message)
            if (
                not done
                and status < 500
                and (
                    (kind == "http.response.trailers" and not message.get("more_trailers", False))
                    or kind == "http.response.pathsend"
                )
            ):
                finish(None)

        try:
            await self.app(scope, receive_counting, send_observing)
        except BaseException as exc:
            if not done:
                if not status and isinstance(exc, Exception):
                    status = 500
                finish(_exception_type(exc), exc)
            raise
        finally:
            if token is not None:
                detach(token)
        if not done:
            finish(None)


def _known_methods(environ: Mapping[str, str]) -> frozenset[str]:
    text = environ.get(ENV_KNOWN_METHODS, "")
    methods = frozenset(item.strip().upper() for item in text.split(",") if item.strip())
    return methods or DEFAULT_KNOWN_METHODS


def _exception_type(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _end_span(
    span: Span,
    method: str,
    route: str | None,
    attributes: Mapping[str, AttributeValue],
    exc: BaseException | None,
) -> None:
    if route is not None:
        span.update_name(f"{'HTTP' if method == OTHER_METHOD else method} {route}")
    span.set_attributes(attributes)
    if exc is not None:
        span.record_exception(exc)
    if conv.ATTR_ERROR_TYPE in attributes:
        span.set_status(Status(StatusCode.ERROR, str(attributes[conv.ATTR_ERROR_TYPE])))
    span.end()


# --- instrument_app --------------------------------------------------------------------


class _StarletteLike(Protocol):
    """What in-place instrumentation needs: Starlette's (and FastAPI's) middleware stack."""

    user_middleware: Any
    middleware_stack: Any

    def build_middleware_stack(self) -> Any: ...


_AppT = TypeVar("_AppT", bound=_StarletteLike)


@overload
def instrument_app(
    app: _AppT,
    *,
    meter_provider: MeterProvider | None = None,
    tracer_provider: TracerProvider | None = None,
    latency_buckets: Sequence[float] | None = None,
) -> _AppT: ...


@overload
def instrument_app(
    app: ASGIApp,
    *,
    meter_provider: MeterProvider | None = None,
    tracer_provider: TracerProvider | None = None,
    latency_buckets: Sequence[float] | None = None,
) -> ASGIApp: ...


def instrument_app(
    app: Any,
    *,
    meter_provider: MeterProvider | None = None,
    tracer_provider: TracerProvider | None = None,
    latency_buckets: Sequence[float] | None = None,
) -> Any:
    """Record request metrics for ``app``.

    A Starlette or FastAPI application is instrumented in place (the middleware becomes
    the outermost layer of its stack, so the 500 its error handler sends is seen) and
    returned; calling it twice is harmless. Any other ASGI callable is wrapped: use the
    returned application. FastAPI's own built-in telemetry is switched off for an app
    instrumented here, so no request is counted twice.
    """
    if not _is_starlette_like(app):
        return SloscopeMiddleware(
            app,
            meter_provider=meter_provider,
            tracer_provider=tracer_provider,
            latency_buckets=latency_buckets,
        )
    if getattr(app, _INSTRUMENTED_FLAG, False):
        logger.debug("app already instrumented", extra={"app": type(app).__name__})
        return app
    if getattr(app, "_is_instrumented_by_opentelemetry", False):
        logger.warning(
            "app is also instrumented by opentelemetry-instrumentation; "
            "requests will be recorded twice",
            extra={"app": type(app).__name__},
        )
    original_build = app.build_middleware_stack
    recorder: list[_HttpRecorder] = []

    def build_middleware_stack() -> ASGIApp:
        if not recorder:
            recorder.append(_HttpRecorder(meter_provider, tracer_provider, latency_buckets))
        return SloscopeMiddleware._sharing(original_build(), recorder[0])

    app.build_middleware_stack = build_middleware_stack
    app.middleware_stack = None
    _disable_fastapi_native_telemetry(app)
    setattr(app, _INSTRUMENTED_FLAG, True)
    return app


def _is_starlette_like(app: object) -> bool:
    return (
        callable(getattr(app, "build_middleware_stack", None))
        and hasattr(app, "user_middleware")
        and hasattr(app, "middleware_stack")
    )


def _disable_fastapi_native_telemetry(app: object) -> None:
    """FastAPI >= 0.160 emits the same HTTP metrics and spans once a provider is set."""
    config = getattr(app, "_telemetry", None)
    if isinstance(config, dict):
        for key in ("metrics", "tracing"):
            if key in config:
                config[key] = False


def instrumented_flag_set(app: object) -> bool:
    """Whether ``instrument_app`` has instrumented this (Starlette-like) app."""
    return bool(getattr(app, _INSTRUMENTED_FLAG, False))
