"""Durations as SREs write them: ``30s``, ``5m``, ``1h``, ``28d``, ``2w``, ``300ms``.

Calendar units (``M``, ``Q``, ``Y``) are not durations; ``_windows`` reads them. A
duration is at most 10 years (``_bounds.MAX_DURATION``): longer ones are mistakes, and
would overflow the instants they are subtracted from.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache

from slo_engine._bounds import MAX_DURATION

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def parse_duration(text: str) -> timedelta:
    """``"5m"`` -> 5 minutes; raises ValueError with the accepted forms."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (e.g. 300ms, 30s, 5m, 1h, 28d, 2w)")
    unit = _UNITS[match.group(2)]
    # Compared as a number first: a huge count would overflow timedelta itself.
    if float(match.group(1)) > MAX_DURATION / unit:
        raise ValueError(f"{text!r} is longer than 10 years ({format_duration(MAX_DURATION)})")
    return float(match.group(1)) * unit


@lru_cache(maxsize=256)
def format_duration(value: timedelta) -> str:
    """The shortest exact form: 5m, 1h, 30d, 90s (cached: ``slo status`` labels every
    window of every SLO with it)."""
    seconds = value.total_seconds()
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{round(seconds * 1000)}ms"
