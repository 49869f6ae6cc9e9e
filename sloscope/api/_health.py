"""``GET /healthz``: the process is up and the store answers."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from processor.errors import StoreUnavailable
from sloscope.api._context import ApiContext


def routes(context: ApiContext) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        checks = {name: probe() for name, probe in context.health_checks.items()}
        try:
            await run_in_threadpool(context.query_store.query, "SELECT 1")
        except StoreUnavailable as exc:
            return JSONResponse({"status": "unavailable", "store": str(exc), **checks}, 503)
        return JSONResponse({"status": "ok", **checks})

    return [Route("/healthz", healthz, methods=["GET"])]
