"""Burn rates and the multi-window, multi-burn-rate (MWMB) alert conditions.

burn rate = error ratio / (1 - objective): 1 spends exactly the whole budget by the end
of the period. A condition's factor is ``budget_share x period / long window`` (Sloth's
``window.go``); the default windows are data (``windows/google.yaml``).
"""

from __future__ import annotations

import importlib.resources
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import yaml

from slo_engine._durations import parse_duration
from slo_engine._model import BurnWindow, Op, Severity

_COMPARE: dict[Op, Callable[[float, float], bool]] = {
    Op.GT: operator.gt,
    Op.GE: operator.ge,
    Op.LT: operator.lt,
    Op.LE: operator.le,
}


@lru_cache(maxsize=8)
def catalogue(name: str = "google") -> tuple[BurnWindow, ...]:
    """The named window catalogue shipped in ``slo_engine/windows``."""
    resource = importlib.resources.files("slo_engine") / "windows" / f"{name}.yaml"
    data = yaml.safe_load(resource.read_text())
    return tuple(
        BurnWindow(
            severity=Severity(item["severity"]),
            long=parse_duration(item["long"]),
            short=parse_duration(item["short"]),
            budget_share=float(item["budget_share"]),
        )
        for item in data["windows"]
    )


def factor(window: BurnWindow, period: timedelta) -> float:
    """The burn-rate threshold of ``window`` for an SLO period."""
    if window.factor is not None:
        return window.factor
    assert window.budget_share is not None
    return window.budget_share * (period / window.long)


def burn_rate(bad_ratio: float | None, objective: float) -> float | None:
    if bad_ratio is None:
        return None
    return bad_ratio / (1.0 - objective)


@dataclass(frozen=True, slots=True)
class AlertState:
    """One MWMB condition evaluated: both burn rates beyond the factor (``op``, above it
    unless an OpenSLO AlertCondition says otherwise) fire it."""

    severity: Severity
    long: timedelta
    short: timedelta
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    op: Op = Op.GT

    @property
    def firing(self) -> bool:
        compare = _COMPARE[self.op]
        rates = (self.long_burn_rate, self.short_burn_rate)
        return all(rate is not None and compare(rate, self.factor) for rate in rates)


def time_to_exhaustion_s(
    remaining_ratio: float, period: timedelta, rate: float | None
) -> float | None:
    """With ``remaining_ratio`` of the budget left, when it runs out at ``rate``."""
    if rate is None or rate <= 0 or math.isnan(rate):
        return None
    if remaining_ratio <= 0:
        return 0.0
    return remaining_ratio * period.total_seconds() / rate
