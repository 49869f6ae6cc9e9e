"""Alerts, their changes and silences as the package passes them around (frozen
records); ``_state_store`` reads and writes them, ``_lifecycle`` changes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from alerting._matchers import Matchers, matches

State = Literal["pending", "firing", "acknowledged", "resolved"]
NoteKind = Literal["note", "action", "resolution"]
EVALUATOR: Final = "sloscope"
ACTIVE_STATES: Final = frozenset({"firing", "acknowledged"})


@dataclass(frozen=True, slots=True)
class Observation:
    """What one evaluation found for one rule and label set: ``active`` when the
    condition holds; ``value`` measured, ``threshold`` it was compared with."""

    fingerprint: str
    source: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    channels: tuple[str, ...]
    active: bool
    value: float
    threshold: float
    hold_for: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert, as it stands: one per rule and label set (``fingerprint``) is open at a
    time. ``starts_at``: the condition first held; ``firing_at``: it fired (after
    ``for``); ``ends_at``: the condition cleared (or a user resolved it);
    ``clear_since``: clear, within the resolve hold; ``rearmed``: after a manual resolve,
    the condition has cleared once, so it may fire again."""

    id: str
    fingerprint: str
    source: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    channels: tuple[str, ...]
    state: State
    value: float
    threshold: float
    starts_at: datetime
    evaluated_at: datetime
    version: int
    firing_at: datetime | None = None
    ends_at: datetime | None = None
    clear_since: datetime | None = None
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    resolved_by: str = ""
    escalation_level: int = 0
    rearmed: bool = False

    @property
    def fired(self) -> bool:
        return self.firing_at is not None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One change of an alert, with who (``actor``) and when (``at``)."""

    alert_id: str
    at: datetime
    kind: str
    actor: str
    state: str
    value: float
    note_kind: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Silence:
    """Alerts whose labels match ``matchers`` are not notified from ``starts_at`` to
    ``ends_at``; ``spec`` keeps the matchers as written, for display."""

    id: str
    spec: Mapping[str, object]
    matchers: Matchers
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    comment: str
    updated_by: str = ""
    version: int = 0

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.active(now) and matches(self.matchers, labels)


@dataclass(frozen=True, slots=True)
class Change:
    """What a step of the lifecycle gives: the alert's new version (or None: unchanged)
    and the events to record."""

    alert: AlertRecord | None = None
    events: tuple[AlertEvent, ...] = field(default=())
