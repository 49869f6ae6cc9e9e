"""Services' golden signals for the dashboard: request rate, error ratio and latency
percentiles per step from the SLO rollups (``service_steps.sql``), resource gauges per
step from the raw gauge table (``service_resources.sql``), and the list of services with
their requests over a range (``service_overview.sql``: its whole hours from the hour
rollup, the minutes at its edges from the minute rollup).

Steps of whole UTC hours that start on an hour read the hour rollup; the others the
minute rollup. Percentiles merge the buckets of a step as the SLO engine does
(``sloscope_shared_quantile_v1``), never an average of per-series percentiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from processor.store import Queryable
from slo_engine._conventions import LATENCY_METRIC
from slo_engine._plan import HOUR, MINUTE, ceil, floor
from slo_engine._requests import finite
from slo_engine._series import instants
from slo_engine._services_model import ServiceSeries, ServiceSummary
from slo_engine._sql import sql
from slo_engine._windows import floor_minute

RESOURCE_METRICS: Final = (
    "system.cpu.utilization",
    "system.memory.utilization",
    "process.cpu.utilization",
)
"""The gauges the instrumentation reports for the host and the process (ratios 0-1)."""
_TABLES = {MINUTE: "slo_histogram_1m", HOUR: "slo_histogram_1h"}


def services(store: Queryable, start: datetime, end: datetime) -> list[ServiceSummary]:
    """Every service with requests in ``[start, end)`` (minutes), sorted by name."""
    parameters = overview_parameters(start, end)
    return [
        ServiceSummary(
            name=name,
            requests=int(total),
            errors=int(errors),
            error_ratio=errors / total if total else None,
            routes=list(routes),
        )
        for name, total, errors, routes in store.query(sql("service_overview"), parameters)
    ]


def overview_parameters(start: datetime, end: datetime) -> dict[str, Any]:
    """Parameters of ``service_overview.sql``: the range in minutes, and its whole UTC
    hours (none when it holds no whole hour)."""
    first, last = floor_minute(start), floor_minute(end)
    hours_start, hours_end = ceil(first, HOUR), floor(last, HOUR)
    if hours_start >= hours_end:
        hours_start = hours_end = first
    return {
        "metric": LATENCY_METRIC,
        "start": first,
        "end": last,
        "hours_start": hours_start,
        "hours_end": hours_end,
    }


def series_parameters(
    service: str, times: Sequence[datetime], step: timedelta, route: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameters of ``service_steps.sql`` and ``service_resources.sql``."""
    read_from = times[0] - step
    window = {
        "service": service,
        "read_from": read_from,
        "read_to": times[-1],
        "step_s": int(step.total_seconds()),
    }
    steps = {
        **window,
        "table": _TABLES[_grain(step, read_from)],
        "metric": LATENCY_METRIC,
        "route": route or "",
    }
    return steps, {**window, "metrics": list(RESOURCE_METRICS)}


def _grain(step: timedelta, read_from: datetime) -> timedelta:
    if step % HOUR == timedelta(0) and floor(read_from, HOUR) == read_from:
        return HOUR
    return MINUTE


def service_series(
    store: Queryable,
    service: str,
    start: datetime,
    end: datetime,
    step: timedelta,
    *,
    route: str | None = None,
) -> ServiceSeries:
    """``service`` (all routes, or ``route``) at each step from ``start`` to ``end``."""
    times = instants(start, end, step)
    steps_parameters, resource_parameters = series_parameters(service, times, step, route)
    nothing: list[float | None] = [None] * len(times)
    rate, errors, p50, p95, p99 = (list(nothing) for _ in range(5))
    for k, total, failed, quantiles in store.query(sql("service_steps"), steps_parameters):
        rate[k] = total / step.total_seconds()
        errors[k] = failed / total if total else None
        p50[k], p95[k], p99[k] = (finite(q) for q in quantiles)
    resources = {metric: list(nothing) for metric in RESOURCE_METRICS}
    for metric, k, value in store.query(sql("service_resources"), resource_parameters):
        resources[metric][k] = value
    return ServiceSeries(
        service=service,
        route=route,
        step_seconds=int(step.total_seconds()),
        grain_seconds=int(_grain(step, times[0] - step).total_seconds()),
        times=times,
        requests_per_second=rate,
        error_ratio=errors,
        p50=p50,
        p95=p95,
        p99=p99,
        resources=resources,
    )
