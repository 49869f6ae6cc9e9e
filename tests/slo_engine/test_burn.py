from __future__ import annotations

from datetime import timedelta

import pytest

from slo_engine._budget import budget
from slo_engine._burn import AlertState, burn_rate, catalogue, factor, time_to_exhaustion_s
from slo_engine._model import Op, Severity


@pytest.mark.parametrize(
    ("period_days", "expected"),
    [(30, [14.4, 6.0, 3.0, 1.0]), (28, [13.44, 5.6, 2.8, 0.9333333])],
    ids=["30-day-window-gives-the-workbook-factors", "28-day-window-scales-them"],
)
def test_factor_is_budget_share_times_period_over_long_window(period_days, expected):
    factors = [factor(w, timedelta(days=period_days)) for w in catalogue()]
    assert factors == pytest.approx(expected, rel=1e-6)


def test_burn_rate_of_one_spends_the_budget_in_the_period():
    assert burn_rate(0.001, 0.999) == pytest.approx(1.0, rel=1e-9)
    assert burn_rate(None, 0.999) is None


def test_time_to_exhaustion_scales_with_budget_left():
    period = timedelta(days=30)
    assert time_to_exhaustion_s(1.0, period, 10.0) == pytest.approx(3 * 86400, rel=1e-9)
    assert time_to_exhaustion_s(0.5, period, 10.0) == pytest.approx(1.5 * 86400, rel=1e-9)
    assert time_to_exhaustion_s(-0.1, period, 10.0) == 0.0
    assert time_to_exhaustion_s(0.5, period, 0.0) is None


def test_budget_counts_bad_events_against_the_allowed_ones():
    found = budget(good=9990, total=10000, objective=0.999, period_s=30 * 86400)
    assert found is not None
    assert found.total == pytest.approx(10.0, rel=1e-9)
    assert found.bad == 10
    assert found.consumed == pytest.approx(1.0, rel=1e-9)
    assert found.remaining == pytest.approx(0.0, abs=1e-9)
    assert found.total_s == pytest.approx(0.001 * 30 * 86400, rel=1e-9)
    assert budget(0, 0, 0.999, 60) is None


@pytest.mark.parametrize(
    ("op", "rates", "firing"),
    [
        (Op.GT, (2.0, 2.0), False),
        (Op.GE, (2.0, 2.0), True),
        (Op.LT, (1.0, 1.5), True),
        (Op.LE, (2.0, 2.5), False),
        (Op.GT, (3.0, None), False),
    ],
    ids=["gt-at-the-factor", "gte-at-the-factor", "lt-below", "lte-one-window-above", "no-data"],
)
def test_an_alert_compares_both_burn_rates_with_its_op(op, rates, firing):
    """OpenSLO AlertConditions say how to compare; the default is above (``gt``)."""
    hour = timedelta(hours=1)
    long_rate, short_rate = rates
    state = AlertState(Severity.PAGE, hour, hour / 12, 2.0, long_rate, short_rate, op=op)
    assert state.firing is firing
