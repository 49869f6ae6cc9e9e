"""Request-based SLIs (availability, latency, latency percentile) from histograms.

Three steps, each one SQL file run once for all SLOs:

1. ``series.sql`` matches every SLO's filter against the series seen in its windows;
2. ``histogram_windows.sql`` / ``exponential_windows.sql`` sum requests per window
   (occurrences, burn rates) and give each SLO's window percentiles;
3. ``histogram_slices.sql`` / ``exponential_slices.sql`` count the time slices of the
   SLOs budgeted by slices.

This module builds the parameters, and turns the rows into ``Measured`` values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from processor.store import Queryable
from slo_engine._evaluation import WINDOW, Context, Measured, slice_kind
from slo_engine._model import Budgeting, SliKind, Source
from slo_engine._params import FilterTable
from slo_engine._plan import SegmentPlan, plan
from slo_engine._sql import sql
from slo_engine._status_model import Latency
from slo_engine._timeslices import SliceCounts, outcome

NAN = float("nan")
HOUR = timedelta(hours=1)
MatchedRow = tuple[int, str, str, int, int, list[str]]
_SOURCES = {
    Source.HISTOGRAM: ("histogram_windows", "histogram_slices"),
    Source.EXPONENTIAL_HISTOGRAM: ("exponential_windows", "exponential_slices"),
}


def measure(
    store: Queryable, found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> None:
    """Fill ``results`` of every request-based context in ``found``."""
    if not found:
        return
    matched = match_series(store, found, end, use_rollups=use_rollups)
    for source, (windows_sql, slices_sql) in _SOURCES.items():
        group = [i for i, c in enumerate(found) if c.slo.sli.source is source]
        if not any(matched[i] for i in group):
            continue
        measure_windows(
            store,
            windows_sql,
            [found[i] for i in group],
            [matched[i] for i in group],
            end,
            use_rollups=use_rollups,
        )
        sliced = [i for i in group if found[i].sliced]
        if sliced:
            measure_slices(
                store,
                slices_sql,
                [found[i] for i in sliced],
                [matched[i] for i in sliced],
                end,
                use_rollups=use_rollups,
            )


def _floor_hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def series_parameters(
    found: Sequence[Context], end: datetime, *, use_rollups: bool
) -> dict[str, Any]:
    """Parameters of ``series.sql`` for the request-based SLOs ``found``."""
    filters = FilterTable()
    slos = []
    for context in found:
        sli = context.slo.sli
        good = filters.group(sli.good) if sli.kind is SliKind.AVAILABILITY else 0
        slos.append(
            (
                sli.source.value,
                context.slo.service,
                sli.metric,
                filters.group(sli.filter),
                good,
                list(context.slo.per),
            )
        )
    start = min(r.start for c in found for r in c.windows.values())
    return {
        "targets": sorted({(s[0], s[1], s[2]) for s in slos}),
        "use_raw": 0 if use_rollups else 1,
        "first_hour": _floor_hour(start),
        "last_hour": _floor_hour(end - timedelta(seconds=1)),
        "raw_from": start,
        "raw_to": end,
        **filters.tuples(),
        "slos": slos,
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


def _renumbered(matched: Sequence[Sequence[MatchedRow]]) -> list[MatchedRow]:
    return [(i, *row[1:]) for i, rows in enumerate(matched, start=1) for row in rows]


def _threshold(context: Context) -> float:
    sli = context.slo.sli
    if sli.kind is SliKind.LATENCY and sli.threshold is not None:
        return sli.threshold
    return NAN


def measure_windows(
    store: Queryable,
    name: str,
    found: Sequence[Context],
    matched: Sequence[Sequence[MatchedRow]],
    end: datetime,
    *,
    use_rollups: bool,
) -> None:
    """Requests per window (all windows for occurrences, the SLO window for slices)."""
    windows = [{WINDOW: c.windows[WINDOW]} if c.sliced else c.windows for c in found]
    boundaries = {end}
    for context, chosen in zip(found, windows, strict=True):
        boundaries |= {r.start for r in chosen.values()}
        for r in context.excluded:
            boundaries |= {r.start, r.end}
    segments = plan(sorted(boundaries), use_rollups=use_rollups)
    rows = store.query(sql(name), window_parameters(found, windows, matched, segments, end))
    labels = [(c, label) for c, chosen in zip(found, windows, strict=True) for label in chosen]
    for slo, dims, window, total, good_requests, good_latency, interpolated, layouts, qs in rows:
        context, label = labels[window - 1]
        assert context is found[slo - 1]
        kind = context.slo.sli.kind
        good = float(good_requests) if kind is SliKind.AVAILABILITY else float(good_latency)
        context.results.setdefault(tuple(dims), {})[label] = Measured(
            good,
            float(total),
            bool(interpolated),
            latency=_latency(qs) if qs else None,
            layouts=layouts,
        )


def window_parameters(
    found: Sequence[Context],
    windows: Sequence[dict[str, Any]],
    matched: Sequence[Sequence[MatchedRow]],
    segments: SegmentPlan,
    end: datetime,
) -> dict[str, Any]:
    slos = []
    window_first: list[int] = []
    for context, chosen in zip(found, windows, strict=True):
        slos.append(
            (
                _threshold(context),
                segments.inside(context.excluded),
                len(window_first) + 1,
                len(chosen),
            )
        )
        window_first += [segments.first_segment(r.start) for r in chosen.values()]
    rows = _renumbered(matched)
    first = segments.segments[0].start if segments.segments else end
    return {
        "targets": sorted({(c.slo.service, c.slo.sli.metric) for c in found}),
        "hashes": sorted({row[3] for row in rows}),
        "matched": rows,
        "seg_starts": [s.start for s in segments.segments],
        "hour_keys": list(segments.hour_keys),
        "edge_minutes": list(segments.edge_minutes),
        "raw_from": first if segments.raw else end,
        "raw_to": end,
        "slos": slos,
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


def slice_parameters(
    found: Sequence[Context],
    matched: Sequence[Sequence[MatchedRow]],
    end: datetime,
    *,
    use_rollups: bool,
) -> dict[str, Any]:
    """Parameters of ``histogram_slices.sql`` and ``exponential_slices.sql``."""
    grids = [c.grid() for c in found]
    slos = []
    for context, grid in zip(found, grids, strict=True):
        sli = context.slo.sli
        slice_s, excluded, starts, slices_end = grid.spec()
        slos.append(
            (
                slice_kind(sli.kind),
                sli.threshold if sli.threshold is not None else NAN,
                sli.percentile if sli.percentile is not None else NAN,
                slice_s,
                context.slo.slice_target if context.slo.slice_target is not None else NAN,
                context.slo.min_events,
                excluded,
                starts,
                slices_end,
            )
        )
    rows = _renumbered(matched)
    return {
        "targets": sorted({(c.slo.service, c.slo.sli.metric) for c in found}),
        "hashes": sorted({row[3] for row in rows}),
        "matched": rows,
        "use_raw": 0 if use_rollups else 1,
        "read_from": min(g.read_from for g in grids),
        "read_to": end,
        "slos": slos,
    }


def measure_slices(
    store: Queryable,
    name: str,
    found: Sequence[Context],
    matched: Sequence[Sequence[MatchedRow]],
    end: datetime,
    *,
    use_rollups: bool,
) -> None:
    """Slices per window of the time-slice SLOs; the SLO window keeps its percentiles."""
    grids = [c.grid() for c in found]
    parameters = slice_parameters(found, matched, end, use_rollups=use_rollups)
    counted: dict[tuple[int, tuple[str, ...]], dict[int, SliceCounts]] = {}
    for slo, dims, window, slices, low, good, ratio_sum, _events, _good_events in store.query(
        sql(name), parameters
    ):
        counted.setdefault((slo, tuple(dims)), {})[window] = SliceCounts(
            slices, low, good, ratio_sum
        )
    for index, (context, grid) in enumerate(zip(found, grids, strict=True), start=1):
        dims_seen = {dims for (slo, dims) in counted if slo == index} | set(context.results)
        for dims in dims_seen:
            by_window = counted.get((index, dims), {})
            results = context.results.setdefault(dims, {})
            for k, label in enumerate(context.windows, start=1):
                result = outcome(
                    by_window.get(k, SliceCounts()),
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
