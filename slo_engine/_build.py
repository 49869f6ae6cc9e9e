"""Spec parts to model values, with the field path of anything that does not fit.

Shared by the native format and OpenSLO. ``Problem`` carries a path relative to the
part being built; the loader prefixes it and turns it into a positioned ``SpecIssue``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from slo_engine import _burn, _exclusions, _windows
from slo_engine._bounds import year_problem
from slo_engine._conventions import LATENCY_METRIC
from slo_engine._durations import parse_duration
from slo_engine._model import (
    Aggregation,
    Budgeting,
    BurnWindow,
    CalendarUnit,
    Exclusion,
    Filter,
    NoDataPolicy,
    Op,
    Recurrence,
    Severity,
    Sli,
    SliKind,
    Slo,
    Source,
    Window,
)
from slo_engine.errors import InvalidRequest

LONG_LATENCY_S = 60.0


class Problem(Exception):
    def __init__(self, path: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.message = message


def duration(text: str, path: Sequence[str | int]) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise Problem(path, str(exc)) from None


def threshold_seconds(value: str | float, path: Sequence[str | int]) -> float:
    """A latency threshold: a duration (``300ms``) or a number of seconds."""
    if isinstance(value, int | float):
        return float(value)
    return duration(value, path).total_seconds()


def check_zone(name: str, path: Sequence[str | int]) -> str:
    try:
        _windows.timezone(name)
    except InvalidRequest as exc:
        raise Problem(path, str(exc)) from None
    return name


def rolling_window(text: str, path: Sequence[str | int]) -> Window:
    calendar = _windows.calendar_unit(text)
    if calendar is not None:
        return Window(unit=calendar[0], count=calendar[1])
    try:
        return _windows.rolling(text)
    except ValueError as exc:
        raise Problem(path, str(exc)) from None


def calendar_window(
    unit: CalendarUnit,
    count: int,
    zone: str,
    anchor: datetime | None,
    path: Sequence[str | int],
    *,
    anchor_field: str = "start",
) -> Window:
    check_zone(zone, (*path, "timezone"))
    if anchor is not None:
        check_year(anchor, (*path, anchor_field))
    return Window(unit=unit, count=count, timezone=zone, anchor=anchor)


def check_year(instant: datetime, path: Sequence[str | int]) -> None:
    """A Problem at ``path`` when ``instant`` lies outside the years the engine takes."""
    problem = year_problem(instant.year)
    if problem is not None:
        raise Problem(path, problem)


def slice_length(text: str, path: Sequence[str | int]) -> timedelta:
    length = duration(text, path)
    if length < timedelta(minutes=1) or length % timedelta(minutes=1):
        raise Problem(path, "a time slice must be a whole number of minutes")
    return length


def burn_windows(
    windows: Sequence[tuple[str, str, str, float | None, float | None]] | None,
    path: Sequence[str | int],
) -> tuple[BurnWindow, ...]:
    """(severity, long, short, budget_share, factor) rows, or the default catalogue."""
    if windows is None:
        return _burn.catalogue()
    built = []
    for index, (severity, long, short, share, factor) in enumerate(windows):
        where = (*path, index)
        long_d, short_d = duration(long, (*where, "long")), duration(short, (*where, "short"))
        if short_d >= long_d:
            raise Problem((*where, "short"), "the short window must be shorter than the long one")
        if (share is None) == (factor is None):
            raise Problem(where, "give exactly one of budget_share and factor")
        built.append(BurnWindow(Severity(severity), long_d, short_d, share, factor))
    return tuple(built)


def threshold_warning(sli: Sli) -> str | None:
    """A latency threshold past a minute, most likely milliseconds meant as seconds:
    thresholds are in the metric's unit (seconds for the OTel HTTP duration)."""
    if not sli.kind.request_based or sli.threshold is None or sli.threshold <= LONG_LATENCY_S:
        return None
    value = f"{sli.threshold:g}"
    if sli.metric == LATENCY_METRIC:
        meaning = f"{value} s: thresholds are in the metric's unit, seconds for {LATENCY_METRIC}"
    else:
        meaning = f"over a minute if {sli.metric} is in seconds: thresholds are in its unit"
    seconds = f"{sli.threshold / 1000:g}"
    return f"a latency threshold of {value} is {meaning}; for {value} ms write {seconds}"


def check_slo(slo: Slo) -> list[Problem]:
    """Cross-field rules every format shares; paths are native field names."""
    problems = []
    kind = slo.sli.kind
    timeslices = slo.budgeting is not Budgeting.OCCURRENCES
    if kind is SliKind.LATENCY_PERCENTILE and not timeslices:
        problems.append(
            Problem(("budgeting",), "a latency percentile objective needs timeslices budgeting")
        )
    if (
        slo.budgeting is Budgeting.TIMESLICES
        and slo.slice_target is None
        and kind in (SliKind.AVAILABILITY, SliKind.LATENCY)
    ):
        problems.append(Problem(("slice_target",), "timeslices budgeting needs slice_target"))
    if slo.window.length is not None and slo.window.length < slo.slice and timeslices:
        problems.append(Problem(("slice",), "the time slice is longer than the window"))
    if slo.sli.threshold is not None and not math.isfinite(slo.sli.threshold):
        problems.append(Problem(("sli",), "the threshold must be finite"))
    if kind.request_based and slo.sli.threshold is not None and slo.sli.threshold <= 0:
        problems.append(Problem(("sli",), "a latency threshold must be positive"))
    return problems


def exclusion(
    *,
    name: str,
    start: datetime,
    duration_text: str | None,
    end: datetime | None,
    zone: str,
    rule: str | None,
    kind: str,
    reason: str,
    services: Sequence[str],
    slos: Sequence[str],
    path: Sequence[str | int],
) -> Exclusion:
    check_zone(zone, (*path, "timezone"))
    check_year(start, (*path, "start"))
    if end is not None:
        check_year(end, (*path, "end"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=_windows.timezone(zone))
    if (duration_text is None) == (end is None):
        raise Problem(path, "give exactly one of duration and end")
    if end is not None:
        end_aware = end if end.tzinfo else end.replace(tzinfo=_windows.timezone(zone))
        length = end_aware - start
    else:
        assert duration_text is not None
        length = duration(duration_text, (*path, "duration"))
    if length <= timedelta(0):
        raise Problem(path, "an exclusion must end after it starts")
    recurrence = None
    if rule is not None:
        try:
            _exclusions.validate_rule(rule, start)
        except (ValueError, TypeError) as exc:
            raise Problem((*path, "rrule"), f"not an RRULE dateutil can read: {exc}") from None
        recurrence = Recurrence(rule, zone)
    return Exclusion(
        name=name,
        start=start.astimezone(UTC),
        duration=length,
        kind=kind,
        reason=reason,
        recurrence=recurrence,
        services=tuple(services),
        slos=tuple(slos),
    )


def gauge_sli(metric: str, filter_: Filter, op: str, threshold: float, aggregation: str) -> Sli:
    return Sli(
        kind=SliKind.GAUGE,
        metric=metric,
        source=Source.GAUGE,
        filter=filter_,
        threshold=threshold,
        op=Op(op),
        aggregation=Aggregation(aggregation),
    )


def budgeting(text: str) -> Budgeting:
    return Budgeting(text)


def no_data(text: str) -> NoDataPolicy:
    return NoDataPolicy(text)
