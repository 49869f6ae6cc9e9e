"""bench/dashboard.py: the dashboard in headless Chromium on the 30-day data set of
bench/slo.py (50 SLOs, 200 request series, 8.6 million histogram rows).

Fills a fresh embedded store with --days of per-minute histograms ending now (the
generator of bench/slo.py, plus the host and process gauges of the service measured for
the last day), serves the API and pages with uvicorn on loopback, and opens the overview
(``/``) and a service page (``/services/svc-00``) in Debian's Chromium (Playwright), a
warm-up then --repeat times each: the time from navigation to every chart drawn (the page
sets ``data-drawn-ms``, ``performance.now()`` when its first load is drawn) and each API
call's response time (Resource Timing: request start to response end). Two modes in
the same run: ``computed``, no alert engine (``GET /api/slos`` computes every SLO's
status and sparkline on each request), and ``evaluator``, an alert engine whose
evaluation runs (untimed) before each page load, as ``sloscope serve``'s loop keeps one
younger than two intervals (``GET /api/slos`` answers from it). The reference, measured
in the same run: the SLO engine's ``status`` for the same 50 SLOs called directly, the
bulk of the computed ``GET /api/slos``; the evaluation's own time is reported beside it.
Bars: each page under 2 s, each API call under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerting import AlertEngine, load_alerting
from bench import slo
from bench.common import median, p95, print_table, save, versions
from processor.store import Store, StoreOptions, open_store
from slo_engine import load, status
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.browser import LAPTOP, chromium
from tests.support.traffic import GaugePoint, insert_gauges

PAGES = {"overview": "/", "service": "/services/svc-00"}
MODES = ("computed", "evaluator")
SERVICES = 10
ROUTES = 10
PAGE_BAR_S = 2.0
API_BAR_S = 0.5
RESOURCES = ("system.cpu.utilization", "system.memory.utilization", "process.cpu.utilization")
SETTLED = "() => document.body.dataset.ready === '1' || 'failed' in document.body.dataset"
API_CALLS = """() => performance.getEntriesByType('resource')
    .filter(e => new URL(e.name).pathname.startsWith('/api/'))
    .map(e => [new URL(e.name).pathname, (e.responseEnd - e.requestStart) / 1000])"""


def fill(store: Store, days: int, end: datetime) -> int:
    """bench/slo.py's ``days`` of traffic ending at ``end``, settled; svc-00's host and
    process gauges for the last day (the service page's resource charts)."""
    rows = slo.fill(store, SERVICES, ROUTES, days, end)
    minutes = [end - timedelta(minutes=m) for m in range(1, 1441)]
    insert_gauges(
        store,
        (
            GaugePoint("svc-00", metric, {}, moment, 0.25 + 0.5 * (i % 60) / 60)
            for metric in RESOURCES
            for i, moment in enumerate(minutes)
        ),
    )
    slo.settle(store)
    return rows


def _route(path: str) -> str:
    return "/api/services/{name}" if path.startswith("/api/services/") else path


def measure_pages(
    url: str, repeat: int, before: Callable[[], None] = lambda: None
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per page, the seconds to fully drawn; per API path, the seconds of each call.
    ``before`` runs, untimed, before each page load."""
    pages: dict[str, list[float]] = {name: [] for name in PAGES}
    calls: dict[str, list[float]] = {}
    with chromium() as browser:
        for name, path in PAGES.items():
            for run in range(repeat + 1):  # the first is the warm-up
                before()
                context = browser.new_context(viewport=LAPTOP)
                page = context.new_page()
                page.goto(url + path)
                page.wait_for_function(SETTLED, timeout=120_000)
                if page.evaluate("() => document.body.dataset.ready") != "1":
                    raise SystemExit(f"{path}: {page.locator('#error').text_content()}")
                drawn_s = float(page.evaluate("Number(document.body.dataset.drawnMs)")) / 1000
                entries: list[tuple[str, float]] = page.evaluate(API_CALLS)
                context.close()
                if run == 0:
                    continue
                pages[name].append(drawn_s)
                for api_path, seconds in entries:
                    calls.setdefault(_route(api_path), []).append(seconds)
    return pages, calls


class Evaluations:
    """The alert engine's evaluation before each page load, as serve's loop runs it:
    its seconds, and the ``source`` of a ``GET /api/slos`` made right after it."""

    def __init__(self, engine: AlertEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.seconds: list[float] = []
        self.sources: list[str] = []

    def __call__(self) -> None:
        began = time.perf_counter()
        self.engine.evaluate()
        self.seconds.append(time.perf_counter() - began)
        answer = httpx.get(self.url + "/api/slos", timeout=120)
        answer.raise_for_status()
        self.sources.append(str(answer.json()["source"]))


def mode_figures(pages: dict[str, list[float]], calls: dict[str, list[float]]) -> dict[str, Any]:
    return {
        "overview_page_s": median(pages["overview"]),
        "service_page_s": median(pages["service"]),
        "slowest_api_call_s": max(max(runs) for runs in calls.values()),
        "pages_s": {
            name: {"median": median(r), "p95": p95(r), "runs": r} for name, r in pages.items()
        },
        "api_calls_s": {
            path: {"median": median(r), "p95": p95(r), "max": max(r), "runs": r}
            for path, r in calls.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--slos", type=int, default=50)
    parser.add_argument("--timeslices", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    end = datetime.now(UTC).replace(second=0, microsecond=0)
    slos_text = slo.slo_file(SERVICES, ROUTES, args.slos, args.timeslices)
    measured: dict[str, tuple[dict[str, list[float]], dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-dashboard-") as folder:
        slos_dir = Path(folder) / "slos"
        slos_dir.mkdir()
        (slos_dir / "bench.yaml").write_text(slos_text)
        store = open_store(
            StoreOptions(dsn=f"chdb://{folder}/data", database="bench", retention_days=0)
        )
        started = time.perf_counter()
        rows = fill(store, args.days, end)
        fill_s = time.perf_counter() - started
        slo_set = load({"bench.yaml": slos_text})
        reference: list[float] = []
        for _ in range(args.repeat + 1):
            began = time.perf_counter()
            status(store, slo_set, datetime.now(UTC))
            reference.append(time.perf_counter() - began)
        reference = reference[1:]
        load_before = os.getloadavg()  # the machine is shared: say how busy it was
        with serving_api(store, ApiSettings(), slos_dir=slos_dir) as url:
            measured["computed"] = measure_pages(url, args.repeat)
        engine = AlertEngine(store.reopen(), load_alerting({"bench.yaml": slos_text}), slo_set)
        with serving_api(store, ApiSettings(), slos_dir=slos_dir, alerts=engine) as url:
            evaluations = Evaluations(engine, url)
            measured["evaluator"] = measure_pages(url, args.repeat, evaluations)
        engine.close()
        store.close()

    print_table(
        f"dashboard pages, {args.slos} SLOs over 30-day windows, {args.days} days of data "
        f"({rows:,} histogram rows)",
        ["mode", "page", "drawn median s", "p95 s", "bar s", "under bar"],
        [
            [mode, name, median(runs), p95(runs), PAGE_BAR_S, str(max(runs) < PAGE_BAR_S)]
            for mode, (pages, _) in measured.items()
            for name, runs in pages.items()
        ],
    )
    print()
    print_table(
        "API calls the pages make (browser Resource Timing)",
        ["mode", "call", "calls", "median s", "p95 s", "max s", "bar s", "under bar"],
        [
            [mode, path, len(runs), median(runs), p95(runs), max(runs), API_BAR_S,
             str(max(runs) < API_BAR_S)]
            for mode, (_, calls) in measured.items()
            for path, runs in sorted(calls.items())
        ],
    )  # fmt: skip
    print(
        f"\nreference: the engine's status() for the same SLOs, called directly: "
        f"median {median(reference):.3f} s; one evaluation of the alert engine (status and "
        f"sparklines of every SLO): median {median(evaluations.seconds):.3f} s; "
        f"/api/slos sources after it: {sorted(set(evaluations.sources))}; fill {fill_s:.0f} s"
    )
    path = save(
        "dashboard",
        {
            "parameters": vars(args),
            "data_set": f"{args.days} days of bench/slo.py's traffic (30 is the full set)",
            "histogram_rows": rows,
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "modes": {mode: mode_figures(*found) for mode, found in measured.items()},
            "evaluation_s": {"median": median(evaluations.seconds), "runs": evaluations.seconds},
            "evaluator_sources": evaluations.sources,
            "reference_status_s": {"median": median(reference), "runs": reference},
            "fill_s": fill_s,
            "bar": {"page_under_s": PAGE_BAR_S, "api_call_under_s": API_BAR_S},
            "versions": versions("chdb", "clickhouse-connect", "playwright", "fastapi"),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
