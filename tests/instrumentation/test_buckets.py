"""Latency bucket bounds: defaults, the SLOSCOPE_LATENCY_BUCKETS format, thresholds."""

from __future__ import annotations

import math

import pytest

from instrumentation import (
    DEFAULT_LATENCY_BUCKETS_S,
    SEMCONV_LATENCY_BUCKETS_S,
    InvalidConfiguration,
    buckets_for_thresholds,
    parse_latency_buckets,
)
from instrumentation._buckets import ENV_LATENCY_BUCKETS, latency_buckets_from


def test_default_is_semconv_plus_common_slo_thresholds() -> None:
    assert set(SEMCONV_LATENCY_BUCKETS_S) < set(DEFAULT_LATENCY_BUCKETS_S)
    assert set(DEFAULT_LATENCY_BUCKETS_S) - set(SEMCONV_LATENCY_BUCKETS_S) == {0.2, 0.3, 2.0}
    assert list(DEFAULT_LATENCY_BUCKETS_S) == sorted(DEFAULT_LATENCY_BUCKETS_S)
    for threshold_s in (0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0, 2.5):
        assert threshold_s in DEFAULT_LATENCY_BUCKETS_S


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1,0.3,1", (0.1, 0.3, 1.0)),
        ("300ms, 100ms ,1s", (0.1, 0.3, 1.0)),
        ("1, 0.5, 0.5, 500ms", (0.5, 1.0)),
        ("2.5s,", (2.5,)),
    ],
    ids=["seconds", "units-unsorted-spaces", "duplicates-merge", "trailing-comma"],
)
def test_parse_latency_buckets(text: str, expected: tuple[float, ...]) -> None:
    assert parse_latency_buckets(text) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no bucket bounds"),
        (" , ", "no bucket bounds"),
        ("0.1,fast", "'fast' is not a duration"),
        ("0.1,-1", "must be positive"),
        ("0", "must be positive"),
        ("nan", "must be positive and finite"),
        ("inf", "must be positive and finite"),
    ],
    ids=["empty", "only-commas", "word", "negative", "zero", "nan", "inf"],
)
def test_parse_latency_buckets_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidConfiguration, match=message) as caught:
        parse_latency_buckets(text)
    assert ENV_LATENCY_BUCKETS in str(caught.value)


def test_explicit_buckets_win_over_environment_and_default() -> None:
    environ = {ENV_LATENCY_BUCKETS: "0.4,0.8"}
    assert latency_buckets_from([0.3, 0.1], environ) == (0.1, 0.3)
    assert latency_buckets_from(None, environ) == (0.4, 0.8)
    assert latency_buckets_from(None, {}) == DEFAULT_LATENCY_BUCKETS_S
    assert latency_buckets_from(None, {ENV_LATENCY_BUCKETS: "  "}) == DEFAULT_LATENCY_BUCKETS_S


@pytest.mark.parametrize(
    "bad",
    [[], [0.1, math.inf], [0.1, True], [0.1, "0.2"]],
    ids=["empty", "infinite", "bool", "string"],
)
def test_explicit_buckets_are_checked(bad: list[object]) -> None:
    with pytest.raises(InvalidConfiguration, match="latency_buckets"):
        latency_buckets_from(bad, {})  # type: ignore[arg-type]


def test_buckets_for_thresholds_makes_each_threshold_a_bound() -> None:
    bounds = buckets_for_thresholds([0.15, 0.4, 0.25])
    assert 0.15 in bounds
    assert 0.4 in bounds
    assert set(DEFAULT_LATENCY_BUCKETS_S) <= set(bounds)
    assert len(bounds) == len(DEFAULT_LATENCY_BUCKETS_S) + 2
    assert buckets_for_thresholds([0.15], base=(0.1, 1.0)) == (0.1, 0.15, 1.0)
