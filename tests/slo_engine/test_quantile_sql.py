from __future__ import annotations

import math
import random

import pytest

from processor.store import Store
from tests.support.reference import (
    downscale,
    exponential_count_le,
    exponential_quantile,
    histogram_count_le,
    histogram_quantile,
)
from tests.support.traffic import exponential_index

INF = math.inf


@pytest.fixture
def store(module_store: Store) -> Store:
    """These tests only call SQL functions: one database for the module."""
    return module_store


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


def _finite_or(value, default):
    return default if value is None else value


COUNT_CASES = [
    ("on-a-bound", 2.0, [1.0, 2.0, 3.0], [1, 10, 10, 5], 0.5, 7.0),
    ("between-bounds", 2.5, [1.0, 2.0, 3.0], [1, 10, 10, 5], 0.5, 7.0),
    ("inside-the-inf-bucket-with-max", 5.0, [1.0, 2.0, 3.0], [1, 10, 10, 5], 0.5, 7.0),
    ("inside-the-inf-bucket-without-max", 5.0, [1.0, 2.0, 3.0], [1, 10, 10, 5], None, None),
    ("above-max", 7.0, [1.0, 2.0, 3.0], [1, 10, 10, 5], 0.5, 7.0),
    ("below-min", 0.4, [1.0, 2.0, 3.0], [1, 10, 10, 5], 0.5, 7.0),
    ("first-bucket-clamped-by-min", 0.75, [1.0, 2.0], [10, 0, 0], 0.5, 0.9),
    ("single-bucket", 2.0, [], [4], 1.0, 3.0),
    ("empty-window", 2.0, [1.0, 2.0], [0, 0, 0], None, None),
    ("empty-bucket-holding-the-threshold", 2.5, [1.0, 2.0, 3.0], [1, 10, 0, 5], None, None),
]


@pytest.mark.parametrize(
    ("threshold", "bounds", "counts", "low", "high"),
    [c[1:] for c in COUNT_CASES],
    ids=[c[0] for c in COUNT_CASES],
)
def test_sql_count_le_follows_the_reference(store, threshold, bounds, counts, low, high):  # noqa: PLR0917
    ((count, flag),) = store.query(
        "SELECT sloscope_histogram_count_le_v1({t:Float64}, {b:Array(Float64)}, {c:Array(UInt64)},"
        " {low:Float64}, {high:Float64})",
        {
            "t": threshold,
            "b": bounds,
            "c": counts,
            "low": _finite_or(low, INF),
            "high": _finite_or(high, -INF),
        },
    )[0]
    expected, interpolated = histogram_count_le(threshold, bounds, counts, low, high)
    assert count == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert bool(flag) == interpolated


def test_changed_bounds_merge_on_the_shared_bounds_with_exact_counts(store):
    layouts = [([0.1, 0.25, 0.5, 1.0], [4, 3, 2, 1, 1]), ([0.25, 1.0], [6, 2, 3])]
    ((counts, (value, error)),) = store.query(
        "SELECT sloscope_shared_counts_v1([0.25, 1.], {b:Array(Array(Float64))},"
        " {c:Array(Array(UInt64))}), sloscope_shared_quantile_v1(0.9, {b:Array(Array(Float64))},"
        " {c:Array(Array(UInt64))}, 0.01, 2.)",
        {"b": [b for b, _ in layouts], "c": [c for _, c in layouts]},
    )
    assert counts == [13, 5, 4]  # at or under 0.25, then (0.25, 1], then above 1
    expected = histogram_quantile(0.9, [0.25, 1.0], [13, 5, 4], 0.01, 2.0)
    assert (value, error) == pytest.approx(expected, rel=1e-12)


def _exponential(rng, scale, n=300):
    values = [round(rng.lognormvariate(-2.0, 1.0), 6) for _ in range(n)]
    buckets: dict[int, int] = {}
    for v in values:
        buckets[exponential_index(v, scale)] = buckets.get(exponential_index(v, scale), 0) + 1
    return values, buckets


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("clamped", [True, False], ids=["min-max", "no-min-max"])
def test_sql_exponential_quantile_follows_the_reference(store, q, clamped):
    values, buckets = _exponential(random.Random(3), scale=3)
    low, high = (min(values), max(values)) if clamped else (None, None)
    indexes = sorted(buckets)
    ((value, error),) = store.query(
        "SELECT sloscope_exponential_quantile_v1({q:Float64}, 3, 0, 2, 0.001, {i:Array(Int32)},"
        " {c:Array(UInt64)}, {low:Float64}, {high:Float64})",
        {
            "q": q,
            "i": indexes,
            "c": [buckets[i] for i in indexes],
            "low": _finite_or(low, INF),
            "high": _finite_or(high, -INF),
        },
    )[0]
    expected = exponential_quantile(
        q, 3, 2, buckets, observed_min=low, observed_max=high, zero_threshold=0.001
    )
    assert (value, error) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("threshold", [0.05, 0.1, 0.25, 2 ** (-13 / 8), 5.0])
def test_sql_exponential_count_le_follows_the_reference(store, threshold):
    values, buckets = _exponential(random.Random(5), scale=3)
    indexes = sorted(buckets)
    ((count, flag),) = store.query(
        "SELECT sloscope_exponential_count_le_v1({t:Float64}, 3, 0, 0, 0., {i:Array(Int32)},"
        " {c:Array(UInt64)}, {low:Float64}, {high:Float64})",
        {
            "t": threshold,
            "i": indexes,
            "c": [buckets[i] for i in indexes],
            "low": min(values),
            "high": max(values),
        },
    )[0]
    expected, interpolated = exponential_count_le(
        threshold, 3, 0, buckets, observed_min=min(values), observed_max=max(values)
    )
    assert count == pytest.approx(expected, rel=1e-9)
    assert bool(flag) == interpolated
    exact = sum(1 for v in values if v <= threshold)
    assert abs(count - exact) <= max(buckets.values())  # within the bucket it split


def test_exponential_downscaling_merges_at_the_smallest_scale(store):
    rng = random.Random(11)
    fine_values, fine = _exponential(rng, scale=4)
    coarse_values, coarse = _exponential(rng, scale=2)
    ((indexes, counts),) = store.query(
        "SELECT sloscope_exponential_merge_v1([4, 2], [({fi:Array(Int32)}, {fc:Array(UInt64)}),"
        " ({ci:Array(Int32)}, {cc:Array(UInt64)})])",
        {
            "fi": sorted(fine),
            "fc": [fine[i] for i in sorted(fine)],
            "ci": sorted(coarse),
            "cc": [coarse[i] for i in sorted(coarse)],
        },
    )[0]
    expected = downscale(fine, 2)
    for index, count in coarse.items():
        expected[index] = expected.get(index, 0) + count
    assert dict(zip(indexes, counts, strict=True)) == expected
    direct: dict[int, int] = {}
    for v in fine_values + coarse_values:  # the same as bucketing every value at scale 2
        direct[exponential_index(v, 2)] = direct.get(exponential_index(v, 2), 0) + 1
    assert expected == direct
    assert any(i < 0 for i in expected)  # negative indexes (values under 1) were shifted too
