"""Hour blocks of time slices kept between evaluations (slo_engine/_slice_blocks.py).

A kept block must give exactly what counting it again gives, and a key must not outlive
the rows it was made from: the numbers after a backfilled point or a new maintenance
window are those of an evaluation with nothing kept, and of the raw path.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processor.store import Store
from slo_engine import StatusReport, load, status
from slo_engine._evaluation import SliceGrid
from slo_engine._slice_blocks import (
    BLOCK,
    SKIP,
    SLICE_CACHE,
    WINDOWS,
    SliceCache,
    hour_modes,
    minute_parts,
    window_sums,
)
from slo_engine._timeslices import SliceCounts
from slo_engine._windows import Range
from tests.support.traffic import (
    exponential_point,
    histogram_point,
    insert_exponential,
    insert_histograms,
    request_attributes,
)

END = datetime(2026, 3, 10, 12, 37, tzinfo=UTC)
START = END - timedelta(days=2)
# Hours wholly inside the 3-day burn window and before 12:00 (71: 7 Mar 13:00 to 10 Mar
# 11:00), less those a window starts inside (the 1h, 2h and 6h windows at 11:37, 10:37
# and 06:37, the 1d window at 9 Mar 12:37): the blocks of an SLO whose slices tile hours.
BLOCKS_PER_SLO = 71 - 4

SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.9
    window: 1d
    budgeting: timeslices
    slice_target: 0.8
    per: [http.route]
    sli: {availability: {}}
  - name: latency-ratio
    objective: 0.9
    window: 1d
    budgeting: ratio_timeslices
    slice: 5m
    sli: {latency: {route: /a, threshold: 0.25}}
  - name: p90
    objective: 0.9
    window: 1d
    budgeting: timeslices
    slice: 5m
    min_events: 2
    sli: {latency_percentile: {percentile: 90, threshold: 0.5}}
  - name: exponential-latency
    objective: 0.9
    window: 1d
    budgeting: timeslices
    slice: 10m
    slice_target: 0.7
    sli: {latency: {threshold: 0.25, histogram: exponential}}
"""
SLICED_SLOS = 4


def _traffic(store: Store) -> None:
    """Each minute of two days, per route and status, a histogram point and an
    exponential one, in one insert each (one part per day and table, so no merge runs)."""
    rng = random.Random(11)
    points, exponential = [], []
    minute = START
    while minute < END:
        for route in ("/a", "/b"):
            for code in (200, 503):
                n = rng.randint(0, 5 if code == 200 else 1)
                if not n:
                    continue
                latencies = [round(rng.lognormvariate(-1.7, 0.7), 4) for _ in range(n)]
                at = minute + timedelta(seconds=rng.randint(0, 59))
                attributes = request_attributes(route, "GET", code)
                points.append(histogram_point("shop", attributes, at, latencies))
                exponential.append(exponential_point("shop", attributes, at, latencies, 3))
        minute += timedelta(minutes=1)
    insert_histograms(store, points)
    insert_exponential(store, exponential)


@pytest.fixture
def filled(store: Store) -> Store:
    _traffic(store)
    SLICE_CACHE.clear()
    return store


def _status(store: Any, text: str = SLOS, *, use_rollups: bool = True) -> StatusReport:
    return status(store, load({"slos.yaml": text}), END, use_rollups=use_rollups)


def _uncached(store: Store, text: str = SLOS) -> StatusReport:
    SLICE_CACHE.clear()
    return _status(store, text)


def _slices(report: StatusReport, name: str) -> dict[str, Any]:
    found = next(s for s in report.slos if s.name == name)
    assert found.slices is not None
    return found.slices.model_dump()


def test_kept_blocks_give_what_counting_gives(filled):
    first = _status(filled)
    assert (SLICE_CACHE.hits, SLICE_CACHE.misses) == (0, BLOCKS_PER_SLO * SLICED_SLOS)
    assert len(SLICE_CACHE) == BLOCKS_PER_SLO * SLICED_SLOS

    second = _status(filled)
    assert SLICE_CACHE.hits == BLOCKS_PER_SLO * SLICED_SLOS
    assert SLICE_CACHE.misses == BLOCKS_PER_SLO * SLICED_SLOS
    assert second == first
    assert _status(filled, use_rollups=False) == first
    # The numbers are not empty: a day of slices was counted per SLO.
    assert _slices(first, "availability{http.route=/a}")["expected"] == 1440


def test_a_backfilled_point_is_counted_in_its_kept_hour(filled):
    before = _status(filled)
    late = END - timedelta(hours=20, minutes=13)  # 9 Mar 16:24, a kept block of every SLO
    errors = histogram_point("shop", request_attributes("/b", "GET", 503), late, [0.1] * 40)
    insert_histograms(filled, [errors])

    after = _status(filled)
    assert SLICE_CACHE.misses > BLOCKS_PER_SLO * SLICED_SLOS
    assert after == _uncached(filled) == _status(filled, use_rollups=False)
    # 40 errors in one minute of /b: that minute's slice, good before, is now bad.
    was, now = (_slices(r, "availability{http.route=/b}") for r in (before, after))
    assert now["bad"] == was["bad"] + 1


def test_a_new_maintenance_window_is_not_served_from_kept_blocks(filled):
    _status(filled)
    start = END - timedelta(hours=15)  # 9 Mar 21:37 to 22:07: parts of two kept hours
    maintained = SLOS + (
        "maintenance:\n"
        f"  - {{name: m, start: {start.isoformat()}, "
        f"end: {(start + timedelta(minutes=30)).isoformat()}, slos: [availability]}}\n"
    )
    kept = _status(filled, maintained)
    assert kept == _uncached(filled, maintained)
    assert _slices(kept, "availability{http.route=/a}")["expected"] == 1440 - 30


def test_slices_that_do_not_tile_an_hour_are_counted_every_time(filled):
    seven = SLOS.replace("slice: 10m", "slice: 7m")
    counted = _status(filled, seven)
    assert len(SLICE_CACHE) == BLOCKS_PER_SLO * (SLICED_SLOS - 1)
    assert counted == _status(filled, seven, use_rollups=False)


class _Remote:
    """A reader that is not the store itself (as ``sloscope``'s client of a server's
    /api/query is): its parts are out of reach, so nothing is kept."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.database = store.database

    def query(self, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return self.store.query(*args, **kwargs)


def test_a_store_read_from_elsewhere_keeps_nothing(filled):
    assert _status(_Remote(filled)) == _status(filled, use_rollups=False)
    assert len(SLICE_CACHE) == 0


def test_minute_parts_know_only_merge_trees_of_the_store(filled):
    parts = minute_parts(filled, "slo_histogram_1m")
    assert parts is not None
    day = int(datetime(2026, 3, 9, tzinfo=UTC).timestamp()) // 3600
    assert all(len(parts.names(hour)) == 1 for hour in range(day, day + 24))
    assert parts.names(day - 24 * 30) == ()
    assert minute_parts(filled, "no_such_table") is None
    filled.command("CREATE TABLE {db:Identifier}.memory_table (x UInt8) ENGINE = Memory")
    assert minute_parts(filled, "memory_table") is None


def test_the_cache_drops_the_least_recently_used():
    cache = SliceCache(max_entries=2)
    cache.put("a", {})
    cache.put("b", {})
    assert cache.get("a") == {}
    cache.put("c", {})
    assert (cache.get("b"), cache.get("a"), cache.get("c")) == (None, {}, {})
    assert (len(cache), cache.hits, cache.misses) == (2, 3, 1)


def test_window_sums_add_each_block_to_the_windows_that_hold_it():
    one = SliceCounts(with_data=1, good=1, ratio_sum=0.5)
    blocks: dict[int, dict[tuple[str, ...], SliceCounts]] = {
        0: {(): one},
        3600: {(): one, ("x",): one},
        7200: {},
    }
    sums = window_sums(blocks, [3600, 0, 9000])
    assert sums[0] == {(): one, ("x",): one}
    assert sums[1] == {(): SliceCounts(2, 0, 2, 1.0), ("x",): one}
    assert sums[2] == {}


def test_hour_modes_skip_count_whole_hours_once_and_cut_the_rest():
    day = datetime(2026, 3, 10, tzinfo=UTC)
    windows = [
        Range(day + timedelta(hours=10, minutes=20), day + timedelta(hours=13)),
        Range(day + timedelta(hours=12, minutes=30), day + timedelta(hours=13)),
    ]
    hours = range(int(day.timestamp()) // 3600 + 9, int(day.timestamp()) // 3600 + 14)
    five = SliceGrid.of(timedelta(minutes=5), windows, [])
    assert hour_modes(five, hours) == [SKIP, WINDOWS, BLOCK, WINDOWS, SKIP]
    seven = SliceGrid.of(timedelta(minutes=7), windows, [])
    assert hour_modes(seven, hours) == [SKIP, WINDOWS, WINDOWS, WINDOWS, SKIP]
