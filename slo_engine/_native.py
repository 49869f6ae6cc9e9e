"""sloscope's native SLO file format (pydantic, the trust boundary) and its conversion.

One file may hold many SLOs, plus maintenance windows, corrections and the SLA policy::

    service: checkout
    slos:
      - name: checkout-availability
        objective: 0.999              # or objective_percent: 99.9
        window: 30d                   # or {calendar: month, timezone: Europe/Berlin}
        sli:
          availability:
            route: /checkout
            good: {http.response.status_code: {lt: 500}}
    maintenance:
      - name: weekly-db
        start: 2026-01-06T02:00:00
        timezone: Europe/Berlin
        duration: 2h
        rrule: FREQ=WEEKLY;BYDAY=TU
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine._conventions import HEALTH_CHECK_METRIC, LATENCY_METRIC
from slo_engine._filters import ConditionSpec, FilterSpec

Name = Annotated[str, Field(min_length=1, max_length=256)]
Text = Annotated[str, Field(max_length=4096)]
DurationText = Annotated[str, Field(max_length=32)]
Threshold = Annotated[str, Field(max_length=32)] | Annotated[float, Field(gt=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarSpec(Strict):
    calendar: Literal["day", "week", "month", "quarter", "year"]
    count: Annotated[int, Field(ge=1, le=120)] = 1
    timezone: Name = "UTC"
    start: datetime | None = None


class RequestSource(Strict):
    metric: Name = LATENCY_METRIC
    histogram: Literal["explicit", "exponential"] = "explicit"
    route: ConditionSpec | None = None
    method: ConditionSpec | None = None
    filter: FilterSpec = {}


class AvailabilitySpec(RequestSource):
    good: FilterSpec | None = None
    bad: FilterSpec | None = None


class LatencySpec(RequestSource):
    threshold: Threshold


class PercentileSpec(RequestSource):
    percentile: Annotated[float, Field(gt=0, lt=100)]
    threshold: Threshold


class GaugeSpec(Strict):
    metric: Name
    filter: FilterSpec = {}
    op: Literal["lt", "le", "gt", "ge"] = "le"
    threshold: float
    aggregation: Literal["avg", "min", "max"] = "avg"


class HealthCheckSpec(Strict):
    check: Name | None = None
    metric: Name = HEALTH_CHECK_METRIC
    filter: FilterSpec = {}


class SliSpec(Strict):
    availability: AvailabilitySpec | None = None
    latency: LatencySpec | None = None
    latency_percentile: PercentileSpec | None = None
    gauge: GaugeSpec | None = None
    health_check: HealthCheckSpec | None = None


class AlertWindowSpec(Strict):
    severity: Literal["page", "ticket"]
    long: DurationText
    short: DurationText
    budget_share: Annotated[float, Field(gt=0, le=1)] | None = None
    factor: Annotated[float, Field(gt=0)] | None = None


class AlertingSpec(Strict):
    windows: Literal["google"] | list[AlertWindowSpec] = "google"


class SloSpec(Strict):
    name: Name
    service: Name | None = None
    description: Text = ""
    objective: Annotated[float, Field(gt=0, lt=1)] | None = None
    objective_percent: Annotated[float, Field(gt=0, lt=100)] | None = None
    window: DurationText | CalendarSpec = "30d"
    budgeting: Literal["occurrences", "timeslices", "ratio_timeslices"] = "occurrences"
    slice: DurationText = "1m"
    slice_target: Annotated[float, Field(gt=0, le=1)] | None = None
    min_events: Annotated[int, Field(ge=0)] = 0
    no_data: Literal["good", "bad", "ignore"] = "ignore"
    per: Annotated[list[Name], Field(max_length=4)] = []
    sli: SliSpec
    alerting: AlertingSpec = AlertingSpec()


class ExclusionSpec(Strict):
    name: Name
    start: datetime
    duration: DurationText | None = None
    end: datetime | None = None
    timezone: Name = "UTC"
    rrule: Annotated[str, Field(max_length=512)] | None = None
    reason: Text = ""
    services: list[Name] = []
    slos: list[Name] = []


class SlaPolicySpec(Strict):
    objective: Annotated[float, Field(gt=0, lt=1)] | None = None
    error_ratio_threshold: Annotated[float, Field(ge=0, lt=1)] | None = None
    min_requests: Annotated[int, Field(ge=0)] | None = None
    silence_is_down: bool | None = None
    incident_gap: DurationText | None = None
    good: FilterSpec | None = None


class SlaSpec(SlaPolicySpec):
    services: dict[Name, SlaPolicySpec] = {}


class NativeFile(Strict):
    service: Name | None = None
    slos: list[SloSpec] = []
    maintenance: list[ExclusionSpec] = []
    corrections: list[ExclusionSpec] = []
    sla: SlaSpec | None = None
    # Sections of the same files that the alerting package reads and validates
    # (alerting/_load.py); the engine lets them through without knowing their shape.
    alerting: dict[str, Any] | None = None
    health_checks: list[Any] | None = None
    # A section of the same files that sloscope reads and validates (sloscope/_dashboards.py);
    # the engine lets it through without knowing its shape.
    dashboards: list[Any] | None = None


def is_native(data: Any) -> bool:
    return isinstance(data, dict) and "apiVersion" not in data and "kind" not in data
