"""Golden tests of the monthly SLA report: known outages give known seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slo_engine import InvalidRequest, load, sla_period, sla_report
from slo_engine.sla._report import SERVICES_PER_QUERY
from tests.support.sla_traffic import Minute, insert, plan, run

APRIL = datetime(2026, 4, 1, tzinfo=UTC)
MAY = datetime(2026, 5, 1, tzinfo=UTC)
LATER = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)

SLOS = """\
service: shop
slos:
  - name: shop-availability
    objective: 0.99
    window: 30d
    sli: {availability: {}}
"""


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC)


OUTAGES = {
    # a total outage: 12 minutes, every request failed
    **run(at(3, 10, 0), 12, Minute(0, 20)),
    # degraded: 3 down, 2 up, 2 down: one incident, gap 2 minutes
    **run(at(10, 8, 0), 3, Minute(20, 2)),
    **run(at(10, 8, 5), 2, Minute(20, 3)),
    # exactly at the 5% threshold: not down
    at(12, 12, 0): Minute(19, 1),
    # every request failed but fewer than 10 requests: low traffic, not down
    **run(at(15, 9, 0), 5, Minute(0, 5)),
    # two incidents 6 minutes apart: more than the 5 minute gap
    **run(at(20, 14, 0), 2, Minute(10, 10)),
    **run(at(20, 14, 8), 2, Minute(12, 8)),
    # two down minutes exactly 5 minutes apart: one incident
    at(25, 6, 0): Minute(10, 10),
    at(25, 6, 6): Minute(10, 10),
}


@pytest.fixture
def april(store):
    minutes = plan(APRIL, MAY, overrides=OUTAGES)
    insert(store, "shop", minutes)
    return minutes


def test_a_month_with_known_outages_gives_exact_downtime_incidents_and_mttr(store, april):
    report = sla_report(store, load({"s.yaml": SLOS}), "2026-04", "UTC", LATER)
    (shop,) = report.services
    assert report.period.seconds == 30 * 86400
    assert report.period.complete
    down_minutes = 12 + 5 + 2 + 2 + 2
    assert shop.downtime_seconds == down_minutes * 60
    assert shop.excluded_seconds == 0
    assert shop.uptime_seconds == 30 * 86400 - down_minutes * 60
    assert shop.availability == pytest.approx((30 * 86400 - down_minutes * 60) / (30 * 86400))
    assert shop.low_traffic_minutes == 5
    assert shop.silent_minutes == 0
    assert shop.requests == sum(m.total for m in april.values())
    assert shop.failed_requests == sum(m.failed for m in april.values())
    found = [
        (i.start.isoformat(), i.duration_seconds, i.down_seconds, i.severity)
        for i in shop.incidents
    ]
    assert found == [
        ("2026-04-03T10:00:00+00:00", 720, 720, "outage"),
        ("2026-04-10T08:00:00+00:00", 420, 300, "degraded"),
        ("2026-04-20T14:00:00+00:00", 120, 120, "major"),
        ("2026-04-20T14:08:00+00:00", 120, 120, "degraded"),
        ("2026-04-25T06:00:00+00:00", 420, 120, "major"),
    ]
    degraded = shop.incidents[1]
    assert (degraded.requests, degraded.failed_requests) == (22 * 3 + 23 * 2, 2 * 3 + 3 * 2)
    assert degraded.peak_error_ratio == pytest.approx(3 / 23)
    assert degraded.description == (
        "degraded, 5 minutes down: error ratio 13% peak, 12 of 112 requests failed"
    )
    assert shop.incidents[0].id == "shop-20260403-1000"
    assert shop.mttr_seconds == (720 + 420 + 120 + 120 + 420) / 5
    assert report.summary.mttr_seconds == shop.mttr_seconds
    assert report.summary.incidents == 5
    assert report.summary.total_downtime_seconds == down_minutes * 60
    assert "mean incident duration" in report.summary.mttr_definition


def test_daily_availability_and_budget_burn_down(store, april):
    report = sla_report(store, load({"s.yaml": SLOS}), "2026-04", "UTC", LATER)
    (shop,) = report.services
    assert len(shop.daily) == 30
    third = shop.daily[2]
    assert third.date.isoformat() == "2026-04-03"
    assert third.downtime_seconds == 720
    assert third.availability == pytest.approx(1 - 720 / 86400)
    assert shop.daily[0].availability == 1.0
    budget = (1 - 0.999) * 30 * 86400
    assert shop.error_budget_seconds == pytest.approx(budget)
    assert third.budget_remaining_ratio == pytest.approx(1 - 720 / budget)
    assert shop.daily[-1].budget_remaining_ratio == pytest.approx(1 - 23 * 60 / budget)
    assert shop.met is True


def test_slos_are_evaluated_over_the_calendar_month(store, april):
    report = sla_report(store, load({"s.yaml": SLOS}), "2026-04", "UTC", LATER)
    (slo,) = report.services[0].slos
    good = sum(m.good for m in april.values())
    total = sum(m.total for m in april.values())
    assert slo.name == "shop-availability"
    assert slo.sli == pytest.approx(good / total)
    assert slo.met is True
    assert slo.error_budget_consumed == pytest.approx((total - good) / (0.01 * total))
    latency = report.services[0].latency
    assert latency.p95 == pytest.approx(0.04)
    assert latency.p99 == pytest.approx(0.04)


def test_a_month_not_started_is_an_invalid_request(store):
    with pytest.raises(InvalidRequest, match="has not started"):
        sla_report(store, load({"s.yaml": SLOS}), "2026-12", "UTC", LATER)


@pytest.mark.parametrize(
    ("month", "zone", "text"),
    [
        ("2026-13", "UTC", "month must be YYYY-MM, not '2026-13'"),
        ("26-01", "UTC", "month must be YYYY-MM"),
        ("2026-04", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
    ids=["month 13", "short year", "unknown zone"],
)
def test_bad_months_and_zones_are_invalid_requests(month, zone, text):
    with pytest.raises(InvalidRequest, match=re.escape(text)):
        sla_period(month, zone)


@pytest.mark.parametrize(
    ("month", "zone", "hours"),
    [
        ("2026-03", "Europe/Berlin", 743),
        ("2026-10", "Europe/Berlin", 745),
        ("2026-03", "America/New_York", 743),
        ("2026-02", "UTC", 672),
        ("2028-02", "Asia/Kolkata", 696),
    ],
    ids=["berlin spring", "berlin autumn", "new york spring", "february", "leap kolkata"],
)
def test_month_lengths_follow_the_zone(month, zone, hours):
    assert sla_period(month, zone).seconds == hours * 3600


BERLIN = ZoneInfo("Europe/Berlin")
MAINTENANCE = """sla:
  objective: 0.99
  services: {shop: {}}
maintenance:
  - name: db upgrade
    start: 2026-{month}-10T22:00:00
    timezone: Europe/Berlin
    duration: 2h
    reason: planned, announced 7 days ahead
  - name: weekly restart
    start: 2026-01-04T04:00:00
    timezone: Europe/Berlin
    duration: 1h
    rrule: FREQ=WEEKLY;BYDAY=SU
    services: [shop]
  - name: other service only
    start: 2026-{month}-12T10:00:00
    timezone: Europe/Berlin
    duration: 3h
    services: [elsewhere]
"""


@pytest.mark.parametrize(
    ("month", "hours", "bounds", "sundays"),
    [
        ("03", 743, ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00"), [1, 8, 15, 22, 29]),
        ("10", 745, ("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"), [4, 11, 18, 25]),
    ],
    ids=["march: 743 hours", "october: 745 hours"],
)
def test_dst_month_excludes_maintenance_exactly_and_never_counts_it_down(
    store, month, hours, bounds, sundays
):
    number = int(month)
    inside = datetime(2026, number, 10, 22, 0, tzinfo=BERLIN).astimezone(UTC)
    # traffic from an hour before the upgrade to an hour after; it fails inside it
    outages = run(inside, 120, Minute(0, 50))
    insert(store, "shop", plan(inside - HOUR, inside + 3 * HOUR, overrides=outages))
    slo_set = load({"s.yaml": MAINTENANCE.replace("{month}", month)})
    report = sla_report(store, slo_set, f"2026-{month}", "Europe/Berlin", LATER)
    (shop,) = report.services
    assert report.period.seconds == hours * 3600
    assert (report.period.start.isoformat(), report.period.end.isoformat()) == bounds
    excluded = 2 * 3600 + len(sundays) * 3600
    assert shop.excluded_seconds == excluded
    assert shop.downtime_seconds == 0
    assert shop.incidents == []
    assert shop.uptime_seconds == hours * 3600 - excluded
    assert shop.availability == 1.0
    assert shop.failed_requests == 0
    assert shop.requests == 2 * 60 * 20
    assert shop.error_budget_seconds == pytest.approx(0.01 * (hours * 3600 - excluded))
    starts = sorted([f"{d:02d}T04:00" for d in sundays] + ["10T22:00"])
    assert [e.start.isoformat()[8:16] for e in shop.excluded] == starts
    assert {e.name for e in shop.excluded} == {"db upgrade", "weekly restart"}
    assert len(shop.daily) == 31
    assert sum(d.excluded_seconds for d in shop.daily) == excluded


FEBRUARY = datetime(2026, 2, 1, tzinfo=UTC)
EARLY = FEBRUARY + 3 * HOUR  # the month has run for three hours
QUIET = run(FEBRUARY + HOUR, 12, Minute(0, 0))


@pytest.mark.parametrize(
    ("silence_is_down", "downtime", "severities"),
    [(True, 12 * 60, ["outage"]), (False, 0, [])],
    ids=["silence is down", "silence is up"],
)
def test_a_silent_service_is_down_only_when_configured(
    store, silence_is_down, downtime, severities
):
    insert(store, "shop", plan(FEBRUARY, EARLY, silent=QUIET))
    text = f"sla:\n  silence_is_down: {str(silence_is_down).lower()}\n  services: {{shop: {{}}}}\n"
    report = sla_report(store, load({"s.yaml": text}), "2026-02", "UTC", EARLY)
    (shop,) = report.services
    assert not report.period.complete
    assert report.period.evaluated_until == EARLY
    assert shop.silent_minutes == 12
    assert shop.downtime_seconds == downtime
    assert shop.uptime_seconds == 3 * 3600 - downtime
    assert [i.severity for i in shop.incidents] == severities
    if silence_is_down:
        (incident,) = shop.incidents
        assert incident.start == FEBRUARY + HOUR
        assert incident.duration_seconds == 12 * 60
        assert incident.description == (
            "total outage, 12 minutes down: no requests received for 12 minutes"
        )


def test_low_traffic_minutes_are_never_down(store):
    overrides = run(FEBRUARY + HOUR, 30, Minute(40, 60))  # 60% failed, 100 requests
    insert(store, "shop", plan(FEBRUARY, EARLY, overrides=overrides))
    strict = "sla:\n  min_requests: 101\n  services: {shop: {}}\n"
    report = sla_report(store, load({"s.yaml": strict}), "2026-02", "UTC", EARLY)
    (shop,) = report.services
    assert shop.downtime_seconds == 0
    assert shop.low_traffic_minutes == 3 * 60
    assert shop.failed_requests == 30 * 60
    normal = sla_report(
        store, load({"s.yaml": "sla: {services: {shop: {}}}\n"}), "2026-02", "UTC", EARLY
    )
    assert normal.services[0].downtime_seconds == 30 * 60
    assert normal.services[0].incidents[0].severity == "major"


def test_policies_apply_per_service_and_unnamed_services_are_found_in_the_data(store):
    for service in ("api", "web"):
        overrides = run(FEBRUARY + HOUR, 10, Minute(80, 20))  # 20% failed
        insert(store, service, plan(FEBRUARY, EARLY, overrides=overrides))
    text = """\
sla:
  incident_gap: 0m
  services:
    api: {error_ratio_threshold: 0.25, objective: 0.95}
"""
    report = sla_report(store, load({"s.yaml": text}), "2026-02", "UTC", EARLY)
    assert [s.name for s in report.services] == ["api"]
    (api,) = report.services
    assert (api.downtime_seconds, api.objective, api.policy.incident_gap_seconds) == (0, 0.95, 0)
    found = sla_report(
        store, load({"s.yaml": "sla: {error_ratio_threshold: 0.1}\n"}), "2026-02", "UTC", EARLY
    )
    assert [s.name for s in found.services] == ["api", "web"]
    assert [s.downtime_seconds for s in found.services] == [600, 600]
    assert found.summary.total_downtime_seconds == 1200
    assert found.summary.overall_availability == pytest.approx(1 - 1200 / (2 * 3 * 3600))


def test_exclusions_for_other_services_or_only_for_slos_do_not_apply(store):
    insert(store, "shop", plan(FEBRUARY, EARLY))
    text = """\
sla: {services: {shop: {}}}
corrections:
  - name: slo only
    start: 2026-02-01T00:30:00Z
    duration: 30m
    slos: [some-slo]
  - name: shop correction
    start: 2026-02-01T01:00:00Z
    duration: 15m
    services: [shop]
    reason: bad deploy
"""
    report = sla_report(store, load({"s.yaml": text}), "2026-02", "UTC", EARLY)
    (shop,) = report.services
    assert shop.excluded_seconds == 15 * 60
    assert [(e.name, e.kind, e.reason) for e in shop.excluded] == [
        ("shop correction", "correction", "bad deploy")
    ]


def test_many_services_are_queried_in_chunks_and_report_progress(store):
    names = [f"svc-{i}" for i in range(SERVICES_PER_QUERY + 1)]
    for i, name in enumerate(names):
        outage = run(FEBRUARY + HOUR, i + 1, Minute(0, 10))
        insert(store, name, plan(FEBRUARY + HOUR, FEBRUARY + 2 * HOUR, overrides=outage))
    text = "sla:\n  services:\n" + "".join(f"    {name}: {{}}\n" for name in names)
    steps = []
    report = sla_report(
        store,
        load({"s.yaml": text}),
        "2026-02",
        "UTC",
        EARLY,
        progress=lambda done, total: steps.append((done, total)),
    )
    assert [s.name for s in report.services] == names
    assert [s.downtime_seconds for s in report.services] == [
        60 * (i + 1) for i in range(len(names))
    ]
    assert steps == [(1, 3), (2, 3), (3, 3)]
