"""Migration 0004: a point with time T is rolled up under the minute (hour, day) that holds
T - 1 ns, and a store rolled up by 0003's rule is rebuilt from its raw rows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from processor._migrations import DdlOptions, apply_migrations, load_migrations
from processor.store import Store, StoreOptions
from tests.support.traffic import (
    exponential_point,
    histogram_point,
    insert_exponential,
    insert_histograms,
    request_attributes,
)

DAY_END = datetime(2026, 3, 2, tzinfo=UTC)  # midnight: the end of 1 March
# (time, requests): on a day, an hour and a minute boundary; inside a minute; a
# microsecond after a boundary.
POINTS = [
    (DAY_END, 11),
    (DAY_END - timedelta(hours=1), 7),
    (DAY_END - timedelta(hours=1, minutes=1), 5),
    (DAY_END - timedelta(hours=1, seconds=30), 3),
    (DAY_END + timedelta(microseconds=1), 2),
]
# Each point under the minute holding its last instant.
BY_END = {
    "1m": {
        datetime(2026, 3, 1, 23, 59): 11,
        datetime(2026, 3, 1, 22, 59): 7 + 3,
        datetime(2026, 3, 1, 22, 58): 5,
        datetime(2026, 3, 2, 0, 0): 2,
    },
    "1h": {
        datetime(2026, 3, 1, 23): 11,
        datetime(2026, 3, 1, 22): 7 + 3 + 5,
        datetime(2026, 3, 2): 2,
    },
    "1d": {datetime(2026, 3, 1): 11 + 7 + 3 + 5, datetime(2026, 3, 2): 2},
}
# 0003's rule: the minute TimeUnix starts (whole seconds).
BY_START = {
    datetime(2026, 3, 2, 0, 0): 11 + 2,
    datetime(2026, 3, 1, 23, 0): 7,
    datetime(2026, 3, 1, 22, 59): 5 + 3,
}
_COUNTS = "SELECT TimeUnix, sum(Count) FROM {db:Identifier}.{t:Identifier} GROUP BY 1 ORDER BY 1"


@pytest.fixture
def store_options(store_options: StoreOptions) -> StoreOptions:
    """Points of a fixed past date: raw rows kept forever, so that 0004 finds them."""
    return dataclasses.replace(store_options, retention_days=0)


def _insert(store: Store) -> None:
    attributes = request_attributes("/a")
    insert_histograms(
        store, [histogram_point("shop", attributes, at, [0.1] * n) for at, n in POINTS]
    )
    insert_exponential(
        store, [exponential_point("shop", attributes, at, [0.1] * n, 3) for at, n in POINTS]
    )


def _counts(store: Store, table: str) -> dict[datetime, int]:
    return {at.replace(tzinfo=None): total for at, total in store.query(_COUNTS, {"t": table})}


def _assert_by_end(store: Store) -> None:
    for kind in ("histogram", "exponential_histogram"):
        for grain, expected in BY_END.items():
            assert _counts(store, f"slo_{kind}_{grain}") == expected, (kind, grain)


def test_points_are_rolled_up_under_the_minute_of_their_last_instant(store: Store) -> None:
    _insert(store)
    _assert_by_end(store)


def test_0004_rebuilds_rollups_filed_by_0003_from_the_raw_rows(store: Store) -> None:
    """Put 0003's minute views back, store points through them, then apply 0004: every
    tier holds what the raw rows hold, by end instant, counted once."""
    options = DdlOptions(retention_days=0)
    by_version = {migration.version: migration for migration in load_migrations()}
    for kind in ("histogram", "exponential_histogram"):
        store.command(f"DROP VIEW {{db:Identifier}}.slo_{kind}_1m_mv")
    for statement in by_version[3].statements(options):
        store.command(statement, {"db": store.database})
    _insert(store)
    assert _counts(store, "slo_histogram_1m") == BY_START
    store.command(
        "ALTER TABLE {db:Identifier}.sloscope_schema_migrations DELETE WHERE Version = 4",
        settings={"mutations_sync": 1},
    )
    assert apply_migrations(store, options) == [4]
    _assert_by_end(store)
