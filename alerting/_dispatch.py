"""Who hears of which alert, when: routing, grouping, silences, inhibition, repeats,
escalation (``plan``, pure), then the sending itself (``send``).

``plan`` takes the alerts, the silences and what each channel was last told of each
alert (read back from the deliveries in the store), and returns the notifications due
at ``now``, grouped as Alertmanager groups them: per channel and per value of the
``group_by`` labels, each with every firing alert of its group. An alert is told to a
channel when it starts firing, again each ``repeat_interval`` while it fires and nobody
acknowledged it, and once when it resolves. A new group waits ``group_wait`` for more
alerts; a group already told waits ``group_interval`` between notifications. Silenced
and inhibited alerts are not told.

``send`` delivers them all at once, each in its own task under one deadline: a channel
that is down costs only its own task, never the others' nor the evaluation loop's.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerting._config import AlertingConfig
from alerting._matchers import matches
from alerting._records import ACTIVE_STATES, AlertRecord, Silence
from alerting._state_store import DeliveryRow, Notified
from alerting.channels import AlertNotice, Delivery, Notification

logger = logging.getLogger(__name__)
Deliver = Callable[[str, Notification], Awaitable[Delivery]]


@dataclass(frozen=True, slots=True)
class Planned:
    """One notification due: to ``channel``, about ``alerts`` (the group's), for
    ``reasons`` (per alert id: firing, repeat, escalation or resolved)."""

    channel: str
    group_key: str
    group_labels: Mapping[str, str]
    alerts: tuple[AlertRecord, ...]
    reasons: Mapping[str, str]

    def notification(self, external_url: str = "") -> Notification:
        notices = tuple(_notice(alert) for alert in self.alerts)
        firing = any(n.status == "firing" for n in notices)
        return Notification(
            receiver=self.channel,
            status="firing" if firing else "resolved",
            group_key=self.group_key,
            group_labels=dict(self.group_labels),
            alerts=notices,
            external_url=external_url,
        )


def muted(
    alert: AlertRecord,
    active: Sequence[AlertRecord],
    silences: Sequence[Silence],
    config: AlertingConfig,
    now: datetime,
) -> str | None:
    """Why ``alert`` is not told now (``silenced`` or ``inhibited``), or None."""
    if any(s.mutes(alert.labels, now) for s in silences):
        return "silenced"
    for rule in config.inhibit:
        if not matches(rule.target, alert.labels):
            continue
        for source in active:
            if (
                source.id != alert.id
                and source.state in ACTIVE_STATES
                and matches(rule.source, source.labels)
                and all(source.labels.get(k, "") == alert.labels.get(k, "") for k in rule.equal)
            ):
                return "inhibited"
    return None


def receivers(alert: AlertRecord, config: AlertingConfig) -> list[str]:
    """The channels of ``alert``: its rule's, the matching routes' (first match, unless
    it says ``continue``), and the escalation levels it reached."""
    found = list(alert.channels)
    for route in config.routes:
        if matches(route.match, alert.labels):
            found += [c for c in route.channels if c not in found]
            if not route.continue_:
                break
    levels = [level for level in config.escalation if matches(level.match, alert.labels)]
    for level in levels[: alert.escalation_level]:
        found += [c for c in level.channels if c not in found]
    return found


def due_escalations(
    alerts: Sequence[AlertRecord], config: AlertingConfig, now: datetime
) -> list[tuple[AlertRecord, int]]:
    """Firing alerts nobody acknowledged that reached their next level's ``after``."""
    found = []
    for alert in alerts:
        if alert.state != "firing" or alert.firing_at is None:
            continue
        levels = [level for level in config.escalation if matches(level.match, alert.labels)]
        reached = sum(1 for level in levels if now - alert.firing_at >= level.after)
        if reached > alert.escalation_level:
            found.append((alert, reached))
    return found


def plan(
    alerts: Sequence[AlertRecord],
    silences: Sequence[Silence],
    told: Mapping[tuple[str, str], Notified],
    config: AlertingConfig,
    now: datetime,
) -> list[Planned]:
    """The notifications due at ``now``."""
    timing = config.timing
    fired = [a for a in alerts if a.fired]
    groups: dict[tuple[str, str], list[AlertRecord]] = {}
    reasons: dict[tuple[str, str], dict[str, str]] = {}
    for alert in fired:
        if alert.state in ACTIVE_STATES and muted(alert, fired, silences, config, now):
            continue
        for channel in receivers(alert, config):
            key = (channel, _group_key(alert, config.group_by))
            groups.setdefault(key, []).append(alert)
            reason = _reason(alert, told.get((alert.id, channel)), timing.repeat_interval, now)
            if reason is not None:
                reasons.setdefault(key, {})[alert.id] = reason
    planned = []
    for key, needing in reasons.items():
        members = groups[key]
        last = max(
            (told[(a.id, key[0])].at for a in members if (a.id, key[0]) in told), default=None
        )
        if last is None:
            first = min(a.firing_at or a.starts_at for a in members)
            if now - first < timing.group_wait:
                continue
        elif now - last < timing.group_interval and set(needing.values()) <= {"firing"}:
            continue
        shown = tuple(a for a in members if a.state in ACTIVE_STATES or a.id in needing)
        labels = {k: members[0].labels.get(k, "") for k in config.group_by}
        planned.append(Planned(key[0], key[1], labels, shown, needing))
    return planned


def _reason(
    alert: AlertRecord, last: Notified | None, repeat: timedelta, now: datetime
) -> str | None:
    if alert.state == "resolved":
        return "resolved" if last is not None and last.state != "resolved" else None
    if last is None:
        return "firing" if alert.state == "firing" else None
    if alert.state == "firing" and now - last.at >= repeat:
        return "repeat"
    return None


def _group_key(alert: AlertRecord, group_by: Sequence[str]) -> str:
    inner = ",".join(f'{k}="{alert.labels.get(k, "")}"' for k in group_by)
    return "{}:{" + inner + "}"


def _notice(alert: AlertRecord) -> AlertNotice:
    return AlertNotice(
        status="resolved" if alert.state == "resolved" else "firing",
        labels=dict(alert.labels),
        annotations=dict(alert.annotations),
        starts_at=alert.firing_at or alert.starts_at,
        ends_at=alert.ends_at if alert.state == "resolved" else None,
        fingerprint=alert.fingerprint,
    )


async def send(
    planned: Sequence[Planned], deliver: Deliver, deadline_s: float, now: datetime
) -> list[DeliveryRow]:
    """Deliver every notification concurrently; one row per alert told or not."""

    async def one(item: Planned) -> list[DeliveryRow]:
        delivery_id = uuid.uuid4().hex[:16]
        try:
            done = await asyncio.wait_for(deliver(item.channel, item.notification()), deadline_s)
            outcome, attempts, error = (
                "delivered" if done.ok else "failed",
                done.attempts,
                done.error or "",
            )
            finished = done.last_attempt_at
        except TimeoutError:
            outcome, attempts, error = "failed", 0, f"no delivery within {deadline_s:g} s"
            finished = now + timedelta(seconds=deadline_s)
        elapsed_ms = max(0.0, (finished - now).total_seconds() * 1000)
        return [
            DeliveryRow(
                at=finished,
                delivery_id=delivery_id,
                channel=item.channel,
                group_key=item.group_key,
                alert_id=alert.id,
                alert_state="resolved" if alert.state == "resolved" else "firing",
                reason=item.reasons.get(alert.id, "context"),
                outcome=outcome,
                attempts=attempts,
                error=error,
                duration_ms=elapsed_ms,
            )
            for alert in item.alerts
        ]

    results = await asyncio.gather(*(one(item) for item in planned))
    return [row for rows in results for row in rows]
