"""The time range of a read route: ``start``, ``end`` and ``step`` as given, or their
defaults (the last day, ending now, in steps that make about ``TARGET_POINTS`` points).

Bounds are the engine's (``slo_engine.MAX_POINTS`` instants, whole-minute steps, years
1970-2200). A step of whole hours starts the range on a whole hour, so that the series
read the hourly rollup (30 times fewer rows than the minute rollup, and no minute edges:
bench/dashboard.py); the default ladder is made of steps a chart reads well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import Query

from slo_engine import InvalidRequest, check_instant

HOUR: Final = timedelta(hours=1)
DEFAULT_SPAN: Final = timedelta(days=1)
MAX_SPAN: Final = timedelta(days=400)
TARGET_POINTS: Final = 240
STEP_LADDER: Final = tuple(
    timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
)
MAX_STEP_S: Final = 31 * 86_400

Start = Annotated[
    datetime | None, Query(description="ISO-8601 with a zone; default: a day before end.")
]
End = Annotated[datetime | None, Query(description="ISO-8601 with a zone; default: now.")]
Step = Annotated[
    int | None,
    Query(
        ge=60,
        le=MAX_STEP_S,
        description="Seconds between points, whole minutes; default: about 240 points.",
    ),
]


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: datetime
    end: datetime
    step: timedelta


def resolve(start: datetime | None, end: datetime | None, step_s: int | None) -> TimeRange:
    """The range asked for, its defaults filled in; ``InvalidRequest`` when unusable."""
    end = _aware(end, "end") if end is not None else datetime.now(UTC)
    start = _aware(start, "start") if start is not None else end - DEFAULT_SPAN
    if end - start > MAX_SPAN:
        raise InvalidRequest(f"the range is longer than {MAX_SPAN.days} days")
    if step_s is not None and step_s % 60:
        raise InvalidRequest(f"the step must be whole minutes, not {step_s} s")
    step = timedelta(seconds=step_s) if step_s is not None else default_step(end - start)
    if step % HOUR == timedelta(0):
        # whole hours from a whole hour: every instant is one, and the hourly rollups
        # serve the windows (docs/slo.md); the range keeps its length
        start = start.replace(minute=0, second=0, microsecond=0)
    return TimeRange(start, end, step)


def default_step(span: timedelta) -> timedelta:
    """The shortest step of the ladder that gives at most ``TARGET_POINTS`` points."""
    for step in STEP_LADDER:
        if span / step <= TARGET_POINTS:
            return step
    return STEP_LADDER[-1]


def _aware(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None:
        raise InvalidRequest(f"{what} must carry a time zone (Z or +hh:mm)")
    return check_instant(instant, f"the {what}")
