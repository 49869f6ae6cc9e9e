"""Independent reference computations, in plain Python, for the SLO engine's golden tests."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The ceil(q * n)-th smallest value: the quantile a histogram estimate brackets."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) - 1e-9))
    return ordered[rank - 1]


def histogram_quantile(
    q: float,
    bounds: Sequence[float],
    counts: Sequence[int],
    observed_min: float | None = None,
    observed_max: float | None = None,
) -> tuple[float, float]:
    """Prometheus' histogram_quantile with min/max clamping: (value, error bound)."""
    total = sum(counts)
    if total == 0:
        return math.nan, math.nan
    rank = q * total
    cumulative, before, i = 0, 0, 0
    for i, count in enumerate(counts):  # noqa: B007 - i is the bucket found
        before = cumulative
        cumulative += count
        if cumulative >= rank:
            break
    last = len(bounds)
    if i == last and observed_max is None:
        return (bounds[-1], math.inf) if bounds else (math.nan, math.nan)
    if i == 0 and observed_min is None and bounds and bounds[0] <= 0:
        return bounds[0], math.inf
    if i == 0:
        low = observed_min if observed_min is not None else 0.0
    else:
        low = bounds[i - 1] if observed_min is None else max(bounds[i - 1], observed_min)
    if i == last:
        assert observed_max is not None
        high = observed_max
    else:
        high = bounds[i] if observed_max is None else min(bounds[i], observed_max)
    high = max(high, low)
    value = low + (high - low) * (rank - before) / (cumulative - before)
    return value, max(value - low, high - value)
