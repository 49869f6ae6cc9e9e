"""Golden tests for time-slice budgeting on explicit histograms: the engine's SQL against
slices recomputed here from the raw events (counts exact, ratios to 1e-12)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import load, status
from tests.support.reference import histogram_quantile, inside
from tests.support.traffic import (
    DEFAULT_BOUNDS,
    bucket_index,
    histogram_point,
    insert_histograms,
    request_attributes,
)

END = datetime(2026, 3, 10, 12, 37, tzinfo=UTC)  # not on an hour: minute edges are read
START = END - timedelta(hours=4)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GAP = (END - timedelta(minutes=50), END - timedelta(minutes=41))  # no traffic at all
MAINTENANCE = (END - timedelta(minutes=90), END - timedelta(minutes=77))

SLOS = f"""\
service: shop
slos:
  - name: availability-slices
    objective: 0.9
    window: 2h
    budgeting: timeslices
    slice_target: 0.8
    min_events: 3
    no_data: bad
    sli: {{availability: {{route: /a}}}}
  - name: availability-ratio-slices
    objective: 0.9
    window: 2h
    budgeting: ratio_timeslices
    min_events: 3
    no_data: good
    sli: {{availability: {{route: /a}}}}
  - name: latency-slices
    objective: 0.9
    window: 2h
    budgeting: timeslices
    slice: 5m
    slice_target: 0.7
    sli: {{latency: {{route: /a, threshold: 0.25}}}}
  - name: latency-between-bounds-slices
    objective: 0.9
    window: 2h
    budgeting: ratio_timeslices
    slice: 5m
    sli: {{latency: {{route: /a, threshold: 0.3}}}}
  - name: p90-slices
    objective: 0.9
    window: 2h
    budgeting: timeslices
    slice: 5m
    per: [http.route]
    sli: {{latency_percentile: {{percentile: 90, threshold: 0.5}}}}
maintenance:
  - name: deploy
    start: {MAINTENANCE[0].isoformat()}
    end: {MAINTENANCE[1].isoformat()}
    slos: [availability-slices, latency-slices]
"""


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    route: str
    status: int
    latency: float


@pytest.fixture(scope="module")
def events(module_store):
    """Two instances per route and status, each sending one point a minute; some minutes
    are quiet (low traffic) and a gap has no traffic at all."""
    rng = random.Random(7)
    raw: list[Event] = []
    points = []
    minute = START
    while minute < END + timedelta(minutes=5):
        if not GAP[0] <= minute < GAP[1]:
            quiet = rng.random() < 0.15
            for route in ("/a", "/b"):
                for status_code in (200, 503):
                    for instance in ("i-1", "i-2"):
                        top = 1 if quiet else (6 if status_code == 200 else 1)
                        n = rng.randint(0, top)
                        latencies = [round(rng.lognormvariate(-1.7, 0.7), 4) for _ in range(n)]
                        if not latencies:
                            continue
                        at = minute + timedelta(seconds=rng.randint(0, 59))
                        attributes = request_attributes(route, "GET", status_code)
                        point = histogram_point("shop", attributes, at, latencies)
                        points.append(replace(point, resource={"host": instance}))
                        raw += [Event(at, route, status_code, v) for v in latencies]
        minute += timedelta(minutes=1)
    insert_histograms(module_store, points)
    return raw


def _unix(instant: datetime) -> int:
    return int((instant - EPOCH).total_seconds())


def _slices(
    window: timedelta, length: timedelta, excluded: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Epoch-aligned slices wholly inside [END - window, END) touching no excluded range."""
    size = int(length.total_seconds())
    first = -(-_unix(END - window) // size) * size
    last = _unix(END) // size * size
    found = []
    for start in range(first, last, size):
        a = EPOCH + timedelta(seconds=start)
        b = a + length
        if not any(a < e_end and b > e_start for e_start, e_end in excluded):
            found.append((a, b))
    return found


Judge = Callable[[list[Event]], tuple[bool, float]]


def _reference(
    events: list[Event],
    route: str,
    *,
    window: timedelta,
    length: timedelta,
    excluded: Sequence[tuple[datetime, datetime]] = (),
    judge: Judge,
    min_events: int = 0,
    no_data: str = "ignore",
    ratio: bool = False,
) -> tuple[float, int, int, int]:
    """(good, counted, no_data, low_traffic) over the window's slices."""
    good, counted, empty, low = 0.0, 0, 0, 0
    for a, b in _slices(window, length, excluded):
        in_slice = [e for e in events if e.route == route and inside(e.time, a, b)]
        if not in_slice:
            empty += 1
            counted += no_data != "ignore"
            good += no_data == "good"
            continue
        if len(in_slice) < max(min_events, 1):
            low += 1
            continue
        is_good, share = judge(in_slice)
        counted += 1
        good += share if ratio else is_good
    return good, counted, empty, low


def _availability(target: float) -> Judge:
    def judge(inside: list[Event]) -> tuple[bool, float]:
        share = sum(e.status < 500 for e in inside) / len(inside)
        return share >= target, share

    return judge


def _latency_on_a_bound(threshold: float, target: float) -> Judge:
    def judge(inside: list[Event]) -> tuple[bool, float]:
        share = sum(e.latency <= threshold for e in inside) / len(inside)
        return share >= target, share

    return judge


def _percentile(q: float, threshold: float) -> Judge:
    def judge(inside: list[Event]) -> tuple[bool, float]:
        counts = [0] * (len(DEFAULT_BOUNDS) + 1)
        for e in inside:
            counts[bucket_index(DEFAULT_BOUNDS, e.latency)] += 1
        low, high = min(e.latency for e in inside), max(e.latency for e in inside)
        value, _ = histogram_quantile(q, DEFAULT_BOUNDS, counts, low, high)
        return value <= threshold, float(value <= threshold)

    return judge


@pytest.fixture(scope="module")
def report(module_store, events):
    return {s.name: s for s in status(module_store, load({"s.yaml": SLOS}), END).slos}


def test_timeslices_count_good_minutes_with_low_traffic_and_no_data_rules(report, events):
    found = report["availability-slices"]
    good, counted, empty, low = _reference(
        events,
        "/a",
        window=timedelta(hours=2),
        length=timedelta(minutes=1),
        excluded=[MAINTENANCE],
        judge=_availability(0.8),
        min_events=3,
        no_data="bad",
    )
    assert found.slices is not None
    assert (found.slices.no_data, found.slices.low_traffic) == (empty, low)
    assert empty == 9  # the gap; the maintenance minutes are not slices at all
    assert low > 0
    assert (found.good, found.total) == (good, counted)
    assert found.slices.expected == 120 - 13
    assert found.sli == pytest.approx(good / counted, rel=1e-12)
    assert found.error_budget.total == pytest.approx(0.1 * counted, rel=1e-12)


def test_ratio_timeslices_average_the_slice_ratios(report, events):
    found = report["availability-ratio-slices"]
    good, counted, empty, _ = _reference(
        events,
        "/a",
        window=timedelta(hours=2),
        length=timedelta(minutes=1),
        judge=_availability(0.0),
        min_events=3,
        no_data="good",
        ratio=True,
    )
    assert found.total == counted
    assert found.good == pytest.approx(good, rel=1e-12)
    assert found.sli == pytest.approx(good / counted, rel=1e-12)
    assert found.slices is not None
    assert found.slices.no_data == empty


def test_latency_timeslices_on_a_bucket_bound_are_exact(report, events):
    found = report["latency-slices"]
    good, counted, _, _ = _reference(
        events,
        "/a",
        window=timedelta(hours=2),
        length=timedelta(minutes=5),
        excluded=[MAINTENANCE],
        judge=_latency_on_a_bound(0.25, 0.7),
    )
    assert (found.good, found.total) == (good, counted)
    hour_good, hour_counted, _, _ = _reference(
        events,
        "/a",
        window=timedelta(hours=1),
        length=timedelta(minutes=5),
        excluded=[MAINTENANCE],
        judge=_latency_on_a_bound(0.25, 0.7),
    )
    expected_rate = (1 - hour_good / hour_counted) / (1 - 0.9)
    assert found.burn_rates["1h"] == pytest.approx(expected_rate, rel=1e-12)


def test_latency_slices_between_bounds_are_interpolated_within_the_bucket(report, events):
    found = report["latency-between-bounds-slices"]
    low, high = _reference(
        events, "/a", window=timedelta(hours=2), length=timedelta(minutes=5),
        judge=_latency_on_a_bound(0.25, 0.0), ratio=True,
    )[0], _reference(
        events, "/a", window=timedelta(hours=2), length=timedelta(minutes=5),
        judge=_latency_on_a_bound(0.5, 0.0), ratio=True,
    )[0]  # fmt: skip
    exact, _, _, _ = _reference(
        events, "/a", window=timedelta(hours=2), length=timedelta(minutes=5),
        judge=_latency_on_a_bound(0.3, 0.0), ratio=True,
    )  # fmt: skip
    assert low <= found.good <= high
    assert found.good != exact  # estimated from buckets, not from the raw latencies
    assert math.isclose(found.good, exact, rel_tol=0.05)


def test_percentile_slices_judge_each_slice_by_its_merged_buckets(report, events):
    for route in ("/a", "/b"):
        found = report[f"p90-slices{{http.route={route}}}"]
        good, counted, _, _ = _reference(
            events,
            route,
            window=timedelta(hours=2),
            length=timedelta(minutes=5),
            judge=_percentile(0.9, 0.5),
        )
        assert (found.good, found.total) == (good, counted)
        assert 0 < good < counted


def test_slices_rollup_path_equals_raw_path(module_store, events):
    slos = load({"s.yaml": SLOS})
    assert status(module_store, slos, END, use_rollups=True) == status(
        module_store, slos, END, use_rollups=False
    )


def test_slo_without_any_series_counts_every_slice_as_no_data(module_store, events):
    text = """\
service: shop
slos:
  - {name: none, objective: 0.9, window: 1h, budgeting: timeslices, slice_target: 0.9,
     no_data: bad, sli: {availability: {route: /nowhere}}}
  - {name: ignored, objective: 0.9, window: 1h, budgeting: timeslices, slice_target: 0.9,
     sli: {availability: {route: /nowhere}}}
"""
    none, ignored = status(module_store, load({"s.yaml": text}), END).slos
    assert (none.good, none.total, none.sli, none.status) == (0.0, 60.0, 0.0, "breached")
    assert none.slices is not None
    assert none.slices.no_data == 60
    assert (ignored.total, ignored.status) == (0.0, "no_data")


@pytest.mark.parametrize(
    ("threshold", "good"),
    [(10.0, True), (7.5, False), (12.0, True)],
    ids=["at-the-last-bound", "below-the-last-bound", "above-the-last-bound"],
)
def test_percentile_in_the_inf_bucket_without_max_is_the_last_bound(module_store, threshold, good):
    """Without min/max, a rank in the +Inf bucket reports the last finite bound (10 s):
    the slice is good exactly when that bound is at or under the threshold."""
    minute = END - timedelta(minutes=3)
    latencies = [0.2] * 5 + [15.0] * 5  # p90 lies in the +Inf bucket
    route = f"/slow-{threshold:g}"
    point = histogram_point(
        "edge", request_attributes(route), minute, latencies, record_min_max=False
    )
    insert_histograms(module_store, [point])
    counts = [0] * (len(DEFAULT_BOUNDS) + 1)
    for value in latencies:
        counts[bucket_index(DEFAULT_BOUNDS, value)] += 1
    reference, _ = histogram_quantile(0.9, DEFAULT_BOUNDS, counts)
    assert reference == 10.0
    text = f"""\
service: edge
slos:
  - {{name: p90, objective: 0.9, window: 1h, budgeting: timeslices,
     sli: {{latency_percentile: {{percentile: 90, threshold: {threshold}, route: {route}}}}}}}
"""
    (found,) = status(module_store, load({"s.yaml": text}), END).slos
    assert found.total == 1.0
    assert found.good == float(reference <= threshold) == float(good)
