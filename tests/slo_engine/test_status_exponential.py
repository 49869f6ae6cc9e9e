"""Golden tests for exponential-histogram SLIs: counts, log-linear thresholds and
percentiles across a change of scale, against the Python reference."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import load, status
from tests.support.reference import (
    exponential_count_le,
    exponential_quantile,
    nearest_rank,
)
from tests.support.traffic import (
    exponential_index,
    exponential_point,
    insert_exponential,
    request_attributes,
)

END = datetime(2026, 3, 10, 12, 37, tzinfo=UTC)
START = END - timedelta(hours=3)
RESCALE = END - timedelta(minutes=95)  # the SDK fell from scale 3 to scale 2 here
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.95
    window: 1d
    sli: {availability: {route: /a, histogram: exponential}}
  - name: latency
    objective: 0.9
    window: 1d
    sli: {latency: {route: /a, threshold: 0.3, histogram: exponential}}
  - name: latency-on-a-bound
    objective: 0.9
    window: 1d
    sli: {latency: {route: /a, threshold: 0.25, histogram: exponential}}
  - name: latency-slices
    objective: 0.9
    window: 2h
    budgeting: ratio_timeslices
    slice: 5m
    sli: {latency: {route: /a, threshold: 0.25, histogram: exponential}}
  - name: p90-slices
    objective: 0.9
    window: 2h
    budgeting: timeslices
    slice: 5m
    sli: {latency_percentile: {route: /a, percentile: 90, threshold: 0.4, histogram: exponential}}
"""


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    status: int
    latency: float
    scale: int


@pytest.fixture(scope="module")
def events(module_store):
    rng = random.Random(17)
    raw: list[Event] = []
    points = []
    minute = START
    while minute < END + timedelta(minutes=3):
        scale = 3 if minute < RESCALE else 2
        for status_code in (200, 503):
            n = rng.randint(3, 9) if status_code == 200 else rng.randint(0, 2)
            latencies = [round(rng.lognormvariate(-1.8, 0.8), 5) for _ in range(n)]
            if not latencies:
                continue
            at = minute + timedelta(seconds=rng.randint(0, 59))
            attributes = request_attributes("/a", "GET", status_code)
            points.append(exponential_point("shop", attributes, at, latencies, scale))
            raw += [Event(at, status_code, v, scale) for v in latencies]
        minute += timedelta(minutes=1)
    insert_exponential(module_store, points)
    return [e for e in raw if e.time < END]


def _buckets(values: list[float], scale: int) -> dict[int, int]:
    found: dict[int, int] = {}
    for v in values:
        found[exponential_index(v, scale)] = found.get(exponential_index(v, scale), 0) + 1
    return found


@pytest.fixture(scope="module")
def report(module_store, events):
    return {s.name: s for s in status(module_store, load({"s.yaml": SLOS}), END).slos}


def test_availability_counts_requests_exactly(report, events):
    found = report["availability"]
    assert (found.good, found.total) == (sum(e.status < 500 for e in events), len(events))


def test_latency_threshold_is_split_log_linearly_at_the_common_scale(report, events):
    values = [e.latency for e in events]
    found = report["latency"]
    expected, interpolated = exponential_count_le(
        0.3, 2, 0, _buckets(values, 2), observed_min=min(values), observed_max=max(values)
    )
    assert interpolated
    assert found.good == pytest.approx(expected, rel=1e-9)
    assert found.notes[0].endswith("(interpolated)")
    assert abs(found.good - sum(v <= 0.3 for v in values)) < 0.05 * len(values)
    on_bound = report["latency-on-a-bound"]  # 0.25 = 2^(-8/4): a bucket bound at scale 2
    assert on_bound.good == sum(v <= 0.25 for v in values)
    assert on_bound.notes == ["several scales merged at the smallest (coarser buckets)"]


def test_percentiles_match_the_reference_and_bracket_the_true_value(report, events):
    values = [e.latency for e in events]
    latency = report["availability"].latency
    assert latency is not None
    for q, value, error in (
        (0.5, latency.p50, latency.p50_error),
        (0.95, latency.p95, latency.p95_error),
        (0.99, latency.p99, latency.p99_error),
    ):
        expected = exponential_quantile(
            q, 2, 0, _buckets(values, 2), observed_min=min(values), observed_max=max(values)
        )
        assert (value, error) == pytest.approx(expected, rel=1e-9)
        assert value is not None
        assert error is not None
        assert abs(nearest_rank(values, q) - value) <= error + 1e-12


def _slice_events(events: list[Event], length: timedelta) -> list[list[Event]]:
    size = int(length.total_seconds())
    first = -(-int((END - timedelta(hours=2) - EPOCH).total_seconds()) // size) * size
    last = int((END - EPOCH).total_seconds()) // size * size
    slices = []
    for start in range(first, last, size):
        a = EPOCH + timedelta(seconds=start)
        slices.append([e for e in events if a <= e.time < a + length])
    return slices


def test_latency_ratio_slices_merge_each_slice_at_its_smallest_scale(report, events):
    expected_sum, counted = 0.0, 0
    for inside in _slice_events(events, timedelta(minutes=5)):
        values = [e.latency for e in inside]
        scale = min(e.scale for e in inside)
        under, _ = exponential_count_le(
            0.25,
            scale,
            0,
            _buckets(values, scale),
            observed_min=min(values),
            observed_max=max(values),
        )
        expected_sum += under / len(values)
        counted += 1
    found = report["latency-slices"]
    assert found.total == counted
    assert found.good == pytest.approx(expected_sum, rel=1e-9)


def test_percentile_slices_use_the_log_linear_quantile(report, events):
    good, counted = 0, 0
    for inside in _slice_events(events, timedelta(minutes=5)):
        values = [e.latency for e in inside]
        scale = min(e.scale for e in inside)
        value, _ = exponential_quantile(
            0.9,
            scale,
            0,
            _buckets(values, scale),
            observed_min=min(values),
            observed_max=max(values),
        )
        good += value <= 0.4
        counted += 1
    found = report["p90-slices"]
    assert (found.good, found.total) == (good, counted)
    assert 0 < good < counted


def test_exponential_rollup_path_equals_raw_path(module_store, events):
    slos = load({"s.yaml": SLOS})
    assert status(module_store, slos, END, use_rollups=True) == status(
        module_store, slos, END, use_rollups=False
    )
