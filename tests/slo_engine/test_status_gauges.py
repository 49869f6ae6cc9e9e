"""Golden tests for gauge SLIs (a CPU gauge, an up-down counter) and health checks
(the ``sloscope.health_check.up`` convention), against slices recomputed here."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import load, status
from tests.support.reference import inside
from tests.support.traffic import GaugePoint, insert_gauges, insert_updown_sums

END = datetime(2026, 3, 10, 12, 37, tzinfo=UTC)
START = END - timedelta(hours=1, minutes=10)
CHECK_SILENT = (END - timedelta(minutes=20), END - timedelta(minutes=14))  # prober was down
CPU = "system.cpu.utilization"
MEMORY = "process.memory.usage"
UP = "sloscope.health_check.up"

SLOS = f"""\
service: api
slos:
  - name: cpu-minutes
    objective: 0.99
    window: 1h
    budgeting: timeslices
    sli: {{gauge: {{metric: {CPU}, filter: {{cpu.state: user}}, op: le, threshold: 0.75}}}}
  - name: cpu-points
    objective: 0.99
    window: 1h
    sli: {{gauge: {{metric: {CPU}, filter: {{cpu.state: user}}, op: le, threshold: 0.8}}}}
  - name: cpu-share-of-points
    objective: 0.99
    window: 1h
    budgeting: timeslices
    slice_target: 0.75
    sli: {{gauge: {{metric: {CPU}, filter: {{cpu.state: user}}, op: le, threshold: 0.8}}}}
  - name: cpu-ratio-slices
    objective: 0.99
    window: 1h
    budgeting: ratio_timeslices
    slice: 5m
    sli: {{gauge: {{metric: {CPU}, filter: {{cpu.state: user}}, op: lt, threshold: 0.8}}}}
  - name: memory
    objective: 0.99
    window: 1h
    budgeting: timeslices
    sli: {{gauge: {{metric: {MEMORY}, op: le, threshold: 5.0e8, aggregation: max}}}}
  - name: health
    objective: 0.99
    window: 1h
    budgeting: timeslices
    no_data: bad
    per: [check.name]
    sli: {{health_check: {{}}}}
  - name: health-db-ignoring-gaps
    objective: 0.99
    window: 1h
    budgeting: timeslices
    sli: {{health_check: {{check: db}}}}
"""


@pytest.fixture(scope="module")
def points(module_store):
    rng = random.Random(23)
    cpu, memory, checks = [], [], []
    at = START
    while at < END + timedelta(minutes=2):
        for core in ("0", "1"):
            for state in ("user", "system"):
                value = round(rng.uniform(0.4, 0.95) if state == "user" else rng.uniform(0, 1), 3)
                cpu.append(GaugePoint("api", CPU, {"cpu": core, "cpu.state": state}, at, value))
        memory.append(GaugePoint("api", MEMORY, {}, at, rng.uniform(3.0e8, 5.4e8)))
        if not CHECK_SILENT[0] <= at <= CHECK_SILENT[1]:  # its minutes, (T - 1 ns)
            for check in ("db", "cache"):
                up = 0.0 if rng.random() < 0.08 else 1.0
                checks.append(GaugePoint("api", UP, {"check.name": check}, at, up))
        at += timedelta(seconds=20)
    insert_gauges(module_store, cpu + checks)
    insert_updown_sums(module_store, memory, START - timedelta(days=1))
    return {"cpu": cpu, "memory": memory, "checks": checks}


@pytest.fixture(scope="module")
def report(module_store, points):
    return {s.name: s for s in status(module_store, load({"s.yaml": SLOS}), END).slos}


def _slices(length: timedelta) -> list[tuple[datetime, datetime]]:
    """Epoch-aligned slices wholly inside the last hour."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = epoch - ((epoch - (END - timedelta(hours=1))) // length) * length
    found = []
    while first + length <= END:
        found.append((first, first + length))
        first += length
    return found


def _judge(
    points: list[GaugePoint], length: timedelta, good: Callable[[list[float]], float]
) -> tuple[float, int, int]:
    """(sum of good shares, slices with points, slices without)."""
    total, counted, empty = 0.0, 0, 0
    for a, b in _slices(length):
        values = [p.value for p in points if inside(p.time, a, b)]
        if not values:
            empty += 1
            continue
        total += good(values)
        counted += 1
    return total, counted, empty


def _user(points):
    return [p for p in points["cpu"] if p.attributes["cpu.state"] == "user"]


def test_gauge_minute_is_good_when_its_average_meets_the_threshold(report, points):
    good, counted, _ = _judge(
        _user(points), timedelta(minutes=1), lambda v: statistics.fmean(v) <= 0.75
    )
    found = report["cpu-minutes"]
    assert (found.good, found.total) == (good, counted)
    assert 0 < good < counted


def test_gauge_occurrences_count_points(report, points):
    user = [p for p in _user(points) if inside(p.time, END - timedelta(hours=1), END)]
    found = report["cpu-points"]
    assert (found.good, found.total) == (sum(p.value <= 0.8 for p in user), len(user))


def test_gauge_slice_target_judges_the_share_of_good_points(report, points):
    share = lambda v: sum(x <= 0.8 for x in v) / len(v)  # noqa: E731
    good, counted, _ = _judge(_user(points), timedelta(minutes=1), lambda v: share(v) >= 0.75)
    found = report["cpu-share-of-points"]
    assert (found.good, found.total) == (good, counted)


def test_gauge_ratio_slices_average_the_shares(report, points):
    good, counted, _ = _judge(
        _user(points), timedelta(minutes=5), lambda v: sum(x < 0.8 for x in v) / len(v)
    )
    found = report["cpu-ratio-slices"]
    assert found.total == counted
    assert found.good == pytest.approx(good, rel=1e-12)


def test_up_down_counter_levels_are_judged_by_their_maximum(report, points):
    good, counted, _ = _judge(points["memory"], timedelta(minutes=1), lambda v: max(v) <= 5.0e8)
    found = report["memory"]
    assert (found.good, found.total) == (good, counted)
    assert 0 < good < counted


@pytest.mark.parametrize("check", ["db", "cache"])
def test_health_check_minute_is_good_when_every_run_passed(report, points, check):
    runs = [p for p in points["checks"] if p.attributes["check.name"] == check]
    good, counted, empty = _judge(runs, timedelta(minutes=1), lambda v: min(v) >= 1)
    found = report[f"health{{check.name={check}}}"]
    assert found.slices is not None
    assert found.slices.no_data == empty == 6  # the prober was silent: bad under no_data: bad
    assert (found.good, found.total) == (good, counted + empty)
    ignoring = report["health-db-ignoring-gaps"]
    if check == "db":
        assert (ignoring.good, ignoring.total) == (good, counted)
