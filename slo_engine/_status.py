"""``slo status``: evaluate many SLOs at one instant, in a few batched queries.

The numbers come from SQL (``sql/histogram_windows.sql``, ``histogram_slices.sql``,
``gauge_slices.sql``); this module plans the windows, builds the parameters and turns
the rows into ``SloStatus`` records: budgets, burn rates, alerts, status and notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from processor.store import Queryable
from slo_engine import _burn, _exclusions
from slo_engine._budget import budget
from slo_engine._conventions import BURN_RATE_WINDOWS
from slo_engine._durations import format_duration, parse_duration
from slo_engine._filters import describe as describe_filter
from slo_engine._model import Budgeting, NoDataPolicy, SliKind, Slo, SloSet, Source
from slo_engine._params import FilterTable
from slo_engine._plan import SegmentPlan, plan
from slo_engine._sql import sql
from slo_engine._status_model import (
    Alert,
    ErrorBudget,
    Latency,
    SloStatus,
    StatusName,
    StatusReport,
)
from slo_engine._windows import Evaluated, Range, describe, evaluate, floor_minute

WINDOW = "window"
NAN = float("nan")


@dataclass(frozen=True, slots=True)
class Measured:
    """good/total of one window (requests, points or slices) and what qualifies it."""

    good: float
    total: float
    interpolated: bool = False
    low_traffic: bool = False
    latency: Latency | None = None
    layouts: int = 1


@dataclass
class Context:
    """One SLO at the evaluation instant: its windows and excluded ranges."""

    slo: Slo
    evaluated: Evaluated
    windows: dict[str, Range]
    excluded: list[Range]
    results: dict[tuple[str, ...], dict[str, Measured]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _labels(slo: Slo) -> list[str]:
    labels = list(BURN_RATE_WINDOWS)
    for window in slo.burn_windows:
        for length in (window.long, window.short):
            label = format_duration(length)
            if label not in labels:
                labels.append(label)
    return labels


def contexts(slo_set: SloSet, end: datetime) -> list[Context]:
    found = []
    for slo in slo_set.slos:
        evaluated = evaluate(slo.window, end)
        windows = {WINDOW: evaluated.range}
        for label in _labels(slo):
            windows[label] = Range(end - parse_duration(label), end)
        earliest = min(r.start for r in windows.values())
        applicable = [e for e in slo_set.exclusions if e.applies_to(slo.name, slo.service)]
        excluded = _exclusions.excluded(applicable, Range(earliest, end))
        found.append(Context(slo, evaluated, windows, excluded))
    return found


def status(
    store: Queryable, slo_set: SloSet, as_of: datetime, *, use_rollups: bool = True
) -> StatusReport:
    """Every SLO of ``slo_set`` evaluated at ``as_of`` (floored to the minute)."""
    end = floor_minute(as_of)
    found = contexts(slo_set, end)
    histogram = [c for c in found if c.slo.sli.source is Source.HISTOGRAM]
    if histogram:
        measure_histogram_windows(store, histogram, end, use_rollups=use_rollups)
    for context in found:
        if context.slo.sli.source is Source.EXPONENTIAL_HISTOGRAM:
            context.notes.append("exponential histograms are not evaluated yet")
        elif context.slo.budgeting is not Budgeting.OCCURRENCES:
            context.notes.append(
                "timeslice budgeting is not evaluated yet: numbers shown count requests"
            )
        elif context.slo.sli.source is Source.GAUGE:
            context.notes.append("gauge and health-check SLIs are not evaluated yet")
    return StatusReport(evaluated_at=end, slos=[s for c in found for s in assemble(c)])


def measure_histogram_windows(
    store: Queryable, found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> None:
    boundaries = {end}
    for context in found:
        boundaries |= {r.start for r in context.windows.values()}
        for r in context.excluded:
            boundaries |= {r.start, r.end}
    segments = plan(sorted(boundaries), use_rollups=use_rollups)
    rows = store.query(sql("histogram_windows"), histogram_parameters(found, segments))
    labels = [(context, label) for context in found for label in context.windows]
    for slo, dims, window, total, good_requests, good_latency, interpolated, layouts, qs in rows:
        context, label = labels[window - 1]
        assert context is found[slo - 1]
        kind = context.slo.sli.kind
        good = float(good_requests) if kind is SliKind.AVAILABILITY else float(good_latency)
        latency = _latency(qs)
        measured = Measured(
            good, float(total), bool(interpolated), latency=latency, layouts=layouts
        )
        context.results.setdefault(tuple(dims), {})[label] = measured


def histogram_parameters(found: Sequence[Context], segments: SegmentPlan) -> dict[str, Any]:
    filters = FilterTable()
    slo_filter: list[int] = []
    slo_good: list[int] = []
    excluded: list[list[int]] = []
    window_first: list[int] = []
    first: list[int] = []
    count: list[int] = []
    for context in found:
        sli = context.slo.sli
        slo_filter.append(filters.group(sli.filter))
        slo_good.append(filters.group(sli.good) if sli.kind is SliKind.AVAILABILITY else 0)
        excluded.append(segments.inside(context.excluded))
        first.append(len(window_first) + 1)
        count.append(len(context.windows))
        window_first += [segments.first_segment(r.start) for r in context.windows.values()]
    starts = [s.start for s in segments.segments] or [datetime.now(UTC)]
    last = segments.segments[-1].end if segments.segments else starts[0]
    return {
        "targets": sorted({(c.slo.service, c.slo.sli.metric) for c in found}),
        "first_day": min(starts).date(),
        "last_day": last.date(),
        "hour_keys": list(segments.hour_keys),
        "hour_segments": list(segments.hour_segments),
        "raw_hours": list(segments.raw_hours),
        "raw_minutes": list(segments.raw_minutes),
        "raw_segments": list(segments.raw_segments),
        **filters.parameters(),
        "slo_service": [c.slo.service for c in found],
        "slo_metric": [c.slo.sli.metric for c in found],
        "slo_filter": slo_filter,
        "slo_good": slo_good,
        "slo_per": [list(c.slo.per) for c in found],
        "slo_threshold": [c.slo.sli.threshold if c.slo.sli.threshold else NAN for c in found],
        "slo_excluded": excluded,
        "slo_window_first": first,
        "slo_window_count": count,
        "window_first_segment": window_first,
    }


def _finite(value: float) -> float | None:
    return value if isinstance(value, float) and math.isfinite(value) else None


def _latency(quantiles: Sequence[tuple[float, float]]) -> Latency:
    (v50, e50), (v95, e95), (v99, e99) = quantiles
    return Latency(
        p50=_finite(v50),
        p95=_finite(v95),
        p99=_finite(v99),
        p50_error=_finite(e50),
        p95_error=_finite(e95),
        p99_error=_finite(e99),
    )


def assemble(context: Context) -> list[SloStatus]:
    results = context.results or {(): {}}
    return [_one(context, dims, measured) for dims, measured in sorted(results.items())]


def _one(context: Context, dims: tuple[str, ...], measured: dict[str, Measured]) -> SloStatus:
    slo = context.slo
    notes = list(context.notes)
    main = measured.get(WINDOW, Measured(0.0, 0.0))
    period = context.evaluated.period
    excluded_s = _exclusions.total_seconds(
        r for r in context.excluded if r.start >= context.evaluated.range.start
    )
    period_s = max(0.0, period.seconds - excluded_s)
    minimum = max(1, slo.min_events) if slo.budgeting is Budgeting.OCCURRENCES else 1
    sli = main.good / main.total if main.total >= minimum else None
    if main.total > 0 and sli is None:
        notes.append(f"low traffic: {main.total:g} events, fewer than min_events {slo.min_events}")
    found_budget = (
        budget(main.good, main.total, slo.objective, period_s) if sli is not None else None
    )
    rates: dict[str, float | None] = {}
    for label in context.windows:
        if label == WINDOW:
            continue
        item = measured.get(label)
        rates[label] = _rate(item, slo, minimum)
    rates[format_duration(context.evaluated.range.end - context.evaluated.range.start)] = _rate(
        main, slo, minimum
    )
    alerts = []
    for window in slo.burn_windows:
        state = _burn.AlertState(
            window.severity,
            window.long,
            window.short,
            _burn.factor(window, period.end - period.start),
            rates.get(format_duration(window.long)),
            rates.get(format_duration(window.short)),
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
    if main.interpolated:
        notes.append(
            f"threshold {slo.sli.threshold:g}s is not a bucket bound: "
            "the bucket holding it was split (interpolated)"
        )
    if main.layouts > 1:
        notes.append(f"{main.layouts} bucket layouts merged; quantiles use the bounds they share")
    if any(m.low_traffic for m in measured.values()):
        notes.append("some slices had too little traffic to count")
    exhaustion = None
    if found_budget is not None:
        exhaustion = _burn.time_to_exhaustion_s(
            found_budget.remaining, period.end - period.start, rates.get("1h")
        )
    state_name = _state(sli, found_budget, alerts, slo)
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
        window_start=context.evaluated.range.start,
        window_end=context.evaluated.range.end,
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
        excluded_seconds=excluded_s,
        status=state_name,
        notes=notes,
    )


def _rate(item: Measured | None, slo: Slo, minimum: int) -> float | None:
    if item is None or item.total < minimum:
        return None
    return _burn.burn_rate(1.0 - item.good / item.total, slo.objective)


def _state(sli: float | None, found: Any, alerts: list[Alert], slo: Slo) -> StatusName:
    if sli is None:
        return "breached" if slo.no_data is NoDataPolicy.BAD else "no_data"
    if found is not None and found.remaining < 0:
        return "breached"
    if any(alert.firing for alert in alerts):
        return "warning"
    return "ok"


def describe_slo(slo: Slo) -> str:
    sli = slo.sli
    what = describe_filter(sli.filter)
    if sli.kind is SliKind.AVAILABILITY:
        return f"{what}; good: {describe_filter(sli.good)}"
    return f"{what}; threshold {sli.threshold:g}"
