"""Cutting time into segments and choosing, per segment, where its data is read.

Every window start, exclusion edge and the evaluation instant is a boundary; between
two boundaries lies a segment, which is wholly in or wholly out of any window or
exclusion. A segment's whole hours are read from the hourly rollup and its other
minutes from the raw table; with rollups off every minute is read raw. All boundaries
are whole minutes, so each minute and each hour belongs to exactly one segment.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slo_engine._windows import Range

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    segments: tuple[Range, ...]
    hour_keys: tuple[datetime, ...] = ()
    hour_segments: tuple[int, ...] = ()
    raw_minutes: tuple[datetime, ...] = ()
    raw_segments: tuple[int, ...] = ()
    raw_hours: tuple[datetime, ...] = field(default=())

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


def _floor_hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(instant: datetime) -> datetime:
    floored = _floor_hour(instant)
    return floored if floored == instant else floored + HOUR


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    count = int((end - start) / MINUTE)
    return [start + MINUTE * i for i in range(count)]


def plan(boundaries: Sequence[datetime], *, use_rollups: bool = True) -> SegmentPlan:
    """Segments between the sorted distinct ``boundaries`` and where to read each."""
    points = sorted(set(boundaries))
    segments = tuple(Range(a, b) for a, b in itertools.pairwise(points))
    hour_keys: list[datetime] = []
    hour_segments: list[int] = []
    raw_minutes: list[datetime] = []
    raw_segments: list[int] = []
    for index, segment in enumerate(segments, start=1):
        first_hour, last_hour = _ceil_hour(segment.start), _floor_hour(segment.end)
        if use_rollups and first_hour < last_hour:
            hours = int((last_hour - first_hour) / HOUR)
            hour_keys += [first_hour + HOUR * i for i in range(hours)]
            hour_segments += [index] * hours
            edges = _minutes(segment.start, first_hour) + _minutes(last_hour, segment.end)
        else:
            edges = _minutes(segment.start, segment.end)
        raw_minutes += edges
        raw_segments += [index] * len(edges)
    raw_hours = tuple(sorted({_floor_hour(minute) for minute in raw_minutes}))
    return SegmentPlan(
        segments,
        tuple(hour_keys),
        tuple(hour_segments),
        tuple(raw_minutes),
        tuple(raw_segments),
        raw_hours,
    )
