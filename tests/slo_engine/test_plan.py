"""Where each piece of a window is read: whole UTC days, whole hours, edge minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slo_engine._plan import plan
from slo_engine._windows import Range

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    found = []
    while start < end:
        found.append(start)
        start += step
    return found


def test_a_long_segment_reads_days_then_hours_then_minutes() -> None:
    start = datetime(2026, 3, 1, 22, 37, tzinfo=UTC)
    end = datetime(2026, 3, 4, 2, 10, tzinfo=UTC)
    found = plan([start, end])
    assert found.days == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
    last_day = datetime(2026, 3, 4, tzinfo=UTC)
    assert list(found.hours) == [
        datetime(2026, 3, 1, 23, tzinfo=UTC),
        *_every(last_day, last_day + HOUR * 2, HOUR),
    ]
    assert list(found.edge_minutes) == _every(
        start, datetime(2026, 3, 1, 23, tzinfo=UTC), MINUTE
    ) + _every(datetime(2026, 3, 4, 2, tzinfo=UTC), end, MINUTE)


def test_every_minute_is_read_exactly_once() -> None:
    end = datetime(2026, 3, 31, 8, 23, tzinfo=UTC)
    boundaries = [end - span for span in (DAY * 30, DAY * 3, DAY, HOUR * 6, HOUR, MINUTE * 5)]
    found = plan([*boundaries, end])
    covered = (
        [m for day in found.days for m in _every(day, day + DAY, MINUTE)]
        + [m for hour in found.hours for m in _every(hour, hour + HOUR, MINUTE)]
        + list(found.edge_minutes)
    )
    assert sorted(covered) == _every(end - DAY * 30, end, MINUTE)
    assert len(found.days) == 26 + 1  # March 2 to 27 (30d to 3d), March 29 (3d to 1d)
    assert (len(found.segments), found.raw) == (6, False)


def test_segments_within_an_hour_are_minutes_and_raw_reads_no_rollup() -> None:
    start = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
    found = plan([start, start + MINUTE * 20, start + MINUTE * 50])
    assert (found.days, found.hours) == ((), ())
    assert list(found.edge_minutes) == _every(start, start + MINUTE * 50, MINUTE)
    raw = plan([start, start + DAY * 3], use_rollups=False)
    assert raw.raw
    assert (raw.days, raw.hours, raw.edge_minutes) == ((), (), ())


def test_a_boundary_inside_a_minute_leaves_the_cut_parts_to_the_raw_rows() -> None:
    """Evaluated now (12:00:42.5), a 1 h window starts 11:00:42.5: the minutes 11:01 to
    11:59 are whole, the parts of 11:00 and 12:00 on either side of the cut are raw."""
    end = datetime(2026, 3, 10, 12, 0, 42, 500000, tzinfo=UTC)
    found = plan([end - HOUR, end])
    whole = datetime(2026, 3, 10, 11, 1, tzinfo=UTC)
    assert list(found.edge_minutes) == _every(whole, whole + MINUTE * 59, MINUTE)
    assert (found.days, found.hours) == ((), ())
    assert found.partial == (
        Range(end - HOUR, whole),
        Range(datetime(2026, 3, 10, 12, tzinfo=UTC), end),
    )


def test_a_segment_inside_one_minute_is_read_raw_whole() -> None:
    start = datetime(2026, 3, 10, 12, 0, 10, tzinfo=UTC)
    end = datetime(2026, 3, 10, 12, 0, 50, tzinfo=UTC)
    found = plan([start, end])
    assert found.partial == (Range(start, end),)
    assert found.edge_minutes == ()
