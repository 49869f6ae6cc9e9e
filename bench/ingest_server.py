"""Ingest into a ClickHouse server: OTLP/gRPC into `sloscope serve --role ingest --dsn
http://...`, writing to the ClickHouse stand-in, with the embedded path measured in the
same run as the reference.

The server is the stand-in (`tests/support/clickhouse_http.py`): the engine chDB embeds,
as a separate process, behind ClickHouse's HTTP interface. It is no server's equal in
speed (Python's HTTP layer, each INSERT's body written to a file and read back), so the
figures bound what a server costs from above. Both paths take the same requests (as
`bench/ingest.py` builds them); each counts the CPU of every process doing the work
(the processor; for the server path the stand-in too) and the wall time until every
request is acknowledged, and checks that every point was stored.

    python bench/ingest_server.py [--requests 300] [--points 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import median, print_table, save, versions
from bench.ingest import build_request, cpu_seconds, free_port, send_all
from processor import StoreOptions, open_store
from tests.support.clickhouse import running_standin


@dataclass(frozen=True)
class Round:
    points: int
    cpu_s: float
    wall_s: float
    rejected: int


@dataclass(frozen=True)
class IngestPath:
    """One ingest path's rounds."""

    name: str
    rounds: list[Round]
    stored: int

    def per_cpu(self) -> list[float]:
        return [r.points / r.cpu_s for r in self.rounds]

    def per_wall(self) -> list[float]:
        return [r.points / r.wall_s for r in self.rounds]


def start_serve(dsn: str) -> tuple[subprocess.Popen[bytes], str]:
    """``sloscope serve --role ingest`` on ``dsn``, started and healthy."""
    otlp, api = free_port(), free_port()
    env = {**os.environ, "SLOSCOPE_PROCESSOR__SELF_METRICS_INTERVAL_S": "3600"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "sloscope", "serve", "--role", "ingest",
            "--dsn", dsn, "--otlp", f"127.0.0.1:{otlp}", "--api", f"127.0.0.1:{api}",
            "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not _healthy(f"http://127.0.0.1:{api}/healthz"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("sloscope serve did not start")
        time.sleep(0.1)
    return process, f"127.0.0.1:{otlp}"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stored_points(dsn: str) -> int:
    store = open_store(StoreOptions(dsn=dsn), migrate=False)
    try:
        rows = store.query(
            "SELECT count() FROM {db:Identifier}.otel_metrics_histogram "
            "WHERE ServiceName LIKE {prefix:String}",
            {"prefix": "svc-%"},
        )
    finally:
        store.close()
    return int(rows[0][0])


@dataclass(frozen=True)
class Load:
    """What each path is sent: the warm-up requests, then each measured round's."""

    warmup: list[bytes]
    rounds: list[list[bytes]]
    points: int
    concurrency: int


def measure(name: str, dsn: str, workers: list[psutil.Process], load: Load) -> IngestPath:
    """Warm up, then measure each round: the CPU of the serve process and ``workers``."""
    server, endpoint = start_serve(dsn)
    processes = [psutil.Process(server.pid), *workers]
    rounds = []
    try:
        asyncio.run(send_all(endpoint, load.warmup, load.concurrency))
        for payloads in load.rounds:
            cpu_before = sum(cpu_seconds(p) for p in processes)
            wall_before = time.perf_counter()
            rejected = asyncio.run(send_all(endpoint, payloads, load.concurrency))
            wall = time.perf_counter() - wall_before
            cpu = sum(cpu_seconds(p) for p in processes) - cpu_before
            rounds.append(Round(len(payloads) * load.points, cpu, wall, rejected))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
    return IngestPath(name, rounds, stored_points(dsn))


def _standin_process() -> psutil.Process:
    (found,) = [
        child
        for child in psutil.Process().children(recursive=True)
        if "tests.support.clickhouse_http" in child.cmdline()
    ]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measured round")
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds")
    parser.add_argument("--points", type=int, default=1000, help="histogram points per request")
    parser.add_argument("--instances", type=int, default=20, help="sending service instances")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight")
    args = parser.parse_args()

    rnd = random.Random(7)
    t0_ns = (time.time_ns() // 1_000_000_000 - 3 * 3600) * 1_000_000_000
    round_exports = -(-args.requests // args.instances)
    exports = 1 + args.repeat * round_exports
    print(f"building {exports * args.instances} requests ...", file=sys.stderr)
    by_export = [
        [
            build_request(i, export, args.points, t0_ns, temporality=1, rnd=rnd)
            for i in range(args.instances)
        ]
        for export in range(exports)
    ]
    warmup = by_export[0]
    rounds_payloads = [
        [payload for batch in by_export[first : first + round_exports] for payload in batch][
            : args.requests
        ]
        for first in range(1, exports, round_exports)
    ]
    expected = (len(warmup) + args.repeat * args.requests) * args.points

    load = Load(warmup, rounds_payloads, args.points, args.concurrency)
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-") as tmp:
        work = Path(tmp)
        embedded = measure("embedded", f"chdb://{work / 'embedded'}", [], load)
        standin_dir = work / "standin"
        standin_dir.mkdir()
        with running_standin(standin_dir) as clickhouse:
            server = measure(
                "server (stand-in)", clickhouse.dsn("bench"), [_standin_process()], load
            )
    for measured in (embedded, server):
        if measured.stored != expected:
            raise SystemExit(f"{measured.name}: stored {measured.stored:,} of {expected:,}")

    reference = median(embedded.per_cpu())
    rows = [
        [
            f"{path.name}, per CPU-second{' (processor + server)' if path is server else ''}",
            median(path.per_cpu()),
            min(path.per_cpu()),
            max(path.per_cpu()),
            median(path.per_cpu()) / reference,
        ]
        for path in (embedded, server)
    ]
    rows += [
        [
            f"{path.name}, wall clock",
            median(path.per_wall()),
            min(path.per_wall()),
            max(path.per_wall()),
            median(path.per_wall()) / median(embedded.per_wall()),
        ]
        for path in (embedded, server)
    ]
    print_table(
        f"ingest into a server: {args.repeat} rounds of {args.requests} requests x "
        f"{args.points} histogram points, {args.concurrency} in flight; points per second",
        ["measure", "median", "min", "max", "of embedded"],
        rows,
    )
    print(f"\nstored {expected:,} points on each path (checked)")
    saved = save(
        "ingest_server",
        {
            "parameters": vars(args),
            "points_per_round": args.requests * args.points,
            "embedded_points_per_cpu_second": round(reference),
            "server_points_per_cpu_second": round(median(server.per_cpu())),
            "embedded_points_per_wall_second": round(median(embedded.per_wall())),
            "server_points_per_wall_second": round(median(server.per_wall())),
            "server_of_embedded_per_cpu": round(median(server.per_cpu()) / reference, 3),
            "rounds": {p.name: [vars(r) for r in p.rounds] for p in (embedded, server)},
            "stored_points_each": expected,
            "versions": versions("chdb", "clickhouse-connect", "grpcio", "protobuf"),
        },
    )
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
