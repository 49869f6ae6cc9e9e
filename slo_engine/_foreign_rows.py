"""Rows the engine does not count, named instead of ignored: cumulative histogram rows.

The engine counts requests from delta rows (AggregationTemporality = 1): each holds the
requests of its own interval, so a window's count is their sum. sloscope's processor
stores only deltas, converting cumulative streams per series as they arrive. Another
writer of the same tables (the Collector's ClickHouse exporter stores what it receives,
often cumulative) can add cumulative rows, whose values are running totals since a
start: summing them would count each request many times, and differencing them needs
each stream's previous row, which the window may not hold. So they are left out, and
every request-based SLO whose table, service and metric has such rows in its window
says how many in its notes (``sql/cumulative_rows.sql``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from processor.store import Queryable
from slo_engine._evaluation import Context
from slo_engine._sql import sql


def cumulative_parameters(found: Sequence[Context]) -> dict[str, Any]:
    """Parameters of ``cumulative_rows.sql`` for the request-based SLOs ``found``."""
    slos = [
        (
            context.slo.sli.source.value,
            context.slo.service,
            context.slo.sli.metric,
            context.evaluated.range.start,
            context.evaluated.range.end,
        )
        for context in found
    ]
    return {"slos": slos}


def note_cumulative_rows(store: Queryable, found: Sequence[Context]) -> None:
    """Add to the notes of each request-based SLO of ``found`` the cumulative rows from
    other writers its window holds, which it does not count."""
    if not found:
        return
    for slo_id, rows in store.query(sql("cumulative_rows"), cumulative_parameters(found)):
        found[slo_id - 1].notes.append(f"{rows} cumulative rows from other writers are not counted")
