"""SLO series: the SLI, error budget and burn rates of request-based SLOs at many
instants, for the dashboard's charts.

One query (``slo_steps.sql``) for all the SLOs asked: their series are matched once
(``series.sql``, as ``status`` matches them), summed per grain of the minute or hour
rollup into running sums, and every window of every instant is a difference of two of
them. The hour rollup is read when the step and every window edge are whole UTC hours;
else the minute rollup. Budgets and burn rates are the engine's own maths (``_budget``,
``_burn``) on those counts, so the last instant of a series equals ``status`` at that
instant for an occurrences SLO without excluded time.

Supported: availability and latency SLIs on explicit-bucket histograms, budgeted by
occurrences. The others (time slices, percentiles, gauges, exponential histograms) come
back with ``unsupported`` saying so and no numbers. Excluded time (maintenance) is not
taken out of the series' windows; ``unsupported`` is not set for it, and ``status``
remains the reference for the current budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from processor.store import Queryable
from slo_engine import _burn
from slo_engine._bounds import check_instant
from slo_engine._budget import budget
from slo_engine._durations import parse_duration
from slo_engine._evaluation import WINDOW, Context, display_name, labels
from slo_engine._model import Budgeting, SliKind, Slo, SloSet, Source
from slo_engine._plan import HOUR, MINUTE, floor
from slo_engine._requests import MatchedRow, dimension_groups, match_series, matched_columns
from slo_engine._series_model import SloSeries
from slo_engine._sql import QUERY_SETTINGS, sql
from slo_engine._windows import Range, evaluate, floor_minute
from slo_engine.errors import InvalidRequest

MAX_POINTS: Final = 2_000
"""Instants one series may have: more than a chart has pixels for."""
MAX_GRAINS: Final = 250_000
"""Minutes (or hours) one query may sum: about 173 days of minutes."""
NAN = float("nan")
_TABLES = {MINUTE: "slo_histogram_1m", HOUR: "slo_histogram_1h"}


@dataclass(frozen=True, slots=True)
class Frame:
    """The instants of a series, the step between them and the rollup grain read."""

    times: tuple[datetime, ...]
    step: timedelta
    grain: timedelta


@dataclass(frozen=True, slots=True)
class Plan:
    """One SLO's windows at every instant: (label, range) per instant, in order."""

    slo: Slo
    windows: tuple[tuple[str, Range], ...]


def unsupported(slo: Slo) -> str | None:
    """Why ``slo`` has no series, or None when it has one."""
    if slo.sli.kind not in (SliKind.AVAILABILITY, SliKind.LATENCY):
        return f"{slo.sli.kind.value} SLIs have no series yet"
    if slo.sli.source is not Source.HISTOGRAM:
        return "only explicit-bucket histograms have series yet"
    if slo.budgeting is not Budgeting.OCCURRENCES:
        return f"{slo.budgeting.value} budgeting has no series yet"
    return None


def instants(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """``start``, ``start + step``, ... up to ``end``, floored to the minute; at most
    ``MAX_POINTS`` of them."""
    first = floor_minute(check_instant(start, "the series start"))
    last = floor_minute(check_instant(end, "the series end"))
    if step < MINUTE or step % MINUTE:
        raise InvalidRequest(f"the step must be whole minutes, not {step}")
    if last < first:
        raise InvalidRequest("the series end is before its start")
    count = (last - first) // step + 1
    if count > MAX_POINTS:
        raise InvalidRequest(
            f"{count:,} instants from start to end with this step, more than {MAX_POINTS:,}: "
            "take a longer step or a shorter range"
        )
    return [first + step * k for k in range(count)]


def slo_series(
    store: Queryable,
    slo_set: SloSet,
    start: datetime,
    end: datetime,
    step: timedelta,
    *,
    names: Sequence[str] | None = None,
    windows: Sequence[str] | None = None,
) -> list[SloSeries]:
    """The series of every SLO of ``slo_set`` (or those named), one per ``per`` values.

    ``windows``: the labels to compute (``"window"`` for the SLO window, ``"1h"``...),
    default all; the others stay None, and are not read (a sparkline of the 1 h burn rate
    reads a day, not the SLO window before it)."""
    times = instants(start, end, step)
    chosen = [s for s in slo_set.slos if names is None or s.name in names]
    plans = [plan(slo, times, windows) for slo in chosen if unsupported(slo) is None]
    frame = Frame(tuple(times), step, _grain(step, plans, times))
    found = _measure(store, plans, frame) if plans else {}
    results = []
    for slo in chosen:
        reason = unsupported(slo)
        if reason is not None:
            results.append(_empty(slo, frame, reason))
        else:
            results += found.get(slo.name) or [_empty(slo, frame, None)]
    return results


def plan(slo: Slo, times: Sequence[datetime], chosen: Sequence[str] | None = None) -> Plan:
    """The windows of ``slo`` at each instant: all, or the ``chosen`` labels."""
    lengths = [
        (label, parse_duration(label)) for label in labels(slo) if chosen is None or label in chosen
    ]
    with_window = chosen is None or WINDOW in chosen
    windows: list[tuple[str, Range]] = []
    for instant in times:
        if with_window:
            windows.append((WINDOW, evaluate(slo.window, instant).range))
        windows += [(label, Range(instant - length, instant)) for label, length in lengths]
    return Plan(slo, tuple(windows))


def _grain(step: timedelta, plans: Sequence[Plan], times: Sequence[datetime]) -> timedelta:
    """Hours when the step and every edge are whole UTC hours, else minutes."""
    edges = [times[0], *(r.start for p in plans for _, r in p.windows if r.seconds >= 3600)]
    if not any(r.seconds >= 3600 for p in plans for _, r in p.windows):
        return MINUTE
    if step % HOUR == timedelta(0) and all(floor(edge, HOUR) == edge for edge in edges):
        return HOUR
    return MINUTE


def _usable(window: Range, grain: timedelta) -> bool:
    return window.seconds >= grain.total_seconds()


def _index(instant: datetime, read_from: datetime, grain: timedelta) -> int:
    return (instant - read_from) // grain


def _measure(store: Queryable, plans: Sequence[Plan], frame: Frame) -> dict[str, list[SloSeries]]:
    end, grain = frame.times[-1], frame.grain
    read_from = floor(min(r.start for p in plans for _, r in p.windows), grain)
    grains = _index(end, read_from, grain)
    if grains > MAX_GRAINS:
        raise InvalidRequest(
            f"the windows span {grains:,} {'hours' if grain == HOUR else 'minutes'}, more "
            f"than {MAX_GRAINS:,}: take a step of whole hours or a shorter range"
        )
    found = [
        Context(p.slo, evaluate(p.slo.window, end), {WINDOW: Range(read_from, end)}, [])
        for p in plans
    ]
    matched = match_series(store, found, end, use_rollups=True)
    groups = dimension_groups(matched)
    if not groups:
        return {}
    parameters = step_parameters(plans, matched, read_from, end, grain)
    counted: dict[int, list[tuple[float, float, float]]] = {}
    rows = store.query(sql("slo_steps"), parameters, settings=QUERY_SETTINGS)
    for group, _window, total, good, under in rows:
        counted.setdefault(group, []).append((total, good, under))
    results: dict[str, list[SloSeries]] = {}
    for group, windows in sorted(counted.items()):
        slo_index, dims = groups[group - 1]
        owner = plans[slo_index - 1]
        column = 1 if owner.slo.sli.kind is SliKind.AVAILABILITY else 2
        totals = [w[0] for w in windows]
        goods = [w[column] for w in windows]
        series = _assemble(owner, dims, frame, totals, goods)
        results.setdefault(owner.slo.name, []).append(series)
    return results


def step_parameters(
    plans: Sequence[Plan],
    matched: Sequence[Sequence[MatchedRow]],
    read_from: datetime,
    end: datetime,
    grain: timedelta,
) -> dict[str, Any]:
    """Parameters of ``slo_steps.sql``: the plans' series, dimension groups and windows."""
    columns = matched_columns(matched)
    windows = [
        (n, r)
        for n, owner in enumerate(plans, start=1)
        for _, r in owner.windows
        if _usable(r, grain)
    ]
    return {
        "table": _TABLES[grain],
        "targets": sorted(set(zip(columns["m_service"], columns["m_metric"], strict=True))),
        "read_from": read_from,
        "read_to": end,
        "grain_s": int(grain.total_seconds()),
        "s_threshold": [
            p.slo.sli.threshold
            if p.slo.sli.kind is SliKind.LATENCY and p.slo.sli.threshold is not None
            else NAN
            for p in plans
        ],
        "g_slo": [slo for slo, _ in dimension_groups(matched)],
        **columns,
        "w_slo": [n for n, _ in windows],
        "w_start": [max(0, _index(r.start, read_from, grain)) for _, r in windows],
        "w_end": [_index(r.end, read_from, grain) for _, r in windows],
    }


def _assemble(
    owner: Plan, dims: tuple[str, ...], frame: Frame, totals: list[float], goods: list[float]
) -> SloSeries:
    """The series of one dimension group from its windows' counts, in ``owner``'s order."""
    slo = owner.slo
    per_instant = len(owner.windows) // len(frame.times)
    counts = iter(zip(totals, goods, strict=True))
    series = _empty(slo, frame, None, dims)
    for k in range(len(frame.times)):
        for label, window in owner.windows[k * per_instant : (k + 1) * per_instant]:
            if not _usable(window, frame.grain):
                continue
            total, good = next(counts)
            if label == WINDOW:
                _fill_window(series, k, slo, good, total)
            elif total >= _minimum(slo):
                series.burn_rates[label][k] = _burn.burn_rate(1.0 - good / total, slo.objective)
    return series


def _minimum(slo: Slo) -> int:
    return max(1, slo.min_events)


def _fill_window(series: SloSeries, k: int, slo: Slo, good: float, total: float) -> None:
    series.good[k], series.total[k] = good, total
    if total < _minimum(slo):
        return
    series.sli[k] = good / total
    period = evaluate(slo.window, series.times[k]).period
    found = budget(good, total, slo.objective, period.seconds)
    if found is not None:
        series.budget_remaining[k] = found.remaining
        series.budget_remaining_seconds[k] = found.remaining_s


def _empty(slo: Slo, frame: Frame, reason: str | None, dims: tuple[str, ...] = ()) -> SloSeries:
    nothing: list[float | None] = [None] * len(frame.times)
    return SloSeries(
        name=display_name(slo, dims),
        slo=slo.name,
        service=slo.service,
        objective=slo.objective,
        step_seconds=int(frame.step.total_seconds()),
        grain_seconds=int(frame.grain.total_seconds()),
        times=list(frame.times),
        good=list(nothing),
        total=list(nothing),
        sli=list(nothing),
        budget_remaining=list(nothing),
        budget_remaining_seconds=list(nothing),
        burn_rates={label: list(nothing) for label in labels(slo)},
        unsupported=reason,
    )
