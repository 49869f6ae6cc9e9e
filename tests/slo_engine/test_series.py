"""SLO series against the engine's own status at each instant: the same counts, SLI,
budget and burn rates, from one query over the rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from processor.store import Store
from slo_engine import InvalidRequest, load, slo_series, status
from slo_engine._durations import parse_duration
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.9
    window: 2h
    sli: {availability: {route: /a}}
  - name: fast
    objective: 0.5
    window: 1h
    sli: {latency: {threshold: 0.25}}
  - name: by-route
    objective: 0.9
    window: 1h
    per: [http.route]
    sli: {availability: {}}
  - name: sliced
    objective: 0.9
    window: 1h
    budgeting: timeslices
    slice_target: 0.5
    sli: {availability: {}}
"""


@pytest.fixture(scope="module")
def traffic(module_store: Store) -> Store:
    """Three hours of minutes: /a with 3 fast 200s, plus a 500 every third minute;
    /b one slow 200 a minute. Minute m before END ends m - 1 minutes before it: a point
    counts what happened in (start, end]."""
    points = []
    for minute in range(1, 181):
        time = END - timedelta(minutes=minute - 1)
        points.append(
            histogram_point("shop", request_attributes("/a", "GET", 200), time, [0.1] * 3)
        )
        if minute % 3 == 0:
            points.append(
                histogram_point("shop", request_attributes("/a", "GET", 500), time, [0.1])
            )
        points.append(histogram_point("shop", request_attributes("/b", "GET", 200), time, [0.3]))
    insert_histograms(module_store, points)
    return module_store


@pytest.mark.parametrize(
    "step", [timedelta(minutes=10), timedelta(hours=1)], ids=["minutes", "hours"]
)
def test_every_instant_equals_status_at_that_instant(traffic: Store, step: timedelta) -> None:
    slo_set = load({"shop.yaml": SLOS})
    start = END - timedelta(hours=2)
    found = {s.name: s for s in slo_series(traffic, slo_set, start, END, step)}
    assert set(found) == {"availability", "fast", "by-route{http.route=/a}",
                          "by-route{http.route=/b}", "sliced"}  # fmt: skip
    assert found["sliced"].unsupported == "timeslices budgeting has no series yet"
    assert found["sliced"].sli == [None] * len(found["sliced"].times)
    for k, instant in enumerate(found["availability"].times):
        expected = {s.name: s for s in status(traffic, slo_set, instant).slos}
        for name in ("availability", "fast", "by-route{http.route=/a}", "by-route{http.route=/b}"):
            series, reference = found[name], expected[name]
            assert (series.good[k], series.total[k]) == (reference.good, reference.total), name
            assert series.sli[k] == pytest.approx(reference.sli, abs=1e-12)
            assert series.budget_remaining[k] == pytest.approx(
                reference.error_budget.remaining, abs=1e-12
            )
            for label, rates in series.burn_rates.items():
                if timedelta(seconds=series.grain_seconds) > parse_duration(label):
                    assert rates[k] is None
                else:
                    assert rates[k] == pytest.approx(reference.burn_rates[label], abs=1e-12)


def test_the_counts_of_the_last_instant(traffic: Store) -> None:
    """2 h of /a: 360 fast 200s and 40 500s; 1 h of the whole service: 180 + 20 + 60,
    of which the 60 slow /b requests miss 250 ms."""
    series = slo_series(
        traffic, load({"shop.yaml": SLOS}), END, END, timedelta(minutes=1),
        names=["availability", "fast"],
    )  # fmt: skip
    availability, fast = series
    assert (availability.good, availability.total) == ([360.0], [400.0])
    assert availability.budget_remaining == [pytest.approx(0.0, abs=1e-12)]
    assert (fast.good, fast.total) == ([200.0], [260.0])
    # the last 5 minutes: 15 fast 200s, one fast 500 (minute 3) and 5 slow /b requests
    assert fast.burn_rates["5m"] == [pytest.approx((5 / 21) / 0.5, abs=1e-12)]


@pytest.mark.parametrize(
    ("start", "step", "message"),
    [
        (END - timedelta(days=2), timedelta(minutes=1), "more than 2,000"),
        (END + timedelta(hours=1), timedelta(minutes=1), "before its start"),
        (END - timedelta(hours=1), timedelta(seconds=30), "whole minutes"),
    ],
    ids=["too-many-points", "reversed", "sub-minute-step"],
)
def test_bad_ranges_are_refused(traffic: Store, start, step, message) -> None:
    with pytest.raises(InvalidRequest, match=message):
        slo_series(traffic, load({"shop.yaml": SLOS}), start, END, step)


def test_chosen_windows_alone_are_computed(traffic: Store) -> None:
    """The 1 h burn rate at each hour; the SLO window and the other rates stay None."""
    series = slo_series(
        traffic,
        load({"shop.yaml": SLOS}),
        END - timedelta(hours=1),
        END,
        timedelta(hours=1),
        names=["availability"],
        windows=["1h"],
    )
    (availability,) = series
    assert availability.grain_seconds == 3600
    assert availability.total == [None, None]
    assert availability.burn_rates["1h"] == [pytest.approx(1.0), pytest.approx(1.0)]
    assert availability.burn_rates["5m"] == [None, None]
