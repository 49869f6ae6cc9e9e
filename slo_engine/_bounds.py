"""The range every instant, month and duration the engine takes lies in.

Years 1970 to 2200 hold every instant anyone evaluates an SLO at, and keep the
arithmetic the engine does on them (a window before an instant, a month after a month)
inside what ``datetime`` can hold; durations up to 10 years hold every SLO window.
Anything outside is a mistake in the input, answered as one (``InvalidRequest``, or a
``ValueError`` that the spec loader places at its file and line), never an overflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from slo_engine.errors import InvalidRequest

MIN_YEAR: Final = 1970
MAX_YEAR: Final = 2200
MAX_DURATION: Final = timedelta(days=3653)
"""Ten years, leap days included."""


def year_problem(year: int) -> str | None:
    """Why ``year`` is out of range, or None."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"the year {year} is outside {MIN_YEAR} to {MAX_YEAR}"


def check_instant(instant: datetime, what: str) -> datetime:
    """``instant``, or InvalidRequest naming ``what`` when its year is out of range."""
    problem = year_problem(instant.year)
    if problem is not None:
        raise InvalidRequest(f"{what} {instant.isoformat()}: {problem}")
    return instant
