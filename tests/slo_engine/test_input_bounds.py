"""Every input the engine takes has a bound, and an input beyond it is a located mistake,
never an overflow, a RecursionError or minutes of CPU (docs/security.md, "What inputs may
cost")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slo_engine import InvalidRequest, SloSet, SpecError, load, sla_period, status
from slo_engine._model import CalendarUnit, Window
from slo_engine._windows import calendar_period
from slo_engine._yaml_nodes import MAX_DEPTH, MAX_NODES

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)
# Each anchor holds the previous one 60 levels down: 3 x 60 levels once expanded.
ALIAS_CHAIN = (
    "a: &a " + "[" * 60 + "1" + "]" * 60 + "\n"
    "b: &b " + "[" * 60 + "*a" + "]" * 60 + "\n"
    "c: " + "[" * 60 + "*b" + "]" * 60 + "\n"
)


def issues(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load({"f.yaml": text})
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ALIAS_BOMB,
            f"f.yaml:1:1: invalid YAML: the document expands to more than {MAX_NODES:,} nodes "
            "(an alias counts as the nodes it repeats)",
        ),
        ("[" * 5000 + "]" * 5000, f"f.yaml:1:66: invalid YAML: nested deeper than {MAX_DEPTH}"),
        ("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 200)), "nested deeper than 64 levels"),
        ("- " * 5000 + "x\n", "nested deeper than 64 levels"),
        ("a: &a [*a]\n", "f.yaml:1:4: invalid YAML: an alias refers to a node that holds it"),
        (ALIAS_CHAIN, "nested deeper than 64 levels once aliases expand"),
    ],
    ids=["alias-bomb", "deep-flow", "deep-block", "deep-sequence", "self-alias", "alias-chain"],
)
def test_yaml_beyond_the_budget_is_one_located_issue(text: str, expected: str) -> None:
    found = issues(text)
    assert len(found) == 1
    assert expected in found[0]


def test_aliases_within_the_budget_expand() -> None:
    text = (
        "service: s\nslos:\n"
        "  - {name: a, objective: 0.99, sli: &sli {availability: {route: /a}}}\n"
        "  - {name: b, objective: 0.9, sli: *sli}\n"
    )
    first, second = load({"f.yaml": text}).slos
    assert first.sli == second.sli
    assert first.sli.filter.conditions[0].values == ("/a",)


@pytest.mark.parametrize(
    ("slo", "expected"),
    [
        ("window: 99999999d", "f.yaml:4:5: slos[0].window: '99999999d' is longer than 10 years"),
        ("window: 3654d", "'3654d' is longer than 10 years (3653d)"),
        (
            "window: {calendar: day, start: 9999-12-31T00:00:00}",
            "slos[0].window.start: the year 9999 is outside 1970 to 2200",
        ),
        ("slice: 1000000w", "slos[0].slice: '1000000w' is longer than 10 years"),
    ],
    ids=["huge-window", "just-over", "far-anchor", "huge-slice"],
)
def test_durations_and_anchors_out_of_range_are_located(slo: str, expected: str) -> None:
    text = f"service: s\nslos:\n  - name: a\n    {slo}\n    objective: 0.9\n"
    text += "    sli: {availability: {}}\n"
    found = issues(text)
    assert len(found) == 1
    assert expected in found[0]


def test_maintenance_and_openslo_instants_out_of_range_are_located() -> None:
    maintenance = "maintenance:\n  - {name: m, start: 0001-01-01T00:00:00, duration: 1h}\n"
    assert issues(maintenance) == [
        "f.yaml:2:15: maintenance[0].start: the year 1 is outside 1970 to 2200"
    ]
    openslo = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: s}
spec:
  service: s
  indicator:
    metadata: {name: i}
    spec: {ratioMetric: {counter: true, good: {metricSource: {type: sloscope, spec: {}}},
           total: {metricSource: {type: sloscope, spec: {}}}}}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: "2201-01-01 00:00:00", timeZone: UTC}
  budgetingMethod: Occurrences
  objectives: [{target: 0.9}]
"""
    found = issues(openslo)
    assert len(found) == 1
    assert "calendar.startTime: the year 2201 is outside 1970 to 2200" in found[0]


@pytest.mark.parametrize(
    "instant", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)], ids=str
)
def test_an_evaluation_instant_out_of_range_is_an_invalid_request(instant: datetime) -> None:
    with pytest.raises(InvalidRequest, match=f"the year {instant.year} is outside 1970 to 2200"):
        status(None, SloSet(), instant)  # type: ignore[arg-type]  # refused before any query


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "1969-12", "2201-01"])
def test_a_month_out_of_range_is_an_invalid_request(month: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"month {month}: the year \d+ is outside"):
        sla_period(month, "UTC")


def test_a_far_anchor_is_computed_not_stepped_to() -> None:
    """Stepping day by day from 2200 took 0.5 s (from 9999, 14 s); the period is the same."""
    far = Window(unit=CalendarUnit.DAY, count=3, anchor=datetime(2200, 12, 31))
    period = calendar_period(far, datetime(2026, 11, 20, 12, tzinfo=UTC))
    # 63,594 days (a multiple of 3) from 2026-11-19 to 2200-12-31.
    assert (period.start, period.end) == (
        datetime(2026, 11, 19, tzinfo=UTC),
        datetime(2026, 11, 22, tzinfo=UTC),
    )


def test_monthly_periods_keep_the_anchor_day_when_the_month_has_it() -> None:
    """Anchored on the 31st: February's period starts on the 28th, March's on the 31st
    (each start is the anchor plus whole months, not the previous start plus one)."""
    window = Window(unit=CalendarUnit.MONTH, anchor=datetime(2026, 1, 31))
    february = calendar_period(window, datetime(2026, 3, 1, tzinfo=UTC))
    march = calendar_period(window, datetime(2026, 4, 15, tzinfo=UTC))
    assert february.start == datetime(2026, 2, 28, tzinfo=UTC)
    assert march.start == datetime(2026, 3, 31, tzinfo=UTC)
    assert march.end == datetime(2026, 4, 30, tzinfo=UTC)
