"""Independent reference computations, in plain Python, for the SLO engine's golden tests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime


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


def histogram_count_le(
    threshold: float,
    bounds: Sequence[float],
    counts: Sequence[int],
    observed_min: float | None = None,
    observed_max: float | None = None,
) -> tuple[float, bool]:
    """Observations at or under ``threshold``: exact on a bound or outside [min, max],
    else the bucket holding it split linearly between its (clamped) edges."""
    total = sum(counts)
    if total == 0:
        return 0.0, False
    if observed_max is not None and threshold >= observed_max:
        return float(total), False
    if observed_min is not None and threshold < observed_min:
        return 0.0, False
    i = next((k for k, bound in enumerate(bounds) if bound >= threshold), len(bounds))
    below = float(sum(counts[:i]))
    if i < len(bounds) and bounds[i] == threshold:
        return below + counts[i], False
    if counts[i] == 0:
        return below, False
    low = 0.0 if i == 0 else bounds[i - 1]
    if observed_min is not None:
        low = observed_min if i == 0 else max(low, observed_min)
    if i == len(bounds):
        high = observed_max if observed_max is not None else -math.inf
    else:
        high = bounds[i] if observed_max is None else min(bounds[i], observed_max)
    share = min(1.0, max(0.0, (threshold - low) / (high - low)))
    return below + counts[i] * share, True


def exponential_bounds(index: int, scale: int) -> tuple[float, float]:
    """Bucket ``index`` at ``scale`` covers (2^(index/2^scale), 2^((index+1)/2^scale)]."""
    return 2.0 ** (index * 2.0**-scale), 2.0 ** ((index + 1) * 2.0**-scale)


def downscale(buckets: dict[int, int], by: int) -> dict[int, int]:
    """Exponential buckets at scale s as buckets at scale s - by (index // 2^by)."""
    merged: dict[int, int] = {}
    for index, count in buckets.items():
        merged[index >> by] = merged.get(index >> by, 0) + count
    return merged


def _clamped(
    index: int, scale: int, observed_min: float | None, observed_max: float | None
) -> tuple[float, float]:
    low, high = exponential_bounds(index, scale)
    if observed_min is not None:
        low = min(max(low, observed_min), high)
    if observed_max is not None:
        high = min(high, observed_max)
    return low, max(high, low)


def exponential_quantile(
    q: float,
    scale: int,
    zero_count: int,
    buckets: dict[int, int],
    *,
    observed_min: float | None = None,
    observed_max: float | None = None,
    zero_threshold: float = 0.0,
) -> tuple[float, float]:
    """The q-quantile of positive exponential buckets (log-linear inside a bucket, linear
    inside the zero bucket), with its error bound."""
    total = zero_count + sum(buckets.values())
    if total == 0:
        return math.nan, math.nan
    rank = q * total
    if rank <= zero_count:
        low = -zero_threshold if observed_min is None else max(-zero_threshold, observed_min)
        high = zero_threshold if observed_max is None else min(zero_threshold, observed_max)
        value = low + (max(high, low) - low) * rank / zero_count
        return value, max(value - low, max(high, low) - value)
    seen = zero_count
    for index in sorted(buckets):
        count = buckets[index]
        if count and seen + count >= rank:
            low, high = _clamped(index, scale, observed_min, observed_max)
            share = (rank - seen) / count
            value = low * (high / low) ** share if low > 0 and high > low else low
            return value, max(value - low, high - value)
        seen += count
    raise AssertionError("rank beyond the last bucket")


def exponential_count_le(
    threshold: float,
    scale: int,
    zero_count: int,
    buckets: dict[int, int],
    *,
    observed_min: float | None = None,
    observed_max: float | None = None,
) -> tuple[float, bool]:
    """Observations at or under a positive ``threshold``; the bucket holding it is split
    log-linearly between its clamped edges (interpolated) unless it ends at the threshold."""
    total = zero_count + sum(buckets.values())
    if observed_max is not None and threshold >= observed_max:
        return float(total), False
    under, interpolated = float(zero_count), False
    for index, count in buckets.items():
        low, high = exponential_bounds(index, scale)
        if high <= threshold * (1 + 1e-12):
            under += count
        elif low < threshold and count:
            low_c, high_c = _clamped(index, scale, observed_min, observed_max)
            if threshold >= high_c:
                share = 1.0
            elif threshold <= low_c:
                share = 0.0
            else:
                share = math.log(threshold / low_c) / math.log(high_c / low_c)
            under += count * share
            interpolated = True
    return under, interpolated


def inside(time: datetime, start: datetime, end: datetime) -> bool:
    """Whether a point with time T counts in [start, end): it describes (S, T], so it
    belongs where its last instant T - 1 ns lies, which is start < T <= end."""
    return start < time <= end
