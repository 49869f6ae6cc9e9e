"""Latency bucket bounds: the default, the environment override, and SLO thresholds.

An SLO that counts "requests served within 300 ms" is exact only when 0.3 s is a bucket
bound of ``http.server.request.duration``; otherwise the count must be interpolated inside
a bucket. So every SLO latency threshold must be one of these bounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from instrumentation.errors import InvalidConfiguration

__all__ = [
    "BODY_SIZE_BUCKETS_BY",
    "DEFAULT_LATENCY_BUCKETS_S",
    "ENV_LATENCY_BUCKETS",
    "SEMCONV_LATENCY_BUCKETS_S",
    "buckets_for_thresholds",
    "latency_buckets_from",
    "parse_latency_buckets",
]

ENV_LATENCY_BUCKETS: Final = "SLOSCOPE_LATENCY_BUCKETS"

SEMCONV_LATENCY_BUCKETS_S: Final[tuple[float, ...]] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
"""The advisory bounds of the HTTP semantic conventions (14 bounds, 15 buckets)."""

DEFAULT_LATENCY_BUCKETS_S: Final[tuple[float, ...]] = tuple(
    sorted({*SEMCONV_LATENCY_BUCKETS_S, 0.2, 0.3, 2.0})
)
"""The semantic-convention bounds plus 200 ms, 300 ms and 2 s.

With them the usual SLO thresholds (100, 200, 250, 300, 500 ms, 1, 2, 2.5 s) are exact
bounds, and the set stays a superset of the semantic-convention bounds, so merging with
services that use those bounds is still exact at every shared bound.
"""

BODY_SIZE_BUCKETS_BY: Final[tuple[float, ...]] = (
    0,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
)
"""Request/response body sizes, powers of four from 64 B to 16 MiB."""

_UNITS_S: Final[Mapping[str, float]] = {"ms": 0.001, "s": 1.0}


def parse_latency_buckets(text: str, *, source: str = ENV_LATENCY_BUCKETS) -> tuple[float, ...]:
    """Parse ``"0.05,0.1,300ms,1s"`` into sorted, distinct bounds in seconds.

    Plain numbers are seconds; ``ms`` and ``s`` suffixes are accepted. Raises
    ``InvalidConfiguration`` naming ``source`` for an empty list or a bad item.
    """
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InvalidConfiguration(f"{source}: no bucket bounds in {text!r}")
    values: list[float] = []
    for item in items:
        number, scale = item, 1.0
        for suffix, factor in _UNITS_S.items():
            if item.endswith(suffix):
                number, scale = item[: -len(suffix)].strip(), factor
                break
        try:
            value = float(number) * scale
        except ValueError:
            raise InvalidConfiguration(f"{source}: {item!r} is not a duration") from None
        values.append(value)
    return _checked(values, source)


def latency_buckets_from(
    explicit: Sequence[float] | None, environ: Mapping[str, str]
) -> tuple[float, ...]:
    """The bounds to use: the explicit argument, else the environment, else the default."""
    if explicit is not None:
        return _checked(explicit, "latency_buckets")
    text = environ.get(ENV_LATENCY_BUCKETS)
    if text is not None and text.strip():
        return parse_latency_buckets(text)
    return DEFAULT_LATENCY_BUCKETS_S


def buckets_for_thresholds(
    thresholds_s: Iterable[float], base: Sequence[float] = DEFAULT_LATENCY_BUCKETS_S
) -> tuple[float, ...]:
    """``base`` with every SLO threshold added as an exact bound.

    ``configure(latency_buckets=buckets_for_thresholds([0.15, 0.4]))`` keeps the default
    resolution and makes 150 ms and 400 ms exact.
    """
    return _checked([*base, *thresholds_s], "thresholds")


def _checked(values: Iterable[float], source: str) -> tuple[float, ...]:
    bounds: set[float] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidConfiguration(f"{source}: {value!r} is not a number of seconds")
        if not math.isfinite(value) or value <= 0:
            raise InvalidConfiguration(f"{source}: bound {value!r} must be positive and finite")
        bounds.add(float(value))
    if not bounds:
        raise InvalidConfiguration(f"{source}: no bucket bounds")
    return tuple(sorted(bounds))
