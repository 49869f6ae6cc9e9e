"""``slo status``: evaluate many SLOs at one instant, in a few batched queries.

The numbers come from SQL: request-based SLIs through ``_requests`` (series matching,
windows, time slices), gauge and health-check SLIs through ``_gauges``. This module
plans the windows and turns the measurements into ``SloStatus`` records: budgets, burn
rates, alerts, status and notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from processor.store import Queryable
from slo_engine import _burn, _exclusions, _foreign_rows, _gauges, _requests
from slo_engine._bounds import check_instant
from slo_engine._budget import Budget, budget
from slo_engine._durations import format_duration
from slo_engine._evaluation import WINDOW, Context, Measured, contexts, request_based
from slo_engine._model import Budgeting, NoDataPolicy, Slo, SloSet, Source
from slo_engine._status_model import (
    Alert,
    ErrorBudget,
    Slices,
    SloStatus,
    StatusName,
    StatusReport,
)
from slo_engine._timeslices import SliceCounts, outcome
from slo_engine._windows import describe, utc_instant


def status(
    store: Queryable, slo_set: SloSet, as_of: datetime, *, use_rollups: bool = True
) -> StatusReport:
    """Every SLO of ``slo_set`` evaluated at ``as_of``, exactly: every point with a time
    up to it counts, the partial minute included.

    ``use_rollups=False`` reads every minute from the raw tables: slower, the same
    numbers; the benchmark and the tests compare the two.
    """
    end = utc_instant(check_instant(as_of, "the evaluation instant"))
    found = contexts(slo_set, end)
    _requests.measure(store, [c for c in found if request_based(c)], end, use_rollups=use_rollups)
    _foreign_rows.note_cumulative_rows(store, [c for c in found if request_based(c)])
    _gauges.measure(store, [c for c in found if not request_based(c)])
    return StatusReport(evaluated_at=end, slos=[s for c in found for s in assemble(c)])


def assemble(context: Context) -> list[SloStatus]:
    results = context.results or {(): _without_data(context)}
    return [_one(context, dims, measured) for dims, measured in sorted(results.items())]


def _without_data(context: Context) -> dict[str, Measured]:
    """A sliced SLO with no series at all: every slice is a no-data slice."""
    if not context.sliced:
        return {}
    grid = context.grid()
    ratio = context.slo.budgeting is Budgeting.RATIO_TIMESLICES
    found = {}
    for expected, label in zip(grid.expected, context.windows, strict=True):
        result = outcome(SliceCounts(), expected, context.slo.no_data, ratio=ratio)
        found[label] = Measured(result.good, float(result.total), slices=result)
    return found


def _minimum(slo: Slo) -> int:
    """Events a window needs before it has an SLI: ``min_events`` for occurrences (for
    slices it applies to each slice, in SQL)."""
    return max(1, slo.min_events) if slo.budgeting is Budgeting.OCCURRENCES else 1


def _one(context: Context, dims: tuple[str, ...], measured: dict[str, Measured]) -> SloStatus:
    slo = context.slo
    notes = list(context.notes)
    main = measured.get(WINDOW, Measured(0.0, 0.0))
    period = context.evaluated.period
    excluded_s = _exclusions.total_seconds(
        r for r in context.excluded if r.start >= context.evaluated.range.start
    )
    period_s = max(0.0, period.seconds - excluded_s)
    minimum = _minimum(slo)
    sli = main.good / main.total if main.total >= minimum else None
    if main.total > 0 and sli is None:
        notes.append(f"low traffic: {main.total:g} events, fewer than min_events {slo.min_events}")
    found_budget = (
        budget(main.good, main.total, slo.objective, period_s) if sli is not None else None
    )
    rates: dict[str, float | None] = {}
    for label in context.windows:
        if label != WINDOW:
            rates[label] = _rate(measured.get(label), slo, minimum)
    whole = context.evaluated.range
    rates[format_duration(whole.end - whole.start)] = _rate(main, slo, minimum)
    alerts = _alerts(slo, rates, period.end - period.start)
    notes += _notes(slo, main)
    exhaustion = None
    if found_budget is not None:
        exhaustion = _burn.time_to_exhaustion_s(
            found_budget.remaining, period.end - period.start, rates.get("1h")
        )
    names = dict(zip(slo.per, dims, strict=False))
    suffix = "{" + ",".join(f"{k}={v}" for k, v in names.items()) + "}" if names else ""
    return SloStatus(
        name=slo.name + suffix,
        slo=slo.name,
        service=slo.service,
        dimensions=names,
        sli_kind=slo.sli.kind.value,
        objective=slo.objective,
        window=describe(slo.window),
        window_start=whole.start,
        window_end=whole.end,
        budgeting=slo.budgeting.value,
        sli=sli,
        good=main.good,
        total=main.total,
        error_budget=ErrorBudget(
            total=found_budget.total if found_budget else None,
            consumed=found_budget.consumed if found_budget else None,
            remaining=found_budget.remaining if found_budget else None,
            remaining_seconds=found_budget.remaining_s if found_budget else None,
            total_seconds=(1 - slo.objective) * period_s,
        ),
        burn_rates=rates,
        time_to_exhaustion_seconds=exhaustion,
        alerts=alerts,
        latency=main.latency if slo.sli.kind.request_based else None,
        slices=_slices(context, main),
        excluded_seconds=excluded_s,
        status=_state(sli, found_budget, alerts, slo),
        notes=notes,
    )


def _alerts(slo: Slo, rates: dict[str, float | None], period: timedelta) -> list[Alert]:
    alerts = []
    for window in slo.burn_windows:
        state = _burn.AlertState(
            window.severity,
            window.long,
            window.short,
            _burn.factor(window, period),
            rates.get(format_duration(window.long)),
            rates.get(format_duration(window.short)),
            window.op,
        )
        alerts.append(
            Alert(
                severity=state.severity.value,
                long_window=format_duration(state.long),
                short_window=format_duration(state.short),
                factor=state.factor,
                long_burn_rate=state.long_burn_rate,
                short_burn_rate=state.short_burn_rate,
                firing=state.firing,
            )
        )
    return alerts


def _notes(slo: Slo, main: Measured) -> list[str]:
    notes = []
    if main.interpolated:
        notes.append(
            f"threshold {slo.sli.threshold:g}s is not a bucket bound: "
            "the bucket holding it was split (interpolated)"
        )
    if main.layouts > 1 and slo.sli.source is Source.EXPONENTIAL_HISTOGRAM:
        notes.append("several scales merged at the smallest (coarser buckets)")
    elif main.layouts > 1:
        notes.append(f"{main.layouts} bucket layouts merged; quantiles use the bounds they share")
    if main.slices is not None and main.slices.low_traffic:
        notes.append(
            f"{main.slices.low_traffic} slices had fewer than min_events {slo.min_events} "
            "events and were not counted"
        )
    if main.slices is not None and main.slices.no_data:
        notes.append(
            f"{main.slices.no_data} slices had no data: counted as {slo.no_data.value}"
            if slo.no_data is not NoDataPolicy.IGNORE
            else f"{main.slices.no_data} slices had no data and were not counted"
        )
    return notes


def _slices(context: Context, main: Measured) -> Slices | None:
    result = main.slices
    if result is None:
        return None
    return Slices(
        length_seconds=context.slo.slice.total_seconds(),
        expected=result.expected,
        counted=result.total,
        good=result.good,
        bad=result.bad,
        no_data=result.no_data,
        low_traffic=result.low_traffic,
        no_data_policy=context.slo.no_data.value,
    )


def _rate(item: Measured | None, slo: Slo, minimum: int) -> float | None:
    if item is None or item.total < minimum:
        return None
    return _burn.burn_rate(1.0 - item.good / item.total, slo.objective)


def _state(sli: float | None, found: Budget | None, alerts: list[Alert], slo: Slo) -> StatusName:
    if sli is None:
        return "breached" if slo.no_data is NoDataPolicy.BAD else "no_data"
    if found is not None and found.remaining < 0:
        return "breached"
    if any(alert.firing for alert in alerts):
        return "warning"
    return "ok"
