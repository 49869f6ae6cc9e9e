"""``GET /healthz``: the process is up and the store answers (within 2 s).

Open even when ``api.token`` is set; the store is asked on a session and a thread of
its own (``HealthProbe``), so no user query ever makes it wait.

``GET /api/health``: the health checks of the SLO files as a tree of services (healthy,
degraded, unhealthy, and why), a ``HealthReport``. From the latest results when a probe
loop feeds the board; else the checks run on request, bounded by their own timeouts and
shared between concurrent requests (``HealthBoard.refresh``). Behind the API token.
``?service=NAME`` keeps that service and the services it depends on, directly or not
(where a "degraded" comes from), and the status is theirs; a service without a check
answers an empty list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from alerting.probes import HealthReport, ServiceHealth, service_subtree
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses

router = APIRouter(tags=["health"])

# A service name as the service routes bound it (``/api/services/{name}``: 500
# characters): the names come from the senders' ``service.name``, so any printable
# text is allowed; control characters are refused.
MAX_SERVICE_NAME = 500
Service = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_SERVICE_NAME,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description=(
            "Only this service and the services it depends on, directly or not; the "
            "status is theirs. A service without a check: an empty list."
        ),
    ),
]


@router.get("/healthz", response_model=dict[str, Any])
async def healthz(context: Annotated[ApiContext, Depends(api_context)]) -> JSONResponse:
    """``{"status": "ok", ...}`` with each part's check; 503 when the store does not answer."""
    checks = {name: probe() for name, probe in context.health_checks.items()}
    problem = await context.health.problem()
    if problem is not None:
        return JSONResponse({"status": "unavailable", "store": problem, **checks}, 503)
    return JSONResponse({"status": "ok", **checks})


@router.get("/api/health", response_model=HealthReport, responses=error_responses(400, 422))
async def health_tree(
    context: Annotated[ApiContext, Depends(api_context)], service: Service = None
) -> HealthReport:
    """Each service's health from its checks and their dependencies."""
    tree = await _tree(context)
    return HealthReport.from_tree(tree if service is None else service_subtree(tree, service))


async def _tree(context: ApiContext) -> list[ServiceHealth]:
    board = context.health_board
    if board is not None and board.live:
        return board.tree()
    if board is None:
        board = await run_in_threadpool(context.health_files.board, context.slos_dir)
    if any(check.store is not None for check in board.checks):
        with context.sessions.take() as session:
            return await board.refresh(session)
    return await board.refresh()
