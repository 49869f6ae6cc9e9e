"""The JSON API (and, later, the dashboard), served by ``sloscope serve``.

Routes live in one module per area and are collected here; each takes what it needs
from ``ApiContext``. Every route reads; the API binds to loopback unless told otherwise.
"""

from __future__ import annotations

from starlette.applications import Starlette

from sloscope.api._context import ApiContext
from sloscope.api._health import routes as health_routes
from sloscope.api._query import routes as query_routes
from sloscope.api._reports import routes as report_routes
from sloscope.api._slos import routes as slo_routes


def create_app(context: ApiContext) -> Starlette:
    """The ASGI app for ``context``."""
    app = Starlette(
        routes=[
            *health_routes(context),
            *query_routes(context),
            *slo_routes(context),
            *report_routes(context),
        ]
    )
    app.state.context = context
    return app


__all__ = ["ApiContext", "create_app"]
