"""The alert engine: evaluations, the lifecycle and silences, over the store.

``AlertEngine`` holds the open alerts (one per fingerprint), read back from the store when
it starts, and writes every change before it counts: a restart carries on exactly. Its
methods are called from ``sloscope serve``'s loop (in a worker thread) and from the API
(acknowledge, resolve, annotate, silences); one lock serialises them. The clock and the
id source are injected, so tests replay any sequence of instants.

The engine keeps the ``Findings`` of its latest evaluation (``latest``,
``latest_status``): the status of every SLO at that instant, which the dashboard's
``GET /api/slos`` serves while it is younger than two intervals.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from alerting import _lifecycle
from alerting._config import AlertingConfig
from alerting._dispatch import Planned, due_escalations, plan
from alerting._evaluate import Findings, evaluate, health_observations
from alerting._matchers import ConditionSpec, matchers
from alerting._records import AlertEvent, AlertRecord, Change, NoteKind, Silence
from alerting._state_store import StateStore, Writable
from alerting.errors import InvalidAction, NotFound
from alerting.probes import ServiceHealth
from slo_engine import SloSet, StatusReport

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_SILENCE = timedelta(days=366)
# How far back a resolution not yet told is still sent.
RESOLVED_LOOKBACK = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True, slots=True)
class Evaluated:
    """What one evaluation changed: alerts that started firing, alerts resolved, and how
    many observations it made."""

    at: datetime
    observed: int
    fired: tuple[AlertRecord, ...]
    resolved: tuple[AlertRecord, ...]
    created: int = 0


class AlertEngine:
    def __init__(
        self,
        store: Writable,
        config: AlertingConfig,
        slo_set: SloSet,
        *,
        clock: Clock = utc_now,
        ids: Callable[[], str] = new_id,
        health: Callable[[], Sequence[ServiceHealth]] | None = None,
    ) -> None:
        self.config = config
        self.slo_set = slo_set
        self.clock = clock
        self._store = store
        self._state = StateStore(store)
        self._ids = ids
        self._health = health
        self._lock = threading.Lock()
        self._open = {alert.fingerprint: alert for alert in self._state.open_alerts()}
        self._latest: Findings | None = None

    def close(self) -> None:
        """Close the engine's store session (``serve`` gives it one of its own)."""
        self._store.close()

    @property
    def state(self) -> StateStore:
        return self._state

    def open_alerts(self) -> list[AlertRecord]:
        with self._lock:
            return list(self._open.values())

    def latest(self) -> Findings | None:
        """What the latest evaluation found; None before the first."""
        with self._lock:
            return self._latest

    def latest_status(self) -> tuple[datetime, StatusReport] | None:
        """The instant of the latest evaluation and every SLO's status there; None
        before the first evaluation, or when there are no SLOs."""
        latest = self.latest()
        if latest is None or latest.status is None:
            return None
        return latest.at, latest.status

    def evaluate(self, at: datetime | None = None) -> Evaluated:
        """Measure every rule at ``at`` (now) and move each alert along its lifecycle."""
        instant = at or self.clock()
        findings = evaluate(self._store, self.config, self.slo_set, instant)
        observations = list(findings.observations)
        if self._health is not None:
            observations += health_observations(self._health())
        created = 0
        with self._lock:
            changes = []
            for found in observations:
                current = self._open.get(found.fingerprint)
                change = _lifecycle.observe(
                    current, found, instant, self.config.timing.resolve_hold, self._ids()
                )
                new = change.alert is not None and (
                    current is None or current.id != change.alert.id
                )
                created += int(new)
                changes.append(change)
            self._apply(changes)
            self._latest = findings
        fired = tuple(c.alert for c in changes if c.alert and _kinds(c) & {"firing"})
        resolved = tuple(c.alert for c in changes if c.alert and _kinds(c) & {"resolved"})
        return Evaluated(instant, len(observations), fired, resolved, created)

    def due(self, now: datetime | None = None) -> list[Planned]:
        """Raise the escalations that are due, then plan the notifications due at
        ``now``: for the open alerts, and the recently resolved ones whose resolution
        may not have been told yet (a failed delivery is planned again)."""
        instant = now or self.clock()
        for alert, level in due_escalations(self.open_alerts(), self.config, instant):
            self._change(alert.id, functools.partial(_escalated, level=level))
        current = {a.id: a for a in self.open_alerts()}
        since = instant - RESOLVED_LOOKBACK
        for alert in self._state.alerts(("resolved",), since=since, limit=1000):
            if alert.fired and alert.id not in current:
                current[alert.id] = alert
        alerts = list(current.values())
        told = self._state.last_notified([a.id for a in alerts])
        return plan(alerts, self._state.silences(), told, self.config, instant)

    def acknowledge(self, alert_id: str, actor: str, note: str = "") -> AlertRecord:
        return self._change(alert_id, lambda a, now: _lifecycle.acknowledge(a, actor, now, note))

    def resolve(self, alert_id: str, actor: str, note: str = "") -> AlertRecord:
        return self._change(alert_id, lambda a, now: _lifecycle.resolve(a, actor, now, note))

    def annotate(self, alert_id: str, actor: str, kind: NoteKind, text: str) -> AlertRecord:
        return self._change(alert_id, lambda a, now: _lifecycle.annotate(a, actor, now, kind, text))

    def alert(self, alert_id: str) -> tuple[AlertRecord, list[AlertEvent]]:
        found = self._state.alert(alert_id)
        if found is None:
            raise NotFound(f"no alert {alert_id!r}")
        return found, self._state.events(alert_id)

    def add_silence(
        self,
        spec: Mapping[str, str | list[str] | ConditionSpec],
        starts_at: datetime | None,
        ends_at: datetime,
        actor: str,
        comment: str,
    ) -> Silence:
        """A silence of the alerts matching ``spec`` from ``starts_at`` (now) on."""
        now = self.clock()
        start = starts_at or now
        if not spec:
            raise InvalidAction("a silence needs at least one matcher")
        if ends_at <= start or ends_at <= now:
            raise InvalidAction("a silence ends after it starts, and in the future")
        if ends_at - start > MAX_SILENCE:
            raise InvalidAction("a silence lasts at most 366 days")
        written = {
            k: v.model_dump(exclude_none=True) if isinstance(v, ConditionSpec) else v
            for k, v in spec.items()
        }
        silence = Silence(
            self._ids(), written, matchers(spec), start, ends_at, actor, now, comment, actor,
            _lifecycle.version_after(None, now),
        )  # fmt: skip
        with self._lock:
            self._state.save_silence(silence)
        return silence

    def expire_silence(self, silence_id: str, actor: str) -> Silence:
        now = self.clock()
        with self._lock:
            found = {s.id: s for s in self._state.silences()}.get(silence_id)
            if found is None:
                raise NotFound(f"no silence {silence_id!r}")
            if found.ends_at <= now:
                raise InvalidAction(f"silence {silence_id} has already ended")
            ended = replace(
                found,
                ends_at=max(now, found.starts_at),
                updated_by=actor,
                version=max(found.version + 1, _lifecycle.version_after(None, now)),
            )
            self._state.save_silence(ended)
        return ended

    def silences(self) -> list[Silence]:
        return self._state.silences()

    def _change(
        self, alert_id: str, step: Callable[[AlertRecord, datetime], Change]
    ) -> AlertRecord:
        with self._lock:
            current = next((a for a in self._open.values() if a.id == alert_id), None)
            current = current or self._state.alert(alert_id)
            if current is None:
                raise NotFound(f"no alert {alert_id!r}")
            change = step(current, self.clock())
            self._apply([change])
            return change.alert or current

    def _apply(self, changes: Sequence[Change]) -> None:
        """Write, then hold: an alert counts once it is in the store."""
        alerts = [c.alert for c in changes if c.alert is not None]
        self._state.save(alerts, [e for c in changes for e in c.events])
        for alert in alerts:
            keep = alert.state != "resolved" or (
                alert.resolved_by != "sloscope" and not alert.rearmed
            )
            if keep:
                self._open[alert.fingerprint] = alert
            elif self._open.get(alert.fingerprint, alert).id == alert.id:
                self._open.pop(alert.fingerprint, None)


def _escalated(alert: AlertRecord, now: datetime, *, level: int) -> Change:
    return _lifecycle.escalate(alert, level, now)


def _kinds(change: Change) -> set[str]:
    return {event.kind for event in change.events}
