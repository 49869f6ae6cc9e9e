"""The lifecycle of an alert, pure: each function takes the alert as it stands and the
instant, and returns its next version and the events to record.

    (none) ──condition──▶ pending ──held `for`──▶ firing ──ack──▶ acknowledged
                              │                     │                 │
                              └─clears──▶ resolved ◀┴──clear for the resolve hold, or a user

A condition that clears and returns within the resolve hold changes nothing (no
notification on every turn of a flapping condition). An alert resolved by a user while
its condition still holds does not fire again until the condition has cleared once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from alerting._records import (
    ACTIVE_STATES,
    EVALUATOR,
    AlertEvent,
    AlertRecord,
    Change,
    NoteKind,
    Observation,
)
from alerting.errors import InvalidAction


def version_after(alert: AlertRecord | None, now: datetime) -> int:
    """A version above the alert's last, from the clock when it is ahead."""
    stamp = int(now.timestamp() * 1000) * 1000
    return max(stamp, (alert.version + 1) if alert is not None else 0)


def observe(
    alert: AlertRecord | None,
    found: Observation,
    now: datetime,
    resolve_hold: timedelta,
    new_id: str,
) -> Change:
    """The alert after an evaluation at ``now`` found ``found``."""
    if alert is None or alert.state == "resolved":
        if not found.active:
            if alert is not None and not alert.rearmed and alert.resolved_by != EVALUATOR:
                return Change(replace(alert, rearmed=True, version=version_after(alert, now)))
            return Change()
        if alert is not None and alert.resolved_by != EVALUATOR and not alert.rearmed:
            return Change()
        return _open(found, now, new_id)
    if alert.state == "pending":
        return _pending(alert, found, now)
    return _active(alert, found, now, resolve_hold)


def _open(found: Observation, now: datetime, new_id: str) -> Change:
    firing = found.hold_for <= timedelta(0)
    alert = AlertRecord(
        id=new_id,
        fingerprint=found.fingerprint,
        source=found.source,
        labels=dict(found.labels),
        annotations=dict(found.annotations),
        channels=found.channels,
        state="firing" if firing else "pending",
        value=found.value,
        threshold=found.threshold,
        starts_at=now,
        evaluated_at=now,
        version=version_after(None, now),
        firing_at=now if firing else None,
    )
    return Change(alert, (_event(alert, now, alert.state),))


def _pending(alert: AlertRecord, found: Observation, now: datetime) -> Change:
    if not found.active:
        ended = _updated(alert, found, now, state="resolved", ends_at=now, resolved_by=EVALUATOR)
        return Change(ended, (_event(ended, now, "resolved", note="cleared while pending"),))
    if now - alert.starts_at >= found.hold_for:
        fired = _updated(alert, found, now, state="firing", firing_at=now)
        return Change(fired, (_event(fired, now, "firing"),))
    return Change(_updated(alert, found, now))


def _active(
    alert: AlertRecord, found: Observation, now: datetime, resolve_hold: timedelta
) -> Change:
    if found.active:
        return Change(_updated(alert, found, now, clear_since=None))
    clear_since = alert.clear_since or now
    if now - clear_since >= resolve_hold:
        ended = _updated(
            alert, found, now, state="resolved", ends_at=clear_since, resolved_by=EVALUATOR
        )
        return Change(ended, (_event(ended, now, "resolved", note="condition cleared"),))
    return Change(_updated(alert, found, now, clear_since=clear_since))


def _updated(
    alert: AlertRecord, found: Observation, now: datetime, **changes: object
) -> AlertRecord:
    return replace(
        alert,
        value=found.value,
        threshold=found.threshold,
        annotations=dict(found.annotations) if found.active else alert.annotations,
        channels=found.channels,
        evaluated_at=now,
        version=version_after(alert, now),
        **changes,  # type: ignore[arg-type]
    )


def acknowledge(alert: AlertRecord, actor: str, now: datetime, note: str = "") -> Change:
    """A user takes the alert: no more repeats, no escalation; resolution is still sent."""
    if alert.state != "firing":
        who = f" by {alert.acknowledged_by}" if alert.state == "acknowledged" else ""
        raise InvalidAction(
            f"alert {alert.id} is {alert.state}{who}: only a firing alert is acknowledged"
        )
    acked = replace(
        alert,
        state="acknowledged",
        acknowledged_by=actor,
        acknowledged_at=now,
        version=version_after(alert, now),
    )
    return Change(
        acked,
        (_event(acked, now, "acknowledged", actor, note_kind="note" if note else "", note=note),),
    )


def resolve(alert: AlertRecord, actor: str, now: datetime, note: str = "") -> Change:
    """A user resolves the alert; it fires again only after its condition cleared once."""
    if alert.state not in ACTIVE_STATES and alert.state != "pending":
        raise InvalidAction(f"alert {alert.id} is already resolved (by {alert.resolved_by})")
    ended = replace(
        alert,
        state="resolved",
        ends_at=now,
        resolved_by=actor,
        rearmed=False,
        version=version_after(alert, now),
    )
    kind = "resolution" if note else ""
    return Change(ended, (_event(ended, now, "resolved", actor, note_kind=kind, note=note),))


def annotate(alert: AlertRecord, actor: str, now: datetime, kind: NoteKind, text: str) -> Change:
    """A note, an action taken or the resolution, on the alert's record."""
    return Change(None, (_event(alert, now, "annotation", actor, note_kind=kind, note=text),))


def escalate(alert: AlertRecord, level: int, now: datetime) -> Change:
    raised = replace(alert, escalation_level=level, version=version_after(alert, now))
    return Change(raised, (_event(raised, now, "escalated", note=f"level {level}"),))


def _event(
    alert: AlertRecord,
    now: datetime,
    kind: str,
    actor: str = EVALUATOR,
    *,
    note_kind: str = "",
    note: str = "",
) -> AlertEvent:
    return AlertEvent(alert.id, now, kind, actor, alert.state, alert.value, note_kind, note)
