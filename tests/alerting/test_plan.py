"""Planning notifications, pure: grouping, group_wait, inhibition and silences,
routes and escalation levels."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerting import AlertRecord, Silence
from alerting._config import AlertingConfig, Level, Route, Timing
from alerting._dispatch import due_escalations, plan, receivers
from alerting._load import DEFAULT_INHIBIT
from alerting._matchers import matchers
from alerting._state_store import Notified

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def _alert(alert_id: str, **labels: str) -> AlertRecord:
    return AlertRecord(
        id=alert_id, fingerprint=alert_id, source="threshold", labels=labels, annotations={},
        channels=("oncall",), state="firing", value=1.0, threshold=0.5, starts_at=T0,
        evaluated_at=T0, version=1, firing_at=T0,
    )  # fmt: skip


CONFIG = AlertingConfig(
    timing=Timing(group_wait=timedelta(seconds=30)),
    group_by=("service",),
    routes=(Route(matchers({"severity": "page"}), ("pager",), False),),
    inhibit=DEFAULT_INHIBIT,
    escalation=(Level(timedelta(minutes=10), ("lead",), matchers({})),),
)


def test_a_new_group_waits_then_carries_every_alert_of_its_group() -> None:
    alerts = [
        _alert("a", alertname="errors", service="checkout", severity="critical"),
        _alert("b", alertname="latency", service="checkout", severity="critical"),
        _alert("c", alertname="errors", service="payments", severity="critical"),
    ]
    assert plan(alerts, [], {}, CONFIG, T0 + timedelta(seconds=29)) == []
    planned = plan(alerts, [], {}, CONFIG, T0 + timedelta(seconds=30))
    assert sorted((p.channel, p.group_key, [a.id for a in p.alerts]) for p in planned) == [
        ("oncall", '{}:{service="checkout"}', ["a", "b"]),
        ("oncall", '{}:{service="payments"}', ["c"]),
    ]


def test_inhibited_and_silenced_alerts_are_not_told() -> None:
    alerts = [
        _alert("crit", alertname="errors", service="checkout", severity="critical"),
        _alert("warn", alertname="slow", service="checkout", severity="warning"),
        _alert("page", alertname="burn", slo="s1", service="api", severity="page"),
        _alert("ticket", alertname="burn", slo="s1", service="api", severity="ticket"),
        _alert("other", alertname="burn", slo="s2", service="api", severity="ticket"),
    ]
    silence = Silence(
        "s", {"slo": "s2"}, matchers({"slo": "s2"}), T0, T0 + timedelta(hours=1), "bob", T0, ""
    )
    told = {
        (p.channel, a.id)
        for p in plan(alerts, [silence], {}, CONFIG, T0 + timedelta(minutes=1))
        for a in p.alerts
    }
    assert told == {("oncall", "crit"), ("oncall", "page"), ("pager", "page")}


def test_routes_and_reached_escalation_levels_add_channels() -> None:
    paging = _alert("p", alertname="burn", service="api", severity="page")
    assert receivers(paging, CONFIG) == ["oncall", "pager"]
    assert due_escalations([paging], CONFIG, T0 + timedelta(minutes=9)) == []
    assert due_escalations([paging], CONFIG, T0 + timedelta(minutes=10)) == [(paging, 1)]


def test_a_group_told_recently_waits_its_interval_but_a_resolution_does_not() -> None:
    first = _alert("a", alertname="errors", service="checkout", severity="critical")
    second = _alert("b", alertname="latency", service="checkout", severity="critical")
    told = {("a", "oncall"): Notified("firing", T0 + timedelta(minutes=1))}
    now = T0 + timedelta(minutes=1, seconds=30)
    assert plan([first, second], [], told, CONFIG, now) == []
    later = plan([first, second], [], told, CONFIG, T0 + timedelta(minutes=2))
    assert [dict(p.reasons) for p in later] == [{"b": "firing"}]
    ended = replace(first, state="resolved", ends_at=now)
    resolved = plan([ended, second], [], told, CONFIG, now)
    assert [dict(p.reasons) for p in resolved] == [{"a": "resolved", "b": "firing"}]
