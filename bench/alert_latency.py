"""bench/alert_latency.py: from failing requests to the webhook, through the real pipeline.

Each run: a `sloscope serve` process on a fresh data directory whose SLO files hold a
99.9 % availability SLO of `checkout`, a threshold rule (error ratio over 1 m above 5 %)
and the SLO's page alerts, all to a webhook served here; an hour of good requests sent
to it over OTLP (one delta histogram a minute, at the live rate); then a live app
(FastAPI, the sloscope instrumentation, the OTel SDK exporting every 5 s) answering
`--rps` requests a second with 200. At T0 every request starts failing (503).

From the requests the client made, the bench computes when the *sent data* crosses each
condition: the error ratio of the trailing minute above 5 % (threshold rule); both the
1 h and the 5 m burn rates above 14.4 (the page alert). A delay is the webhook's receipt
of the alert minus that crossing. Parts: the export interval and the evaluation interval
(configured), detection (the alert's `firing_at` minus the crossing: export, ingest,
evaluation) and delivery (receipt minus `firing_at`). Median over `--repeat` runs; the
bars are the issue's: threshold under 30 s, page under 20 s.

    python bench/alert_latency.py [--repeat 5] [--rps 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Response
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1 import metrics_pb2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.common import median, print_table, save, versions
from bench.ingest import free_port, send_all
from instrumentation import build_telemetry, instrument_app, resolve_settings

EXPORT_INTERVAL_S = 5.0
EVALUATION_INTERVAL_S = 10.0
OBJECTIVE = 0.999
PAGE_FACTOR = 14.4
THRESHOLD = 0.05
PAGE = "slo-burn-rate-1h-5m"
BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
SLOS = """\
service: checkout
slos:
  - name: checkout-availability
    objective: {objective}
    window: 30d
    sli:
      availability: {{}}
alerting:
  interval: {interval}s
  channels:
    - name: oncall
      webhook: {{url: "{url}/hook"}}
  rules:
    - {{name: checkout-errors, service: checkout, aggregation: error_ratio, window: 1m,
       op: gt, value: {threshold}, severity: critical, channels: [oncall]}}
  slo_alerts:
    channels: [oncall]
    budget_exhausted: false
"""


class Receipts:
    """A webhook receiver: when each alertname first arrived firing (wall clock)."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receipts = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with receipts.lock:
                    for alert in body["alerts"]:
                        if alert["status"] == "firing":
                            receipts.first.setdefault(alert["labels"]["alertname"], at)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        return Handler


@contextlib.contextmanager
def receiver() -> Iterator[tuple[str, Receipts]]:
    receipts = Receipts()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receipts.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", receipts
    finally:
        server.shutdown()
        server.server_close()


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def history(end_s: float, per_minute: int) -> list[bytes]:
    """An hour of good `checkout` requests before ``end_s``, one delta point a minute."""
    payloads = []
    for minute in range(60, 0, -1):
        stop_ns = int((end_s - (minute - 1) * 60) * 1e9)
        request = ExportMetricsServiceRequest()
        resource = request.resource_metrics.add()
        resource.resource.attributes.append(_kv("service.name", "checkout"))
        metric = resource.scope_metrics.add().metrics.add()
        metric.name, metric.unit = "http.server.request.duration", "s"
        metric.histogram.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_DELTA
        counts = [0] * (len(BOUNDS) + 1)
        counts[3] = per_minute
        point = metric.histogram.data_points.add(
            start_time_unix_nano=stop_ns - 60_000_000_000,
            time_unix_nano=stop_ns,
            count=per_minute,
            sum=per_minute * 0.03,
            bucket_counts=counts,
            explicit_bounds=BOUNDS,
        )
        point.attributes.extend(
            [
                _kv("http.request.method", "GET"),
                _kv("http.route", "/pay"),
                _kv("http.response.status_code", "200"),
                _kv("url.scheme", "http"),
            ]
        )
        payloads.append(request.SerializeToString())
    return payloads


class App:
    """The live service: `/pay` answers 200, or 503 once ``failing`` is set."""

    def __init__(self, endpoint: str) -> None:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://{endpoint}"
        os.environ["OTEL_METRIC_EXPORT_INTERVAL"] = str(int(EXPORT_INTERVAL_S * 1000))
        settings = resolve_settings(os.environ, service_name="checkout", resource_metrics=False)
        self.telemetry = build_telemetry(settings)
        self.failing = False
        app = FastAPI()

        @app.get("/pay")
        async def pay() -> Response:
            return Response(status_code=503 if self.failing else 200)

        instrument_app(app, meter_provider=self.telemetry.meter_provider)
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> App:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.telemetry.shutdown()


def load(port: int, rps: float, stop: threading.Event, log: list[tuple[float, bool]]) -> None:
    """Requests at ``rps`` until ``stop``; ``log`` gets (client time, ok) of each."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        next_at = time.time()
        while not stop.is_set():
            at = time.time()
            status = client.get("/pay").status_code
            log.append((at, status < 500))
            next_at += 1 / rps
            time.sleep(max(0.0, next_at - time.time()))


def crossing(
    log: list[tuple[float, bool]], t0: float, window_s: float, ratio: float, good_before: float
) -> float:
    """The first request instant after ``t0`` where the trailing ``window_s`` of sent
    requests (plus ``good_before`` good ones a second before the log) fails above ``ratio``."""
    for index, (at, _) in enumerate(log):
        if at < t0:
            continue
        start = at - window_s
        inside = [ok for t, ok in log[: index + 1] if t > start]
        first = log[0][0]
        extra = max(0.0, first - start) * good_before
        bad = sum(1 for ok in inside if not ok)
        if bad / (len(inside) + extra) > ratio:
            return at
    raise RuntimeError("the condition never crossed")


def api_get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def one_run(rps: float, timeout_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, receiver() as (hook_url, receipts):
        slos = Path(tmp) / "slos"
        slos.mkdir()
        text = SLOS.format(
            objective=OBJECTIVE, interval=int(EVALUATION_INTERVAL_S), url=hook_url,
            threshold=THRESHOLD,
        )  # fmt: skip
        (slos / "checkout.yaml").write_text(text)
        otlp, api = free_port(), free_port()
        process = subprocess.Popen(
            [
                sys.executable, "-m", "sloscope", "serve", "--data-dir", str(Path(tmp) / "data"),
                "--otlp", f"127.0.0.1:{otlp}", "--api", f"127.0.0.1:{api}",
                "--slos", str(slos), "--log-level", "warning",
            ],
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not (Path(tmp) / "data" / "sloscope-serve.json").exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("sloscope serve did not start")
                time.sleep(0.1)
            endpoint, api_url = f"127.0.0.1:{otlp}", f"http://127.0.0.1:{api}"
            log: list[tuple[float, bool]] = []
            stop = threading.Event()
            with App(endpoint) as app:
                started = time.time()
                asyncio.run(send_all(endpoint, history(started, int(rps * 60)), 4))
                worker = threading.Thread(target=load, args=(app.port, rps, stop, log))
                worker.start()
                time.sleep(3 * EXPORT_INTERVAL_S)  # good live traffic first
                t0 = time.time()
                app.failing = True
                deadline = time.monotonic() + timeout_s
                wanted = {"checkout-errors", PAGE}
                while not wanted <= set(receipts.first) and time.monotonic() < deadline:
                    time.sleep(0.2)
                stop.set()
                worker.join()
            alerts = api_get(f"{api_url}/api/alerts?state=firing&state=acknowledged")["alerts"]
        finally:
            process.terminate()
            process.wait(timeout=60)
        firing_at = {
            a["labels"]["alertname"]: _unix(a["firing_at"]) for a in alerts if a["firing_at"]
        }
        threshold_at = crossing(log, t0, 60.0, THRESHOLD, rps)
        limit = PAGE_FACTOR * (1 - OBJECTIVE)
        page_at = max(crossing(log, t0, 3600.0, limit, rps), crossing(log, t0, 300.0, limit, rps))
        page = PAGE
        received_threshold = receipts.first.get("checkout-errors", float("nan"))
        received_page = receipts.first.get(page, float("nan"))
        return {
            "threshold_delay_s": received_threshold - threshold_at,
            "slo_page_delay_s": received_page - page_at,
            "threshold_detect_s": firing_at.get("checkout-errors", float("nan")) - threshold_at,
            "threshold_deliver_s": received_threshold
            - firing_at.get("checkout-errors", float("nan")),
            "slo_page_detect_s": firing_at.get(page, float("nan")) - page_at,
            "slo_page_deliver_s": received_page - firing_at.get(page, float("nan")),
            "threshold_crossed_after_t0_s": threshold_at - t0,
            "slo_page_crossed_after_t0_s": page_at - t0,
        }


def _unix(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rps", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = parser.parse_args()
    runs = []
    for index in range(args.repeat):
        result = one_run(args.rps, args.timeout)
        runs.append(result)
        print(f"run {index + 1}: " + ", ".join(f"{k}={v:.1f}" for k, v in result.items()))
    keys = list(runs[0])
    medians = {key: median([run[key] for run in runs]) for key in keys}
    rows = [
        ["threshold rule (error ratio 1m > 5%)", f"{medians['threshold_delay_s']:.1f}", "< 30",
         f"{medians['threshold_detect_s']:.1f}", f"{medians['threshold_deliver_s']:.2f}"],
        ["SLO page (1h and 5m burn > 14.4)", f"{medians['slo_page_delay_s']:.1f}", "< 20",
         f"{medians['slo_page_detect_s']:.1f}", f"{medians['slo_page_deliver_s']:.2f}"],
    ]  # fmt: skip
    print_table(
        f"alert latency, median of {args.repeat} (export every {EXPORT_INTERVAL_S:g} s, "
        f"evaluation every {EVALUATION_INTERVAL_S:g} s)",
        ["alert", "delay s", "bar s", "detect s", "deliver s"],
        rows,
    )
    save(
        "alert_latency",
        {
            "threshold_delay_s": medians["threshold_delay_s"],
            "slo_page_delay_s": medians["slo_page_delay_s"],
            "medians": medians,
            "parts": {
                "export_interval_s": EXPORT_INTERVAL_S,
                "evaluation_interval_s": EVALUATION_INTERVAL_S,
                "threshold_detect_s": medians["threshold_detect_s"],
                "threshold_deliver_s": medians["threshold_deliver_s"],
                "slo_page_detect_s": medians["slo_page_detect_s"],
                "slo_page_deliver_s": medians["slo_page_deliver_s"],
            },
            "bars_s": {"threshold": 30.0, "slo_page": 20.0},
            "runs": runs,
            "rps": args.rps,
            "versions": versions("chdb", "opentelemetry-sdk"),
        },
    )


if __name__ == "__main__":
    main()
