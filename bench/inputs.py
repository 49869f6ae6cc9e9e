"""bench/inputs.py: what the inputs issue 8 bounded cost now, each beside its reference.

* A calendar window anchored far from now (``{calendar: day, start: 2200-12-31}``): the
  period computed from the anchor, against stepping to it a period at a time (the
  algorithm before issue 8, kept here as the reference; from 9999 it took 14 s).
* YAML: a 460-byte alias bomb and 5,000 nested brackets, refused by the budget, against
  composing a plain SLO file of about the same size.
* The check every user query passes (``parseQueryToJSON`` and the policy): ``SELECT 1``
  and a typical aggregate through ``run_read_query``, against the same query run
  directly on the same read-only session.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, p95, print_table, save, versions
from processor.store import StoreOptions, open_store
from slo_engine._model import CalendarUnit, Window
from slo_engine._windows import _STEPS, Range, _anchor, _natural_start, _to_utc, calendar_period
from slo_engine._windows import timezone as zone_named
from slo_engine._yaml_nodes import compose_documents
from sloscope._read_query import QueryLimits, load_catalog, open_read_session, run_read_query

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)
PLAIN_SLO = "service: shop\nslos:\n  - {name: a, objective: 0.99, sli: {availability: {}}}\n"
AGGREGATE = (
    "SELECT ServiceName, count() FROM {db:Identifier}.otel_metrics_histogram "
    "WHERE MetricName LIKE 'http.%' GROUP BY ServiceName"
)


def stepped_period(window: Window, instant: datetime) -> Range:
    """The reference: calendar_period as it was, stepping from the anchor."""
    assert window.unit is not None
    zone = zone_named(window.timezone)
    local = instant.astimezone(zone).replace(tzinfo=None)
    step = _STEPS[window.unit] * window.count
    start = _natural_start(window.unit, local) if window.anchor is None else _anchor(window, zone)
    if start <= local:
        while start + step <= local:
            start = start + step
    else:
        while start > local:
            start = start - step
    return Range(_to_utc(start, zone), _to_utc(start + step, zone))


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        action()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per figure")
    args = parser.parse_args()
    rows: list[list[object]] = []
    results: dict[str, dict[str, float | str]] = {}

    def record(name: str, samples: list[float], reference: list[float], label: str) -> None:
        results[name] = {
            "median_ms": median(samples),
            "p95_ms": p95(samples),
            "reference_median_ms": median(reference),
            "reference": label,
        }
        rows.append([name, median(samples), p95(samples), label, median(reference)])

    far = Window(unit=CalendarUnit.DAY, anchor=datetime(2200, 12, 31))
    assert calendar_period(far, NOW) == stepped_period(far, NOW)
    record(
        "calendar day anchored 2200-12-31",
        timed(lambda: calendar_period(far, NOW), args.repeat),
        timed(lambda: stepped_period(far, NOW), max(3, args.repeat // 10)),
        "stepping to it (before)",
    )
    plain = PLAIN_SLO + "# " + "x" * (len(ALIAS_BOMB) - len(PLAIN_SLO) - 3) + "\n"
    plain_samples = timed(lambda: compose_documents(plain, "plain.yaml"), args.repeat)
    record(
        f"alias bomb ({len(ALIAS_BOMB)} bytes) refused",
        timed(lambda: compose_documents(ALIAS_BOMB, "bomb.yaml"), args.repeat),
        plain_samples,
        f"plain SLO file ({len(plain)} bytes)",
    )
    deep = "[" * 5000 + "]" * 5000
    record(
        "5,000 nested brackets refused",
        timed(lambda: compose_documents(deep, "deep.yaml"), args.repeat),
        plain_samples,
        f"plain SLO file ({len(plain)} bytes)",
    )
    with tempfile.TemporaryDirectory(prefix="bench-inputs-") as data:
        store = open_store(StoreOptions(dsn=f"chdb://{data}", database="bench"))
        session = open_read_session(store, QueryLimits())
        catalog = load_catalog(session)
        for name, sql in (("SELECT 1", "SELECT 1"), ("an aggregate", AGGREGATE)):
            record(
                f"{name}, checked (run_read_query)",
                timed(partial(run_read_query, session, catalog, sql, {}), args.repeat),
                timed(partial(session.query_typed, sql, {"db": "bench"}), args.repeat),
                "the same query unchecked",
            )
        session.close()
        store.close()
    print_table(
        f"inputs: median and p95 of {args.repeat} runs (ms), reference measured in the same run",
        ["measure", "median ms", "p95 ms", "reference", "reference median ms"],
        rows,
    )
    path = save(
        "inputs",
        {"repeat": args.repeat, "results": results, "versions": versions("chdb", "PyYAML")},
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
