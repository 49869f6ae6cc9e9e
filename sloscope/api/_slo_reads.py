"""``GET /api/slos`` and ``GET /api/slos/{name}``: the SLOs of the server's SLO
directory, for the dashboard.

``/api/slos``: every SLO's status now (or ``at``), with its budget left as a fraction
and as time, its fast (1 h) and slow (6 h) burn rates and a sparkline of its 1 h burn
rate at each whole hour of the last day; the most urgent first (breached, warning, no data, ok;
then the least budget left; then the fastest burn). ``/api/slos/{name}``: that SLO's
status at ``end`` and its series (SLI, budget left, burn rate per window) from ``start``
to ``end`` every ``step``. Both computed by the SLO engine on one of the API's sessions,
off the event loop.

Without ``at``, ``/api/slos`` answers from the alert engine's latest evaluation when
there is one younger than two alerting intervals (by the context's clock) of the same
SLO files (``source: "evaluator"``): every evaluation computes the status and sparkline
of every SLO, the same calls as here, so the answer is the one computed at
``evaluated_at``. Otherwise it computes (``source: "computed"``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from alerting import HOURLY_WINDOW, hourly_burn
from processor.store import Store
from slo_engine import (
    SloSeries,
    SloSet,
    SloStatus,
    StatusReport,
    load,
    read_sources,
    slo_series,
    status,
)
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses
from sloscope.api._ranges import End, Start, Step, TimeRange, resolve

router = APIRouter(tags=["slos"])

FAST_WINDOW: Final = HOURLY_WINDOW  # the sparkline's window too
SLOW_WINDOW: Final = "6h"
DEFAULT_DETAIL_SPAN: Final = timedelta(days=30)
_URGENCY: Final = {"breached": 0, "warning": 1, "no_data": 2, "ok": 3}


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SloSummary(_Out):
    """One SLO (one set of ``per`` values) at a glance."""

    name: str
    slo: str
    service: str
    status: str
    objective: float
    window: str
    sli: float | None
    budget_remaining: float | None
    budget_remaining_seconds: float | None
    fast_burn: float | None
    slow_burn: float | None
    time_to_exhaustion_seconds: float | None
    sparkline: list[float | None]
    notes: list[str]


Source = Literal["evaluator", "computed"]

FRESH_INTERVALS: Final = 2
"""How many alerting intervals an evaluation serves ``/api/slos`` for. The loop waits one
interval after an evaluation ends and publishes the next when it ends, so the latest is
replaced before it is two intervals old whenever an evaluation takes under half an
interval: requests do not fall back to computing between two evaluations."""


class SloOverview(_Out):
    """Every SLO at ``evaluated_at``, the most urgent first; ``sparkline`` entries are
    the 1 h burn rate at each instant of ``sparkline_times``. ``source``: ``evaluator``
    when the alert engine's latest evaluation (younger than two alerting intervals)
    answered, ``computed`` when the request computed it."""

    source: Source = Field(
        description="evaluator: the alert engine's latest evaluation, younger than two "
        "alerting intervals; computed: computed for this request."
    )
    evaluated_at: datetime = Field(
        description="The instant every number is computed at: the evaluation's, or the "
        "one asked for (now by default)."
    )
    fast_window: str
    slow_window: str
    sparkline_times: list[datetime]
    slos: list[SloSummary]


class SloDetail(_Out):
    """One SLO: its status at the end of the range (one entry per ``per`` values) and
    its series over the range."""

    name: str
    statuses: list[SloStatus]
    series: list[SloSeries]


At = Annotated[datetime | None, Query(description="ISO-8601 with a zone; default: now.")]


@router.get("/api/slos", responses=error_responses(400, 422))
async def slo_overview(
    context: Annotated[ApiContext, Depends(api_context)], at: At = None
) -> SloOverview:
    """Every SLO of the server's SLO directory, the most urgent first. Without ``at``,
    from the alert engine's latest evaluation when it is younger than two alerting
    intervals (``source: evaluator``, ``evaluated_at`` its instant); otherwise computed
    now (by the context's clock), or at ``at`` (``source: computed``)."""
    instant = resolve(None, at, None).end if at is not None else context.clock()
    if at is None:
        evaluated = await run_in_threadpool(_evaluated, context)
        if evaluated is not None:
            return evaluated
    with context.sessions.take() as session:
        return await run_in_threadpool(_overview, session, context.slos_dir, instant)


@router.get("/api/slos/{name}", responses=error_responses(400, 404, 422))
async def slo_detail(
    name: Annotated[str, PathParam(max_length=200)],
    context: Annotated[ApiContext, Depends(api_context)],
    start: Start = None,
    end: End = None,
    step: Step = None,
) -> SloDetail:
    """One SLO's status at ``end`` and its series from ``start`` to ``end``."""
    slo_set = _slo_set(context.slos_dir)
    chosen = next((slo for slo in slo_set.slos if slo.name == name), None)
    if chosen is None:
        raise HTTPException(404, f"no SLO named {name!r} in the server's SLO files")
    span = chosen.window.length or DEFAULT_DETAIL_SPAN
    if start is None and end is None:
        start = datetime.now(UTC) - span
    elif start is None and end is not None:
        start = end - span
    found = resolve(start, end, step)
    with context.sessions.take() as session:
        return await run_in_threadpool(_detail, session, slo_set, name, found)


def _slo_set(slos_dir: Path) -> SloSet:
    return load(read_sources([slos_dir], missing_ok=True))


def _evaluated(context: ApiContext) -> SloOverview | None:
    """The overview from the alert engine's latest evaluation: None without an engine or
    an evaluation, when it is ``FRESH_INTERVALS`` intervals old (or from the future), or when the
    SLO files have changed since the engine loaded them."""
    engine = context.alerts
    latest = engine.latest() if engine is not None else None
    if engine is None or latest is None or latest.status is None:
        return None
    age = context.clock() - latest.at
    if not timedelta(0) <= age < FRESH_INTERVALS * engine.config.timing.interval:
        return None
    if _slo_set(context.slos_dir) != engine.slo_set:
        return None
    return overview(latest.status, latest.hourly_burn, "evaluator")


def _overview(session: Store, slos_dir: Path, instant: datetime) -> SloOverview:
    slo_set = _slo_set(slos_dir)
    report = status(session, slo_set, instant)
    return overview(report, hourly_burn(session, slo_set, report.evaluated_at), "computed")


def overview(report: StatusReport, series: Sequence[SloSeries], source: Source) -> SloOverview:
    """The overview of ``report``, with the sparklines of ``series`` (``hourly_burn``)."""
    sparklines = {item.name: item.burn_rates.get(FAST_WINDOW, []) for item in series}
    times = series[0].times if series else []
    summaries = [
        _summary(item, sparklines.get(item.name, [None] * len(times))) for item in report.slos
    ]
    return SloOverview(
        source=source,
        evaluated_at=report.evaluated_at,
        fast_window=FAST_WINDOW,
        slow_window=SLOW_WINDOW,
        sparkline_times=times,
        slos=sorted(summaries, key=urgency),
    )


def _summary(item: SloStatus, sparkline: list[float | None]) -> SloSummary:
    return SloSummary(
        name=item.name,
        slo=item.slo,
        service=item.service,
        status=item.status,
        objective=item.objective,
        window=item.window,
        sli=item.sli,
        budget_remaining=item.error_budget.remaining,
        budget_remaining_seconds=item.error_budget.remaining_seconds,
        fast_burn=item.burn_rates.get(FAST_WINDOW),
        slow_burn=item.burn_rates.get(SLOW_WINDOW),
        time_to_exhaustion_seconds=item.time_to_exhaustion_seconds,
        sparkline=sparkline,
        notes=item.notes,
    )


def urgency(item: SloSummary) -> tuple[int, float, float, str]:
    """Breached, warning, no data, ok; then the least budget left; then the fastest burn."""
    remaining = item.budget_remaining if item.budget_remaining is not None else math.inf
    burn = item.fast_burn if item.fast_burn is not None else 0.0
    return (_URGENCY.get(item.status, len(_URGENCY)), remaining, -burn, item.name)


def _detail(session: Store, slo_set: SloSet, name: str, found: TimeRange) -> SloDetail:
    alone = dataclasses.replace(slo_set, slos=tuple(s for s in slo_set.slos if s.name == name))
    report = status(session, alone, found.end)
    return SloDetail(
        name=name,
        statuses=[item for item in report.slos if item.slo == name],
        series=slo_series(session, alone, found.start, found.end, found.step),
    )
