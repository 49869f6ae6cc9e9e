"""Request-based SLIs (availability, latency, latency percentile) from histograms.

Per histogram source (explicit, exponential), one SQL file run once for all SLOs:

* ``histogram_windows.sql`` / ``exponential_windows.sql`` match every SLO's filter
  against the series, sum requests per window (occurrences, burn rates) and give each
  SLO's window percentiles, all in one query (their ``_raw`` twins read the raw tables);
* for the SLOs budgeted by slices, ``series.sql`` matches their series and
  ``histogram_slices.sql`` / ``exponential_slices.sql`` count their time slices, past
  hours counted once and kept (``_slice_blocks``).

This module builds the parameters, and turns the rows into ``Measured`` values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any

from processor.store import Queryable, Store
from slo_engine._evaluation import WINDOW, Context, Measured, SliceGrid, slice_kind, unix
from slo_engine._model import Budgeting, SliKind, Source
from slo_engine._params import FilterTable
from slo_engine._plan import DAY, MINUTE, floor, nanos, plan
from slo_engine._slice_blocks import (
    SLICE_CACHE,
    BlockPlan,
    Dims,
    minute_parts,
    plan_blocks,
    window_sums,
)
from slo_engine._sql import QUERY_SETTINGS, sql
from slo_engine._status_model import Latency
from slo_engine._timeslices import SliceCounts, outcome
from slo_engine._windows import Range

NAN = float("nan")
MatchedRow = tuple[int, str, str, int, int, list[str]]
_SOURCES = {
    Source.HISTOGRAM: ("histogram_windows", "histogram_slices"),
    Source.EXPONENTIAL_HISTOGRAM: ("exponential_windows", "exponential_slices"),
}
# The minute rollup each slices query reads: the table whose parts key its blocks.
_MINUTE_TABLES = {
    "histogram_slices": "slo_histogram_1m",
    "exponential_slices": "slo_exponential_histogram_1m",
}


def measure(
    store: Queryable, found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> None:
    """Fill ``results`` of every request-based context in ``found``."""
    for source, (windows_sql, slices_sql) in _SOURCES.items():
        group = [c for c in found if c.slo.sli.source is source]
        if not group:
            continue
        measure_windows(store, windows_sql, group, end, use_rollups=use_rollups)
        sliced = [c for c in group if c.sliced]
        if not sliced:
            continue
        matched = match_series(store, sliced, end, use_rollups=use_rollups)
        if any(matched):
            measure_slices(store, slices_sql, sliced, matched, use_rollups=use_rollups)


def _days_read(start: datetime, end: datetime) -> dict[str, datetime]:
    """``first_day`` and ``last_day``: the daily rollup rows whose series are matched."""
    return {
        "first_day": floor(start, DAY),
        "last_day": floor(end - timedelta(microseconds=1), DAY),
    }


def series_parameters(
    found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> dict[str, Any]:
    """Parameters of ``series.sql`` for the request-based SLOs ``found``."""
    filters = FilterTable()
    columns: dict[str, list[Any]] = {
        name: [] for name in ("s_source", "s_service", "s_metric", "s_filter", "s_good", "s_per")
    }
    for context in found:
        sli = context.slo.sli
        columns["s_source"].append(sli.source.value)
        columns["s_service"].append(context.slo.service)
        columns["s_metric"].append(sli.metric)
        columns["s_filter"].append(filters.group(sli.filter))
        columns["s_good"].append(filters.group(sli.good) if sli.kind is SliKind.AVAILABILITY else 0)
        columns["s_per"].append(list(context.slo.per))
    start = min(r.start for c in found for r in c.windows.values())
    targets = zip(columns["s_source"], columns["s_service"], columns["s_metric"], strict=True)
    return {
        "targets": sorted(set(targets)),
        "use_raw": 0 if use_rollups else 1,
        **_days_read(start, end),
        "raw_from": nanos(start),
        "raw_to": nanos(end),
        **filters.parameters(),
        **columns,
    }


def match_series(
    store: Queryable, found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> list[list[MatchedRow]]:
    """Per context, its series: (slo, service, metric, attributes hash, good, dims)."""
    parameters = series_parameters(found, end, use_rollups=use_rollups)
    matched: list[list[MatchedRow]] = [[] for _ in found]
    for slo, service, metric, hashed, good, dims in store.query(sql("series"), parameters):
        matched[slo - 1].append((slo, service, metric, hashed, good, list(dims)))
    return matched


def matched_columns(matched: Sequence[Sequence[MatchedRow]]) -> dict[str, list[Any]]:
    """The series of the SLOs given, numbered in that order, as the ``m_*`` columns (slo,
    service, metric, attributes hash, good, dimension group). A dimension group numbers
    one SLO's ``per`` values, so SQL groups by an integer; ``dimension_groups`` maps them
    back."""
    rows = [(i, *row[1:]) for i, found in enumerate(matched, start=1) for row in found]
    index = {key: n for n, key in enumerate(dimension_groups(matched), start=1)}
    return {
        "m_slo": [row[0] for row in rows],
        "m_service": [row[1] for row in rows],
        "m_metric": [row[2] for row in rows],
        "m_hash": [row[3] for row in rows],
        "m_good": [row[4] for row in rows],
        "m_group": [index[(row[0], tuple(row[5]))] for row in rows],
    }


def dimension_groups(
    matched: Sequence[Sequence[MatchedRow]],
) -> list[tuple[int, tuple[str, ...]]]:
    """(slo, per values) of every dimension group, in the order ``m_group`` numbers them."""
    seen: dict[tuple[int, tuple[str, ...]], None] = {}
    for i, found in enumerate(matched, start=1):
        for row in found:
            seen.setdefault((i, tuple(row[5])), None)
    return list(seen)


def _threshold(context: Context) -> float:
    sli = context.slo.sli
    if sli.kind is SliKind.LATENCY and sli.threshold is not None:
        return sli.threshold
    return NAN


def _chosen_windows(context: Context) -> dict[str, Range]:
    """The windows the windows query sums: all of them for occurrences, the SLO window
    (for its percentiles) for time slices, whose windows are counted in slices."""
    return {WINDOW: context.windows[WINDOW]} if context.sliced else context.windows


def measure_windows(
    store: Queryable, name: str, found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> None:
    """Requests per window (all windows for occurrences, the SLO window for slices), from
    the rollups or, with ``use_rollups`` off, from the raw table (``<name>_raw.sql``)."""
    parameters = window_parameters(found, end, use_rollups=use_rollups)
    rows = store.query(
        sql(name if use_rollups else f"{name}_raw"), parameters, settings=QUERY_SETTINGS
    )
    labels = [list(_chosen_windows(c)) for c in found]
    for slo, dims, window, total, good_requests, good_latency, interpolated, layouts, qs in rows:
        context = found[slo - 1]
        kind = context.slo.sli.kind
        good = float(good_requests) if kind is SliKind.AVAILABILITY else float(good_latency)
        context.results.setdefault(tuple(dims), {})[labels[slo - 1][window - 1]] = Measured(
            good,
            float(total),
            bool(interpolated),
            latency=_latency(qs) if qs else None,
            layouts=layouts,
        )


def window_parameters(
    found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> dict[str, Any]:
    """Parameters of ``histogram_windows.sql`` and ``exponential_windows.sql``, or with
    ``use_rollups`` off of their ``_raw`` twins."""
    chosen = [_chosen_windows(c) for c in found]
    boundaries = {end}
    for context, windows in zip(found, chosen, strict=True):
        boundaries |= {r.start for r in windows.values()}
        for r in context.excluded:
            boundaries |= {r.start, r.end}
    segments = plan(sorted(boundaries), use_rollups=use_rollups)
    filters = FilterTable()
    names = ("s_service", "s_metric", "s_filter", "s_good", "s_per", "s_threshold")
    columns: dict[str, list[Any]] = {name: [] for name in (*names, "s_excluded", "s_windows")}
    for context, windows in zip(found, chosen, strict=True):
        sli = context.slo.sli
        values = (
            context.slo.service,
            sli.metric,
            filters.group(sli.filter),
            filters.group(sli.good) if sli.kind is SliKind.AVAILABILITY else 0,
            list(context.slo.per),
            _threshold(context),
        )
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
        columns["s_excluded"].append(segments.inside(context.excluded))
        columns["s_windows"].append([segments.first_segment(r.start) for r in windows.values()])
    parameters = {
        "targets": sorted(set(zip(columns["s_service"], columns["s_metric"], strict=True))),
        "seg_starts": [nanos(s.start) for s in segments.segments] or [nanos(end)],
        **filters.parameters(),
        **columns,
    }
    if segments.raw:
        return {**parameters, "data_to": nanos(end)}
    first = segments.segments[0].start if segments.segments else end
    partial_minutes = {floor(part.start, MINUTE) for part in segments.partial}
    return {
        **parameters,
        **_days_read(first, end),
        "days": list(segments.days),
        "hours": list(segments.hours),
        "edge_minutes": list(segments.edge_minutes),
        # A point of a cut minute m has TimeUnix (its whole seconds) in [m, m + 1 min].
        "partial_minutes": sorted(partial_minutes | {m + MINUTE for m in partial_minutes}),
        "partial": [(nanos(part.start), nanos(part.end)) for part in segments.partial],
    }


def finite(value: float) -> float | None:
    return value if isinstance(value, float) and math.isfinite(value) else None


def _latency(quantiles: Sequence[tuple[float, float]]) -> Latency:
    (v50, e50), (v95, e95), (v99, e99) = quantiles
    return Latency(
        p50=finite(v50),
        p95=finite(v95),
        p99=finite(v99),
        p50_error=finite(e50),
        p95_error=finite(e95),
        p99_error=finite(e99),
    )


def slice_parameters(
    found: Sequence[Context],
    matched: Sequence[Sequence[MatchedRow]],
    *,
    use_rollups: bool,
    blocks: BlockPlan | None = None,
) -> dict[str, Any]:
    """Parameters of ``histogram_slices.sql`` and ``exponential_slices.sql``; without
    ``blocks``, every block is counted."""
    grids = [c.grid() for c in found]
    if blocks is None:
        blocks = plan_blocks(grids, [None] * len(grids), None, SLICE_CACHE)
    names = ("s_kind", "s_threshold", "s_q", "s_slice", "s_target", "s_min_events", "s_ratio")
    columns: dict[str, list[Any]] = {
        name: [] for name in (*names, "s_excluded", "s_window_starts", "s_end")
    }
    for context, grid in zip(found, grids, strict=True):
        sli = context.slo.sli
        slice_s, excluded, starts, slices_end = grid.spec()
        values = (
            slice_kind(sli.kind),
            sli.threshold if sli.threshold is not None else NAN,
            sli.percentile if sli.percentile is not None else NAN,
            slice_s,
            context.slo.slice_target if context.slo.slice_target is not None else NAN,
            context.slo.min_events,
            int(context.slo.budgeting is Budgeting.RATIO_TIMESLICES),
        )
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
        columns["s_excluded"].append(excluded)
        columns["s_window_starts"].append(starts)
        columns["s_end"].append(slices_end)
    buckets_needed = {
        (row[1], row[2], row[3])
        for context, rows in zip(found, matched, strict=True)
        if context.slo.sli.kind is not SliKind.AVAILABILITY
        for row in rows
    }
    series = {(row[1], row[2], row[3]) for rows in matched for row in rows}
    return {
        **matched_columns(matched),
        "series": sorted(series),
        "bucket_series": sorted(buckets_needed),
        "use_raw": 0 if use_rollups else 1,
        # Slices are whole: none reads past the end of the last whole slice.
        "read_from": min(g.read_from for g in grids),
        "read_to": max(g.end for g in grids),
        **blocks.parameters(),
        **columns,
    }


def _identity(name: str, context: Context, rows: Sequence[MatchedRow]) -> Hashable:
    """What an SLO's block counts depend on besides time and rows: the query, the SLO as
    it reads it and the series it matched."""
    slo, sli = context.slo, context.slo.sli
    series = tuple(sorted((row[1], row[2], row[3], row[4], tuple(row[5])) for row in rows))
    return (
        name, sli.kind, sli.threshold, sli.percentile, slo.slice, slo.slice_target,
        slo.min_events, slo.budgeting, series,
    )  # fmt: skip


def _blocks(
    store: Queryable,
    name: str,
    found: Sequence[Context],
    grids: Sequence[SliceGrid],
    matched: Sequence[Sequence[MatchedRow]],
    *,
    use_rollups: bool,
) -> BlockPlan:
    """The block plan; blocks are kept only for the rollups of a store held here."""
    identities = [_identity(name, c, rows) for c, rows in zip(found, matched, strict=True)]
    held = use_rollups and isinstance(store, Store)
    parts = minute_parts(store, _MINUTE_TABLES[name]) if held else None
    return plan_blocks(grids, identities, parts, SLICE_CACHE)


def measure_slices(
    store: Queryable,
    name: str,
    found: Sequence[Context],
    matched: Sequence[Sequence[MatchedRow]],
    *,
    use_rollups: bool,
) -> None:
    """Slices per window of the time-slice SLOs; the SLO window keeps its percentiles."""
    grids = [c.grid() for c in found]
    blocks = _blocks(store, name, found, grids, matched, use_rollups=use_rollups)
    parameters = slice_parameters(found, matched, use_rollups=use_rollups, blocks=blocks)
    groups = dimension_groups(matched)
    per_window: dict[tuple[int, Dims], dict[int, SliceCounts]] = {}
    counted: list[dict[int, dict[Dims, SliceCounts]]] = [{} for _ in found]
    rows = store.query(sql(name), parameters)
    for slo, group, window, block, slices, low, good, ratio_sum in rows:
        assert groups[group - 1][0] == slo
        counts = SliceCounts(slices, low, good, ratio_sum)
        dims = groups[group - 1][1]
        if window:
            per_window.setdefault((slo, dims), {})[window] = counts
        else:
            counted[slo - 1].setdefault(block, {})[dims] = counts
    settled = blocks.settle(counted, SLICE_CACHE)
    for index, (context, grid) in enumerate(zip(found, grids, strict=True), start=1):
        sums = window_sums(settled[index - 1], [unix(start) for start in grid.window_starts])
        dims_seen = {d for (slo, d) in per_window if slo == index} | set(context.results)
        dims_seen |= {d for by_dims in sums for d in by_dims}
        for dims in dims_seen:
            by_window = per_window.get((index, dims), {})
            results = context.results.setdefault(dims, {})
            for k, label in enumerate(context.windows, start=1):
                counts = by_window.get(k, SliceCounts()) + sums[k - 1].get(dims, SliceCounts())
                result = outcome(
                    counts,
                    grid.expected[k - 1],
                    context.slo.no_data,
                    ratio=context.slo.budgeting is Budgeting.RATIO_TIMESLICES,
                )
                before = results.get(label)
                results[label] = Measured(
                    result.good,
                    float(result.total),
                    before.interpolated if before else False,
                    latency=before.latency if before else None,
                    layouts=before.layouts if before else 1,
                    slices=result,
                )
