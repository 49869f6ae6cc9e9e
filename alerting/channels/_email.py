"""A notification as an e-mail: a plain-text part and an HTML alternative.

Every text from an alert goes through ``html.escape`` in the HTML part (as the SLA
report does), and header values are single lines (``EmailMessage`` refuses CR/LF), so a
label cannot inject markup or headers.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from alerting.channels._config import EmailTarget
from alerting.channels._notification import AlertNotice, Notification
from alerting.channels._slack import title

MAX_SUBJECT_CHARS = 200


def email_message(notification: Notification, target: EmailTarget) -> EmailMessage:
    """The message to send; ``Date`` is the newest alert change, so a retried send
    builds the same message."""
    message = EmailMessage()
    subject = " ".join(f"{target.subject_prefix} {title(notification)}".split())
    message["Subject"] = subject[:MAX_SUBJECT_CHARS]
    message["From"] = target.from_
    message["To"] = ", ".join(target.to)
    message["Date"] = format_datetime(_latest_change(notification))
    message["Message-ID"] = _message_id(notification, target.from_.rsplit("@", 1)[1])
    message.set_content(_text(notification))
    message.add_alternative(_html(notification), subtype="html")
    return message


def _latest_change(notification: Notification) -> datetime:
    return max(alert.ends_at or alert.starts_at for alert in notification.alerts)


def _message_id(notification: Notification, domain: str) -> str:
    """The same for the same group, status and change: a retried send is recognisably
    one message, and a receiving system may drop the copy."""
    key = f"{notification.group_key}\0{notification.status}\0{_latest_change(notification)}"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}.sloscope@{domain}>"


def _text(notification: Notification) -> str:
    lines = [title(notification), ""]
    for alert in notification.alerts:
        lines.append(f"{alert.status.upper()} {alert.labels.get('alertname', '')}".rstrip())
        lines.extend(f"  {key}: {value}" for key, value in sorted(alert.annotations.items()))
        lines.extend(f"  {key}={value}" for key, value in sorted(alert.labels.items()))
        lines.append(f"  started: {alert.starts_at.isoformat(timespec='seconds')}")
        if alert.ends_at is not None:
            lines.append(f"  resolved: {alert.ends_at.isoformat(timespec='seconds')}")
        lines.append("")
    if notification.external_url:
        lines.append(notification.external_url)
    return "\n".join(lines)


def _html(notification: Notification) -> str:
    parts = [
        "<!doctype html><html><body>",
        f"<h2>{html.escape(title(notification))}</h2>",
    ]
    parts.extend(_html_alert(alert) for alert in notification.alerts)
    if notification.external_url:
        url = html.escape(notification.external_url)
        parts.append(f'<p><a href="{url}">Open sloscope</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_alert(alert: AlertNotice) -> str:
    name = html.escape(alert.labels.get("alertname", alert.fingerprint))
    rows = [
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>"
        for key, value in (*sorted(alert.annotations.items()), *sorted(alert.labels.items()))
    ]
    rows.append(
        f"<tr><th>started</th><td>{alert.starts_at.isoformat(timespec='seconds')}</td></tr>"
    )
    if alert.ends_at is not None:
        rows.append(
            f"<tr><th>resolved</th><td>{alert.ends_at.isoformat(timespec='seconds')}</td></tr>"
        )
    return f"<h3>{html.escape(alert.status.upper())} {name}</h3><table>{''.join(rows)}</table>"
