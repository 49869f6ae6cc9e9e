"""The alert routes: read alerts and silences, and the documented writes
(docs/security.md): acknowledge, resolve, annotate an alert; add and expire silences.

``GET /api/alerts`` (``state``, ``limit``), ``GET /api/alerts/{id}``,
``POST /api/alerts/{id}/ack|resolve|annotations``, ``GET/POST /api/silences``,
``DELETE /api/silences/{id}``. Answers are the models ``sloscope alerts ... --json``
prints. Every write names who makes it (``by``), recorded with the change; with a token
set, every ``/api/`` call needs it (``TokenCheck``). The engine's calls touch the store,
so they run off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from starlette.concurrency import run_in_threadpool

from alerting import (
    AlertDetail,
    AlertEngine,
    AlertList,
    AlertView,
    EventView,
    NotFound,
    SilenceView,
)
from alerting._requests import AnnotationRequest, ChangeRequest, ExpireRequest, SilenceRequest
from sloscope.api._context import ApiContext, api_context

router = APIRouter(tags=["alerts"])
AlertId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
State = Literal["pending", "firing", "acknowledged", "resolved"]


def _engine(context: Annotated[ApiContext, Depends(api_context)]) -> AlertEngine:
    if context.alerts is None:
        raise NotFound("alerting is not running in this server")
    return context.alerts


Engine = Annotated[AlertEngine, Depends(_engine)]


@router.get("/api/alerts")
async def list_alerts(
    engine: Engine,
    state: Annotated[list[State] | None, Query(max_length=4)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> AlertList:
    found = await run_in_threadpool(engine.state.alerts, state or (), limit=limit)
    return AlertList(alerts=[AlertView.of(a) for a in found])


@router.get("/api/alerts/{alert_id}")
async def show_alert(engine: Engine, alert_id: AlertId) -> AlertDetail:
    alert, events = await run_in_threadpool(engine.alert, alert_id)
    return AlertDetail(alert=AlertView.of(alert), history=[EventView.of(e) for e in events])


@router.post("/api/alerts/{alert_id}/ack")
async def acknowledge(engine: Engine, alert_id: AlertId, body: ChangeRequest) -> AlertView:
    changed = await run_in_threadpool(engine.acknowledge, alert_id, body.by, body.note)
    return AlertView.of(changed)


@router.post("/api/alerts/{alert_id}/resolve")
async def resolve(engine: Engine, alert_id: AlertId, body: ChangeRequest) -> AlertView:
    changed = await run_in_threadpool(engine.resolve, alert_id, body.by, body.note)
    return AlertView.of(changed)


@router.post("/api/alerts/{alert_id}/annotations")
async def annotate(engine: Engine, alert_id: AlertId, body: AnnotationRequest) -> AlertView:
    changed = await run_in_threadpool(engine.annotate, alert_id, body.by, body.kind, body.text)
    return AlertView.of(changed)


@router.get("/api/silences")
async def list_silences(engine: Engine) -> list[SilenceView]:
    return [SilenceView.of(s) for s in await run_in_threadpool(engine.silences)]


@router.post("/api/silences")
async def add_silence(engine: Engine, body: SilenceRequest) -> SilenceView:
    silence = await run_in_threadpool(
        engine.add_silence, body.matchers, body.starts_at, body.ends_at, body.by, body.comment
    )
    return SilenceView.of(silence)


@router.delete("/api/silences/{silence_id}")
async def expire_silence(engine: Engine, silence_id: AlertId, body: ExpireRequest) -> SilenceView:
    return SilenceView.of(await run_in_threadpool(engine.expire_silence, silence_id, body.by))
