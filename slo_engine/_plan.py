"""Cutting time into segments and choosing, per segment, where its data is read.

Every window start, exclusion edge and the evaluation instant is a boundary; between
two boundaries lies a segment, which is wholly in or wholly out of any window or
exclusion. A segment's whole hours are read from the hourly rollup and its other
minutes (the edges) from the minute rollup; with rollups off every minute is read from
the raw table. All boundaries are whole minutes, so each minute and each hour belongs to
exactly one segment, and SQL finds a row's segment by counting the segment starts at or
before it.
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
    """Segments in order; ``hour_keys`` and ``edge_minutes`` to read from the rollups
    (both empty when ``raw``: every row of the segments is read from the raw table)."""

    segments: tuple[Range, ...]
    hour_keys: tuple[datetime, ...] = ()
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
    hour_keys: list[datetime] = []
    edge_minutes: list[datetime] = []
    for segment in segments:
        first_hour, last_hour = _ceil_hour(segment.start), _floor_hour(segment.end)
        if first_hour < last_hour:
            hours = int((last_hour - first_hour) / HOUR)
            hour_keys += [first_hour + HOUR * i for i in range(hours)]
            edge_minutes += _minutes(segment.start, first_hour) + _minutes(last_hour, segment.end)
        else:
            edge_minutes += _minutes(segment.start, segment.end)
    return SegmentPlan(segments, tuple(hour_keys), tuple(edge_minutes))
