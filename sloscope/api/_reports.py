"""``POST /api/reports/sla``: the monthly SLA report, for the CLI while serve runs.

Body: ``SlaRequest`` (``files``: SLO file texts by name, default the server's SLO
directory; ``month``: ``YYYY-MM``; ``timezone``: IANA name, default UTC; ``as_of``:
ISO-8601, default now). Answer: ``SlaReport``, the document ``sloscope report sla
--format json`` prints. Spec errors answer 422 with every issue; a bad month or zone 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from slo_engine import SlaReport, SlaRequest, load, read_sources, sla_report
from sloscope.api._context import ApiContext, api_context

router = APIRouter(tags=["reports"])


@router.post("/api/reports/sla")
async def sla(body: SlaRequest, context: Annotated[ApiContext, Depends(api_context)]) -> SlaReport:
    """The SLA report of ``month`` in ``timezone`` as known at ``as_of``."""
    sources = body.files if body.files is not None else read_sources([context.slos_dir])
    slo_set = load(sources)
    now = body.as_of or datetime.now(UTC)
    return await run_in_threadpool(
        sla_report, context.query_store, slo_set, body.month, body.timezone, now
    )
