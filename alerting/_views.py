"""The JSON shape of alerts, their history and silences: what ``sloscope alerts ...
--json`` prints and the API answers (pydantic, the trust boundary)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from alerting._records import AlertEvent, AlertRecord, Silence


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertView(_Out):
    id: str
    fingerprint: str
    source: str
    state: str
    labels: dict[str, str]
    annotations: dict[str, str]
    channels: list[str]
    value: float | None
    threshold: float
    starts_at: datetime
    firing_at: datetime | None
    ends_at: datetime | None
    evaluated_at: datetime
    acknowledged_by: str
    acknowledged_at: datetime | None
    resolved_by: str
    escalation_level: int

    @classmethod
    def of(cls, alert: AlertRecord) -> AlertView:
        return cls(
            id=alert.id,
            fingerprint=alert.fingerprint,
            source=alert.source,
            state=alert.state,
            labels=dict(alert.labels),
            annotations=dict(alert.annotations),
            channels=list(alert.channels),
            value=None if alert.value != alert.value else alert.value,
            threshold=alert.threshold,
            starts_at=alert.starts_at,
            firing_at=alert.firing_at,
            ends_at=alert.ends_at,
            evaluated_at=alert.evaluated_at,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=alert.acknowledged_at,
            resolved_by=alert.resolved_by,
            escalation_level=alert.escalation_level,
        )


class EventView(_Out):
    at: datetime
    kind: str
    actor: str
    state: str
    note_kind: str
    note: str

    @classmethod
    def of(cls, event: AlertEvent) -> EventView:
        return cls(
            at=event.at,
            kind=event.kind,
            actor=event.actor,
            state=event.state,
            note_kind=event.note_kind,
            note=event.note,
        )


class AlertDetail(_Out):
    alert: AlertView
    history: list[EventView]


class AlertList(_Out):
    alerts: list[AlertView]


class SilenceView(_Out):
    id: str
    matchers: dict[str, object]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    comment: str
    updated_by: str

    @classmethod
    def of(cls, silence: Silence) -> SilenceView:
        return cls(
            id=silence.id,
            matchers=dict(silence.spec),
            starts_at=silence.starts_at,
            ends_at=silence.ends_at,
            created_by=silence.created_by,
            created_at=silence.created_at,
            comment=silence.comment,
            updated_by=silence.updated_by,
        )


class EvaluationView(_Out):
    evaluated_at: datetime
    observations: int
    fired: list[AlertView]
    resolved: list[AlertView]
