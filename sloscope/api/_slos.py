"""``POST /api/slos/status``: the SLO engine's status, for the CLI while serve runs.

Body: ``StatusRequest`` (``files``: SLO file texts by name, default the server's SLO
directory; ``at``: ISO-8601, default now). Answer: ``StatusReport``, the same document
``sloscope slo status --json`` prints. Spec errors answer 422 with every issue. The files
are parsed and evaluated off the event loop, on one of the API's query sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from processor.store import Store
from slo_engine import StatusReport, StatusRequest, load, read_sources, status
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses

router = APIRouter(tags=["slos"])


@router.post("/api/slos/status", responses=error_responses(400, 413, 415, 422))
async def slo_status(
    body: StatusRequest, context: Annotated[ApiContext, Depends(api_context)]
) -> StatusReport:
    """Every SLO's SLI, error budget, burn rates and latency at ``at``."""
    with context.sessions.take() as session:
        return await run_in_threadpool(_status, session, body, context.slos_dir)


def _status(session: Store, body: StatusRequest, slos_dir: Path) -> StatusReport:
    sources = body.files if body.files is not None else read_sources([slos_dir], missing_ok=True)
    return status(session, load(sources), body.at or datetime.now(UTC))
