from __future__ import annotations

import math

import pytest

from tests.support.reference import histogram_quantile

INF = math.inf
CASES = [
    ("interpolates-inside-a-bucket", 0.5, [1.0, 2.0, 3.0], [0, 10, 10, 0], None, None),
    ("inf-bucket-gives-last-bound", 0.99, [1.0, 2.0, 3.0], [0, 10, 10, 5], None, None),
    ("inf-bucket-clamped-by-max", 0.99, [1.0, 2.0, 3.0], [0, 10, 10, 5], 1.5, 7.0),
    ("first-bucket-clamped-by-min", 0.1, [1.0, 2.0], [10, 0, 0], 0.5, 0.9),
    ("single-bucket-with-min-max", 0.5, [], [4], 1.0, 3.0),
    ("single-bucket-without-min-max", 0.5, [], [4], None, None),
    ("empty-window", 0.95, [1.0, 2.0], [0, 0, 0], None, None),
    ("first-bound-not-positive", 0.5, [-1.0, 2.0], [5, 0, 0], None, None),
]


@pytest.mark.parametrize(
    ("q", "bounds", "counts", "low", "high"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_sql_quantile_follows_the_prometheus_rule(store, q, bounds, counts, low, high):  # noqa: PLR0917
    ((value, error),) = store.query(
        "SELECT sloscope_histogram_quantile_v1({q:Float64}, {b:Array(Float64)}, {c:Array(UInt64)},"
        " {low:Float64}, {high:Float64})",
        {
            "q": q,
            "b": bounds,
            "c": counts,
            "low": INF if low is None else low,
            "high": -INF if high is None else high,
        },
    )[0]
    expected_value, expected_error = histogram_quantile(q, bounds, counts, low, high)
    if math.isnan(expected_value):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected_value, rel=1e-12)
        assert error == pytest.approx(expected_error, rel=1e-12)


@pytest.mark.parametrize(
    ("threshold", "expected", "interpolated"),
    [(2.0, 10.0, 0), (2.5, 15.0, 1), (0.5, 0.0, 0), (10.0, 25.0, 0)],
    ids=["on-a-bound-exact", "between-bounds-interpolated", "below-min-exact", "above-max-exact"],
)
def test_sql_count_at_or_under_threshold(store, threshold, expected, interpolated):
    ((count, flag),) = store.query(
        "SELECT sloscope_histogram_count_le_v1({t:Float64}, [1., 2., 3.], [0, 10, 10, 5], 1., 7.)",
        {"t": threshold},
    )[0]
    assert count == pytest.approx(expected, rel=1e-12)
    assert flag == interpolated


def test_sql_exponential_quantile_is_log_linear(store):
    ((value, error),) = store.query(
        "SELECT sloscope_exponential_quantile_v1(0.5, 0, 0, 0, 0., [0, 1, 2], [1, 2, 1], inf, -inf)"
    )[0]
    assert value == pytest.approx(2 * math.sqrt(2), rel=1e-12)
    assert error == pytest.approx(4 - 2 * math.sqrt(2), rel=1e-12)
