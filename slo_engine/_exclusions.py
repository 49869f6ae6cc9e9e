"""Maintenance windows and corrections: the time an SLO's budget does not count.

A one-off exclusion is ``start`` + ``duration``; a recurring one adds an RFC 5545 RRULE
(``FREQ=WEEKLY;BYDAY=TU``, expanded by dateutil in the exclusion's time zone, so a
02:00 window stays at 02:00 local time across DST). Expanded ranges are widened to
whole minutes, clipped to the asked range and merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr

from slo_engine._model import Exclusion
from slo_engine._windows import Range, timezone

MAX_OCCURRENCES = 10_000


def validate_rule(rule: str, start: datetime) -> None:
    """Raise ValueError when dateutil cannot read ``rule``."""
    rrulestr(rule, dtstart=start.replace(tzinfo=None))


def occurrences(exclusion: Exclusion, span: Range) -> list[Range]:
    """The exclusion's ranges that overlap ``span``, clipped to it."""
    found: list[Range] = []
    if exclusion.recurrence is None:
        starts: Iterable[datetime] = [exclusion.start.astimezone(UTC)]
    else:
        starts = _recurring_starts(exclusion, span)
    for start in starts:
        end = start + exclusion.duration
        if end > span.start and start < span.end:
            found.append(Range(max(start, span.start), min(end, span.end)))
    return found


def _recurring_starts(exclusion: Exclusion, span: Range) -> list[datetime]:
    assert exclusion.recurrence is not None
    zone = timezone(exclusion.recurrence.timezone)
    first = exclusion.start
    local_first = (first.astimezone(zone) if first.tzinfo else first).replace(tzinfo=None)
    rule = rrulestr(exclusion.recurrence.rule, dtstart=local_first)
    window_start = (span.start - exclusion.duration).astimezone(zone).replace(tzinfo=None)
    window_end = span.end.astimezone(zone).replace(tzinfo=None)
    starts = []
    for local in rule.between(window_start - timedelta(days=1), window_end, inc=True):
        starts.append(local.replace(tzinfo=zone).astimezone(UTC))
        if len(starts) >= MAX_OCCURRENCES:
            break
    return starts


def merged(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, non-overlapping ranges widened to whole minutes."""
    widened = sorted(Range(_floor(r.start), _ceil(r.end)) for r in ranges if r.end > r.start)
    result: list[Range] = []
    for item in widened:
        if result and item.start <= result[-1].end:
            last = result[-1]
            result[-1] = Range(last.start, max(last.end, item.end))
        else:
            result.append(item)
    return result


def excluded(exclusions: Sequence[Exclusion], span: Range) -> list[Range]:
    """All ranges of ``exclusions`` inside ``span``, merged, whole minutes, clipped."""
    ranges = [r for e in exclusions for r in occurrences(e, span)]
    return [Range(max(r.start, span.start), min(r.end, span.end)) for r in merged(ranges)]


def _floor(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def _ceil(instant: datetime) -> datetime:
    floored = _floor(instant)
    return floored if floored == instant else floored + timedelta(minutes=1)


def total_seconds(ranges: Iterable[Range]) -> float:
    return sum(r.seconds for r in ranges)
