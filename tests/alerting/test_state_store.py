"""Alerts, events, silences and deliveries round-trip through the store exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerting import Observation, Silence
from alerting._lifecycle import acknowledge, observe, resolve
from alerting._matchers import ConditionSpec, matchers
from alerting._state_store import DeliveryRow, StateStore
from processor.store import Store

T0 = datetime(2026, 12, 5, 8, 0, 0, 123000, tzinfo=UTC)


def _seen(fingerprint: str) -> Observation:
    return Observation(
        fingerprint, "threshold", {"alertname": "errors", "service": "checkout"},
        {"summary": "5% <b>"}, ("oncall",), True, 0.25, 0.05,
    )  # fmt: skip


def test_alerts_and_their_history_survive_a_reopen(store: Store) -> None:
    state = StateStore(store)
    first = observe(None, _seen("fp1"), T0, timedelta(minutes=1), "a1")
    second = observe(None, _seen("fp2"), T0, timedelta(minutes=1), "a2")
    assert first.alert is not None
    assert second.alert is not None
    state.save([first.alert, second.alert], [*first.events, *second.events])
    acked = acknowledge(first.alert, "alice", T0 + timedelta(seconds=5), "on it")
    ended = resolve(second.alert, "sloscope", T0 + timedelta(seconds=6))
    assert acked.alert is not None
    assert ended.alert is not None
    state.save([acked.alert, ended.alert], [*acked.events, *ended.events])

    reopened = StateStore(store.reopen())
    assert reopened.open_alerts() == [acked.alert]
    assert reopened.alert("a2") == ended.alert
    assert reopened.alert("nope") is None
    assert [a.id for a in reopened.alerts(states=["resolved"])] == ["a2"]
    assert [(e.kind, e.actor, e.at) for e in reopened.events("a1")] == [
        ("firing", "sloscope", T0),
        ("acknowledged", "alice", T0 + timedelta(seconds=5)),
    ]


def test_silences_keep_their_matchers_and_newest_version(store: Store) -> None:
    state = StateStore(store)
    spec: dict[str, str | list[str] | ConditionSpec] = {
        "service": "checkout",
        "alertname": ConditionSpec(matches="err.*"),
    }
    written: dict[str, object] = {"service": "checkout", "alertname": {"matches": "err.*"}}
    silence = Silence(
        "s1", written, matchers(spec), T0, T0 + timedelta(hours=1), "bob", T0, "deploy", "", 1
    )
    state.save_silence(silence)
    expired = Silence(
        "s1", written, matchers(spec), T0, T0 + timedelta(minutes=5), "bob", T0, "deploy",
        "carol", 2,
    )  # fmt: skip
    state.save_silence(expired)
    assert state.silences() == [expired]
    labels = {"service": "checkout", "alertname": "errors"}
    assert expired.mutes(labels, T0 + timedelta(minutes=1))
    assert not expired.mutes(labels, T0 + timedelta(minutes=5))
    assert not expired.mutes({"service": "checkout", "alertname": "latency"}, T0)


def test_the_newest_delivered_notification_per_alert_and_channel(store: Store) -> None:
    state = StateStore(store)
    rows = [
        DeliveryRow(T0, "d1", "oncall", "g", "a1", "firing", "firing", "delivered", 1, "", 3.0),
        DeliveryRow(T0 + timedelta(seconds=9), "d2", "oncall", "g", "a1", "resolved",
                    "resolved", "failed", 4, "503", 9.0),
        DeliveryRow(T0 + timedelta(seconds=10), "d3", "lead", "g", "a1", "firing",
                    "escalation", "delivered", 2, "", 5.0),
    ]  # fmt: skip
    state.record_deliveries(rows)
    last = state.last_notified(["a1"])
    assert {key: (n.state, n.at) for key, n in last.items()} == {
        ("a1", "oncall"): ("firing", T0),
        ("a1", "lead"): ("firing", T0 + timedelta(seconds=10)),
    }
    assert [row[1:3] for row in state.deliveries("a1")] == [
        ("oncall", "firing"),
        ("oncall", "resolved"),
        ("lead", "escalation"),
    ]
