"""The JSON API (and, later, the dashboard), served by ``sloscope serve``.

A FastAPI app: one ``APIRouter`` per area (``_health``, ``_query``, ``_slos``,
``_reports``), each route taking what it needs from ``ApiContext`` through
``Depends(api_context)``. Errors are answered in one shape, ``{"error": "<message>"}``,
by the handlers of ``_errors``. ``/openapi.json`` describes every route; the interactive
docs pages are off (they load their scripts from a CDN).
"""

from __future__ import annotations

from fastapi import FastAPI

from sloscope.api import _health, _query, _reports, _slos
from sloscope.api._context import ApiContext
from sloscope.api._errors import install_error_handlers


def create_app(context: ApiContext) -> FastAPI:
    """The ASGI app for ``context``."""
    app = FastAPI(
        title="sloscope",
        summary="SLOs, error budgets, burn rates and SLA reports from OpenTelemetry metrics.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.context = context
    install_error_handlers(app)
    for module in (_health, _query, _slos, _reports):
        app.include_router(module.router)
    return app


__all__ = ["ApiContext", "create_app"]
