"""``GET /healthz``: the process is up and the store answers (within 2 s).

Open even when ``api.token`` is set; the store is asked on a session and a thread of
its own (``HealthProbe``), so no user query ever makes it wait.

``GET /api/health``: the health checks of the SLO files as a tree of services (healthy,
degraded, unhealthy, and why), a ``HealthReport``. From the latest results when a probe
loop feeds the board; else the checks run on request, bounded by their own timeouts and
shared between concurrent requests (``HealthBoard.refresh``). Behind the API token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from alerting.probes import HealthReport
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


@router.get("/api/health", response_model=HealthReport)
async def health_tree(context: Annotated[ApiContext, Depends(api_context)]) -> HealthReport:
    """Each service's health from its checks and their dependencies."""
    board = context.health_board
    if board is not None and board.live:
        return HealthReport.from_tree(board.tree())
    if board is None:
        board = await run_in_threadpool(context.health_files.board, context.slos_dir)
    if any(check.store is not None for check in board.checks):
        with context.sessions.take() as session:
            return HealthReport.from_tree(await board.refresh(session))
    return HealthReport.from_tree(await board.refresh())
