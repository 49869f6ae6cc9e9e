"""Golden tests: the engine's SQL against a reference computed from the raw events."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import load, status
from tests.support.reference import nearest_rank
from tests.support.traffic import (
    exponential_point,
    histogram_point,
    insert_exponential,
    insert_histograms,
    request_attributes,
)

END = datetime(2026, 3, 10, 12, 37, tzinfo=UTC)  # not on an hour: raw edges are read
START = END - timedelta(hours=5, minutes=13)

SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.95
    window: 1d
    sli: {availability: {route: /a}}
  - name: latency
    objective: 0.9
    window: 1d
    sli: {latency: {threshold: 0.25, route: /a}}
  - name: latency-between-bounds
    objective: 0.9
    window: 1d
    sli: {latency: {threshold: 0.3, route: /a}}
  - name: per-route
    objective: 0.9
    window: 1d
    per: [http.route]
    sli: {availability: {}}
"""


@pytest.fixture
def events(store):
    """Per-minute points for two routes; returns the raw (time, route, status, latency)."""
    rng = random.Random(42)
    raw = []
    points = []
    minute = START
    while minute < END + timedelta(minutes=5):
        for route in ("/a", "/b"):
            for status_code in (200, 503):
                n = rng.randint(5, 15) if status_code == 200 else rng.randint(0, 2)
                latencies = [round(rng.lognormvariate(-2.0, 0.8), 4) for _ in range(n)]
                if not latencies:
                    continue
                at = minute + timedelta(seconds=rng.randint(0, 59))
                points.append(
                    histogram_point(
                        "shop", request_attributes(route, "GET", status_code), at, latencies
                    )
                )
                raw += [(at, route, status_code, value) for value in latencies]
        minute += timedelta(minutes=1)
    insert_histograms(store, points)
    return raw


def _in(raw, route, since):
    return [e for e in raw if e[1] == route and since <= e[0] < END]


def _by_name(report):
    return {s.name: s for s in report.slos}


def test_availability_and_latency_are_exact_counts(store, events):
    report = _by_name(status(store, load({"s.yaml": SLOS}), END))
    window = _in(events, "/a", END - timedelta(days=1))
    assert report["availability"].total == len(window)
    assert report["availability"].good == sum(1 for e in window if e[2] < 500)
    assert report["latency"].good == sum(1 for e in window if e[3] <= 0.25)
    assert report["latency"].notes == []
    assert report["latency-between-bounds"].notes[0].endswith("(interpolated)")
    last_hour = _in(events, "/a", END - timedelta(hours=1))
    bad = sum(1 for e in last_hour if e[2] >= 500) / len(last_hour)
    assert report["availability"].burn_rates["1h"] == pytest.approx(bad / 0.05, rel=1e-9)


def test_percentiles_lie_within_their_error_bound(store, events):
    report = _by_name(status(store, load({"s.yaml": SLOS}), END))
    latencies = [e[3] for e in _in(events, "/a", END - timedelta(days=1))]
    latency = report["availability"].latency
    assert latency is not None
    for q, value, error in (
        (0.95, latency.p95, latency.p95_error),
        (0.99, latency.p99, latency.p99_error),
    ):
        assert value is not None
        assert error is not None
        assert abs(nearest_rank(latencies, q) - value) <= error + 1e-12


def test_rollup_path_equals_raw_path(store, events):
    slos = load({"s.yaml": SLOS})
    assert status(store, slos, END, use_rollups=True) == status(store, slos, END, use_rollups=False)


def test_per_dimension_slos_split_by_route(store, events):
    report = _by_name(status(store, load({"s.yaml": SLOS}), END))
    for route in ("/a", "/b"):
        found = report[f"per-route{{http.route={route}}}"]
        assert found.dimensions == {"http.route": route}
        assert found.total == len(_in(events, route, END - timedelta(days=1)))


def test_maintenance_window_is_excluded_from_the_budget(store, events):
    gap_start, gap_end = END - timedelta(hours=2), END - timedelta(hours=1, minutes=30)
    text = (
        SLOS
        + f"""\
maintenance:
  - name: deploy
    start: {gap_start.isoformat()}
    end: {gap_end.isoformat()}
    slos: [availability]
"""
    )
    report = _by_name(status(store, load({"s.yaml": text}), END))
    kept = [
        e for e in _in(events, "/a", END - timedelta(days=1)) if not gap_start <= e[0] < gap_end
    ]
    assert report["availability"].total == len(kept)
    assert report["availability"].excluded_seconds == 1800
    assert report["latency"].total == len(_in(events, "/a", END - timedelta(days=1)))


def test_no_data_and_hostile_filters_are_harmless(store, events):
    hostile = "/a') OR 1=1 --"
    text = f"""\
service: "shop'; DROP TABLE otel_metrics_histogram; --"
slos:
  - name: hostile
    objective: 0.9
    sli: {{availability: {{route: "{hostile}", filter: {{"x' OR '1'='1": {{matches: "\\\\("}}}}}}}}
"""
    report = status(store, load({"s.yaml": text}), END)
    assert [s.status for s in report.slos] == ["no_data"]
    assert store.query("SELECT count() FROM {db:Identifier}.otel_metrics_histogram")[0][0] > 0


def test_rollups_cut_hours_in_utc_whatever_the_session_time_zone(store):
    """The rollup views bucket hours in UTC, as the engine plans them, even when the
    inserting session's zone has a half-hour offset (a machine in India, say)."""
    india = store.reopen()
    india.command("SET session_timezone = 'Asia/Kolkata'")
    points = []
    for minute in range(0, 5 * 60, 7):
        at = START + timedelta(minutes=minute, seconds=30)
        for code, count in ((200, 9), (503, minute % 3)):
            attributes = request_attributes("/a", "GET", code)
            points += [histogram_point("shop", attributes, at, [0.1] * count)] if count else []
    insert_histograms(india, points)
    india.close()
    slos = load({"s.yaml": SLOS})
    rollups = _by_name(status(store, slos, END, use_rollups=True))
    assert rollups["availability"].total == sum(point.count for point in points)
    assert status(store, slos, END, use_rollups=False) == status(store, slos, END)


WEEK_SLOS = """\
service: shop
slos:
  - {name: week, objective: 0.9, window: 7d, sli: {availability: {route: /a}}}
  - {name: week-latency, objective: 0.9, window: 7d, sli: {latency: {threshold: 0.25}}}
  - name: week-exponential
    objective: 0.9
    window: 7d
    sli: {latency: {threshold: 0.25, histogram: exponential}}
maintenance:
  - {name: night, start: "2026-03-07T22:00:00Z", end: "2026-03-08T03:00:00Z", slos: [week]}
"""


def test_a_week_reads_days_hours_and_minutes_and_counts_exactly(store):
    """A 7-day window at :37 is read as whole days, hours and minutes; both histogram kinds
    count exactly and agree with the raw path, also with a maintenance window across
    midnight."""
    rng = random.Random(7)
    explicit, exponential, raw = [], [], []
    moment = END - timedelta(days=7, hours=2)
    while moment < END + timedelta(hours=1):
        for code in (200, 503):
            latencies = [round(rng.lognormvariate(-1.6, 0.7), 4) for _ in range(rng.randint(0, 4))]
            if latencies:
                attributes = request_attributes("/a", "GET", code)
                explicit.append(histogram_point("shop", attributes, moment, latencies))
                exponential.append(exponential_point("shop", attributes, moment, latencies, 3))
                raw += [(moment, code, value) for value in latencies]
        moment += timedelta(minutes=17, seconds=3)
    insert_histograms(store, explicit)
    insert_exponential(store, exponential)
    slos = load({"s.yaml": WEEK_SLOS})
    report = _by_name(status(store, slos, END))
    week = [e for e in raw if END - timedelta(days=7) <= e[0] < END]
    night = (datetime(2026, 3, 7, 22, tzinfo=UTC), datetime(2026, 3, 8, 3, tzinfo=UTC))
    kept = [e for e in week if not night[0] <= e[0] < night[1]]
    assert (report["week"].total, report["week"].good) == (len(kept), sum(e[1] < 500 for e in kept))
    assert report["week-latency"].total == len(week)
    assert report["week-latency"].good == sum(e[2] <= 0.25 for e in week)
    assert report["week-exponential"].total == len(week)
    assert status(store, slos, END, use_rollups=False) == status(store, slos, END)
