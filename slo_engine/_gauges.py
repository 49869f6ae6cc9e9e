"""Gauge and health-check SLIs: values compared with a threshold, per point and per slice.

A point is good when ``value op threshold`` holds. Occurrences budgeting counts good
points over points; time slices judge each slice by the aggregation (avg, min, max) of
its values, or, with a ``slice_target``, by its share of good points; ratio time slices
average that share. The health-check convention (docs/slo.md) is a gauge of 1 (up) or 0
(down) per check run, judged with ``min``: a slice is good when every run in it passed.
The counts come from ``sql/gauge_slices.sql``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from processor.store import Queryable
from slo_engine._evaluation import Context, Measured
from slo_engine._model import Budgeting
from slo_engine._params import FilterTable
from slo_engine._sql import sql
from slo_engine._timeslices import SliceCounts, outcome

NAN = float("nan")


def gauge_parameters(found: Sequence[Context]) -> dict[str, Any]:
    """Parameters of ``gauge_slices.sql`` for the gauge-based SLOs ``found``."""
    filters = FilterTable()
    grids = [c.grid() for c in found]
    names = (
        "s_service", "s_metric", "s_filter", "s_per", "s_op", "s_threshold", "s_aggregation",
        "s_slice", "s_target", "s_min_events", "s_excluded", "s_window_starts", "s_end",
    )  # fmt: skip
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for context, grid in zip(found, grids, strict=True):
        slo, sli = context.slo, context.slo.sli
        slice_s, excluded, starts, slices_end = grid.spec()
        values = (
            slo.service,
            sli.metric,
            filters.group(sli.filter),
            list(slo.per),
            sli.op.value,
            sli.threshold if sli.threshold is not None else NAN,
            sli.aggregation.value,
            slice_s,
            slo.slice_target if slo.slice_target is not None and context.sliced else NAN,
            slo.min_events if context.sliced else 0,
            excluded,
            starts,
            slices_end,
        )
        for name, value in zip(names, values, strict=True):
            columns[name].append(value)
    return {
        "targets": sorted(set(zip(columns["s_service"], columns["s_metric"], strict=True))),
        # Slices are whole: none reads past the end of the last whole slice.
        "read_from": min(g.read_from for g in grids),
        "read_to": max(g.end for g in grids),
        **filters.parameters(),
        **columns,
    }


def measure(store: Queryable, found: Sequence[Context]) -> None:
    """Fill ``results`` of every gauge-based context in ``found``."""
    if not found:
        return
    grids = [c.grid() for c in found]
    parameters = gauge_parameters(found)
    counted: dict[tuple[int, tuple[str, ...]], dict[int, tuple[SliceCounts, int, int]]] = {}
    for slo_id, dims, window, slices, low, good, ratio_sum, events, good_events in store.query(
        sql("gauge_slices"), parameters
    ):
        counts = SliceCounts(slices, low, good, ratio_sum)
        counted.setdefault((slo_id, tuple(dims)), {})[window] = (counts, events, good_events)
    for index, (context, grid) in enumerate(zip(found, grids, strict=True), start=1):
        for (slo_id, dims), by_window in counted.items():
            if slo_id != index:
                continue
            results = context.results.setdefault(dims, {})
            for k, label in enumerate(context.windows, start=1):
                counts, events, good_events = by_window.get(k, (SliceCounts(), 0, 0))
                if not context.sliced:
                    results[label] = Measured(float(good_events), float(events))
                    continue
                result = outcome(
                    counts,
                    grid.expected[k - 1],
                    context.slo.no_data,
                    ratio=context.slo.budgeting is Budgeting.RATIO_TIMESLICES,
                )
                results[label] = Measured(result.good, float(result.total), slices=result)
