"""Cutting time into segments and choosing, per segment, where its data is read.

Every window start, exclusion edge and the evaluation instant is a boundary; between
two boundaries lies a segment, which is wholly in or wholly out of any window or
exclusion. A segment's whole UTC days are read from the daily rollup, its other whole
hours from the hourly rollup, its other whole minutes (the edges) from the minute rollup,
and what is left of a minute it cuts (a boundary inside a minute: the evaluation instant
now, a window start an exact length before it) from the raw table; with rollups off
everything is read from the raw table. Each minute, hour and day read belongs to exactly
one segment, and SQL finds a row's segment by counting the segment starts at or before
the first instant of a rollup row, or the last instant (T - 1 ns) of a raw point.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slo_engine._timeslices import EPOCH
from slo_engine._windows import Range

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """Segments in order and the starts of the ``days``, ``hours`` and ``edge_minutes`` to
    read from the daily, hourly and minute rollups, and the ``partial`` minutes (ranges
    inside one minute) to read from the raw table; none when ``raw``: every row of the
    segments is read from the raw table."""

    segments: tuple[Range, ...]
    days: tuple[datetime, ...] = ()
    hours: tuple[datetime, ...] = ()
    edge_minutes: tuple[datetime, ...] = ()
    partial: tuple[Range, ...] = ()
    raw: bool = False

    def first_segment(self, start: datetime) -> int:
        """The 1-based id of the segment starting at ``start``."""
        for index, segment in enumerate(self.segments, start=1):
            if segment.start == start:
                return index
        return len(self.segments) + 1

    def inside(self, ranges: Iterable[Range]) -> list[int]:
        """Ids of the segments that lie inside any of ``ranges``."""
        ranges = list(ranges)
        return [
            index
            for index, segment in enumerate(self.segments, start=1)
            if any(r.start <= segment.start and segment.end <= r.end for r in ranges)
        ]


def nanos(instant: datetime) -> int:
    """``instant`` in Unix nanoseconds, as the raw tables' TimeUnixNano."""
    return (instant - EPOCH) // timedelta(microseconds=1) * 1_000


def floor(instant: datetime, unit: timedelta) -> datetime:
    """``instant`` down to a whole ``unit`` since the Unix epoch (UTC hours and days)."""
    return EPOCH + (instant - EPOCH) // unit * unit


def ceil(instant: datetime, unit: timedelta) -> datetime:
    """``instant`` up to a whole ``unit`` since the Unix epoch."""
    floored = floor(instant, unit)
    return floored if floored == instant else floored + unit


def _steps(start: datetime, end: datetime, unit: timedelta) -> list[datetime]:
    return [start + unit * i for i in range(max(0, (end - start) // unit))]


def _cut(segment: Range) -> tuple[Range | None, list[Range]]:
    """The whole minutes of ``segment`` (None when it has none), and the parts of minutes
    it cuts at either end."""
    first, last = ceil(segment.start, MINUTE), floor(segment.end, MINUTE)
    if first > last:
        return None, [segment]
    parts = [Range(segment.start, first), Range(last, segment.end)]
    whole = Range(first, last) if first < last else None
    return whole, [part for part in parts if part.start < part.end]


def _split(segment: Range) -> tuple[list[datetime], list[datetime], list[datetime]]:
    """The whole days, the other whole hours and the other minutes of ``segment`` (whole
    minutes)."""
    first_hour, last_hour = ceil(segment.start, HOUR), floor(segment.end, HOUR)
    if first_hour >= last_hour:
        return [], [], _steps(segment.start, segment.end, MINUTE)
    minutes = _steps(segment.start, first_hour, MINUTE) + _steps(last_hour, segment.end, MINUTE)
    first_day, last_day = ceil(segment.start, DAY), floor(segment.end, DAY)
    if first_day >= last_day:
        return [], _steps(first_hour, last_hour, HOUR), minutes
    hours = _steps(first_hour, first_day, HOUR) + _steps(last_day, last_hour, HOUR)
    return _steps(first_day, last_day, DAY), hours, minutes


def plan(boundaries: Sequence[datetime], *, use_rollups: bool = True) -> SegmentPlan:
    """Segments between the sorted distinct ``boundaries`` and where to read each."""
    points = sorted(set(boundaries))
    segments = tuple(Range(a, b) for a, b in itertools.pairwise(points))
    if not use_rollups:
        return SegmentPlan(segments, raw=True)
    days: list[datetime] = []
    hours: list[datetime] = []
    minutes: list[datetime] = []
    partial: list[Range] = []
    for segment in segments:
        whole, parts = _cut(segment)
        partial += parts
        if whole is None:
            continue
        segment_days, segment_hours, segment_minutes = _split(whole)
        days += segment_days
        hours += segment_hours
        minutes += segment_minutes
    return SegmentPlan(segments, tuple(days), tuple(hours), tuple(minutes), tuple(partial))
