"""How long the store keeps what, and the one place that retention is kept: the store.

Two retentions, in whole days (0 keeps forever):

* **raw**: the metric tables' rows (30 days by default): every data point as sent;
* **rollups**: the SLO engine's minute, hour and day rollups, which SLOs and SLA reports
  read (400 days by default). Never shorter than the raw one: the engine reads rollups,
  so history the raw rows still hold must be in them.

The series state (``sloscope_series_state``) is kept as long as a point can still be
accepted, the longer of the two, so that a retried old point is still known as a retry.

The retention in force is the newest row of ``sloscope_retention`` (migration 0005),
written only by ``sloscope serve`` when it is given a value and by ``sloscope store
retention``: a read command never changes it, nor any TTL. A store without that row (one
made before the table existed, or tables the Collector's exporter created) is taken to
keep what its metric tables' TTLs keep, so that its first start never shortens it.

A TTL drops a row some time after it expires, never before, so a point is stored only
while every row it lands in is still unexpired: points of the types without rollups
(gauges, sums, summaries) while younger than the raw retention; histogram points while
younger than the rollup retention less a day (a daily rollup row is dated the start of
its UTC day and expires that many days after it), with a warning when older than the raw
retention (their raw rows expire at once; the rollups, filled at insert, keep them).
Points older than that, or more than an hour ahead, are rejected with a reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from processor._types import MetricType
from processor.errors import InvalidInput
from processor.store import (
    METRIC_TABLES,
    RETENTION_TABLE,
    ROLLED_UP_TYPES,
    ROLLUP_TABLES,
    SERIES_STATE_TABLE,
    Store,
)

logger = logging.getLogger(__name__)

MAX_DAYS = 36_500
DEFAULT_RAW_DAYS = 30
DEFAULT_ROLLUP_DAYS = 400
# How far ahead of the processor's clock a point may be: room for clock skew, none for a
# wrong date.
MAX_AHEAD = timedelta(hours=1)
_DAY_NS = 86_400 * 10**9

_RECORDED = """
SELECT RawDays, RollupDays FROM {db:Identifier}.sloscope_retention
ORDER BY ChangedAt DESC LIMIT 1
"""
_RECORD = """
INSERT INTO {db:Identifier}.sloscope_retention (RawDays, RollupDays, ChangedBy)
VALUES ({raw:UInt32}, {rollup:UInt32}, {by:String})
"""
_TABLES = """
SELECT name, engine_full FROM system.tables
WHERE database = {db:String} AND name IN {tables:Array(String)}
"""
_EXPIRING = """
SELECT count(), uniqExact(toDate({column:Identifier}))
FROM {db:Identifier}.{table:Identifier}
WHERE {column:Identifier} < {cutoff:DateTime} AND {column:Identifier} >= {kept_from:DateTime}
"""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TTL_DAYS = re.compile(r"\bTTL\b.*?toInterval(Day|Hour|Minute|Second)\((\d+)\)")
_SECONDS_PER = {"Day": 86_400, "Hour": 3_600, "Minute": 60, "Second": 1}


def _covers(longer: int, shorter: int) -> bool:
    """Whether ``longer`` days keep at least what ``shorter`` days keep (0 = forever)."""
    return longer == 0 or (shorter != 0 and longer >= shorter)


@dataclass(frozen=True, slots=True)
class Retention:
    """Days of raw rows and of rollups kept; 0 keeps forever."""

    raw_days: int = DEFAULT_RAW_DAYS
    rollup_days: int = DEFAULT_ROLLUP_DAYS

    def __post_init__(self) -> None:
        if not 0 <= self.raw_days <= MAX_DAYS:
            raise InvalidInput(f"retention must be 0..{MAX_DAYS} days, not {self.raw_days}")
        if self.rollup_days == 1 or not 0 <= self.rollup_days <= MAX_DAYS:
            raise InvalidInput(
                f"rollup retention must be 0 or 2..{MAX_DAYS} days, not {self.rollup_days}"
            )
        if not _covers(self.rollup_days, self.raw_days):
            raise InvalidInput(
                f"rollup retention ({_days(self.rollup_days)}) must keep at least what the "
                f"raw retention keeps ({_days(self.raw_days)}): SLOs read the rollups"
            )

    @property
    def state_days(self) -> int:
        """How long a series' state is kept: as long as any of its points is accepted."""
        return self.rollup_days

    def changed(self, raw_days: int | None, rollup_days: int | None) -> Retention:
        """This retention with the values given (None keeps one). A raw retention given
        alone lengthens the rollup one when it must, never shortens it."""
        raw = self.raw_days if raw_days is None else raw_days
        if rollup_days is not None:
            return Retention(raw, rollup_days)
        if _covers(self.rollup_days, raw):
            return Retention(raw, self.rollup_days)
        return Retention(raw, raw)

    def describe(self) -> str:
        return f"raw rows {_days(self.raw_days)}, rollups {_days(self.rollup_days)}"


def _days(days: int) -> str:
    return "forever" if days == 0 else f"{days} days"


@dataclass(frozen=True, slots=True)
class AgeLimits:
    """The oldest and newest point times a flush stores, in Unix nanoseconds."""

    raw_oldest_unix_nano: int
    rollup_oldest_unix_nano: int
    newest_unix_nano: int

    @classmethod
    def at(cls, retention: Retention, now_unix_nano: int) -> AgeLimits:
        raw = now_unix_nano - retention.raw_days * _DAY_NS if retention.raw_days else 0
        rollup = 0
        if retention.rollup_days:
            rollup = now_unix_nano - (retention.rollup_days - 1) * _DAY_NS
        ahead = now_unix_nano + int(MAX_AHEAD.total_seconds()) * 10**9
        return cls(max(raw, 0), max(rollup, 0), ahead)

    def oldest_unix_nano(self, metric_type: MetricType) -> int:
        """The oldest point of ``metric_type`` stored: types with rollups live longer."""
        if metric_type in ROLLED_UP_TYPES:
            return self.rollup_oldest_unix_nano
        return self.raw_oldest_unix_nano


@dataclass(frozen=True, slots=True)
class RetainedTable:
    """A table with a TTL: its time column and the days it keeps under a retention."""

    name: str
    column: str

    def days(self, retention: Retention) -> int:
        if self.name in ROLLUP_TABLES:
            return retention.rollup_days
        if self.name == SERIES_STATE_TABLE:
            return retention.state_days
        return retention.raw_days


RETAINED_TABLES: tuple[RetainedTable, ...] = (
    *(RetainedTable(name, "TimeUnix") for name in METRIC_TABLES.values()),
    *(RetainedTable(name, "TimeUnix") for name in ROLLUP_TABLES),
    RetainedTable(SERIES_STATE_TABLE, "LastSeen"),
)


def recorded_retention(store: Store) -> Retention | None:
    """The retention in force as the store records it; None when it records none."""
    if not existing_tables(store, [RETENTION_TABLE]):
        return None
    rows = store.query(_RECORDED)
    return Retention(rows[0][0], rows[0][1]) if rows else None


def retention_in_force(store: Store) -> Retention:
    """The retention the store records, else what its metric tables' TTLs keep (the raw
    rows; rollups the default or longer), else the defaults for a new store."""
    recorded = recorded_retention(store)
    if recorded is not None:
        return recorded
    found = existing_tables(store, list(METRIC_TABLES.values()))
    if not found:
        return Retention()
    # The longest any of them keeps: the first start must not shorten what is kept.
    kept = [_ttl_days(engine_full) for engine_full in found.values()]
    return Retention().changed(0 if 0 in kept else max(kept), None)


def _ttl_days(engine_full: str) -> int:
    """Whole days a table's TTL keeps (rounded up); 0 without a TTL."""
    match = _TTL_DAYS.search(engine_full)
    if match is None:
        return 0
    seconds = int(match.group(2)) * _SECONDS_PER[match.group(1)]
    return max(1, -(-seconds // 86_400))


def existing_tables(
    store: Store, tables: Sequence[str], database: str | None = None
) -> dict[str, str]:
    """The tables of ``tables`` that exist in ``database`` (the store's by default), with
    their full engine text."""
    return dict(store.query(_TABLES, {"db": database or store.database, "tables": list(tables)}))


def record_retention(store: Store, retention: Retention, changed_by: str) -> None:
    store.command(
        _RECORD, {"raw": retention.raw_days, "rollup": retention.rollup_days, "by": changed_by}
    )
    logger.info(
        "retention recorded",
        extra={
            "raw_days": retention.raw_days,
            "rollup_days": retention.rollup_days,
            "by": changed_by,
        },
    )


@dataclass(frozen=True, slots=True)
class Expiring:
    """What a change of retention deletes from one table: rows and the days they cover."""

    table: str
    days_kept: int
    rows: int
    days: int


def expiring_rows(
    store: Store, in_force: Retention, wanted: Retention, now: datetime
) -> list[Expiring]:
    """Per table whose retention ``wanted`` shortens, the rows it would delete at ``now``
    that ``in_force`` keeps."""
    found = existing_tables(store, [table.name for table in RETAINED_TABLES])
    plan = []
    for table in RETAINED_TABLES:
        days, kept = table.days(wanted), table.days(in_force)
        if table.name not in found or _covers(days, kept):
            continue
        rows, dates = store.query(
            _EXPIRING,
            {
                "table": table.name,
                "column": table.column,
                "cutoff": now - timedelta(days=days),
                "kept_from": now - timedelta(days=kept) if kept else _EPOCH,
            },
        )[0]
        plan.append(Expiring(table.name, days, rows, dates))
    return plan
