"""The JSON contract of ``sloscope report sla`` and ``POST /api/reports/sla``.

Times are ISO-8601 with the offset of the report's time zone; durations are seconds;
ratios are 0-1 (``availability``, ``error_budget_consumed``); latency is in seconds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

IncidentSeverity = Literal["outage", "major", "degraded"]

MTTR_DEFINITION = (
    "MTTR is the mean time to recovery: the mean incident duration, from the start of an "
    "incident's first down minute to the end of its last"
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlaPeriod(_Out):
    """The calendar month in ``timezone``, ``[start, end)``; ``evaluated_until`` is ``end``
    once the month is over, and the evaluation instant while it runs (``complete`` false)."""

    start: datetime
    end: datetime
    timezone: str
    seconds: float
    evaluated_until: datetime
    complete: bool


class SlaPolicyOut(_Out):
    """How this service's minutes were judged (the ``sla`` section of the SLO files)."""

    objective: float
    error_ratio_threshold: float
    min_requests: int
    silence_is_down: bool
    incident_gap_seconds: float


class SlaIncident(_Out):
    """A run of down minutes, gaps up to the policy's ``incident_gap`` included."""

    id: str
    start: datetime
    end: datetime
    duration_seconds: float
    down_seconds: float
    severity: IncidentSeverity
    peak_error_ratio: float
    requests: int
    failed_requests: int
    description: str


class SlaSloResult(_Out):
    """One SLO of the service evaluated over the calendar month."""

    name: str
    objective: float
    sli: float | None
    met: bool | None
    error_budget_consumed: float | None
    notes: list[str]


class SlaLatency(_Out):
    """Seconds, from the month's merged buckets; the true value lies within ``± error``."""

    p95: float | None
    p99: float | None
    p95_error: float | None
    p99_error: float | None


class SlaExcluded(_Out):
    """One maintenance window or correction occurrence inside the period."""

    name: str
    kind: str
    reason: str
    start: datetime
    end: datetime


class SlaDay(_Out):
    """A local day: availability over its counted time, and the budget left at its end."""

    date: date
    availability: float | None
    downtime_seconds: float
    excluded_seconds: float
    requests: int
    failed_requests: int
    budget_remaining_ratio: float | None


class SlaService(_Out):
    name: str
    availability: float | None
    objective: float
    met: bool | None
    uptime_seconds: float
    downtime_seconds: float
    excluded_seconds: float
    error_budget_seconds: float
    error_budget_remaining_seconds: float
    requests: int
    failed_requests: int
    silent_minutes: int
    low_traffic_minutes: int
    mttr_seconds: float | None
    incidents: list[SlaIncident]
    slos: list[SlaSloResult]
    latency: SlaLatency
    excluded: list[SlaExcluded]
    daily: list[SlaDay]
    policy: SlaPolicyOut


class SlaSummary(_Out):
    overall_availability: float | None
    total_downtime_seconds: float
    incidents: int
    mttr_seconds: float | None
    mttr_definition: str
    services_met: int
    services_breached: int


class SlaReport(_Out):
    period: SlaPeriod
    services: list[SlaService]
    summary: SlaSummary


class SlaRequest(BaseModel):
    """``POST /api/reports/sla``: SLO file texts by name (default: the server's SLO
    directory), the month (``YYYY-MM``), its time zone, and the instant to evaluate at
    (default: now; it only matters for the month still running)."""

    model_config = ConfigDict(extra="forbid")

    files: dict[str, str] | None = None
    month: Annotated[str, Field(max_length=16)]
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    as_of: datetime | None = None
