"""The two Alertmanager bodies: the webhook payload (version 4) and the
``POST /api/v2/alerts`` body.

Both mirror Alertmanager's own encoding, so any receiver of Alertmanager webhooks
(PagerDuty bridges, chat relays, ticketing hooks) takes sloscope's as they are: times in
Go's RFC 3339 form (UTC, fractional seconds without trailing zeros), an unset end as Go's
zero time, ``commonLabels``/``commonAnnotations`` as what every alert shares.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from alerting.channels._notification import AlertNotice, Notification

WEBHOOK_VERSION = "4"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def go_time(instant: datetime | None) -> str:
    """``instant`` as Go's ``time.Time`` marshals to JSON (RFC 3339 with nanoseconds,
    trailing zeros dropped); Go's zero time for ``None``."""
    if instant is None:
        return GO_ZERO_TIME
    if instant.tzinfo is None:
        raise ValueError("alert times must be timezone-aware")
    utc = instant.astimezone(timezone.utc)
    fraction = f"{utc.microsecond:06d}".rstrip("0")
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def alertmanager_webhook_payload(
    notification: Notification, *, max_alerts: int = 0
) -> dict[str, Any]:
    """The JSON body Alertmanager's webhook receiver POSTs (version 4). With
    ``max_alerts`` (0: all), the alerts beyond it are left out and counted in
    ``truncatedAlerts``, as Alertmanager's ``max_alerts`` does; the common labels and
    annotations are still those of the whole group."""
    alerts = notification.alerts[:max_alerts] if max_alerts else notification.alerts
    return {
        "version": WEBHOOK_VERSION,
        "groupKey": notification.group_key,
        "truncatedAlerts": len(notification.alerts) - len(alerts),
        "status": notification.status,
        "receiver": notification.receiver,
        "groupLabels": dict(notification.group_labels),
        "commonLabels": notification.common_labels,
        "commonAnnotations": notification.common_annotations,
        "externalURL": notification.external_url,
        "alerts": [_webhook_alert(alert) for alert in alerts],
    }


def _webhook_alert(alert: AlertNotice) -> dict[str, Any]:
    return {
        "status": alert.status,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": go_time(alert.starts_at),
        "endsAt": go_time(alert.ends_at),
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def alertmanager_v2_alerts(notification: Notification) -> list[dict[str, Any]]:
    """The body of ``POST /api/v2/alerts`` (``postableAlerts``). A firing alert has no
    ``endsAt``, so the Alertmanager applies its ``resolve_timeout``; a resolved one
    carries its end, which resolves it there."""
    body = []
    for alert in notification.alerts:
        item: dict[str, Any] = {
            "labels": dict(alert.labels),
            "annotations": dict(alert.annotations),
            "startsAt": go_time(alert.starts_at),
        }
        if alert.ends_at is not None:
            item["endsAt"] = go_time(alert.ends_at)
        if alert.generator_url:
            item["generatorURL"] = alert.generator_url
        body.append(item)
    return body
