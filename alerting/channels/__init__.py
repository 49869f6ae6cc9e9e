"""Where notifications go: the channel models of the ``channels:`` list, the bodies each
kind of receiver takes, and ``deliver``, which sends one notification to one channel
with retries and returns a ``Delivery`` record instead of raising.

Kinds: ``webhook`` (Alertmanager's webhook payload, version 4), ``slack`` (Slack-style
incoming webhooks), ``alertmanager`` (push to ``/api/v2/alerts``), ``email`` (SMTP with
STARTTLS and AUTH).
"""

from alerting.channels._alertmanager import (
    GO_ZERO_TIME,
    alertmanager_v2_alerts,
    alertmanager_webhook_payload,
    go_time,
)
from alerting.channels._config import (
    AlertmanagerTarget,
    Channel,
    Channels,
    EmailTarget,
    MissingSecret,
    SlackTarget,
    Target,
    TargetKind,
    WebhookTarget,
)
from alerting.channels._deliver import Delivery, RetryPolicy, deliver
from alerting.channels._email import email_message
from alerting.channels._notification import AlertNotice, Notification, Status, fingerprint
from alerting.channels._slack import escape_mrkdwn, slack_payload

__all__ = [
    "GO_ZERO_TIME",
    "AlertNotice",
    "AlertmanagerTarget",
    "Channel",
    "Channels",
    "Delivery",
    "EmailTarget",
    "MissingSecret",
    "Notification",
    "RetryPolicy",
    "SlackTarget",
    "Status",
    "Target",
    "TargetKind",
    "WebhookTarget",
    "alertmanager_v2_alerts",
    "alertmanager_webhook_payload",
    "deliver",
    "email_message",
    "escape_mrkdwn",
    "fingerprint",
    "go_time",
    "slack_payload",
]
