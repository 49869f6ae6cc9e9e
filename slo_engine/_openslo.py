"""OpenSLO v1 documents (SLO, SLI, Service, AlertPolicy, AlertCondition,
AlertNotificationTarget, DataSource) and their conversion into the typed model.

Only a metric source of ``type: sloscope`` can be evaluated; its ``spec`` carries the
same fields as the native format (``metric``, ``histogram``, ``route``, ``method``,
``filter``, and for threshold metrics ``kind``: latency | latency_percentile | gauge).
An SLO with several objectives becomes one SLO per objective (``name/objective``).
AlertConditions of kind burnrate become burn windows: ``lookbackWindow`` is the long
window, a twelfth of it the short one, ``threshold`` the factor.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine._conventions import LATENCY_METRIC
from slo_engine._filters import ConditionSpec, FilterSpec

KINDS = (
    "SLO",
    "SLI",
    "Service",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "DataSource",
)
RFC1123 = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")

Name = Annotated[str, Field(min_length=1, max_length=63)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(Strict):
    name: Name
    displayName: Annotated[str, Field(max_length=256)] | None = None
    labels: dict[str, str | list[str]] = {}
    annotations: dict[str, str] = {}


class SloscopeSourceSpec(Strict):
    metric: Annotated[str, Field(min_length=1, max_length=256)] = LATENCY_METRIC
    histogram: Literal["explicit", "exponential"] = "explicit"
    kind: Literal["latency", "latency_percentile", "gauge", "health_check"] = "latency"
    percentile: Annotated[float, Field(gt=0, lt=100)] | None = None
    aggregation: Literal["avg", "min", "max"] = "avg"
    route: ConditionSpec | None = None
    method: ConditionSpec | None = None
    filter: FilterSpec = {}


class MetricSource(Strict):
    metricSourceRef: str | None = None
    type: Annotated[str, Field(max_length=64)]
    spec: dict[str, Any] = {}


class MetricHolder(Strict):
    metricSource: MetricSource


class RatioMetric(Strict):
    counter: bool = True
    good: MetricHolder | None = None
    bad: MetricHolder | None = None
    total: MetricHolder | None = None
    rawType: Literal["success", "failure"] | None = None
    raw: MetricHolder | None = None


class SliSpec(Strict):
    description: Annotated[str, Field(max_length=4096)] = ""
    thresholdMetric: MetricHolder | None = None
    ratioMetric: RatioMetric | None = None


class InlineSli(Strict):
    metadata: Metadata
    spec: SliSpec


class CalendarSpec(Strict):
    startTime: datetime | str
    timeZone: Annotated[str, Field(max_length=64)]


class TimeWindow(Strict):
    duration: Annotated[str, Field(max_length=16)]
    isRolling: bool = True
    calendar: CalendarSpec | None = None


class Objective(Strict):
    displayName: Annotated[str, Field(max_length=256)] | None = None
    op: Literal["lt", "lte", "gt", "gte"] | None = None
    value: float | None = None
    target: Annotated[float, Field(gt=0, lt=1)] | None = None
    targetPercent: Annotated[float, Field(gt=0, lt=100)] | None = None
    timeSliceTarget: Annotated[float, Field(gt=0, le=1)] | None = None
    timeSliceWindow: Annotated[str, Field(max_length=16)] | int | None = None
    indicator: InlineSli | None = None
    indicatorRef: str | None = None
    compositeWeight: float | None = None


class ConditionBody(Strict):
    kind: Literal["burnrate"]
    op: Literal["lt", "lte", "gt", "gte"] = "gte"
    threshold: Annotated[float, Field(gt=0)]
    lookbackWindow: Annotated[str, Field(max_length=16)]
    alertAfter: Annotated[str, Field(max_length=16)] | None = None


class AlertConditionSpec(Strict):
    description: str = ""
    severity: Annotated[str, Field(max_length=64)]
    condition: ConditionBody


class InlineCondition(Strict):
    kind: Literal["AlertCondition"] = "AlertCondition"
    metadata: Metadata
    spec: AlertConditionSpec


class ConditionRef(Strict):
    conditionRef: str


class AlertPolicySpec(Strict):
    description: str = ""
    alertWhenNoData: bool = False
    alertWhenResolved: bool = False
    alertWhenBreaching: bool = True
    conditions: Annotated[list[ConditionRef | InlineCondition], Field(max_length=1)] = []
    notificationTargets: list[dict[str, Any]] = []


class InlinePolicy(Strict):
    kind: Literal["AlertPolicy"] = "AlertPolicy"
    metadata: Metadata
    spec: AlertPolicySpec


class PolicyRef(Strict):
    alertPolicyRef: str


class SloSpec(Strict):
    description: Annotated[str, Field(max_length=4096)] = ""
    service: Name
    indicator: InlineSli | None = None
    indicatorRef: str | None = None
    timeWindow: Annotated[list[TimeWindow], Field(min_length=1, max_length=1)]
    budgetingMethod: Literal["Occurrences", "Timeslices", "RatioTimeslices"]
    objectives: Annotated[list[Objective], Field(min_length=1)]
    alertPolicies: list[str | PolicyRef | InlinePolicy] = []


class ServiceSpec(Strict):
    description: str = ""


class TargetSpec(Strict):
    target: str
    description: str = ""


class DataSourceSpec(Strict):
    description: str = ""
    type: str
    connectionDetails: dict[str, Any] = {}


SPEC_MODELS: dict[str, type[BaseModel]] = {
    "SLO": SloSpec,
    "SLI": SliSpec,
    "Service": ServiceSpec,
    "AlertPolicy": AlertPolicySpec,
    "AlertCondition": AlertConditionSpec,
    "AlertNotificationTarget": TargetSpec,
    "DataSource": DataSourceSpec,
}


class Envelope(Strict):
    apiVersion: Literal["openslo/v1"]
    kind: Literal[
        "SLO",
        "SLI",
        "Service",
        "AlertPolicy",
        "AlertCondition",
        "AlertNotificationTarget",
        "DataSource",
    ]
    metadata: Metadata
    spec: dict[str, Any]


def is_openslo(data: Any) -> bool:
    return isinstance(data, dict) and ("apiVersion" in data or "kind" in data)
