"""Cutting time into segments and choosing, per segment, where its data is read.

Every window start, exclusion edge and the evaluation instant is a boundary; between
two boundaries lies a segment, which is wholly in or wholly out of any window or
exclusion. A segment's whole hours (those no boundary falls inside) are read from the
hourly rollup and its other minutes (the edges) from the minute rollup; with rollups off
every minute is read from the raw table. All boundaries are whole minutes, so each minute
and each hour belongs to exactly one segment, and SQL finds a row's segment by counting
the segment starts at or before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slo_engine._windows import Range

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SegmentPlan:
    """Segments in order and the ``edge_minutes`` to read from the minute rollup (the
    others are whole hours of the hourly rollup); none when ``raw``: every row of the
    segments is read from the raw table."""

    segments: tuple[Range, ...]
    edge_minutes: tuple[datetime, ...] = ()
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
    if not use_rollups:
        return SegmentPlan(segments, raw=True)
    edge_minutes: list[datetime] = []
    for segment in segments:
        first_hour, last_hour = _ceil_hour(segment.start), _floor_hour(segment.end)
        if first_hour < last_hour:
            edge_minutes += _minutes(segment.start, first_hour) + _minutes(last_hour, segment.end)
        else:
            edge_minutes += _minutes(segment.start, segment.end)
    return SegmentPlan(segments, tuple(edge_minutes))
