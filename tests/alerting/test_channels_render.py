"""The bodies each receiver takes, byte for byte: Alertmanager's webhook payload and
``/api/v2/alerts`` body, Slack's incoming webhook, and the e-mail."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alerting.channels import (
    AlertNotice,
    EmailTarget,
    Notification,
    alertmanager_v2_alerts,
    alertmanager_webhook_payload,
    email_message,
    escape_mrkdwn,
    fingerprint,
    go_time,
    slack_payload,
)

T0 = datetime(2026, 12, 5, 8, 0, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 12, 5, 8, 4, 30, 250000, tzinfo=timezone.utc)


def _notice(status, labels, annotations, ends_at=None):
    return AlertNotice(
        status=status,
        labels=labels,
        annotations=annotations,
        starts_at=T0,
        ends_at=ends_at,
        fingerprint=fingerprint(labels),
        generator_url="http://127.0.0.1:8317/alerts",
    )


COMMON = {"alertname": "checkout-errors", "service": "checkout", "severity": "critical"}
FIRING = _notice(
    "firing",
    {
        "alertname": "checkout-errors",
        "service": "checkout",
        "severity": "critical",
        "route": "/pay",
    },
    {"summary": "checkout fails 7.5% of requests", "runbook": "https://runbooks/checkout"},
)
RESOLVED = _notice(
    "resolved",
    {
        "alertname": "checkout-errors",
        "service": "checkout",
        "severity": "critical",
        "route": "/cart",
    },
    {"summary": "checkout fails 5.1% of requests", "runbook": "https://runbooks/checkout"},
    ends_at=T1,
)
GROUP = Notification(
    receiver="oncall",
    status="firing",
    group_key='{}:{alertname="checkout-errors", service="checkout"}',
    group_labels={"alertname": "checkout-errors", "service": "checkout"},
    alerts=(FIRING, RESOLVED),
    external_url="http://127.0.0.1:8317",
)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({}, 14695981039346656037),
        # prometheus/common model/signature_test.go, TestMetricToFingerprint
        ({"name": "garland, briggs", "fear": "love is not enough"}, 5799056148416392346),
    ],
    ids=["empty", "prometheus-common-vector"],
)
def test_fingerprint_is_alertmanagers(labels, expected):
    assert fingerprint(labels) == f"{expected:016x}"
    assert len(fingerprint(labels)) == 16


def test_fingerprint_ignores_label_order():
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1", "b": "2"}) != fingerprint({"a": "12"})


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (None, "0001-01-01T00:00:00Z"),
        (T0, "2026-12-05T08:00:00Z"),
        (T1, "2026-12-05T08:04:30.25Z"),
        (datetime(2026, 12, 5, 9, 0, 0, 1, tzinfo=timezone.utc), "2026-12-05T09:00:00.000001Z"),
    ],
    ids=["zero", "whole-seconds", "trailing-zeros-dropped", "microsecond"],
)
def test_times_are_written_as_go_marshals_them(instant, text):
    assert go_time(instant) == text


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        go_time(datetime(2026, 12, 5))


def test_webhook_payload_is_alertmanagers_version_4():
    assert alertmanager_webhook_payload(GROUP) == {
        "version": "4",
        "groupKey": '{}:{alertname="checkout-errors", service="checkout"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": "checkout-errors", "service": "checkout"},
        "commonLabels": {
            "alertname": "checkout-errors",
            "service": "checkout",
            "severity": "critical",
        },
        "commonAnnotations": {"runbook": "https://runbooks/checkout"},
        "externalURL": "http://127.0.0.1:8317",
        "alerts": [
            {
                "status": "firing",
                "labels": FIRING.labels,
                "annotations": FIRING.annotations,
                "startsAt": "2026-12-05T08:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://127.0.0.1:8317/alerts",
                "fingerprint": fingerprint(FIRING.labels),
            },
            {
                "status": "resolved",
                "labels": RESOLVED.labels,
                "annotations": RESOLVED.annotations,
                "startsAt": "2026-12-05T08:00:00Z",
                "endsAt": "2026-12-05T08:04:30.25Z",
                "generatorURL": "http://127.0.0.1:8317/alerts",
                "fingerprint": fingerprint(RESOLVED.labels),
            },
        ],
    }


def test_webhook_payload_truncates_to_max_alerts_and_counts_the_rest():
    payload = alertmanager_webhook_payload(GROUP, max_alerts=1)
    assert payload["truncatedAlerts"] == 1
    assert [alert["status"] for alert in payload["alerts"]] == ["firing"]
    assert payload["commonAnnotations"] == {"runbook": "https://runbooks/checkout"}
    assert alertmanager_webhook_payload(GROUP, max_alerts=5)["truncatedAlerts"] == 0


def test_alertmanager_push_body_leaves_a_firing_alerts_end_to_the_alertmanager():
    assert alertmanager_v2_alerts(GROUP) == [
        {
            "labels": FIRING.labels,
            "annotations": FIRING.annotations,
            "startsAt": "2026-12-05T08:00:00Z",
            "generatorURL": "http://127.0.0.1:8317/alerts",
        },
        {
            "labels": RESOLVED.labels,
            "annotations": RESOLVED.annotations,
            "startsAt": "2026-12-05T08:00:00Z",
            "endsAt": "2026-12-05T08:04:30.25Z",
            "generatorURL": "http://127.0.0.1:8317/alerts",
        },
    ]


def test_slack_escapes_what_mrkdwn_would_read_as_links_or_mentions():
    assert escape_mrkdwn("<!channel> & <http://x|y>") == "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
    hostile = _notice("firing", {"alertname": "<!here>", "service": "a&b"}, {"summary": "<@U1>"})
    payload = slack_payload(
        Notification("chat", "firing", "k", {"alertname": "<!here>"}, (hostile,), "")
    )
    assert payload == {
        "text": "[FIRING:1] &lt;!here&gt;",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*[FIRING:1] &lt;!here&gt;*"}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*FIRING* &lt;!here&gt;\n&lt;@U1&gt;\nservice=a&amp;b\n"
                    "since 2026-12-05T08:00:00+00:00",
                },
            },
        ],
    }


def test_slack_message_counts_firing_alerts_and_links_back():
    payload = slack_payload(GROUP)
    assert payload["text"] == "[FIRING:1] checkout-errors checkout"
    texts = [block["text"]["text"] for block in payload["blocks"]]
    assert texts[2].startswith("*RESOLVED* checkout-errors\ncheckout fails 5.1% of requests\n")
    assert texts[2].endswith("resolved 2026-12-05T08:04:30+00:00")
    assert texts[-1] == "<http://127.0.0.1:8317|Open sloscope>"
    assert len(payload["blocks"]) == 4


def test_slack_message_stays_within_slacks_block_limit():
    many = tuple(_notice("firing", {"alertname": "a", "i": str(i)}, {}) for i in range(45))
    payload = slack_payload(Notification("chat", "firing", "k", {"alertname": "a"}, many))
    assert len(payload["blocks"]) == 1 + 20 + 1
    assert payload["blocks"][-1]["text"]["text"] == "_and 25 more_"


def test_email_has_a_text_part_and_an_escaped_html_part():
    target = EmailTarget.model_validate(
        {
            "to": ["oncall@example.com", "lead@example.com"],
            "from": "sloscope@example.com",
            "host": "127.0.0.1",
        }
    )
    hostile = _notice("firing", {"alertname": "x<script>", "service": "s"}, {"summary": "a&b"})
    message = email_message(
        Notification("mail", "firing", "k", {"alertname": "x<script>"}, (hostile,)), target
    )
    assert message["Subject"] == "[sloscope] [FIRING:1] x<script>"
    assert message["From"] == "sloscope@example.com"
    assert message["To"] == "oncall@example.com, lead@example.com"
    assert message["Date"] == "Sat, 05 Dec 2026 08:00:00 +0000"
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text, html = plain.get_content(), rich.get_content()
    assert "FIRING x<script>\n  summary: a&b\n" in text
    assert "<script>" not in html
    assert "<h3>FIRING x&lt;script&gt;</h3>" in html
    assert "<tr><th>summary</th><td>a&amp;b</td></tr>" in html


def test_email_message_id_is_the_same_for_a_retried_send():
    target = EmailTarget.model_validate(
        {"to": ["oncall@example.com"], "from": "sloscope@example.com", "host": "localhost"}
    )
    first, second = email_message(GROUP, target), email_message(GROUP, target)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith(".sloscope@example.com>")
    assert first["Date"] == "Sat, 05 Dec 2026 08:04:30 +0000"
