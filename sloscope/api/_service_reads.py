"""``GET /api/services`` and ``GET /api/services/{name}``: the services that send
requests, and one service's golden signals and resources over a range, for the
dashboard. Computed by the SLO engine's service queries (``slo_engine.services``,
``slo_engine.service_series``) on one of the API's sessions, off the event loop.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from processor.store import Store
from slo_engine import ServiceSeries, ServiceSummary, load, read_sources, service_series, services
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses
from sloscope.api._ranges import End, Start, Step, TimeRange, resolve

router = APIRouter(tags=["services"])


class ServiceEntry(BaseModel):
    """A service's requests over the range, and how many SLOs the server's files set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: ServiceSummary
    slos: int


class ServiceList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: datetime
    end: datetime
    services: list[ServiceEntry]


Route = Annotated[
    str | None, Query(max_length=500, description="One http.route; default: every route.")
]


@router.get("/api/services", responses=error_responses(400, 422))
async def service_list(
    context: Annotated[ApiContext, Depends(api_context)], start: Start = None, end: End = None
) -> ServiceList:
    """Every service with requests from ``start`` to ``end`` (default: the last day)."""
    found = resolve(start, end, None)
    with context.sessions.take() as session:
        return await run_in_threadpool(_list, session, context.slos_dir, found)


@router.get("/api/services/{name:path}", responses=error_responses(400))
async def service_detail(
    name: Annotated[str, PathParam(max_length=500)],
    context: Annotated[ApiContext, Depends(api_context)],
    *,
    start: Start = None,
    end: End = None,
    step: Step = None,
    route: Route = None,
) -> ServiceSeries:
    """Request rate, error ratio, p50/p95/p99 and resources of ``name`` per step."""
    found = resolve(start, end, step)
    with context.sessions.take() as session:
        return await run_in_threadpool(
            service_series, session, name, found.start, found.end, found.step, route=route
        )


def _list(session: Store, slos_dir: Path, found: TimeRange) -> ServiceList:
    slo_set = load(read_sources([slos_dir], missing_ok=True))
    counts: dict[str, int] = {}
    for slo in slo_set.slos:
        counts[slo.service] = counts.get(slo.service, 0) + 1
    return ServiceList(
        start=found.start,
        end=found.end,
        services=[
            ServiceEntry(service=item, slos=counts.get(item.name, 0))
            for item in services(session, found.start, found.end)
        ],
    )
