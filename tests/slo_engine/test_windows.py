from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_engine._model import CalendarUnit, Window
from slo_engine._windows import (
    Range,
    calendar_period,
    evaluate,
    local_days,
    month_range,
    rolling,
)
from slo_engine.errors import InvalidRequest


def test_rolling_window_ends_at_the_instant_exactly():
    at = datetime(2026, 3, 10, 12, 0, 42, 123456, tzinfo=UTC)
    found = evaluate(rolling("30d"), at)
    assert found.range.end == at
    assert found.range.end - found.range.start == timedelta(days=30)


def test_a_calendar_month_ending_on_its_boundary_is_that_month():
    """Evaluated at the first instant of April, the month so far is all of March."""
    window = Window(unit=CalendarUnit.MONTH, timezone="Europe/Berlin")
    found = evaluate(window, datetime(2026, 3, 31, 22, 0, tzinfo=UTC))
    assert found.range == Range(
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    )
    assert found.period == found.range


def test_calendar_month_with_a_dst_change_is_an_hour_short():
    window = Window(unit=CalendarUnit.MONTH, timezone="Europe/Berlin")
    period = calendar_period(window, datetime(2026, 3, 15, tzinfo=UTC))
    assert period.start == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert period.seconds == 31 * 86400 - 3600
    assert month_range("2026-03", "Europe/Berlin") == period


def test_calendar_quarter_and_month_to_date():
    window = Window(unit=CalendarUnit.QUARTER, timezone="UTC")
    found = evaluate(window, datetime(2026, 5, 2, 8, 30, tzinfo=UTC))
    assert found.period.start == datetime(2026, 4, 1, tzinfo=UTC)
    assert found.period.end == datetime(2026, 7, 1, tzinfo=UTC)
    assert found.range.end == datetime(2026, 5, 2, 8, 30, tzinfo=UTC)


def test_local_days_follow_the_zone():
    days = local_days(month_range("2026-03", "Europe/Berlin"), "Europe/Berlin")
    assert len(days) == 31
    assert days[28].seconds == 23 * 3600  # 29 March 2026, clocks go forward


@pytest.mark.parametrize(
    "bad", ["2026-13", "March", "2026-3"], ids=["month-13", "word", "one-digit"]
)
def test_bad_month_is_rejected(bad):
    with pytest.raises(InvalidRequest):
        month_range(bad, "UTC")


def test_unknown_zone_is_rejected():
    with pytest.raises(InvalidRequest, match="unknown time zone"):
        month_range("2026-03", "Mars/Olympus")
