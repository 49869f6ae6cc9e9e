from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_engine._evaluation import SliceGrid
from slo_engine._model import NoDataPolicy
from slo_engine._timeslices import SliceCounts, expected_slices, outcome, slice_range, slice_start
from slo_engine._windows import Range

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _range(start_min: int, end_min: int) -> Range:
    return Range(T0 + MINUTE * start_min, T0 + MINUTE * end_min)


def test_slices_are_aligned_to_the_epoch_not_to_the_window():
    assert slice_start(T0 + MINUTE * 7, 5 * MINUTE) == T0 + MINUTE * 5
    assert slice_start(datetime(2026, 3, 10, 12, 37, 30, tzinfo=UTC), MINUTE) == T0 + MINUTE * 37
    assert slice_range(_range(3, 33), 5 * MINUTE) == _range(5, 30)


EXPECTED = [
    ("whole-minutes", _range(0, 60), MINUTE, [], 60),
    ("partial-slices-at-both-ends-are-left-out", _range(3, 33), 5 * MINUTE, [], 5),
    ("window-shorter-than-a-slice", _range(1, 4), 5 * MINUTE, [], 0),
    ("an-exclusion-takes-every-slice-it-touches", _range(0, 60), 5 * MINUTE, [_range(7, 12)], 10),
    (
        "overlapping-exclusions-are-counted-once",
        _range(0, 60),
        5 * MINUTE,
        [_range(7, 12), _range(11, 16)],
        9,
    ),
    ("exclusion-outside-the-window", _range(0, 60), MINUTE, [_range(60, 90)], 60),
]


@pytest.mark.parametrize(
    ("window", "length", "excluded", "expected"),
    [c[1:] for c in EXPECTED],
    ids=[c[0] for c in EXPECTED],
)
def test_expected_slices(window, length, excluded, expected):
    assert expected_slices(window, length, excluded) == expected


COUNTS = SliceCounts(with_data=8, low_traffic=2, good=5, ratio_sum=5.5)
OUTCOMES = [
    # policy, ratio, (good, total, bad, no_data)
    ("no-data-ignored", NoDataPolicy.IGNORE, False, (5.0, 6, 1.0, 2)),
    ("no-data-counts-as-good", NoDataPolicy.GOOD, False, (7.0, 8, 1.0, 2)),
    ("no-data-counts-as-bad", NoDataPolicy.BAD, False, (5.0, 8, 3.0, 2)),
    ("ratio-slices-ignore", NoDataPolicy.IGNORE, True, (5.5, 6, 0.5, 2)),
    ("ratio-slices-good", NoDataPolicy.GOOD, True, (7.5, 8, 0.5, 2)),
    ("ratio-slices-bad", NoDataPolicy.BAD, True, (5.5, 8, 2.5, 2)),
]


@pytest.mark.parametrize(
    ("policy", "ratio", "expected"), [c[1:] for c in OUTCOMES], ids=[c[0] for c in OUTCOMES]
)
def test_low_traffic_slices_never_count_and_no_data_follows_the_policy(policy, ratio, expected):
    # 10 slices expected: 8 with data (2 of them low traffic: never counted), 2 without.
    result = outcome(COUNTS, 10, policy, ratio=ratio)
    assert (result.good, result.total, result.bad, result.no_data) == pytest.approx(expected)
    assert result.low_traffic == 2
    assert result.expected == 10


def test_a_window_shorter_than_a_slice_does_not_count_the_unfinished_slice():
    """The grid ends at the last slice that has ended, even when a burn window (5m)
    is shorter than the slice (1h) and its empty span lies in the next slice."""
    hour = timedelta(hours=1)
    day_window = Range(T0 + MINUTE * 7 - 24 * hour, T0 + MINUTE * 7)
    five_minutes = Range(T0 + MINUTE * 7 - 5 * MINUTE, T0 + MINUTE * 7)
    grid = SliceGrid.of(hour, [day_window, five_minutes], [])
    assert grid.end == T0
    assert grid.expected == (23, 0)
