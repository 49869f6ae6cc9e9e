"""bench/slo_ingest.py: what the SLO rollup views cost at ingest, end to end.

Runs bench/ingest.py's load (OTLP histogram requests over gRPC into a `sloscope serve`
process, every acknowledgement awaited) against two kinds of store, alternating, in the
same run: one with every migration (the SLO rollup views of 0003 fill slo_*_1m,
slo_*_1h and slo_*_1d on each insert), and one whose rollup views were dropped before
the server started (the processor alone). Reports processor points per CPU-second, median over
--repeat rounds of each, and the overhead of the views.

    python bench/slo_ingest.py [--requests 400] [--concurrency 32] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.common import median, print_table, save, versions
from bench.ingest import build_request, cpu_seconds, send_all, start_server, stored_points

ROLLUP_VIEWS = (
    "slo_histogram_1d_mv",
    "slo_histogram_1h_mv",
    "slo_histogram_1m_mv",
    "slo_exponential_histogram_1d_mv",
    "slo_exponential_histogram_1h_mv",
    "slo_exponential_histogram_1m_mv",
)
_DROP_VIEWS = """
import sys
from processor.store import StoreOptions, open_store
store = open_store(StoreOptions(dsn="chdb://" + sys.argv[1]))
for view in sys.argv[2:]:
    store.command("DROP VIEW {db:Identifier}.{v:Identifier}", {"v": view})
store.close()
"""


def without_views(data_dir: Path) -> None:
    """Migrate ``data_dir`` in a child process (chDB: one directory per process), then
    drop the rollup views."""
    subprocess.run(
        [sys.executable, "-c", _DROP_VIEWS, str(data_dir), *ROLLUP_VIEWS],
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def one_round(
    warmup: list[bytes],
    measured: list[bytes],
    points: int,
    args: argparse.Namespace,
    *,
    views: bool,
) -> float:
    """Processor points per CPU-second for ``measured`` after ``warmup``."""
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-slo-ingest-") as tmp:
        data_dir = Path(tmp) / "data"
        if not views:
            without_views(data_dir)
        server, endpoint, api_url = start_server(data_dir)
        try:
            process = psutil.Process(server.pid)
            asyncio.run(send_all(endpoint, warmup, args.concurrency))
            time.sleep(args.settle)
            cpu_before = cpu_seconds(process)
            asyncio.run(send_all(endpoint, measured, args.concurrency))
            cpu_load = cpu_seconds(process) - cpu_before
            stored = stored_points(api_url)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=120)
    if stored != (len(warmup) + len(measured)) * points:
        raise SystemExit(f"stored {stored} points, sent {(len(warmup) + len(measured)) * points}")
    return len(measured) * points / cpu_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests measured per round")
    parser.add_argument("--points", type=int, default=1000, help="histogram points per request")
    parser.add_argument("--instances", type=int, default=20, help="sending service instances")
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each kind of store")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the warm-up")
    args = parser.parse_args()

    rnd = random.Random(7)
    t0_ns = (time.time_ns() // 1_000_000_000 - 3 * 3600) * 1_000_000_000
    exports = 2 + -(-args.requests // args.instances)
    print(f"building {exports * args.instances} requests ...", file=sys.stderr)
    by_export = [
        [
            build_request(i, export, args.points, t0_ns, temporality=1, rnd=rnd)
            for i in range(args.instances)
        ]
        for export in range(exports)
    ]
    warmup = [payload for batch in by_export[:2] for payload in batch]
    measured = [payload for batch in by_export[2:] for payload in batch][: args.requests]

    rates: dict[str, list[float]] = {"with": [], "without": []}
    for round_number in range(args.repeat):
        for kind in ("without", "with") if round_number % 2 == 0 else ("with", "without"):
            rate = one_round(warmup, measured, args.points, args, views=kind == "with")
            rates[kind].append(rate)
            print(
                f"round {round_number + 1} {kind} views: {rate:,.0f} points/CPU-s", file=sys.stderr
            )

    alone, full = median(rates["without"]), median(rates["with"])
    overhead = alone / full - 1
    print_table(
        f"ingest with and without the SLO rollup views: {len(measured)} requests x {args.points} "
        f"histogram points, {args.concurrency} in flight, median of {args.repeat} rounds each",
        ["store", "points per CPU-second", "rounds"],
        [
            [
                "processor alone (rollup views dropped)",
                alone,
                ", ".join(f"{r:,.0f}" for r in rates["without"]),
            ],
            [
                "processor + rollup views (0003)",
                full,
                ", ".join(f"{r:,.0f}" for r in rates["with"]),
            ],
        ],
    )
    print(f"\nCPU per point added by the views: {overhead:.1%}; bar: 40,000 points per CPU-second")
    path = save(
        "slo_ingest",
        {
            "parameters": vars(args),
            "points_per_cpu_second_without_views": round(alone),
            "points_per_cpu_second_with_views": round(full),
            "cpu_overhead_of_views": round(overhead, 4),
            "rounds": {k: [round(r) for r in v] for k, v in rates.items()},
            "versions": versions("chdb", "clickhouse-connect", "grpcio", "protobuf"),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
