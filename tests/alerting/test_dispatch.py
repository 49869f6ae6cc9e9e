"""Notifications to real local receivers, on an injected clock: deduplication, grouping,
inhibition, silences, repeats, escalation, retries, resolution, and a restart between."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from alerting import AlertEngine, load_alerting
from alerting._loop import Notifier
from alerting._matchers import ConditionSpec
from alerting.channels import RetryPolicy
from processor.store import Store
from slo_engine import load
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.traffic import GaugePoint, insert_gauges

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def _files(url: str) -> dict[str, str]:
    return {
        "slos/alerts.yaml": f"""\
alerting:
  resolve_hold: 0s
  group_interval: 1m
  repeat_interval: 30m
  channels:
    - name: oncall
      webhook: {{url: "{url}/hook"}}
    - name: lead
      webhook: {{url: "{url}/lead"}}
  routes:
    - match: {{severity: [critical, warning]}}
      channels: [oncall]
  escalation:
    - after: 5m
      channels: [lead]
  rules:
    - name: queue-full
      service: checkout
      metric: queue.depth
      aggregation: max
      window: 10m
      value: 10
      severity: critical
      annotations: {{summary: "queue at {{{{ value | round }}}}"}}
    - name: queue-high
      service: checkout
      metric: queue.depth
      aggregation: max
      window: 10m
      value: 5
      severity: warning
    - name: payments-queue
      service: payments
      metric: queue.depth
      aggregation: max
      window: 10m
      value: 5
      severity: critical
""",
    }


class Clock:
    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _step(engine: AlertEngine, clock: Clock, at: timedelta) -> int:
    clock.now = T0 + at
    engine.evaluate()

    async def dispatch() -> int:
        async with httpx.AsyncClient() as http:
            notifier = Notifier(engine, http, RetryPolicy(attempts=3, timeout_s=5), clock.sleep)
            return await notifier.dispatch()

    return asyncio.run(dispatch())


def _told(receiver: HttpReceiver, path: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (
            post.json()["status"],
            [(a["labels"]["alertname"], a["status"]) for a in post.json()["alerts"]],
        )
        for post in receiver.posts(path)
    ]


def test_an_alert_is_told_once_escalates_repeats_and_resolves(store: Store) -> None:
    clock = Clock()
    with http_receiver() as receiver:
        files = _files(receiver.url)
        config = load_alerting(files)
        engine = AlertEngine(store, config, load(files), clock=clock)
        payments: dict[str, str | list[str] | ConditionSpec] = {
            "service": "payments",
            "alertname": ConditionSpec(matches="pay.*"),
        }
        engine.add_silence(payments, None, T0 + timedelta(hours=3), "bob", "migration")
        points = [
            GaugePoint(service, "queue.depth", {}, T0 - timedelta(seconds=10), 20.0)
            for service in ("checkout", "payments")
        ]
        insert_gauges(store, points)
        receiver.answer(503)  # the first try fails, the retry gets through

        assert _step(engine, clock, timedelta(0)) == 1
        # The warning is inhibited by the critical alert of its service, payments silenced.
        # Two posts: the failed try (503) and the retry.
        assert _told(receiver, "/hook") == [("firing", [("queue-full", "firing")])] * 2
        body = receiver.posts("/hook")[-1].json()
        assert body["groupLabels"] == {"alertname": "queue-full", "service": "checkout"}
        assert body["commonAnnotations"] == {"summary": "queue at 20"}
        assert clock.slept == [0.5]
        full = next(a for a in engine.open_alerts() if a.labels["alertname"] == "queue-full")
        attempts = [(row[1], row[4], row[5]) for row in engine.state.deliveries(full.id)]
        assert attempts == [("oncall", "delivered", 2)]

        assert _step(engine, clock, timedelta(seconds=10)) == 0
        assert len(receiver.posts("/hook")) == 2

        # Nobody acknowledged within 5 minutes: the lead hears of it, once.
        assert _step(engine, clock, timedelta(minutes=5)) == 1
        assert _told(receiver, "/lead") == [("firing", [("queue-full", "firing")])]

        # A restart in the middle: nothing is told twice, nothing forgotten.
        engine = AlertEngine(store.reopen(), config, load(files), clock=clock)
        assert _step(engine, clock, timedelta(minutes=6)) == 0

        # Still firing, unacknowledged after the repeat interval: told again.
        insert_gauges(
            store,
            [GaugePoint("checkout", "queue.depth", {}, T0 + timedelta(minutes=25), 20.0)],
        )
        assert _step(engine, clock, timedelta(minutes=30)) == 1
        assert _told(receiver, "/hook")[-1] == ("firing", [("queue-full", "firing")])

        engine.acknowledge(full.id, "alice", "looking")
        insert_gauges(
            store,
            [GaugePoint("checkout", "queue.depth", {}, T0 + timedelta(minutes=34), 20.0)],
        )
        assert _step(engine, clock, timedelta(minutes=40)) == 0  # acknowledged: no repeats

        # The condition clears: the resolution reaches every channel that was told.
        assert _step(engine, clock, timedelta(minutes=50)) == 2
        assert _told(receiver, "/hook")[-1] == ("resolved", [("queue-full", "resolved")])
        assert _told(receiver, "/lead")[-1] == ("resolved", [("queue-full", "resolved")])
        assert _step(engine, clock, timedelta(minutes=51)) == 0
