"""Error budget maths: total, consumed and remaining, as a fraction and as time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Budget:
    """``total``: bad events (or slices) the objective allows in what was counted;
    ``consumed``/``remaining``: fractions of it (remaining < 0 once overspent);
    ``total_s``/``remaining_s``: the same budget as time over the whole period."""

    total: float
    bad: float
    consumed: float
    remaining: float
    total_s: float
    remaining_s: float


def budget(good: float, total: float, objective: float, period_s: float) -> Budget | None:
    """The budget of ``good`` out of ``total`` at ``objective``; None without data."""
    if total <= 0:
        return None
    allowed_ratio = 1.0 - objective
    bad = total - good
    allowed = allowed_ratio * total
    consumed = bad / allowed
    remaining = 1.0 - consumed
    total_s = allowed_ratio * period_s
    return Budget(allowed, bad, consumed, remaining, total_s, remaining * total_s)
