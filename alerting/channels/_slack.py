"""The body of a Slack incoming webhook (and of the many chat tools that copy it).

``text`` is the title (what notifications and clients without blocks show); ``blocks``
hold one section per alert, with its summary, labels and start. Every text from an alert
goes through ``escape_mrkdwn``: Slack reads ``<...>`` as links and mentions, so an
unescaped label could ping a channel or hide a link. Slack refuses a section longer than
3,000 characters and a message of more than 50 blocks, hence the bounds.
"""

from __future__ import annotations

from typing import Any

from alerting.channels._notification import AlertNotice, Notification

MAX_ALERT_BLOCKS = 20
MAX_SECTION_CHARS = 3000
_SUMMARY_KEYS = ("summary", "description", "message")


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters as its entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def title(notification: Notification) -> str:
    """``[FIRING:2] checkout-errors checkout critical``, Alertmanager's default title:
    the status, the number of alerts in it, and the group's label values."""
    count = len(notification.firing if notification.status == "firing" else notification.alerts)
    values = " ".join(notification.group_labels[key] for key in sorted(notification.group_labels))
    return f"[{notification.status.upper()}:{count}] {values}".rstrip()


def slack_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body to POST to a Slack incoming webhook."""
    heading = escape_mrkdwn(title(notification))
    blocks: list[dict[str, Any]] = [_section(f"*{heading}*")]
    shown = notification.alerts[:MAX_ALERT_BLOCKS]
    blocks.extend(_section(_alert_text(alert)) for alert in shown)
    hidden = len(notification.alerts) - len(shown)
    if hidden:
        blocks.append(_section(f"_and {hidden} more_"))
    if notification.external_url:
        blocks.append(_section(f"<{escape_mrkdwn(notification.external_url)}|Open sloscope>"))
    return {"text": heading, "blocks": blocks}


def _alert_text(alert: AlertNotice) -> str:
    name = alert.labels.get("alertname", alert.fingerprint)
    lines = [f"*{escape_mrkdwn(alert.status.upper())}* {escape_mrkdwn(name)}"]
    summary = next((alert.annotations[k] for k in _SUMMARY_KEYS if k in alert.annotations), "")
    if summary:
        lines.append(escape_mrkdwn(summary))
    labels = ", ".join(
        f"{escape_mrkdwn(key)}={escape_mrkdwn(value)}"
        for key, value in sorted(alert.labels.items())
        if key != "alertname"
    )
    if labels:
        lines.append(labels)
    lines.append(f"since {alert.starts_at.isoformat(timespec='seconds')}")
    if alert.ends_at is not None:
        lines.append(f"resolved {alert.ends_at.isoformat(timespec='seconds')}")
    return "\n".join(lines)


def _section(text: str) -> dict[str, Any]:
    if len(text) > MAX_SECTION_CHARS:
        text = text[: MAX_SECTION_CHARS - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
