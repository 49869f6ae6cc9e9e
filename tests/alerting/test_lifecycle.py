"""The alert lifecycle, pure: pending, firing, the resolve hold, manual changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerting import InvalidAction, Observation
from alerting._lifecycle import acknowledge, annotate, escalate, observe, resolve

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
HOLD = timedelta(minutes=1)


def _seen(active: bool, value: float = 0.2, hold_for: timedelta = timedelta(0)) -> Observation:
    return Observation(
        "fp", "threshold", {"alertname": "errors", "service": "checkout"}, {"summary": "s"},
        ("oncall",), active, value, 0.05, hold_for,
    )  # fmt: skip


def test_a_condition_without_for_fires_at_once() -> None:
    change = observe(None, _seen(True), T0, HOLD, "a1")
    assert change.alert is not None
    assert (change.alert.state, change.alert.firing_at, change.alert.value) == ("firing", T0, 0.2)
    assert [(e.kind, e.actor, e.at) for e in change.events] == [("firing", "sloscope", T0)]


def test_for_keeps_the_alert_pending_until_it_held_that_long() -> None:
    hold_for = timedelta(seconds=30)
    pending = observe(None, _seen(True, hold_for=hold_for), T0, HOLD, "a1").alert
    assert pending is not None
    assert pending.state == "pending"
    still = observe(pending, _seen(True, hold_for=hold_for), T0 + timedelta(seconds=20), HOLD, "x")
    assert still.alert is not None
    assert still.alert.state == "pending"
    assert still.events == ()
    fired = observe(
        still.alert, _seen(True, hold_for=hold_for), T0 + timedelta(seconds=30), HOLD, "x"
    )
    assert fired.alert is not None
    assert fired.alert.state == "firing"
    assert fired.alert.firing_at == T0 + timedelta(seconds=30)
    assert fired.alert.id == "a1"


def test_a_pending_alert_that_clears_never_fired() -> None:
    hold_for = timedelta(seconds=30)
    pending = observe(None, _seen(True, hold_for=hold_for), T0, HOLD, "a1").alert
    assert pending is not None
    cleared = observe(
        pending, _seen(False, hold_for=hold_for), T0 + timedelta(seconds=10), HOLD, "x"
    )
    assert cleared.alert is not None
    assert cleared.alert.state == "resolved"
    assert not cleared.alert.fired


def test_a_flapping_condition_resolves_only_after_the_hold() -> None:
    alert = observe(None, _seen(True), T0, HOLD, "a1").alert
    clear = observe(alert, _seen(False, 0.0), T0 + timedelta(seconds=10), HOLD, "x")
    assert clear.alert is not None
    assert clear.alert.state == "firing"
    assert clear.events == ()
    assert clear.alert.clear_since == T0 + timedelta(seconds=10)
    back = observe(clear.alert, _seen(True), T0 + timedelta(seconds=20), HOLD, "x")
    assert back.alert is not None
    assert back.alert.clear_since is None
    assert back.events == ()
    clear = observe(back.alert, _seen(False, 0.0), T0 + timedelta(seconds=30), HOLD, "x")
    held = observe(clear.alert, _seen(False, 0.0), T0 + timedelta(seconds=89), HOLD, "x")
    assert held.alert is not None
    assert held.alert.state == "firing"
    done = observe(held.alert, _seen(False, 0.0), T0 + timedelta(seconds=90), HOLD, "x")
    assert done.alert is not None
    assert done.alert.state == "resolved"
    assert done.alert.ends_at == T0 + timedelta(seconds=30)
    assert [(e.kind, e.actor) for e in done.events] == [("resolved", "sloscope")]
    again = observe(done.alert, _seen(True), T0 + timedelta(seconds=100), HOLD, "a2")
    assert again.alert is not None
    assert again.alert.id == "a2"
    assert again.alert.state == "firing"


def test_acknowledge_and_resolve_record_who_and_when() -> None:
    alert = observe(None, _seen(True), T0, HOLD, "a1").alert
    assert alert is not None
    acked = acknowledge(alert, "alice", T0 + timedelta(minutes=2), "on it")
    assert acked.alert is not None
    assert (acked.alert.state, acked.alert.acknowledged_by) == ("acknowledged", "alice")
    assert acked.alert.acknowledged_at == T0 + timedelta(minutes=2)
    assert [(e.kind, e.actor, e.note_kind, e.note) for e in acked.events] == [
        ("acknowledged", "alice", "note", "on it")
    ]
    with pytest.raises(InvalidAction, match="acknowledged by alice"):
        acknowledge(acked.alert, "bob", T0, "")
    noted = annotate(acked.alert, "bob", T0 + timedelta(minutes=3), "action", "restarted pods")
    assert noted.alert is None
    assert [(e.kind, e.actor, e.note_kind, e.note) for e in noted.events] == [
        ("annotation", "bob", "action", "restarted pods")
    ]
    ended = resolve(acked.alert, "bob", T0 + timedelta(minutes=5), "rolled back")
    assert ended.alert is not None
    assert (ended.alert.state, ended.alert.resolved_by) == ("resolved", "bob")
    assert ended.alert.ends_at == T0 + timedelta(minutes=5)
    assert [(e.kind, e.note_kind) for e in ended.events] == [("resolved", "resolution")]
    with pytest.raises(InvalidAction, match="already resolved"):
        resolve(ended.alert, "carol", T0)


def test_a_manually_resolved_alert_fires_again_only_after_its_condition_cleared() -> None:
    alert = observe(None, _seen(True), T0, HOLD, "a1").alert
    assert alert is not None
    ended = resolve(alert, "bob", T0 + timedelta(seconds=5)).alert
    assert ended is not None
    still = observe(ended, _seen(True), T0 + timedelta(seconds=10), HOLD, "a2")
    assert still.alert is None
    assert still.events == ()
    cleared = observe(ended, _seen(False), T0 + timedelta(seconds=20), HOLD, "a2")
    assert cleared.alert is not None
    assert cleared.alert.rearmed
    again = observe(cleared.alert, _seen(True), T0 + timedelta(seconds=30), HOLD, "a2")
    assert again.alert is not None
    assert again.alert.id == "a2"


def test_escalation_raises_the_level_and_versions_increase() -> None:
    alert = observe(None, _seen(True), T0, HOLD, "a1").alert
    assert alert is not None
    raised = escalate(alert, 1, T0)
    assert raised.alert is not None
    assert raised.alert.escalation_level == 1
    assert raised.alert.version > alert.version
    assert [e.note for e in raised.events] == ["level 1"]
