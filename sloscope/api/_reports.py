"""``POST /api/reports/sla``: the monthly SLA report, for the CLI while serve runs;
``GET /api/reports/sla?month=YYYY-MM&tz=Zone``: the same report of the server's SLO
directory, for the dashboard.

Body: ``SlaRequest`` (``files``: SLO file texts by name, default the server's SLO
directory; ``month``: ``YYYY-MM``; ``timezone``: IANA name, default UTC; ``as_of``:
ISO-8601, default now). Answer: ``SlaReport``, the document ``sloscope report sla
--format json`` prints. Spec errors answer 422 with every issue; a bad month or zone 400.
The files are parsed and the report computed off the event loop, on one of the API's
query sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from processor.store import Store
from slo_engine import SlaReport, SlaRequest, load, read_sources, sla_report
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses

router = APIRouter(tags=["reports"])


@router.post("/api/reports/sla", responses=error_responses(400, 413, 415, 422))
async def sla(body: SlaRequest, context: Annotated[ApiContext, Depends(api_context)]) -> SlaReport:
    """The SLA report of ``month`` in ``timezone`` as known at ``as_of``."""
    with context.sessions.take() as session:
        return await run_in_threadpool(_report, session, body, context.slos_dir)


def _report(session: Store, body: SlaRequest, slos_dir: Path) -> SlaReport:
    sources = body.files if body.files is not None else read_sources([slos_dir], missing_ok=True)
    now = body.as_of or datetime.now(UTC)
    return sla_report(session, load(sources), body.month, body.timezone, now)


@router.get("/api/reports/sla", responses=error_responses(400, 422))
async def sla_of_month(
    context: Annotated[ApiContext, Depends(api_context)],
    month: Annotated[str, Query(max_length=7, description="The calendar month, YYYY-MM.")],
    tz: Annotated[str, Query(max_length=64, description="IANA time zone.")] = "UTC",
) -> SlaReport:
    """The SLA report of ``month`` in ``tz`` for the server's SLO files, as of now."""
    body = SlaRequest(month=month, timezone=tz)
    with context.sessions.take() as session:
        return await run_in_threadpool(_report, session, body, context.slos_dir)
