"""``GET /healthz``: the process is up and the store answers (within 2 s).

Open even when ``api.token`` is set; the store is asked on a session and a thread of
its own (``HealthProbe``), so no user query ever makes it wait.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from sloscope.api._context import ApiContext, api_context

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=dict[str, Any])
async def healthz(context: Annotated[ApiContext, Depends(api_context)]) -> JSONResponse:
    """``{"status": "ok", ...}`` with each part's check; 503 when the store does not answer."""
    checks = {name: probe() for name, probe in context.health_checks.items()}
    problem = await context.health.problem()
    if problem is not None:
        return JSONResponse({"status": "unavailable", "store": problem, **checks}, 503)
    return JSONResponse({"status": "ok", **checks})
