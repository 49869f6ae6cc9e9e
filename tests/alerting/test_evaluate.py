"""Evaluation in the store: threshold rules over histograms and gauges, SLO alerts, and
the lifecycle they drive, with exact values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerting._engine import AlertEngine
from alerting._evaluate import evaluate, hourly_burn
from alerting._load import load_alerting
from alerting._records import Observation
from processor.store import Store
from slo_engine import SloSet, SpecError, load, status
from tests.support.traffic import (
    GaugePoint,
    histogram_point,
    insert_gauges,
    insert_histograms,
    request_attributes,
)

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
FILES = {
    "slos/checkout.yaml": """\
service: checkout
slos:
  - name: checkout-availability
    objective: 0.999
    window: 30d
    sli:
      availability: {}
alerting:
  interval: 10s
  resolve_hold: 0s
  channels:
    - name: oncall
      webhook: {url: "http://127.0.0.1:9000/hook"}
  rules:
    - name: checkout-errors
      service: checkout
      metric: http.server.request.duration
      aggregation: error_ratio
      window: 1m
      op: gt
      value: 0.05
      for: 0s
      severity: critical
      channels: [oncall]
      annotations: {summary: "checkout fails {{ value | percent }} of requests"}
    - name: checkout-slow
      service: checkout
      aggregation: p99
      window: 1m
      value: 2.0
    - name: checkout-memory
      service: checkout
      metric: process.memory.utilization
      aggregation: avg
      window: 1m
      value: 0.6
      severity: warning
  slo_alerts:
    channels: [oncall]
""",
}


def _traffic(store: Store, at: datetime, good: int, bad: int) -> None:
    points = [
        histogram_point("checkout", request_attributes("/pay", status=200), at, [0.1] * good),
        histogram_point("checkout", request_attributes("/pay", status=503), at, [0.2] * bad),
    ]
    insert_histograms(store, points)


def test_rules_and_slo_alerts_fire_with_their_values(store: Store) -> None:
    config = load_alerting(FILES)
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    insert_gauges(
        store,
        [
            GaugePoint("checkout", "process.memory.utilization", {}, T0 + timedelta(seconds=20), v)
            for v in (0.5, 0.9)
        ],
    )
    engine = AlertEngine(store, config, load(FILES), ids=iter(f"a{i}" for i in range(99)).__next__)
    result = engine.evaluate(T0 + timedelta(minutes=1))
    fired = {a.labels["alertname"]: a for a in result.fired}
    assert result.created == 7
    assert set(fired) == {
        "checkout-errors",
        "checkout-memory",
        "slo-burn-rate-1h-5m",
        "slo-burn-rate-6h-30m",
        "slo-burn-rate-1d-2h",
        "slo-burn-rate-3d-6h",
        "slo-budget-exhausted",
    }
    errors = fired["checkout-errors"]
    assert errors.value == pytest.approx(0.1, rel=1e-12)
    assert errors.labels == {
        "alertname": "checkout-errors",
        "service": "checkout",
        "severity": "critical",
    }
    assert errors.annotations == {"summary": "checkout fails 10% of requests"}
    assert errors.channels == ("oncall",)
    assert fired["checkout-memory"].value == pytest.approx(0.7, rel=1e-12)
    page = fired["slo-burn-rate-1h-5m"]
    assert page.labels["severity"] == "page"
    assert page.labels["slo"] == "checkout-availability"
    assert page.value == pytest.approx(100.0, rel=1e-9)
    assert page.threshold == pytest.approx(14.4, rel=1e-9)

    # The same condition again: the same alerts, nothing new.
    again = engine.evaluate(T0 + timedelta(minutes=1, seconds=10))
    assert again.fired == ()
    assert again.created == 0
    assert len(engine.open_alerts()) == 7

    # A restart in the middle keeps every alert; the next minute is clean and all resolve.
    restarted = AlertEngine(store.reopen(), config, load(FILES))
    assert {a.id for a in restarted.open_alerts()} == {a.id for a in engine.open_alerts()}
    _traffic(store, T0 + timedelta(minutes=1, seconds=30), good=100, bad=0)
    later = restarted.evaluate(T0 + timedelta(minutes=2))
    assert {a.labels["alertname"] for a in later.resolved} == {"checkout-errors", "checkout-memory"}


def test_alerting_errors_cite_file_line_and_column() -> None:
    text = FILES["slos/checkout.yaml"].replace("op: gt", "op: above")
    with pytest.raises(SpecError) as caught:
        load_alerting({"slos/checkout.yaml": text})
    assert [str(issue) for issue in caught.value.issues] == [
        "slos/checkout.yaml:20:7: alerting.rules[0].op: Input should be 'gt', 'ge', 'lt' or 'le'",
    ]
    text = FILES["slos/checkout.yaml"].replace(
        "[oncall]\n      annotations", "[pager]\n      annotations"
    )
    with pytest.raises(SpecError) as caught:
        load_alerting({"slos/checkout.yaml": text})
    assert [str(issue) for issue in caught.value.issues] == [
        "slos/checkout.yaml:24:18: alerting.rules[0].channels[0]: no channel named 'pager'",
    ]


def test_every_point_up_to_the_instant_counts(store: Store) -> None:
    config = load_alerting(FILES)
    engine = AlertEngine(store, config, load(FILES))
    _traffic(store, T0 + timedelta(seconds=30), good=45, bad=5)
    before = engine.evaluate(T0 + timedelta(seconds=29, microseconds=999_000))
    assert "checkout-errors" not in {a.labels["alertname"] for a in before.fired}
    during = engine.evaluate(T0 + timedelta(seconds=30))
    (errors,) = [a for a in during.fired if a.labels["alertname"] == "checkout-errors"]
    assert errors.value == pytest.approx(0.1, rel=1e-12)
    assert errors.starts_at == T0 + timedelta(seconds=30)


# FILES' availability SLO, and a latency one
TWO_SLOS = (
    FILES["slos/checkout.yaml"].split("alerting:", maxsplit=1)[0]
    + """\
  - name: checkout-latency
    objective: 0.99
    window: 30d
    sli:
      latency: {threshold: 0.15}
"""
)
CHOSEN = """\
alerting:
  slo_alerts:
    slos: [checkout-latency]
"""


def _slo_names(observations: tuple[Observation, ...]) -> set[str]:
    return {o.labels["slo"] for o in observations if o.source == "slo"}


def test_the_evaluation_keeps_every_slo_status_and_alerts_only_the_chosen(store: Store) -> None:
    files = {"slos/checkout.yaml": TWO_SLOS + CHOSEN}
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    slo_set = load(files)
    engine = AlertEngine(store, load_alerting(files), slo_set)
    assert engine.latest_status() is None
    at = T0 + timedelta(minutes=1)
    engine.evaluate(at)
    latest = engine.latest()
    assert latest is not None
    assert _slo_names(latest.observations) == {"checkout-latency"}
    assert engine.latest_status() == (at, status(store, slo_set, at))
    assert latest.status is not None
    assert [s.slo for s in latest.status.slos] == ["checkout-availability", "checkout-latency"]
    assert latest.hourly_burn == hourly_burn(store, slo_set, at)
    assert [s.name for s in latest.hourly_burn] == ["checkout-availability", "checkout-latency"]


def test_without_slo_alerts_the_status_is_still_computed(store: Store) -> None:
    files = {"slos/checkout.yaml": TWO_SLOS}
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    slo_set = load(files)
    found = evaluate(store, load_alerting(files), slo_set, T0 + timedelta(minutes=1))
    assert found.observations == ()
    assert found.status == status(store, slo_set, T0 + timedelta(minutes=1))
    assert found.status is not None
    assert found.status.slos[0].total == 100.0


def test_without_slos_there_is_no_status(store: Store) -> None:
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    engine = AlertEngine(store, load_alerting({}), SloSet())
    engine.evaluate(T0 + timedelta(minutes=1))
    latest = engine.latest()
    assert latest is not None
    assert (latest.status, latest.hourly_burn) == (None, ())
    assert engine.latest_status() is None
