"""``sloscope store copy``: an embedded store into a ClickHouse server or another
embedded store (written by a child process: ``processor/_copy_target.py``), resumable.

What is copied, so that the target reads as the source does and nothing counts twice:

* the raw rows (``otel_metrics_*``) the raw retention still keeps, from the first whole
  UTC day inside it (everything, when raw rows are kept forever). Inserted into the
  target's metric tables, they feed its rollup views, which rebuild the minute, hour and
  day rollups of that time exactly as the source's views built them;
* for the time before that day, the rollups the source kept longer than its raw rows:
  the hourly rows (the target's views sum them into days), and the daily rows of days
  older than the oldest hour kept. A level is copied only where no lower level is, since
  every insert into a rollup feeds the levels above it;
* the series state (``sloscope_series_state``, its newest row per series: a
  ReplacingMergeTree, so a row copied twice is one) and the series counts;
* the retention in force: the caller opens the target with the source's.

Resumable: each table's time range is cut into chunks of whole minutes of at most
``chunk_rows`` rows. Before a chunk is copied, each of its minutes' measure (rows; the
summed counts for a rollup, whose rows merge) is read on both sides: a minute the target
holds all of is skipped; the minutes it holds nothing of are copied, each run of them as
one insert with a deduplication token named after it (a retried insert of it is a no-op);
a minute it holds part of means that something else writes into the target, and the
copy stops and says so. So a copy interrupted at any point is run again and goes on where
it stopped, never doubling a row, whatever the chunks of the run before.

``since`` leaves out the rows (raw and rollup) before it. The source must not change
during the copy (stop ``sloscope serve``).
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from processor import _sql
from processor._copy_target import CopyTarget
from processor._retention import retention_in_force
from processor.errors import InvalidInput
from processor.store import (
    METRIC_TABLES,
    SERIES_COUNTS_TABLE,
    SERIES_STATE_TABLE,
    Queryable,
    Store,
)

logger = logging.getLogger(__name__)

_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FOREVER = datetime(2106, 1, 1, tzinfo=UTC)  # DateTime ends in 2106: no upper bound
_ROLLUP_KINDS: Final = ("histogram", "exponential_histogram")
_OLDEST = "SELECT toUInt32(min(TimeUnix)), count() FROM {db:Identifier}.{t:Identifier}"
DEFAULT_CHUNK_ROWS: Final = 100_000


class TargetNotEmpty(InvalidInput):
    """The target holds rows of a chunk the copy did not write: something else writes
    into it (processors already pointed at it, or another source)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive minutes of one table holding rows in the source: each as (its start in
    unix seconds, its rows, its measure). The chunk covers ``[start, end)``."""

    table: str
    minutes: tuple[tuple[int, int, int], ...]

    @property
    def start(self) -> int:
        return self.minutes[0][0]

    @property
    def end(self) -> int:
        return self.minutes[-1][0] + 60

    @property
    def rows(self) -> int:
        return sum(rows for _, rows, _ in self.minutes)

    @property
    def token(self) -> str:
        measure = sum(measure for _, _, measure in self.minutes)
        return f"sloscope-copy:{self.table}:{self.start}:{self.end}:{measure}"


@dataclass(slots=True)
class TableCopy:
    """One table's copy: the source's rows to copy, the rows copied by this run, and the
    chunks found in the target already."""

    table: str
    rows: int = 0
    copied: int = 0
    skipped_chunks: int = 0


@dataclass(frozen=True, slots=True)
class CopyProgress:
    """Where a copy is: rows done of the total, and the table being copied."""

    rows_done: int
    rows_total: int
    table: str


@dataclass(frozen=True, slots=True)
class Range:
    """A table's time range to copy, and whether it is a rollup (measured by counts)."""

    table: str
    start: datetime
    end: datetime
    rollup: bool


@dataclass(frozen=True, slots=True)
class CopyOptions:
    """``since``: leave out rows before it; ``now``: the instant the raw retention is
    reckoned from; ``chunk_rows``: the most rows one insert carries."""

    now: datetime
    since: datetime | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS


def copy_ranges(source: Store, options: CopyOptions) -> list[Range]:
    """Each time-ranged table with the range to copy (see the module docstring)."""
    retention = retention_in_force(source)
    lower = options.since or _EPOCH
    raw_from = lower
    if retention.raw_days:
        edge = options.now - timedelta(days=retention.raw_days)
        raw_from = max(lower, _day_start(edge) + _DAY)
    ranges = [Range(table, raw_from, _FOREVER, rollup=False) for table in METRIC_TABLES.values()]
    if not retention.raw_days:
        return ranges  # every rollup row is rebuilt from the raw rows
    for kind in _ROLLUP_KINDS:
        hourly, daily = f"slo_{kind}_1h", f"slo_{kind}_1d"
        ranges.append(Range(hourly, lower, raw_from, rollup=True))
        oldest_hour, hours = source.query(_OLDEST, {"t": hourly})[0]
        first_hour_day = _day_start(_at(oldest_hour)) if hours else raw_from
        ranges.append(Range(daily, lower, min(first_hour_day, raw_from), rollup=True))
    return ranges


def copy_store(
    source: Store,
    target: CopyTarget,
    options: CopyOptions,
    progress: Callable[[CopyProgress], None] | None = None,
) -> list[TableCopy]:
    """Copy ``source`` into ``target`` (``open_copy_target``, with the source's
    retention); each table's outcome. Raises ``TargetNotEmpty`` before writing a chunk
    the target holds part of."""
    planned = [
        (
            item,
            _chunks(item.table, _minutes(source, item), options.chunk_rows)
            if item.start < item.end
            else [],
        )
        for item in copy_ranges(source, options)
    ]
    total = sum(chunk.rows for _, chunks in planned for chunk in chunks)
    done = 0
    outcomes = []
    for item, chunks in planned:
        outcome = TableCopy(item.table, rows=sum(chunk.rows for chunk in chunks))
        outcomes.append(outcome)
        if not chunks:
            continue
        found = _Held(_minutes(target, item))
        columns = _columns(source, item.table)
        for chunk in chunks:
            _copy_chunk(source, target, chunk, found=found, columns=columns, outcome=outcome)
            done += chunk.rows
            if progress is not None:
                progress(CopyProgress(done, total, chunk.table))
        logger.info(
            "table copied",
            extra={"table": item.table, "rows": outcome.rows, "copied": outcome.copied},
        )
    outcomes += [_copy_state(source, target), _copy_counts(source, target)]
    return outcomes


def _copy_chunk(
    source: Store,
    target: CopyTarget,
    chunk: Chunk,
    *,
    found: _Held,
    columns: list[str],
    outcome: TableCopy,
) -> None:
    """Copy the minutes of a chunk the target does not hold yet, each run of them as one
    insert; a minute the target holds part of, or more of, stops the copy."""
    missing: list[tuple[int, int, int]] = []
    runs: list[Chunk] = []
    for minute in chunk.minutes:
        start, _, measure = minute
        held = found.between(start, start + 60)
        if held == measure:
            if missing:
                runs.append(Chunk(chunk.table, tuple(missing)))
                missing = []
            continue
        if held:
            raise TargetNotEmpty(
                f"the target's {chunk.table} holds {held} of {measure} in the minute "
                f"{_at(start):%Y-%m-%d %H:%M} UTC that this copy did not write: store copy "
                "fills a target nothing else writes into (copy before pointing processors "
                "at it, or into a new database)"
            )
        missing.append(minute)
    if missing:
        runs.append(Chunk(chunk.table, tuple(missing)))
    if not runs:
        outcome.skipped_chunks += 1
    for run in runs:
        data = source.query_native(
            _sql.statement("copy_chunk"), {"t": run.table, "start": run.start, "end": run.end}
        )
        target.insert_native(run.table, columns, data, _insert_settings(run.token))
        outcome.copied += run.rows


class _Held:
    """The target's measure per minute of a range, summed between two minutes."""

    def __init__(self, minutes: list[tuple[int, int, int]]) -> None:
        self._minutes = [minute for minute, _, _ in minutes]
        self._running = list(itertools.accumulate((m for _, _, m in minutes), initial=0))

    def between(self, start: int, end: int) -> int:
        first = bisect.bisect_left(self._minutes, start)
        last = bisect.bisect_left(self._minutes, end)
        return self._running[last] - self._running[first]


def _columns(store: Store, table: str) -> list[str]:
    return [row[0] for row in store.query(_sql.statement("copy_columns"), {"t": table})]


def _insert_settings(token: str) -> dict[str, object]:
    return {
        "insert_deduplication_token": token,
        "deduplicate_blocks_in_dependent_materialized_views": 1,
        # Acknowledged means stored: the next chunk's check reads what this one wrote.
        "async_insert": 0,
    }


def _copy_state(source: Store, target: CopyTarget) -> TableCopy:
    """The newest state row of every series; copied again on every run, which changes
    nothing: the target keeps one row per series and version."""
    (rows,) = source.query(
        "SELECT count() FROM {db:Identifier}.{state:Identifier} FINAL",
        {"state": SERIES_STATE_TABLE},
    )[0]
    outcome = TableCopy(SERIES_STATE_TABLE, rows=int(rows))
    if rows:
        columns = [
            row[0]
            for row in source.query(_sql.statement("copy_columns"), {"t": SERIES_STATE_TABLE})
        ]
        data = source.query_native(_sql.statement("copy_state"), {"state": SERIES_STATE_TABLE})
        target.insert_native(
            SERIES_STATE_TABLE, columns, data, _insert_settings(f"sloscope-copy:state:{rows}")
        )
        outcome.copied = int(rows)
    return outcome


def _copy_counts(source: Store, target: CopyTarget) -> TableCopy:
    """The series counts, once: a summing table would double what is inserted twice."""
    measure = (
        "SELECT count(), sum(AdmittedSeries + OverflowSeries) "
        "FROM {db:Identifier}.{counts:Identifier}"
    )
    parameters = {"counts": SERIES_COUNTS_TABLE}
    rows, source_measure = source.query(measure, parameters)[0]
    outcome = TableCopy(SERIES_COUNTS_TABLE, rows=int(rows))
    ((_, held),) = target.query(measure, parameters)
    if held == source_measure:
        outcome.skipped_chunks = 1 if rows else 0
        return outcome
    if held:
        raise TargetNotEmpty(
            f"the target's {SERIES_COUNTS_TABLE} counts {held} series, the source "
            f"{source_measure}: store copy fills a target nothing else writes into"
        )
    data = source.query_native(_sql.statement("copy_counts"), parameters)
    target.insert_native(
        SERIES_COUNTS_TABLE,
        ["ServiceName", "MetricName", "AdmittedSeries", "OverflowSeries"],
        data,
        _insert_settings(f"sloscope-copy:counts:{source_measure}"),
    )
    outcome.copied = int(rows)
    return outcome


def _minutes(store: Queryable, item: Range) -> list[tuple[int, int, int]]:
    """Per minute of ``item``'s range: the minute, its rows, its measure."""
    name = "copy_rollup_minutes" if item.rollup else "copy_minutes"
    rows = store.query(
        _sql.statement(name),
        {"t": item.table, "start": _seconds(item.start), "end": _seconds(item.end)},
    )
    return [(int(minute), int(count), int(measure)) for minute, count, measure in rows]


def _chunks(table: str, minutes: list[tuple[int, int, int]], chunk_rows: int) -> list[Chunk]:
    """Consecutive minutes packed into chunks of at most ``chunk_rows`` rows (a minute
    with more is a chunk of its own)."""
    chunks: list[Chunk] = []
    packed: list[tuple[int, int, int]] = []
    rows = 0
    for minute in minutes:
        if packed and rows + minute[1] > chunk_rows:
            chunks.append(Chunk(table, tuple(packed)))
            packed, rows = [], 0
        packed.append(minute)
        rows += minute[1]
    if packed:
        chunks.append(Chunk(table, tuple(packed)))
    return chunks


def _day_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _at(unix_s: int) -> datetime:
    return datetime.fromtimestamp(unix_s, UTC)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())
