"""bench/instrumentation.py: what request metrics cost per request, and one resource cycle.

Per-request overhead, measured in one run on the same trivial FastAPI app (``--routes``
routes, the target in the middle), each request one ASGI call with no server or socket
in the way, so that the difference between configurations is the middleware alone:

(a) no instrumentation;
(b) opentelemetry-instrumentation-fastapi's ``instrument_app`` with its defaults (the
    asgi middleware; old HTTP conventions unless OTEL_SEMCONV_STABILITY_OPT_IN is set;
    no tracer provider, so non-recording spans);
(c) sloscope's ``instrument_app``, on the same kind of MeterProvider as (b);
(c') sloscope's ``instrument_app`` on the MeterProvider ``configure()`` builds (Views with
    the attribute allow-list, exemplar filter off while tracing is off).

Bar: (c-a)/(b-a) <= 1.0. The configurations take turns within every repeat.

Resource cycle: one collection of every system and process instrument of
``instrument_resources`` (all observable callbacks plus the SDK's aggregation), against
the same for opentelemetry-instrumentation-system-metrics. Bar: under 50 ms.

Writes bench/results/instrumentation.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from bench.common import median, p95, print_table, save, versions
from instrumentation import build_telemetry, instrument_app, instrument_resources, resolve_settings
from instrumentation._linux import connection_counts

Message = MutableMapping[str, Any]

PACKAGES = (
    "sloscope",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-asgi",
    "opentelemetry-instrumentation-fastapi",
    "opentelemetry-instrumentation-system-metrics",
    "fastapi",
    "starlette",
    "psutil",
)
REQUEST_BAR_RATIO = 1.0
CYCLE_BAR_MS = 50.0
SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/items/42",
    "raw_path": b"/items/42",
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"bench.local"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
}


def trivial_app(routes: int) -> FastAPI:
    """``routes`` GET routes with a path parameter; /items/{item_id} in the middle."""
    app = FastAPI()
    half = max(routes - 1, 0) // 2

    async def filler(x: str) -> str:
        return x

    for index in range(half):
        app.get(f"/before{index}/{{x}}", response_class=PlainTextResponse)(filler)

    @app.get("/items/{item_id}", response_class=PlainTextResponse)
    async def item(item_id: str) -> str:
        return "ok"

    for index in range(max(routes - 1 - half, 0)):
        app.get(f"/after{index}/{{x}}", response_class=PlainTextResponse)(filler)
    return app


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Message) -> None:
    return None


async def _batch(app: Any, requests: int) -> int:
    started = time.perf_counter_ns()
    for _ in range(requests):
        await app(dict(SCOPE), _receive, _send)
    return time.perf_counter_ns() - started


def _status(app: Any) -> int:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(dict(SCOPE), _receive, send))
    return int(sent[0]["status"])


def configurations(routes: int) -> dict[str, tuple[Any, InMemoryMetricReader | None]]:
    """The four apps, each with the reader its metrics go to."""
    bare = trivial_app(routes)

    upstream_reader = InMemoryMetricReader()
    upstream = trivial_app(routes)
    FastAPIInstrumentor.instrument_app(
        upstream, meter_provider=MeterProvider(metric_readers=[upstream_reader])
    )

    sloscope_reader = InMemoryMetricReader()
    sloscope = instrument_app(
        trivial_app(routes), meter_provider=MeterProvider(metric_readers=[sloscope_reader])
    )

    configured_reader = InMemoryMetricReader()
    settings = resolve_settings({}, service_name="bench", resource_metrics=False)
    telemetry = build_telemetry(settings, metric_readers=[configured_reader])
    configured = instrument_app(trivial_app(routes), meter_provider=telemetry.meter_provider)
    return {
        "a  none": (bare, None),
        "b  upstream fastapi instrumentor": (upstream, upstream_reader),
        "c  sloscope instrument_app": (sloscope, sloscope_reader),
        "c' sloscope, configure() provider": (configured, configured_reader),
    }


def _recorded(reader: InMemoryMetricReader) -> int:
    data = reader.get_metrics_data()
    total = 0
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                data_points = metric.data.data_points
                if metric.name in ("http.server.request.duration", "http.server.duration"):
                    total += sum(int(getattr(point, "count", 0)) for point in data_points)
    return total


def bench_requests(routes: int, requests: int, repeat: int, warmup: int) -> dict[str, Any]:
    configs = configurations(routes)
    for name, (app, _) in configs.items():
        status = _status(app)
        if status != 200:
            raise SystemExit(f"{name}: the trivial app answered {status}")
    names = list(configs)
    per_request_us: dict[str, list[float]] = {name: [] for name in names}

    async def run() -> None:
        for name in names:
            await _batch(configs[name][0], warmup)
        for round_index in range(repeat):
            order = names[round_index % len(names) :] + names[: round_index % len(names)]
            for name in order:
                gc.collect()
                elapsed_ns = await _batch(configs[name][0], requests)
                per_request_us[name].append(elapsed_ns / requests / 1000)

    asyncio.run(run())
    for name, (_, reader) in configs.items():
        if reader is not None:
            expected = 1 + warmup + repeat * requests
            if _recorded(reader) != expected:
                raise SystemExit(f"{name}: recorded {_recorded(reader)} requests, not {expected}")

    medians = {name: median(values) for name, values in per_request_us.items()}
    base, upstream = names[0], names[1]
    ratio = {
        name: (medians[name] - medians[base]) / (medians[upstream] - medians[base])
        for name in names[2:]
    }
    paired = {
        name: median(
            [
                (c - a) / (b - a)
                for a, b, c in zip(
                    per_request_us[base],
                    per_request_us[upstream],
                    per_request_us[name],
                    strict=True,
                )
            ]
        )
        for name in names[2:]
    }
    return {
        "routes": routes,
        "requests_per_batch": requests,
        "repeat": repeat,
        "per_request_us": {
            name: {
                "median": medians[name],
                "p95": p95(values),
                "overhead_median": medians[name] - medians[base],
            }
            for name, values in per_request_us.items()
        },
        "ratio_vs_upstream": ratio,
        "ratio_vs_upstream_paired_median": paired,
        "bar_ratio": REQUEST_BAR_RATIO,
        "meets_bar": ratio[names[2]] <= REQUEST_BAR_RATIO,
    }


def _cycle_times(collect: Callable[[], Any], cycles: int) -> tuple[list[float], int]:
    for _ in range(2):
        collect()
    durations_ms: list[float] = []
    points = 0
    for _ in range(cycles):
        started = time.perf_counter_ns()
        data = collect()
        durations_ms.append((time.perf_counter_ns() - started) / 1e6)
        points = sum(
            len(metric.data.data_points)
            for resource_metrics in data.resource_metrics
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics
        )
    return durations_ms, points


def bench_resources(cycles: int) -> dict[str, Any]:
    ours_reader = InMemoryMetricReader()
    instrument_resources(MeterProvider(metric_readers=[ours_reader]), max_age_s=0)
    upstream_reader = InMemoryMetricReader()
    SystemMetricsInstrumentor().instrument(
        meter_provider=MeterProvider(metric_readers=[upstream_reader])
    )

    results: dict[str, Any] = {}
    for name, reader in (
        ("sloscope instrument_resources", ours_reader),
        ("upstream system-metrics", upstream_reader),
    ):
        durations_ms, points = _cycle_times(reader.get_metrics_data, cycles)
        results[name] = {
            "median_ms": median(durations_ms),
            "p95_ms": p95(durations_ms),
            "points": points,
        }
    connections_ms, _ = _cycle_times(lambda: _NoData(connection_counts()), cycles)
    results["of which connection counts (sock_diag)"] = {
        "median_ms": median(connections_ms),
        "p95_ms": p95(connections_ms),
        "points": None,
    }
    ours = results["sloscope instrument_resources"]
    return {
        "cycles": cycles,
        "cycle": results,
        "bar_ms": CYCLE_BAR_MS,
        "meets_bar": ours["p95_ms"] < CYCLE_BAR_MS,
    }


class _NoData:
    """Lets a plain function be timed like a collection (no metrics in it)."""

    resource_metrics: tuple[()] = ()

    def __init__(self, _: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--routes", type=int, default=10, help="routes in the trivial app")
    parser.add_argument("--requests", type=int, default=2000, help="requests per timed batch")
    parser.add_argument("--repeat", type=int, default=15, help="timed batches per configuration")
    parser.add_argument("--warmup", type=int, default=500, help="untimed requests first")
    parser.add_argument("--cycles", type=int, default=30, help="timed resource collection cycles")
    args = parser.parse_args(argv)

    requests = bench_requests(args.routes, args.requests, args.repeat, args.warmup)
    resources = bench_resources(args.cycles)

    per_request = requests["per_request_us"]
    print_table(
        f"Per-request cost, trivial FastAPI app ({args.routes} routes), {args.repeat} x "
        f"{args.requests} requests, microseconds",
        ["configuration", "median", "p95", "overhead vs a", "ratio (x-a)/(b-a)"],
        [
            [
                name,
                row["median"],
                row["p95"],
                row["overhead_median"],
                f"{requests['ratio_vs_upstream'][name]:.2f}"
                if name in requests["ratio_vs_upstream"]
                else "",
            ]
            for name, row in per_request.items()
        ],
    )
    print(
        f"bar: (c-a)/(b-a) <= {REQUEST_BAR_RATIO}: {'met' if requests['meets_bar'] else 'NOT met'}"
    )
    print_table(
        f"One resource collection cycle, {args.cycles} cycles, milliseconds",
        ["collector", "median", "p95", "points"],
        [
            [name, row["median_ms"], row["p95_ms"], row["points"] or ""]
            for name, row in resources["cycle"].items()
        ],
    )
    print(f"bar: p95 < {CYCLE_BAR_MS} ms: {'met' if resources['meets_bar'] else 'NOT met'}")
    path = save(
        "instrumentation",
        {"versions": versions(*PACKAGES), "requests": requests, "resources": resources},
    )
    print(f"\nsaved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
