"""The JSON contract of ``sloscope slo status`` and ``POST /api/slos/status``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

StatusName = Literal["ok", "warning", "breached", "no_data"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBudget(_Out):
    """``total``: bad events (or slices) allowed in what was counted; ``consumed`` and
    ``remaining``: fractions of it; ``*_seconds``: the budget as time over the period."""

    total: float | None
    consumed: float | None
    remaining: float | None
    remaining_seconds: float | None
    total_seconds: float


class Latency(_Out):
    """Seconds, from merged buckets; ``*_error`` bounds the distance to the true value."""

    p50: float | None
    p95: float | None
    p99: float | None
    p50_error: float | None
    p95_error: float | None
    p99_error: float | None


class Slices(_Out):
    """Time-slice budgeting over the SLO window: slices of ``length_seconds``,
    epoch-aligned; ``expected`` whole slices in the window outside excluded time;
    ``counted`` = ``good`` + ``bad`` after the no-data policy (``good`` is a sum of
    per-slice ratios for ratio time slices); ``no_data`` slices had no event;
    ``low_traffic`` slices had fewer than ``min_events`` and are never counted."""

    length_seconds: float
    expected: int
    counted: int
    good: float
    bad: float
    no_data: int
    low_traffic: int
    no_data_policy: Literal["good", "bad", "ignore"]


class Alert(_Out):
    severity: Literal["page", "ticket"]
    long_window: str
    short_window: str
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    firing: bool


class SloStatus(_Out):
    name: str
    slo: str
    service: str
    dimensions: dict[str, str]
    sli_kind: str
    objective: float
    window: str
    window_start: datetime
    window_end: datetime
    budgeting: str
    sli: float | None
    good: float
    total: float
    error_budget: ErrorBudget
    burn_rates: dict[str, float | None]
    time_to_exhaustion_seconds: float | None
    alerts: list[Alert]
    latency: Latency | None
    slices: Slices | None = None
    excluded_seconds: float
    status: StatusName
    notes: list[str]


class StatusReport(_Out):
    evaluated_at: datetime
    slos: list[SloStatus]


class StatusRequest(BaseModel):
    """``POST /api/slos/status``: SLO file texts by name (default: the server's SLO
    directory) and the instant to evaluate at (default: now)."""

    model_config = ConfigDict(extra="forbid")

    files: dict[str, str] | None = None
    at: datetime | None = None
