"""Golden tests at the edges: a point with start S and time T describes (S, T], so it
counts in the window, slice or month that holds T - 1 ns. Points exactly on minute,
hour and month boundaries, evaluated on a boundary and inside a minute, through the
rollups and the raw rows alike, against references computed from the raw events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import SloStatus, load, sla_report, status
from slo_engine._windows import month_range
from tests.support.reference import inside
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

END = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # an hour boundary
HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
Event = tuple[str, datetime, int, int]  # service, time, status, requests

SLOS = """\
service: {service}
slos:
  - name: {service}-requests
    objective: 0.99
    window: 1h
    sli: {{availability: {{}}}}
  - name: {service}-minutes
    objective: 0.99
    window: 1h
    budgeting: timeslices
    slice_target: 0.9
    sli: {{availability: {{}}}}
  - name: {service}-month
    objective: 0.99
    window: {{calendar: month, timezone: Europe/Berlin}}
    sli: {{availability: {{}}}}
"""


def _minute_traffic(service: str, offset: timedelta) -> list[Event]:
    """Two hours and five minutes of traffic, a point per minute ``offset`` after each
    boundary, with a different count each minute (so that a minute counted on the wrong
    side changes every total); every third minute some requests fail."""
    found: list[Event] = []
    for i in range(126):
        at = END - 2 * HOUR + i * MINUTE + offset
        found.append((service, at, 200, 5 + i % 11))
        if i % 3 == 0:
            found.append((service, at, 503, 1 + i % 2))
    return found


# The month-boundary points: in UTC and in Berlin (CEST until 25 October 01:00 UTC).
MONTH_POINTS = [
    datetime(2026, 9, 30, 22, 0, tzinfo=UTC),  # Berlin's October starts: September's last
    datetime(2026, 10, 1, 0, 0, tzinfo=UTC),  # UTC's October starts: September's last
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # the DST change
    datetime(2026, 10, 25, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 0, tzinfo=UTC),  # Berlin's October ends: its last
    datetime(2026, 11, 1, 0, 0, tzinfo=UTC),  # UTC's October ends: its last
]
EVENTS = [
    *_minute_traffic("aligned", timedelta(0)),
    *_minute_traffic("sdk", timedelta(seconds=17, microseconds=250_000)),
    *(("aligned", at, 200, 2**k) for k, at in enumerate(MONTH_POINTS)),
    # Inside the minute after END: before and after the instant END + 30.5 s.
    ("aligned", END + timedelta(seconds=10), 200, 40),
    ("aligned", END + timedelta(seconds=40), 503, 30),
    ("aligned", END + timedelta(seconds=30, microseconds=500_000), 200, 50),  # on it
]


@pytest.fixture(scope="module")
def stored(module_store):
    insert_histograms(
        module_store,
        [
            histogram_point(service, request_attributes("/a", "GET", code), at, [0.05] * n)
            for service, at, code, n in EVENTS
        ],
    )
    return module_store


def _counts(service: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(good, total) requests of the points that describe time in [start, end)."""
    chosen = [(code, n) for s, at, code, n in EVENTS if s == service and inside(at, start, end)]
    return sum(n for code, n in chosen if code < 500), sum(n for _, n in chosen)


def _burn(service: str, start: datetime, end: datetime) -> float:
    good, total = _counts(service, start, end)
    return (1 - good / total) / 0.01


def _reports(store, service: str, at: datetime) -> list[dict[str, SloStatus]]:
    slo_set = load({"s.yaml": SLOS.format(service=service)})
    return [
        {s.name: s for s in status(store, slo_set, at, use_rollups=rollups).slos}
        for rollups in (True, False)
    ]


def test_a_window_ending_on_a_boundary_counts_the_minute_that_ends_there(stored):
    good, total = _counts("aligned", END - HOUR, END)
    # The point at END (12:00, describing 11:59) counts; the one at 11:00 does not.
    assert total == sum(n for s, at, _, n in EVENTS if s == "aligned" and END - HOUR < at <= END)
    assert total != sum(n for s, at, _, n in EVENTS if s == "aligned" and END - HOUR <= at < END)
    for report in _reports(stored, "aligned", END):
        found = report["aligned-requests"]
        assert (found.good, found.total) == (good, total)
        assert found.burn_rates["5m"] == pytest.approx(_burn("aligned", END - 5 * MINUTE, END))
        assert found.burn_rates["30m"] == pytest.approx(_burn("aligned", END - 30 * MINUTE, END))


def test_time_slices_hold_the_points_that_end_them(stored):
    expected_good = 0
    for k in range(60):
        start = END - HOUR + k * MINUTE
        good, total = _counts("aligned", start, start + MINUTE)
        assert total > 0
        expected_good += good / total >= 0.9
    for report in _reports(stored, "aligned", END):
        found = report["aligned-minutes"]
        assert found.slices is not None
        assert (found.slices.counted, found.slices.no_data) == (60, 0)
        assert found.good == expected_good
        assert 0 < expected_good < 60


def test_an_instant_inside_a_minute_counts_the_partial_minutes_at_both_edges(stored):
    at = END + timedelta(seconds=30, microseconds=500_000)
    good, total = _counts("aligned", at - HOUR, at)
    # 10:59:30.5 to 12:00:30.5: the points at 11:00 to 12:00, at 12:00:10 and at 12:00:30.5.
    assert total == sum(
        n for s, t, _, n in EVENTS if s == "aligned" and END - HOUR <= t <= at and t != END - HOUR
    )
    for report in _reports(stored, "aligned", at):
        found = report["aligned-requests"]
        assert (found.good, found.total) == (good, total)
        assert found.burn_rates["5m"] == pytest.approx(_burn("aligned", at - 5 * MINUTE, at))


def test_unaligned_points_count_as_they_always_did(stored):
    """An SDK's points fall inside minutes: (start, end] and [start, end) agree."""
    for at in (END, END + timedelta(minutes=7, seconds=3)):
        good, total = _counts("sdk", at - HOUR, at)
        before = [(c, n) for s, t, c, n in EVENTS if s == "sdk" and at - HOUR <= t < at]
        assert (good, total) == (sum(n for c, n in before if c < 500), sum(n for _, n in before))
        for report in _reports(stored, "sdk", at):
            found = report["sdk-requests"]
            assert (found.good, found.total) == (good, total)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_the_sla_month_holds_the_points_that_end_in_it(stored, zone):
    month = month_range("2026-10", zone)
    expected = sum(
        n for s, at, _, n in EVENTS if s == "aligned" and inside(at, month.start, month.end)
    )
    # Berlin's October: from 30 September 22:00 UTC (excluded) to 31 October 23:00 UTC
    # (included), 25 October's DST change inside; UTC's: 1 October to 1 November.
    assert expected == (2 + 4 + 8 + 16 if zone == "Europe/Berlin" else 4 + 8 + 16 + 32)
    slo_set = load({"s.yaml": SLOS.format(service="aligned")})
    report = sla_report(stored, slo_set, "2026-10", zone, datetime(2026, 12, 1, tzinfo=UTC))
    (service,) = [s for s in report.services if s.name == "aligned"]
    assert service.requests == expected


def test_a_calendar_month_evaluated_at_its_end_is_all_of_it(stored):
    month = month_range("2026-10", "Europe/Berlin")
    for report in _reports(stored, "aligned", month.end):
        found = report["aligned-month"]
        assert found.total == _counts("aligned", month.start, month.end)[1] == 2 + 4 + 8 + 16
