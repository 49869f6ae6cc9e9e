"""Threshold rules cut time as the SLO engine does: a point counts in the window (S, T]
by its exact last instant (sloscope_point_in_v1), to the microsecond and not by the whole
second TimeUnix keeps. Golden values: each point carries a power of two (requests, or
a gauge value), so a sum names exactly the points that counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerting._evaluate import evaluate
from alerting._load import load_alerting
from processor.store import Store
from slo_engine import SloSet
from tests.support.traffic import (
    GaugePoint,
    exponential_point,
    histogram_point,
    insert_exponential,
    insert_gauges,
    insert_histograms,
    request_attributes,
)

START = datetime(2026, 12, 5, 8, 1, tzinfo=UTC)  # the window's start, evaluated at AT
AT = START + timedelta(minutes=1)
US = timedelta(microseconds=1)
HALF = timedelta(milliseconds=500)
# (instant, weight, failed): on both edges, a microsecond either side, and between
# seconds, where the whole second TimeUnix cannot tell them apart.
POINTS = (
    (START, 1, True),
    (START + US, 2, False),
    (START + HALF, 4, False),
    (AT - US, 8, False),
    (AT, 16, True),
    (AT + US, 32, False),
    (START + timedelta(seconds=30, milliseconds=250), 64, False),
    (AT + HALF, 128, False),
)
RULES = """\
alerting:
  rules:
{rules}
"""
RULE = """\
    - name: {name}
      service: checkout
      metric: {metric}
      source: {source}
      aggregation: {aggregation}
      window: 1m
      op: ge
      value: 0
"""
_MEMORY = "process.memory.utilization"
_DURATION = "http.server.request.duration"
CONFIG = RULES.format(
    rules="".join(
        RULE.format(name=name, metric=metric, source=source, aggregation=aggregation)
        for name, metric, source, aggregation in (
            ("requests", _DURATION, "histogram", "count"),
            ("errors", _DURATION, "histogram", "error_ratio"),
            ("exponential", _DURATION, "exponential_histogram", "count"),
            ("points", _MEMORY, "points", "count"),
            ("total", _MEMORY, "points", "sum"),
            ("lowest", _MEMORY, "points", "min"),
        )
    )
)


@pytest.fixture
def edges(store: Store) -> Store:
    def route(failed: bool) -> dict[str, str]:
        return request_attributes("/pay", status=503 if failed else 200)

    insert_histograms(
        store,
        [histogram_point("checkout", route(f), t, [0.1] * w) for t, w, f in POINTS],
    )
    insert_exponential(
        store,
        [exponential_point("checkout", route(f), t, [0.1] * w, 3) for t, w, f in POINTS],
    )
    insert_gauges(store, [GaugePoint("checkout", _MEMORY, {}, t, float(w)) for t, w, _ in POINTS])
    return store


def _values(store: Store, at: datetime) -> dict[str, float]:
    found = evaluate(store, load_alerting({"slos/rules.yaml": CONFIG}), SloSet(()), at)
    return {o.labels["alertname"]: o.value for o in found.observations}


def test_a_point_ending_at_the_instant_counts_one_ending_at_the_start_does_not(
    edges: Store,
) -> None:
    counted = 2 + 4 + 8 + 16 + 64
    assert _values(edges, AT) == {
        "requests": counted,
        "errors": pytest.approx(16 / counted, rel=1e-12),
        "exponential": counted,
        "points": 5,
        "total": counted,
        "lowest": 2,
    }


def test_a_window_between_seconds_cuts_by_the_exact_instant(edges: Store) -> None:
    quarter = timedelta(milliseconds=250)
    counted = 4 + 64 + 8 + 16 + 32  # not 128, half a second in, a quarter after the end
    assert _values(edges, AT + quarter) == {
        "requests": counted,
        "errors": pytest.approx(16 / counted, rel=1e-12),
        "exponential": counted,
        "points": 5,
        "total": counted,
        "lowest": 4,
    }


def test_points_inside_the_window_count_as_before(edges: Store) -> None:
    # (START - 29.75 s, START + 30.25 s]: the points weighing 1, 2, 4 and 64.
    assert _values(edges, START + timedelta(seconds=30, milliseconds=250)) == {
        "requests": 1 + 2 + 4 + 64,
        "errors": pytest.approx(1 / 71, rel=1e-12),
        "exponential": 1 + 2 + 4 + 64,
        "points": 4,
        "total": 71,
        "lowest": 1,
    }
