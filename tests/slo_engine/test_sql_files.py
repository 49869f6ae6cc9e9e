from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processor.store import Store
from slo_engine import _foreign_rows, _gauges, _requests, _series, _services
from slo_engine._evaluation import Context, contexts, request_based
from slo_engine._loader import load
from slo_engine._sql import names, placeholders, sql

SLOS = """\
service: s
slos:
  - {name: a, objective: 0.9, sli: {availability: {}}}
  - {name: b, objective: 0.9, budgeting: timeslices, slice_target: 0.9,
     sli: {latency: {threshold: 0.5, histogram: exponential}}}
  - {name: c, objective: 0.9, budgeting: ratio_timeslices, sli: {gauge: {metric: m, threshold: 1}}}
"""
END = datetime(2026, 1, 2, 0, 30, tzinfo=UTC)
MATCHED: list[tuple[int, str, str, int, int, list[str]]] = [
    (1, "s", "http.server.request.duration", 7, 1, [])
]


def _parameters(name: str) -> dict[str, Any]:
    found = contexts(load({"a.yaml": SLOS}), END)
    requests, gauges = (
        [c for c in found if request_based(c)],
        [c for c in found if not request_based(c)],
    )
    if name == "series":
        return _requests.series_parameters(requests, END, use_rollups=True)
    if name.endswith("_windows"):
        return _requests.window_parameters(requests, END, use_rollups=True)
    if name.endswith("_windows_raw"):
        return _requests.window_parameters(requests, END, use_rollups=False)
    if name.endswith("_slices") and name != "gauge_slices":
        return _requests.slice_parameters(requests[1:], [MATCHED], use_rollups=False)
    if name in ("gauge_slices", "cumulative_rows", "slo_steps", "slice_parts"):
        return {
            "slice_parts": lambda: {"table": "slo_histogram_1m"},
            "gauge_slices": lambda: _gauges.gauge_parameters(gauges),
            "cumulative_rows": lambda: _foreign_rows.cumulative_parameters(requests),
            "slo_steps": lambda: _steps_parameters(requests),
        }[name]()
    if name.startswith(("sla_", "service_")):
        return _sla_parameters(name) if name.startswith("sla_") else _service_parameters(name)
    raise AssertionError(f"no parameters for {name}")


def _steps_parameters(requests: list[Context]) -> dict[str, Any]:
    times = _series.instants(END - timedelta(hours=1), END, timedelta(minutes=10))
    plans = [_series.plan(c.slo, times) for c in requests[:1]]
    start = END - timedelta(days=1)
    return _series.step_parameters(plans, [MATCHED], start, END, timedelta(minutes=1))


def _service_parameters(name: str) -> dict[str, Any]:
    step = timedelta(hours=1)
    times = _series.instants(END - step, END, step)
    steps, resources = _services.series_parameters("s", times, step, "/a")
    return {
        "service_overview": _services.overview_parameters(END - step, END),
        "service_steps": steps,
        "service_resources": resources,
    }[name]


def _sla_parameters(name: str) -> dict[str, Any]:
    from datetime import timedelta

    from slo_engine._model import SlaPolicy
    from slo_engine._windows import Range, local_days
    from slo_engine.sla._minutes import ServiceInput, minute_parameters, service_parameters

    span = Range(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    if name == "sla_services":
        return service_parameters("http.server.request.duration", span)
    excluded = (Range(span.start, span.start + timedelta(hours=1)),)
    services = [ServiceInput("s", SlaPolicy(), excluded)]
    return minute_parameters(services, span, local_days(span, "UTC"))


@pytest.fixture
def store(module_store: Store) -> Store:
    """Queries only, against empty tables: one database for the module."""
    return module_store


@pytest.mark.parametrize("name", names())
def test_placeholders_and_parameters_match_both_ways(name, store):
    text = sql(name)
    assert "%(" not in text
    parameters = _parameters(name)
    assert placeholders(text) == set(parameters) | {"db"}
    store.query(text, parameters)
