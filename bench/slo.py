"""bench/slo.py: ``slo status`` for 50 SLOs over 30-day windows, rollups against raw.

Fills a fresh embedded store with --days of per-minute delta histograms for
services x routes x 2 statuses request series (200 series, about 8.6 million rows for 30
days; the rollup views run on every insert), then evaluates --slos SLOs (occurrences and
time slices, see ``slo_file``) at the end of the data, through the rollups (whole hours
from the hourly rollup, the other minutes and all time slices from the minute rollup)
and through the raw table alone, in the same run, and checks that both give identical
results. Bar: the rollup path under 0.5 s and at least 20x faster than raw. The
occurrence mix is also evaluated at an instant inside a minute (as ``slo status`` without
``--at`` is: now), where the cut minutes at the window edges are read from the raw rows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, p95, print_table, save, versions
from processor.store import HISTOGRAM_TABLE, Store, StoreOptions, open_store
from slo_engine import StatusReport, load, status
from slo_engine._slice_blocks import SLICE_CACHE
from tests.support.traffic import bulk_histogram_table, bulk_series

TIMESLICE_KINDS = (
    # a route's latency under 100 ms in 90% of each minute's requests (timeslices)
    "    budgeting: timeslices\n    slice_target: 0.9\n"
    "    sli: {{latency: {{threshold: 0.1, route: {route}}}}}",
    # the mean share of a route's requests under 100 ms per minute (ratio timeslices)
    "    budgeting: ratio_timeslices\n    sli: {{latency: {{threshold: 0.1, route: {route}}}}}",
    # a route's p99 under 1 s in each 5-minute slice
    "    budgeting: timeslices\n    slice: 5m\n"
    "    sli: {{latency_percentile: {{percentile: 99, threshold: 1.0, route: {route}}}}}",
    # a service's availability over 99% in each minute with at least 10 requests
    "    budgeting: timeslices\n    slice_target: 0.99\n    min_events: 10\n"
    "    sli: {{availability: {{}}}}",
    # the mean availability of a route per 5-minute slice (ratio timeslices)
    "    budgeting: ratio_timeslices\n    slice: 5m\n    sli: {{availability: {{route: {route}}}}}",
)


TABLES = (HISTOGRAM_TABLE, "slo_histogram_1m", "slo_histogram_1h", "slo_histogram_1d")


def fill(store: Store, services: int, routes: int, days: int, end: datetime) -> int:
    """``days`` of per-minute delta histograms of ``services`` x ``routes`` x 2 statuses
    ending at ``end``, a day per insert (the rollup views run on each); the rows inserted."""
    series = bulk_series(services, routes)
    start = end - timedelta(days=days)
    rows = 0
    for day in range(days):
        table = bulk_histogram_table(series, start + timedelta(days=day), 1440, seed=day)
        store.insert_arrow(HISTOGRAM_TABLE, table)
        rows += table.num_rows
    return rows


def settle(store: Store) -> None:
    """Merge every table's parts, the steady state that background merges reach."""
    for table in TABLES:
        store.command("OPTIMIZE TABLE {db:Identifier}.{t:Identifier} FINAL", {"t": table})


def slo_file(services: int, routes: int, count: int, timeslices: int) -> str:
    """``count`` SLOs: the last ``timeslices`` budget by time slices (cycling through
    ``TIMESLICE_KINDS``: 43,200 one-minute or 8,640 five-minute slices each over 30 days);
    the others cycle through five occurrence kinds, one service after the other:
    availability, latency (250 ms), availability per route, a route's latency (100 ms),
    availability of GET requests."""
    lines = ["slos:"]
    for index in range(count):
        service = f"svc-{index % services:02d}"
        route = f"/api/r{index % routes:02d}"
        lines.append(f"  - name: slo-{index:02d}")
        lines.append(f"    service: {service}")
        lines.append("    objective: 0.99")
        lines.append("    window: 30d")
        sliced = index - (count - timeslices)
        if sliced >= 0:
            lines.append(TIMESLICE_KINDS[sliced % len(TIMESLICE_KINDS)].format(route=route))
            continue
        kind = (index // services) % 5
        if kind == 0:
            lines.append("    sli: {availability: {}}")
        elif kind == 1:
            lines.append("    sli: {latency: {threshold: 0.25}}")
        elif kind == 2:
            lines.append("    per: [http.route]")
            lines.append("    sli: {availability: {}}")
        elif kind == 3:
            lines.append(f"    sli: {{latency: {{threshold: 0.1, route: {route}}}}}")
        else:
            lines.append("    sli: {availability: {method: GET}}")
    return "\n".join(lines) + "\n"


def timed(
    function: Callable[[], StatusReport], repeat: int, *, before: Callable[[], object] = tuple
) -> tuple[list[float], StatusReport]:
    """``repeat`` timed runs after an untimed one, ``before`` called ahead of each."""
    durations: list[float] = []
    before()
    result = function()
    for _ in range(repeat):
        before()
        started = time.perf_counter_ns()
        result = function()
        durations.append((time.perf_counter_ns() - started) / 1e9)
    return durations, result


def measure_mix(
    store: Store, args: argparse.Namespace, timeslices: int, at: datetime
) -> dict[str, Any]:
    """Rollup and raw paths for one SLO mix evaluated at ``at``, in the same run."""
    slos = load({"bench.yaml": slo_file(args.services, args.routes, args.slos, timeslices)})

    def evaluate() -> StatusReport:
        return status(store, slos, at, use_rollups=True)

    # Every time-slice block counted: the first evaluation after a start, or at an instant
    # whose hours were never evaluated. Then as an evaluation loop runs: past hours kept.
    uncached_s, uncached = timed(evaluate, args.repeat, before=SLICE_CACHE.clear)
    rollup_s, rollup = timed(evaluate, args.repeat)
    raw_s, raw = timed(lambda: status(store, slos, at, use_rollups=False), args.raw_repeat)
    return {
        "evaluated_at": at.isoformat(),
        "timeslice_slos": timeslices,
        "slo_results": len(rollup.slos),
        "rollup_s": {"median": median(rollup_s), "p95": p95(rollup_s), "runs": rollup_s},
        "rollup_uncached_s": {
            "median": median(uncached_s),
            "p95": p95(uncached_s),
            "runs": uncached_s,
        },
        "raw_s": {"median": median(raw_s), "p95": p95(raw_s), "runs": raw_s},
        "raw_over_rollup": median(raw_s) / median(rollup_s),
        "identical_results": rollup == raw == uncached,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--slos", type=int, default=50)
    parser.add_argument(
        "--timeslices",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[0, 5],
        help="SLO mixes to measure: how many of the SLOs budget by time slices (e.g. 0,5)",
    )
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--raw-repeat", type=int, default=3)
    args = parser.parse_args()

    end = datetime(2026, 3, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-slo-") as folder:
        store = open_store(StoreOptions(dsn=f"chdb://{folder}", database="bench", retention_days=0))
        filled = time.perf_counter()
        rows = fill(store, args.services, args.routes, args.days, end)
        fill_s = time.perf_counter() - filled
        settle(store)
        at = end - timedelta(minutes=23)  # not on an hour: minute edges are read too
        mixes = [measure_mix(store, args, n, at) for n in args.timeslices]
        # An instant inside a minute: the edges' cut minutes come from the raw rows.
        inside = at + timedelta(seconds=30, milliseconds=500)
        mixes.append(measure_mix(store, args, args.timeslices[0], inside))
        counts = {
            table: store.query("SELECT count() FROM {db:Identifier}.{t:Identifier}", {"t": table})
            for table in TABLES
        }
        store.close()

    print_table(
        f"slo status: {args.slos} SLOs over 30-day windows, {rows:,} histogram rows",
        ["evaluated at", "SLOs by time slices", "results", "rollups median s", "p95 s",
         "uncached median s", "raw median s", "raw/rollup", "identical"],
        [
            [datetime.fromisoformat(m["evaluated_at"]).strftime("%H:%M:%S.%f")[:12],
             m["timeslice_slos"], m["slo_results"],
             m["rollup_s"]["median"], m["rollup_s"]["p95"], m["rollup_uncached_s"]["median"],
             m["raw_s"]["median"], f"{m['raw_over_rollup']:.1f}x", str(m["identical_results"])]
            for m in mixes
        ],
    )  # fmt: skip
    print(f"\nfill: {fill_s:.1f} s; bar: rollups under 0.5 s and at least 20x faster than raw")
    path = save(
        "slo",
        {
            "parameters": vars(args),
            "histogram_rows": rows,
            "table_rows": {table: found[0][0] for table, found in counts.items()},
            "slos": args.slos,
            "mixes": mixes,
            "fill_s": fill_s,
            "bar": {"rollup_under_s": 0.5, "min_ratio": 20},
            "versions": versions("chdb", "clickhouse-connect", "pyarrow"),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
