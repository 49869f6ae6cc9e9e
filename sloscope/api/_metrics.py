"""``GET /metrics``: sloscope's own metrics in the Prometheus text format, and the
middleware that counts the API's requests and the dashboard's page views
(``sloscope._monitoring``). ``/metrics`` wants the token when one is set, like ``/api/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sloscope._monitoring import UNMATCHED_ROUTE, Monitoring
from sloscope._prometheus import CONTENT_TYPE
from sloscope.api._access import API_PREFIX
from sloscope.api._context import ApiContext, api_context

METRICS_PATH = "/metrics"
# HTML served that is not a dashboard page: the API's own documentation.
NOT_DASHBOARD = ("/docs",)

router = APIRouter(tags=["monitoring"])


@router.get(
    METRICS_PATH,
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text"}},
)
async def metrics(context: Annotated[ApiContext, Depends(api_context)]) -> Response:
    """The processor's and the API's own metrics, totals since the process started."""
    return Response(context.monitoring.prometheus_text(), media_type=CONTENT_TYPE)


@dataclass(slots=True)
class _Answer:
    """What the app answered (a request that raised was answered 500 by the handlers)."""

    status: int = 500
    html: bool = False


class RequestMetrics:
    """Counts each request by route template, method and status, and each HTML page
    served (GET, 200, ``text/html``, outside ``/api/`` and ``/docs``) as a dashboard view."""

    def __init__(self, app: ASGIApp, monitoring: Monitoring) -> None:
        self.app = app
        self.monitoring = monitoring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer = _Answer()

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                answer.html = content_type.startswith("text/html")
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            self._record(scope, answer.status, html=answer.html)

    def _record(self, scope: Scope, status: int, *, html: bool) -> None:
        route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
        method = scope["method"]
        self.monitoring.record_request(route, method, status)
        path = scope["path"]
        is_page = not path.startswith(API_PREFIX) and not path.startswith(NOT_DASHBOARD)
        if html and is_page and method == "GET" and status == 200:
            self.monitoring.record_view(route)
