"""End-to-end ingest: OTLP histogram requests over gRPC into `sloscope serve` (embedded store).

A separate process (`sloscope serve`) receives; this script is the load: it sends
requests of --points histogram points (realistic attributes, 15 buckets) with
--concurrency calls in flight, waits for every acknowledgement (an acknowledged point is
a stored point), then reads the processor's CPU time. The limit it is compared with is
measured in the same run: the protobuf parse alone (`ExportMetricsServiceRequest.FromString`)
of the same bytes.

    python bench/ingest.py [--requests 600] [--points 1000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import grpc
import psutil
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import median, print_table, save, versions

EXPORT = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
METHODS = ["GET", "POST", "PUT", "DELETE"]
STATUSES = [200, 201, 204, 400, 404, 500]


def _kv(key: str, value: str | int) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def build_request(
    instance: int, export: int, points: int, t0_ns: int, *, temporality: int, rnd: random.Random
) -> bytes:
    """One export of one service instance: `points` series, each a histogram point."""
    request = ExportMetricsServiceRequest()
    resource = request.resource_metrics.add()
    resource.resource.attributes.extend(
        [
            _kv("service.name", f"svc-{instance % 5}"),
            _kv("service.version", "1.4.2"),
            _kv("service.instance.id", f"instance-{instance}"),
            _kv("deployment.environment", "prod"),
            _kv("host.name", f"web-{instance}"),
            _kv("process.pid", 4000 + instance),
        ]
    )
    scope = resource.scope_metrics.add()
    scope.scope.name, scope.scope.version = "opentelemetry.instrumentation.asgi", "0.66b1"
    metric = scope.metrics.add()
    metric.name, metric.unit = "http.server.request.duration", "s"
    metric.histogram.aggregation_temporality = metrics_pb2.AggregationTemporality.ValueType(
        temporality
    )
    end = t0_ns + (export + 1) * 10_000_000_000
    start = (
        t0_ns
        if temporality == metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
        else end - 10_000_000_000
    )
    for index in range(points):
        counts = [rnd.randint(0, 30) for _ in range(len(BOUNDS) + 1)]
        if temporality == metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE:
            counts = [count * (export + 1) for count in counts]
        point = metric.histogram.data_points.add(
            start_time_unix_nano=start,
            time_unix_nano=end,
            count=sum(counts),
            sum=sum(counts) * 0.137,
            bucket_counts=counts,
            explicit_bounds=BOUNDS,
            min=0.001,
            max=9.5,
        )
        point.attributes.extend(
            [
                _kv("http.request.method", METHODS[index % 4]),
                _kv("http.route", f"/api/v1/resource-{index // 24}/{{id}}"),
                _kv("http.response.status_code", STATUSES[(index // 4) % 6]),
                _kv("url.scheme", "https"),
                _kv("network.protocol.version", "1.1"),
            ]
        )
    return request.SerializeToString()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    otlp, api = free_port(), free_port()
    env = {**os.environ, "SLOSCOPE_PROCESSOR__SELF_METRICS_INTERVAL_S": "3600"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sloscope",
            "serve",
            "--data-dir",
            str(data_dir),
            "--otlp",
            f"127.0.0.1:{otlp}",
            "--api",
            f"127.0.0.1:{api}",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    serve_file = data_dir / "sloscope-serve.json"
    deadline = time.monotonic() + 60
    while not serve_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("sloscope serve did not start")
        time.sleep(0.1)
    return process, f"127.0.0.1:{otlp}", f"http://127.0.0.1:{api}"


async def send_all(endpoint: str, payloads: list[bytes], concurrency: int) -> int:
    """Send every payload with `concurrency` calls in flight; return rejected points."""
    rejected = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    async with grpc.aio.insecure_channel(
        endpoint, options=[("grpc.max_send_message_length", 64 << 20)]
    ) as channel:
        export = channel.unary_unary(
            EXPORT, response_deserializer=ExportMetricsServiceResponse.FromString
        )

        async def worker() -> None:
            nonlocal rejected
            while not queue.empty():
                payload = queue.get_nowait()
                while True:
                    try:
                        response = await export(payload, timeout=120)
                        rejected += response.partial_success.rejected_data_points
                        break
                    except grpc.aio.AioRpcError as exc:
                        if exc.code() != grpc.StatusCode.UNAVAILABLE:
                            raise
                        await asyncio.sleep(0.2)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return rejected


def stored_points(api_url: str) -> int:
    sql = (
        "SELECT count() FROM {db:Identifier}.otel_metrics_histogram WHERE ServiceName LIKE 'svc-%'"
    )
    body = json.dumps({"sql": sql}).encode()
    request = urllib.request.Request(
        api_url + "/api/query", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.loads(response.read())["rows"][0][0])


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def parse_rate(payloads: list[bytes], points: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter_ns()
        for payload in payloads:
            ExportMetricsServiceRequest.FromString(payload)
        best = min(best, (time.perf_counter_ns() - started) / 1e9)
    return points / best


@dataclass(frozen=True)
class Round:
    """One measured round: points stored, processor CPU seconds (with the merges that
    followed within the settle time) and wall seconds."""

    points: int
    cpu_s: float
    cpu_settled_s: float
    wall_s: float
    rejected: int


def measure_round(
    endpoint: str,
    process: psutil.Process,
    payloads: list[bytes],
    points: int,
    args: argparse.Namespace,
) -> Round:
    cpu_before, wall_before = cpu_seconds(process), time.perf_counter()
    rejected = asyncio.run(send_all(endpoint, payloads, args.concurrency))
    wall = time.perf_counter() - wall_before
    cpu_load = cpu_seconds(process) - cpu_before
    time.sleep(args.settle)
    return Round(points, cpu_load, cpu_seconds(process) - cpu_before, wall, rejected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="requests per measured round")
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds")
    parser.add_argument("--points", type=int, default=1000, help="histogram points per request")
    parser.add_argument("--instances", type=int, default=20, help="sending service instances")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight")
    parser.add_argument("--temporality", choices=["delta", "cumulative"], default="delta")
    parser.add_argument(
        "--settle", type=float, default=2.0, help="seconds of merges counted after each round"
    )
    args = parser.parse_args()
    temporality = {"delta": 1, "cumulative": 2}[args.temporality]

    rnd = random.Random(7)
    t0_ns = (time.time_ns() // 1_000_000_000 - 3 * 3600) * 1_000_000_000
    warmup_exports = 2
    round_exports = -(-args.requests // args.instances)
    exports = warmup_exports + args.repeat * round_exports
    print(
        f"building {exports * args.instances} requests of {args.points} points ...", file=sys.stderr
    )
    by_export = [
        [
            build_request(i, export, args.points, t0_ns, temporality=temporality, rnd=rnd)
            for i in range(args.instances)
        ]
        for export in range(exports)
    ]
    warmup = [payload for batch in by_export[:warmup_exports] for payload in batch]
    rounds_payloads = [
        [payload for batch in by_export[first : first + round_exports] for payload in batch][
            : args.requests
        ]
        for first in range(warmup_exports, exports, round_exports)
    ]
    points_per_round = args.requests * args.points

    with tempfile.TemporaryDirectory(prefix="sloscope-bench-") as tmp:
        server, endpoint, api_url = start_server(Path(tmp) / "data")
        try:
            process = psutil.Process(server.pid)
            asyncio.run(send_all(endpoint, warmup, args.concurrency))
            time.sleep(args.settle)
            rounds = [
                measure_round(endpoint, process, payloads, points_per_round, args)
                for payloads in rounds_payloads
            ]
            stored = stored_points(api_url)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=120)

    expected = (len(warmup) + args.repeat * args.requests) * args.points
    parse = parse_rate(rounds_payloads[0], points_per_round, repeat=3)
    per_cpu = [r.points / r.cpu_s for r in rounds]
    per_cpu_settled = [r.points / r.cpu_settled_s for r in rounds]
    per_wall = [r.points / r.wall_s for r in rounds]
    rows = [
        [
            "processor, per CPU-second",
            median(per_cpu),
            min(per_cpu),
            max(per_cpu),
            median(per_cpu) / parse,
        ],
        [
            f"processor, per CPU-second (+ merges within {args.settle:g} s)",
            median(per_cpu_settled),
            min(per_cpu_settled),
            max(per_cpu_settled),
            median(per_cpu_settled) / parse,
        ],
        ["wall clock", median(per_wall), min(per_wall), max(per_wall), median(per_wall) / parse],
        ["reference: protobuf parse only (FromString)", parse, parse, parse, 1.0],
    ]
    print_table(
        f"ingest: {args.repeat} rounds of {args.requests} requests x {args.points} histogram "
        f"points ({args.temporality}), {args.concurrency} in flight; points per second",
        ["measure", "median", "min", "max", "of parse rate"],
        rows,
    )
    rejected = sum(r.rejected for r in rounds)
    print(
        f"\nstored {stored:,} of {expected:,} sent ({rejected} rejected); "
        "bar: 40,000 points per processor CPU-second"
    )
    if stored != expected:
        raise SystemExit("stored points differ from points sent")
    path = save(
        "ingest",
        {
            "parameters": vars(args),
            "points_per_round": points_per_round,
            "points_per_cpu_second": round(median(per_cpu)),
            "points_per_cpu_second_rounds": [round(value) for value in per_cpu],
            "points_per_cpu_second_with_merges": round(median(per_cpu_settled)),
            "points_per_wall_second": round(median(per_wall)),
            "parse_only_points_per_second": round(parse),
            "rounds": [vars(r) for r in rounds],
            "stored_points": stored,
            "bar_points_per_cpu_second": 40_000,
            "versions": versions(
                "chdb", "clickhouse-connect", "grpcio", "protobuf", "opentelemetry-proto"
            ),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
