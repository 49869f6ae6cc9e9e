"""History that SLA reports need outlives the raw rows: a month 40 days back, sent today
over OTLP into a store with the default retention (raw rows 30 days, rollups 400), gives
the exact SLA report of that month, computed independently from the minutes sent."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from processor.store import Store
from slo_engine import load, sla_report
from tests.support import otlp
from tests.support.processor import running_processor
from tests.support.sla_traffic import MINUTE, Minute, export_requests, plan, run

SLOS = """\
service: shop
slos:
  - {name: shop-availability, objective: 0.99, window: 30d, sli: {availability: {}}}
"""
# The SLA policy's defaults: a minute is down above 5 % failed requests, from 10 requests.
THRESHOLD = 0.05
MIN_REQUESTS = 10
WARNING = re.compile(r"warning: (\d+) points older than the raw retention \(30 days\)")


def _month_back(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The calendar month (UTC) holding the instant ``days`` before ``now``."""
    moment = now - timedelta(days=days)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _outages(start: datetime) -> dict[datetime, Minute]:
    def at(day: int, hour: int, minute: int) -> datetime:
        return start + timedelta(days=day - 1, hours=hour, minutes=minute)

    return {
        **run(at(3, 10, 0), 12, Minute(0, 20)),  # every request failed
        **run(at(9, 8, 0), 3, Minute(20, 2)),  # degraded: 2 of 22
        at(12, 12, 0): Minute(19, 1),  # exactly 5 %: not down
        **run(at(15, 9, 0), 5, Minute(0, 5)),  # all failed, but under 10 requests
        **run(at(20, 23, 58), 4, Minute(10, 10)),  # across midnight
    }


def _incidents(minutes: dict[datetime, Minute]) -> list[tuple[str, int]]:
    """Runs of down minutes (the outages above are days apart): (start, seconds)."""
    down = sorted(
        minute
        for minute, carried in minutes.items()
        if carried.total >= MIN_REQUESTS and carried.failed / carried.total > THRESHOLD
    )
    runs: list[list[datetime]] = []
    for minute in down:
        if runs and minute - runs[-1][-1] == MINUTE:
            runs[-1].append(minute)
        else:
            runs.append([minute])
    return [(found[0].isoformat(), len(found) * 60) for found in runs]


def test_a_month_forty_days_back_sent_today_gives_the_exact_sla_report(store: Store) -> None:
    start, end = _month_back(datetime.now(UTC), 40)
    minutes = plan(start, end, overrides=_outages(start))
    requests = export_requests("shop", minutes)
    sent_before = time.time()
    with running_processor(store) as running:
        answers = [otlp.export(running.endpoint, request) for request in requests]
    sent_after = time.time()

    assert all(answer.partial_success.rejected_data_points == 0 for answer in answers)
    warned = sum(
        int(match.group(1))
        for answer in answers
        if (match := WARNING.match(answer.partial_success.error_message))
    )
    points_by_time = {
        minute + timedelta(seconds=30): (carried.good > 0) + (carried.failed > 0)
        for minute, carried in minutes.items()
    }

    def older_than_raw(now_s: float) -> int:
        cutoff = datetime.fromtimestamp(now_s, UTC) - timedelta(days=30)
        return sum(count for moment, count in points_by_time.items() if moment < cutoff)

    # each flush checks against its own clock, somewhere between the two instants
    assert older_than_raw(sent_before) <= warned <= older_than_raw(sent_after)
    assert warned > 0
    # the raw rows of whole days older than the raw retention are gone at once ...
    cutoff_day = (datetime.fromtimestamp(sent_before, UTC) - timedelta(days=30)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    raw = store.query(
        "SELECT count() FROM {db:Identifier}.otel_metrics_histogram "
        "WHERE ServiceName = 'shop' AND TimeUnix < {cutoff:DateTime}",
        {"cutoff": min(cutoff_day, end)},
    )
    assert raw == [(0,)]

    # ... and the report, read from the rollups, is exact
    month = start.strftime("%Y-%m")
    report = sla_report(store, load({"s.yaml": SLOS}), month, "UTC", datetime.now(UTC))
    (shop,) = report.services
    period_s = int((end - start).total_seconds())
    down = _incidents(minutes)
    down_s = sum(seconds for _, seconds in down)
    assert report.period.complete
    assert report.period.seconds == period_s
    assert shop.requests == sum(m.total for m in minutes.values())
    assert shop.failed_requests == sum(m.failed for m in minutes.values())
    assert shop.downtime_seconds == down_s
    assert shop.uptime_seconds == period_s - down_s
    assert shop.low_traffic_minutes == 5
    assert shop.silent_minutes == 0
    assert [(i.start.isoformat(), i.duration_seconds) for i in shop.incidents] == down
    assert len(shop.daily) == (end - start).days
    (slo,) = shop.slos
    good = sum(m.good for m in minutes.values())
    total = sum(m.total for m in minutes.values())
    assert slo.sli == good / total
    assert report.services[0].latency.p99 == 0.04
