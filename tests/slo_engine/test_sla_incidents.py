"""Incidents from down minutes, and how the report writes numbers (pure, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_engine.sla import _text as text
from slo_engine.sla._incidents import group
from slo_engine.sla._minutes import DownMinute

T0 = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def down(offset_minutes: int, requests: int = 20, failed: int = 20) -> DownMinute:
    return DownMinute(T0 + timedelta(minutes=offset_minutes), requests, failed)


@pytest.mark.parametrize(
    ("offsets", "gap_minutes", "expected"),
    [
        ([0, 1, 2], 0, [(0, 3)]),
        ([0, 2], 0, [(0, 1), (2, 3)]),
        ([0, 6], 5, [(0, 7)]),
        ([0, 7], 5, [(0, 1), (7, 8)]),
        ([8, 0, 1], 5, [(0, 2), (8, 9)]),
        ([], 5, []),
    ],
    ids=[
        "back to back minutes are one incident",
        "with no gap allowed one up minute splits",
        "a gap of exactly incident_gap joins",
        "a longer gap splits",
        "minutes in any order",
        "no down minutes, no incidents",
    ],
)
def test_down_minutes_group_into_incidents(offsets, gap_minutes, expected):
    found = group([down(o) for o in offsets], timedelta(minutes=gap_minutes))
    spans = [
        (int((i.start - T0).total_seconds() // 60), int((i.end - T0).total_seconds() // 60))
        for i in found
    ]
    assert spans == expected


@pytest.mark.parametrize(
    ("minutes", "severity"),
    [
        ([down(0, 20, 20)], "outage"),
        ([down(0, 0, 0)], "outage"),
        ([down(0, 20, 10), down(1, 20, 2)], "major"),
        ([down(0, 20, 9)], "degraded"),
    ],
    ids=["every request failed", "nothing received", "half failed", "under half failed"],
)
def test_severity_comes_from_the_worst_minute(minutes, severity):
    (incident,) = group(minutes, timedelta(minutes=5))
    assert incident.severity == severity


def test_description_says_what_happened():
    (incident,) = group([down(0, 1000, 125), down(1, 0, 0), down(3, 800, 40)], timedelta(minutes=5))
    assert incident.describe() == (
        "total outage, 3 minutes down: error ratio 12.5% peak, 165 of 1,800 requests "
        "failed; no requests received for 1 minute"
    )
    assert incident.duration == timedelta(minutes=4)
    assert incident.down_seconds == 180


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (1.0, "100.0000%"),
        (0.9999, "99.9900%"),
        (0.99999999, "99.9999%"),
        (0.999842555105713, "99.9842%"),
        (0.0, "0.0000%"),
        (None, "-"),
    ],
    ids=["all", "four nines", "never rounded up", "rounded down", "none", "unknown"],
)
def test_availability_is_shown_without_overstating(ratio, shown):
    assert text.availability(ratio) == shown


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [(0.125, "12.5%"), (0.05, "5%"), (0.99999, "99.999%"), (1.0, "100%"), (-0.25, "-25%")],
    ids=["one decimal", "whole", "not a false 100", "all", "negative"],
)
def test_percent_keeps_three_digits(ratio, shown):
    assert text.percent(ratio) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (59.6, "1m"),
        (420, "7m"),
        (3725, "1h 2m 5s"),
        (2 * 86400 + 60, "2d 1m"),
        (-90, "-1m 30s"),
        (None, "-"),
    ],
    ids=["zero", "rounded", "minutes", "mixed", "days", "negative", "unknown"],
)
def test_durations_read_naturally(seconds, shown):
    assert text.duration(seconds) == shown
