"""bench/sla.py: ``report sla`` for a calendar month, against a plain per-minute scan.

Fills a fresh embedded store with March 2026 in Europe/Berlin (743 hours, a DST month)
of per-minute delta histograms for services x routes x 2 statuses request series (errors
x50 for the first ten minutes of every fifth day), then, in the same run:

* the whole report (minute verdicts in SQL, the month's SLOs and latency through the SLO
  engine, incidents and assembly in Python), and its parts;
* the reference: one query summing the month's raw requests per service and minute, the
  least a minute-grain report would read without the minute rollup;
* the worst case for assembling incidents in Python: a service silent all month with
  ``silence_is_down``, so every minute (44,580) comes back as a down minute.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, p95, print_table, save, versions
from processor.store import HISTOGRAM_TABLE, StoreOptions, open_store
from slo_engine import load, sla_period, sla_report, status
from slo_engine._exclusions import excluded
from slo_engine._windows import local_days
from slo_engine.sla._incidents import group
from slo_engine.sla._minutes import ServiceInput, measure
from tests.support.traffic import bulk_histogram_table, bulk_series

MONTH = "2026-03"
ZONE = "Europe/Berlin"
SCAN = """
SELECT count(), sum(requests) FROM (
    SELECT ServiceName, toStartOfMinute(TimeUnix) AS minute, sum(Count) AS requests
    FROM {db:Identifier}.otel_metrics_histogram
    WHERE TimeUnix >= {start:DateTime} AND TimeUnix < {end:DateTime}
    GROUP BY ServiceName, minute
)
"""

T = TypeVar("T")


def slo_file(services: int) -> str:
    lines = [
        "sla:",
        "  objective: 0.999",
        "  services:",
        "    svc-silent: {silence_is_down: true}",
        "maintenance:",
        "  - {name: weekly, start: 2026-01-04T04:00:00, timezone: Europe/Berlin,"
        " duration: 1h, rrule: FREQ=WEEKLY;BYDAY=SU}",
        "slos:",
    ]
    for index in range(services):
        lines.append(
            f"  - {{name: availability-{index:02d}, service: svc-{index:02d}, objective: 0.99,"
            " sli: {availability: {}}}"
        )
    return "\n".join(lines) + "\n"


def timed(function: Callable[[], T], repeat: int) -> tuple[list[float], T]:
    result = function()
    durations = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        result = function()
        durations.append((time.perf_counter_ns() - started) / 1e9)
    return durations, result


def summary(values: list[float]) -> dict[str, object]:
    return {"median": median(values), "p95": p95(values), "runs": values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--routes", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    period = sla_period(MONTH, ZONE)
    days = local_days(period, ZONE)
    series = bulk_series(args.services, args.routes)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-sla-") as folder:
        store = open_store(StoreOptions(dsn=f"chdb://{folder}", database="bench", retention_days=0))
        filled = time.perf_counter()
        rows = 0
        start = period.start
        while start < period.end:
            minutes = min(1440, int((period.end - start) / timedelta(minutes=1)))
            table = bulk_histogram_table(series, start - timedelta(minutes=1), minutes, seed=rows)
            store.insert_arrow(HISTOGRAM_TABLE, table)
            rows += table.num_rows
            start += timedelta(minutes=minutes)
        fill_s = time.perf_counter() - filled
        slo_set = load({"bench.yaml": slo_file(args.services)})

        report_s, report = timed(lambda: sla_report(store, slo_set, MONTH, ZONE, now), args.repeat)
        inputs = [
            ServiceInput(name, slo_set.sla_for(name), tuple(excluded(slo_set.exclusions, period)))
            for name in sorted({s.service for s in slo_set.slos})
        ]
        minutes_s, _ = timed(lambda: measure(store, inputs, period, days), args.repeat)
        slos_s, _ = timed(lambda: status(store, slo_set, period.end), args.repeat)
        parameters = {"start": period.start, "end": period.end}
        scan_s, _ = timed(lambda: store.query(SCAN, parameters), args.repeat)
        silent = [ServiceInput("svc-silent", slo_set.sla_for("svc-silent"))]
        silent_s, silent_counts = timed(lambda: measure(store, silent, period, days), args.repeat)
        down = [m for day in silent_counts[0] for m in day.down]
        group_s, incidents = timed(
            lambda: group(down, slo_set.sla_for("svc-silent").incident_gap), args.repeat
        )
        store.close()

    found = sum(len(s.incidents) for s in report.services if s.name != "svc-silent")
    ratio = median(report_s) / median(scan_s)
    print_table(
        f"report sla {MONTH} ({ZONE}): {args.services} services + 1 silent, {rows:,} rows",
        ["what", "median s", "p95 s", "runs"],
        [
            ["whole report", median(report_s), p95(report_s), len(report_s)],
            ["  minute verdicts (SQL)", median(minutes_s), p95(minutes_s), len(minutes_s)],
            ["  SLOs + latency (status)", median(slos_s), p95(slos_s), len(slos_s)],
            ["reference: per-minute scan", median(scan_s), p95(scan_s), len(scan_s)],
            ["silent month: minute verdicts", median(silent_s), p95(silent_s), len(silent_s)],
            ["silent month: incidents (Python)", median(group_s), p95(group_s), len(group_s)],
        ],
    )
    print(
        f"\nreport / scan: {ratio:.1f}x   incidents: {found} (+{len(incidents)} silent, "
        f"{len(down):,} down minutes)   fill: {fill_s:.1f} s"
    )
    path = save(
        "sla",
        {
            "parameters": vars(args),
            "month": MONTH,
            "zone": ZONE,
            "histogram_rows": rows,
            "services": len(report.services),
            "incidents": found,
            "report_s": summary(report_s),
            "minute_verdicts_s": summary(minutes_s),
            "slos_and_latency_s": summary(slos_s),
            "reference_scan_s": summary(scan_s),
            "report_over_scan": ratio,
            "silent_month": {
                "down_minutes": len(down),
                "minute_verdicts_s": summary(silent_s),
                "python_incidents_s": summary(group_s),
            },
            "fill_s": fill_s,
            "versions": versions("chdb", "clickhouse-connect", "pyarrow"),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
