"""The JSON API and the web dashboard, served by ``sloscope serve``.

A FastAPI app: one ``APIRouter`` per area (``_health``, ``_metrics``, ``_query``,
``_slos``, ``_slo_reads``, ``_service_reads``, ``_reports``, ``_alerts``, ``_dashboards``),
each route taking what it needs from ``ApiContext`` through ``Depends(api_context)``.
Errors are answered in one shape, ``{"error": "<message>"}`` (``ErrorAnswer``, listed on
every route of the schema), by the handlers of ``_errors``. ``/openapi.json`` describes
every route; ``/docs`` is its interactive page (Swagger UI, served from ``sloscope.web``'s
own files, no CDN). The pages of the dashboard come from ``sloscope.web``.

The security layer wraps the whole app, outermost first, so a route added later is
covered without doing anything (docs/security.md):

1. ``HostCheck``: loopback names or ``api.allowed_hosts`` only (421).
2. CORS headers, only for ``api.cors_origins`` (none by default).
3. ``TokenCheck``: ``Authorization: Bearer <api.token>`` on ``/api/`` and ``/metrics`` when
   a token is set (401).
4. ``JsonBodies``: ``/api/`` bodies are ``application/json`` (415).
5. ``BodyLimit``: bodies read with a limit (413).

Inside the gate, ``RequestMetrics`` counts requests and page views (``_monitoring``).
Each request that reads the store takes one of a few read-only sessions (429
when none is free), and user SQL is checked by ``sloscope._read_query``.
"""

from __future__ import annotations

from fastapi import FastAPI, Security
from fastapi.security import HTTPBearer
from starlette.middleware.cors import CORSMiddleware

from sloscope.api import (
    _alerts,
    _dashboards,
    _health,
    _metrics,
    _query,
    _reports,
    _service_reads,
    _slo_reads,
    _slos,
)
from sloscope.api._access import HostCheck, TokenCheck, allowed_hosts
from sloscope.api._bodies import BodyLimit, JsonBodies
from sloscope.api._context import ApiContext, HealthCheck
from sloscope.api._errors import install_error_handlers
from sloscope.api._metrics import RequestMetrics
from sloscope.web import install_web

KIB = 1024
# Routes whose bodies carry SLO files: their own limit, api.max_slo_files_kib.
SLO_FILE_ROUTES = ("/api/slos/status", "/api/reports/sla")
# Documents the token in the schema (and gives /docs its Authorize button); TokenCheck
# enforces it, for every /api/ route, whether a route names this or not.
BEARER = HTTPBearer(
    auto_error=False,
    description="api.token, when the server sets one (SLOSCOPE_API__TOKEN).",
)
API_ROUTERS = (_query, _slos, _slo_reads, _service_reads, _reports, _alerts, _dashboards)


def create_app(context: ApiContext, *, engine: bool = True) -> FastAPI:
    """The ASGI app for ``context``; without the ``engine`` (``serve --role ingest``),
    ``/healthz`` and ``/metrics`` only (no API, no pages)."""
    settings = context.settings
    app = FastAPI(
        title="sloscope",
        summary="SLOs, error budgets, burn rates and SLA reports from OpenTelemetry metrics.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.context = context
    install_error_handlers(app)
    app.include_router(_health.router)
    app.include_router(_metrics.router)
    if engine:
        for module in API_ROUTERS:
            app.include_router(module.router, dependencies=[Security(BEARER)])
        install_web(app, token_set=settings.token is not None)
    # add_middleware wraps what is already there: the last added runs first.
    app.add_middleware(RequestMetrics, monitoring=context.monitoring)
    slo_files = dict.fromkeys(SLO_FILE_ROUTES, settings.max_slo_files_kib * KIB)
    app.add_middleware(BodyLimit, default_bytes=settings.max_body_kib * KIB, path_bytes=slo_files)
    app.add_middleware(JsonBodies)
    if settings.token is not None:
        app.add_middleware(TokenCheck, token=settings.token.get_secret_value())
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
    app.add_middleware(HostCheck, allowed=allowed_hosts(settings.allowed_hosts, settings.host))
    return app


__all__ = ["ApiContext", "HealthCheck", "create_app"]
