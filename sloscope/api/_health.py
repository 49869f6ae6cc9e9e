"""``GET /healthz``: the process is up and the store answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from processor.errors import StoreUnavailable
from sloscope.api._context import ApiContext, api_context

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=dict[str, Any])
async def healthz(context: Annotated[ApiContext, Depends(api_context)]) -> JSONResponse:
    """``{"status": "ok", ...}`` with each probe's answer; 503 when the store does not answer."""
    checks = {name: probe() for name, probe in context.health_checks.items()}
    try:
        await run_in_threadpool(context.query_store.query, "SELECT 1")
    except StoreUnavailable as exc:
        return JSONResponse({"status": "unavailable", "store": str(exc), **checks}, 503)
    return JSONResponse({"status": "ok", **checks})
