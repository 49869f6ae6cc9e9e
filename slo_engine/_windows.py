"""SLO windows: rolling of any length, and calendar periods in a named time zone.

A window is evaluated as a half-open range ``[start, end)`` of UTC instants ending at
the evaluation instant, exactly (now, or a replayed instant, to the microsecond). A data
point with time T describes (S, T] and belongs to the range that holds its last instant,
T - 1 ns: a window [start, end) counts the points with start < T <= end. Calendar
periods are computed in local time and converted, so a month with a DST change is an
hour shorter or longer.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from slo_engine._durations import format_duration, parse_duration
from slo_engine._model import CalendarUnit, Window
from slo_engine.errors import InvalidRequest

_CALENDAR = re.compile(r"^\s*(\d+)\s*(M|Q|Y)\s*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_STEPS = {
    CalendarUnit.DAY: relativedelta(days=1),
    CalendarUnit.WEEK: relativedelta(weeks=1),
    CalendarUnit.MONTH: relativedelta(months=1),
    CalendarUnit.QUARTER: relativedelta(months=3),
    CalendarUnit.YEAR: relativedelta(years=1),
}


@lru_cache(maxsize=64)
def timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name``; InvalidRequest when there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRequest(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True, slots=True, order=True)
class Range:
    """A half-open UTC range ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A window at one instant: the data range and the whole period it belongs to."""

    range: Range
    period: Range


def utc_instant(instant: datetime) -> datetime:
    """``instant`` in UTC, exactly; InvalidRequest when it carries no time zone."""
    if instant.tzinfo is None:
        raise InvalidRequest("instants must carry a time zone")
    return instant.astimezone(UTC)


def floor_minute(instant: datetime) -> datetime:
    return utc_instant(instant).replace(second=0, microsecond=0)


def calendar_unit(text: str) -> tuple[CalendarUnit, int] | None:
    """``1M`` -> (month, 1), ``1Q`` -> (quarter, 1), ``month`` -> (month, 1); else None."""
    match = _CALENDAR.match(text)
    if match:
        unit = {"M": CalendarUnit.MONTH, "Q": CalendarUnit.QUARTER, "Y": CalendarUnit.YEAR}
        return unit[match.group(2)], int(match.group(1))
    try:
        return CalendarUnit(text.strip().lower()), 1
    except ValueError:
        return None


def rolling(text: str) -> Window:
    length = parse_duration(text)
    if length < timedelta(minutes=1) or length % timedelta(minutes=1):
        raise ValueError(f"a rolling window must be whole minutes, not {text!r}")
    return Window(length=length)


def evaluate(window: Window, as_of: datetime) -> Evaluated:
    """The window's range ending at ``as_of`` (exactly) and its period."""
    end = utc_instant(as_of)
    if window.length is not None:
        span = Range(end - window.length, end)
        return Evaluated(span, span)
    period = calendar_period(window, end - timedelta(microseconds=1))
    return Evaluated(Range(period.start, end), period)


def calendar_period(window: Window, instant: datetime) -> Range:
    """The calendar period of ``window`` that holds ``instant``."""
    if window.unit is None:
        raise ValueError("not a calendar window")
    zone = timezone(window.timezone)
    local = instant.astimezone(zone).replace(tzinfo=None)
    step = _STEPS[window.unit] * window.count
    first = _natural_start(window.unit, local) if window.anchor is None else _anchor(window, zone)
    start = _last_start(first, window.unit, window.count, local)
    return Range(_to_utc(start, zone), _to_utc(start + step, zone))


def _last_start(first: datetime, unit: CalendarUnit, count: int, local: datetime) -> datetime:
    """The latest ``first + k * step`` (any whole k) at or before ``local``, computed
    rather than stepped to, so an anchor centuries away costs no more than a near one."""
    if unit in (CalendarUnit.DAY, CalendarUnit.WEEK):
        days = timedelta(days=count * (7 if unit is CalendarUnit.WEEK else 1))
        return first + (local - first) // days * days
    step = _STEPS[unit]
    months = count * (step.months + 12 * step.years)
    periods = ((local.year - first.year) * 12 + local.month - first.month) // months
    start = first + relativedelta(months=periods * months)
    # The same month as ``local`` but a later day or hour: the period before.
    return start if start <= local else first + relativedelta(months=(periods - 1) * months)


def _anchor(window: Window, zone: zoneinfo.ZoneInfo) -> datetime:
    anchor = window.anchor
    assert anchor is not None
    if anchor.tzinfo is not None:
        return anchor.astimezone(zone).replace(tzinfo=None)
    return anchor


def _natural_start(unit: CalendarUnit, local: datetime) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit is CalendarUnit.DAY:
        return day
    if unit is CalendarUnit.WEEK:
        return day - timedelta(days=day.weekday())
    if unit is CalendarUnit.MONTH:
        return day.replace(day=1)
    if unit is CalendarUnit.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _to_utc(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Local wall time to UTC; a time skipped by DST moves forward, a repeated one is the first."""
    aware = local.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:  # in a gap: the wall time does not exist
        aware = local.replace(tzinfo=zone, fold=1)
    return aware.astimezone(UTC)


def month_range(month: str, zone_name: str) -> Range:
    """``2026-03`` in ``zone_name`` as a UTC range."""
    match = _MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidRequest(f"month must be YYYY-MM, not {month!r}")
    zone = timezone(zone_name)
    start = datetime(int(match.group(1)), int(match.group(2)), 1)
    return Range(_to_utc(start, zone), _to_utc(start + relativedelta(months=1), zone))


def local_days(span: Range, zone_name: str) -> list[Range]:
    """The local days of ``span`` (which starts at a local midnight), as UTC ranges."""
    zone = timezone(zone_name)
    day = span.start.astimezone(zone).replace(tzinfo=None)
    days: list[Range] = []
    while True:
        start = _to_utc(day, zone)
        if start >= span.end:
            return days
        days.append(Range(start, min(_to_utc(day + timedelta(days=1), zone), span.end)))
        day += timedelta(days=1)


def describe(window: Window) -> str:
    if window.length is not None:
        return format_duration(window.length)
    count = "" if window.count == 1 else f"{window.count} "
    zone = "" if window.timezone == "UTC" else f" ({window.timezone})"
    return f"calendar {count}{window.unit}{zone}"
