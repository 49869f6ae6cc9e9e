"""Alerts, their history, silences and deliveries in the store (migration 0006).

Every change is a new row: an alert's and a silence's newest ``Version`` is in force
(ReplacingMergeTree, read with FINAL), events and deliveries are append-only. Nothing is
kept only in memory, so a restart carries on exactly where the last process stopped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from alerting._instants import maybe_naive, maybe_utc, naive_utc, utc
from alerting._matchers import ConditionSpec, matchers
from alerting._records import AlertEvent, AlertRecord, Silence
from alerting._sql import sql
from processor.store import Queryable

logger = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Writable(Queryable, Protocol):
    """What the state needs of ``processor.store.Store``: reads and statements."""

    def command(self, sql: str, parameters: Any = None, settings: Any = None) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One alert in one notification sent or tried."""

    at: datetime
    delivery_id: str
    channel: str
    group_key: str
    alert_id: str
    alert_state: str
    reason: str
    outcome: str
    attempts: int
    error: str
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Notified:
    state: str
    at: datetime


class StateStore:
    """Reads and writes the alerting tables of one database."""

    def __init__(self, store: Writable) -> None:
        self._store = store

    def save(self, alerts: Sequence[AlertRecord], events: Sequence[AlertEvent]) -> None:
        """New versions of ``alerts`` and their ``events``, alerts first."""
        if alerts:
            self._store.command(sql("insert_alerts"), _alert_columns(alerts))
        if events:
            self._store.command(sql("insert_events"), _event_columns(events))

    def open_alerts(self) -> list[AlertRecord]:
        return [_alert(row) for row in self._store.query(sql("open_alerts"))]

    def alerts(
        self, states: Iterable[str] = (), since: datetime = _EPOCH, limit: int = 1000
    ) -> list[AlertRecord]:
        rows = self._store.query(
            sql("list_alerts"),
            {"states": sorted(states), "since": naive_utc(since), "limit": limit},
        )
        return [_alert(row) for row in rows]

    def alert(self, alert_id: str) -> AlertRecord | None:
        rows = self._store.query(sql("get_alert"), {"alert_id": alert_id})
        return _alert(rows[0]) if rows else None

    def events(self, alert_id: str) -> list[AlertEvent]:
        rows = self._store.query(sql("alert_events"), {"alert_id": alert_id})
        return [
            AlertEvent(alert_id, utc(at), kind, actor, state, value, note_kind, note)
            for at, kind, actor, note_kind, note, state, value in rows
        ]

    def save_silence(self, silence: Silence) -> None:
        self._store.command(
            sql("insert_silence"),
            {
                "silence_id": silence.id,
                "matchers": json.dumps(silence.spec, sort_keys=True),
                "starts_at": naive_utc(silence.starts_at),
                "ends_at": naive_utc(silence.ends_at),
                "created_by": silence.created_by,
                "created_at": naive_utc(silence.created_at),
                "comment": silence.comment,
                "updated_by": silence.updated_by,
                "version": silence.version,
            },
        )

    def silences(self) -> list[Silence]:
        found = []
        for row in self._store.query(sql("silences")):
            silence_id, text, starts, ends, created_by, created_at, comment, updated_by, version = (
                row
            )
            spec = json.loads(text)
            typed = {
                k: ConditionSpec.model_validate(v) if isinstance(v, dict) else v
                for k, v in spec.items()
            }
            found.append(
                Silence(
                    silence_id,
                    spec,
                    matchers(typed),
                    utc(starts),
                    utc(ends),
                    created_by,
                    utc(created_at),
                    comment,
                    updated_by,
                    version,
                )
            )
        return found

    def record_deliveries(self, deliveries: Sequence[DeliveryRow]) -> None:
        if not deliveries:
            return
        columns = {
            "d_at": [naive_utc(d.at) for d in deliveries],
            "d_delivery": [d.delivery_id for d in deliveries],
            "d_channel": [d.channel for d in deliveries],
            "d_group": [d.group_key for d in deliveries],
            "d_alert": [d.alert_id for d in deliveries],
            "d_state": [d.alert_state for d in deliveries],
            "d_reason": [d.reason for d in deliveries],
            "d_outcome": [d.outcome for d in deliveries],
            "d_attempts": [d.attempts for d in deliveries],
            "d_error": [d.error for d in deliveries],
            "d_duration_ms": [d.duration_ms for d in deliveries],
        }
        self._store.command(sql("insert_deliveries"), columns)

    def last_notified(self, alert_ids: Sequence[str]) -> dict[tuple[str, str], Notified]:
        if not alert_ids:
            return {}
        rows = self._store.query(sql("last_notified"), {"alert_ids": list(alert_ids)})
        return {(a, c): Notified(state, utc(at)) for a, c, state, at in rows}

    def deliveries(self, alert_id: str) -> list[tuple[Any, ...]]:
        rows = self._store.query(sql("alert_deliveries"), {"alert_id": alert_id})
        return [(utc(row[0]), *row[1:]) for row in rows]


def _alert_columns(alerts: Sequence[AlertRecord]) -> dict[str, list[Any]]:
    return {
        "a_id": [a.id for a in alerts],
        "a_fingerprint": [a.fingerprint for a in alerts],
        "a_source": [a.source for a in alerts],
        "a_label_keys": [list(a.labels) for a in alerts],
        "a_label_values": [list(a.labels.values()) for a in alerts],
        "a_annotation_keys": [list(a.annotations) for a in alerts],
        "a_annotation_values": [list(a.annotations.values()) for a in alerts],
        "a_channels": [list(a.channels) for a in alerts],
        "a_state": [a.state for a in alerts],
        "a_value": [a.value for a in alerts],
        "a_threshold": [a.threshold for a in alerts],
        "a_starts": [naive_utc(a.starts_at) for a in alerts],
        "a_firing": [maybe_naive(a.firing_at) for a in alerts],
        "a_ends": [maybe_naive(a.ends_at) for a in alerts],
        "a_clear": [maybe_naive(a.clear_since) for a in alerts],
        "a_evaluated": [naive_utc(a.evaluated_at) for a in alerts],
        "a_ack_by": [a.acknowledged_by for a in alerts],
        "a_ack_at": [maybe_naive(a.acknowledged_at) for a in alerts],
        "a_resolved_by": [a.resolved_by for a in alerts],
        "a_level": [a.escalation_level for a in alerts],
        "a_rearmed": [a.rearmed for a in alerts],
        "a_version": [a.version for a in alerts],
    }


def _event_columns(events: Sequence[AlertEvent]) -> dict[str, list[Any]]:
    return {
        "e_id": [e.alert_id for e in events],
        "e_at": [naive_utc(e.at) for e in events],
        "e_seq": list(range(len(events))),
        "e_kind": [e.kind for e in events],
        "e_actor": [e.actor for e in events],
        "e_note_kind": [e.note_kind for e in events],
        "e_note": [e.note for e in events],
        "e_state": [e.state for e in events],
        "e_value": [e.value for e in events],
    }


def _alert(row: Sequence[Any]) -> AlertRecord:
    (
        alert_id, fingerprint, source, labels, annotations, channels, state, value, threshold,
        starts, firing, ends, clear, evaluated, ack_by, ack_at, resolved_by, level, rearmed,
        version,
    ) = row  # fmt: skip
    return AlertRecord(
        id=alert_id,
        fingerprint=fingerprint,
        source=source,
        labels=dict(labels),
        annotations=dict(annotations),
        channels=tuple(channels),
        state=state,
        value=value,
        threshold=threshold,
        starts_at=utc(starts),
        evaluated_at=utc(evaluated),
        version=version,
        firing_at=maybe_utc(firing),
        ends_at=maybe_utc(ends),
        clear_since=maybe_utc(clear),
        acknowledged_by=ack_by,
        acknowledged_at=maybe_utc(ack_at),
        resolved_by=resolved_by,
        escalation_level=level,
        rearmed=bool(rearmed),
    )
