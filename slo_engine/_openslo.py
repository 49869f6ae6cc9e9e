"""OpenSLO v1 objects as the specification and its Go SDK read them (the trust boundary).

Every kind of the v1 README (SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition,
AlertNotificationTarget) with every field, checked as the Go SDK's validation
(``pkg/openslo/v1``) checks it: ``metadata.name`` and every reference are RFC 1123 labels,
descriptions hold at most 1050 characters, durations are the spec's shorthand. Where the
README is looser than the SDK, the README wins: ``timeWindow`` may be left out, and an
AlertCondition without ``op`` compares with ``gt`` ("exceeds", the README's own words).

As Go's decoder does, a null value is an absent one: ``alertPolicies:`` with nothing after
it is no policy. ``isRolling`` defaults to false. A metric source's ``type`` may be left out
when its ``metricSourceRef`` names a DataSource, whose ``type`` it then is; a DataSource's
``connectionDetails`` is any YAML (a list or a mapping). These models check each object's
shape; ``_openslo_convert`` checks what spans objects and builds the typed model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from slo_engine._conventions import LATENCY_METRIC
from slo_engine._filters import ConditionSpec, FilterSpec

API_VERSION = "openslo/v1"
KINDS = (
    "SLO",
    "SLI",
    "Service",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "DataSource",
)
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SHORTHAND = re.compile(r"^[0-9]{1,6}[mhdwMQY]$")
_LABEL_KEY = re.compile(r"^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$")
_ANNOTATION_KEY = re.compile(
    r"^(?=.{1,317}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
    r"[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$"
)
MAX_DESCRIPTION = 1050
MAX_ITEMS = 100


def _dns_label(value: str) -> str:
    if _DNS_LABEL.match(value):
        return value
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:63].strip("-") or "name"
    raise PydanticCustomError(
        "rfc1123_name",
        "'{value}' is not an RFC 1123 name: at most 63 lowercase letters, digits and '-', "
        "starting and ending with a letter or digit (e.g. '{slug}')",
        {"value": value, "slug": slug},
    )


def _matching(pattern: re.Pattern[str], code: str, message: str) -> Callable[[str], str]:
    """A validator refusing what ``pattern`` does not match, with ``message`` ({value})."""

    def check(value: str) -> str:
        if pattern.match(value):
            return value
        raise PydanticCustomError(code, message, {"value": value})

    return check


_shorthand = _matching(
    _SHORTHAND,
    "duration_shorthand",
    "'{value}' is not an OpenSLO duration: a whole number and one of m h d w M Q Y "
    "(e.g. 5m, 1h, 28d, 1M)",
)
_label_key = _matching(
    _LABEL_KEY,
    "label_key",
    "'{value}' is not a label key: at most 63 letters, digits, '-', '_' and '.', "
    "starting and ending with a letter or digit",
)
_annotation_key = _matching(
    _ANNOTATION_KEY,
    "annotation_key",
    "'{value}' is not an annotation key: an optional DNS prefix and '/', then a name "
    "(e.g. sloscope.dev/no-data)",
)


DnsName = Annotated[str, AfterValidator(_dns_label)]
Shorthand = Annotated[str, AfterValidator(_shorthand)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
Comparison = Literal["lt", "lte", "gt", "gte"]


class Spec(BaseModel):
    """Unknown fields are errors; a null value is an absent one, as in Go."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class Metadata(Spec):
    name: DnsName
    displayName: Annotated[str, Field(max_length=63)] | None = None
    labels: dict[
        Annotated[str, AfterValidator(_label_key)],
        Annotated[str, Field(max_length=256)] | Annotated[list[str], Field(max_length=MAX_ITEMS)],
    ] = {}
    annotations: dict[
        Annotated[str, AfterValidator(_annotation_key)], Annotated[str, Field(max_length=4096)]
    ] = {}


class SloscopeSourceSpec(Spec):
    """The ``spec`` of a metric source of ``type: sloscope``: the native format's fields."""

    metric: Annotated[str, Field(min_length=1, max_length=256)] = LATENCY_METRIC
    histogram: Literal["explicit", "exponential"] = "explicit"
    kind: Literal["latency", "latency_percentile", "gauge", "health_check"] = "latency"
    percentile: Annotated[float, Field(gt=0, lt=100)] | None = None
    aggregation: Literal["avg", "min", "max"] = "avg"
    check: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    route: ConditionSpec | None = None
    method: ConditionSpec | None = None
    filter: FilterSpec = {}


class MetricSource(Spec):
    metricSourceRef: DnsName | None = None
    type: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    spec: dict[str, Any] = {}


class MetricHolder(Spec):
    metricSource: MetricSource


class RatioMetric(Spec):
    counter: bool = False
    good: MetricHolder | None = None
    bad: MetricHolder | None = None
    total: MetricHolder | None = None
    rawType: Literal["success", "failure"] | None = None
    raw: MetricHolder | None = None


class SliSpec(Spec):
    description: Description = ""
    thresholdMetric: MetricHolder | None = None
    ratioMetric: RatioMetric | None = None


class InlineSli(Spec):
    metadata: Metadata
    spec: SliSpec


class CalendarSpec(Spec):
    startTime: datetime | Annotated[str, Field(max_length=64)]
    timeZone: Annotated[str, Field(min_length=1, max_length=64)]


class TimeWindow(Spec):
    duration: Shorthand
    isRolling: bool = False
    calendar: CalendarSpec | None = None


class Objective(Spec):
    displayName: Annotated[str, Field(max_length=256)] | None = None
    op: Comparison | None = None
    value: float | None = None
    target: Annotated[float, Field(gt=0, lt=1)] | None = None
    targetPercent: Annotated[float, Field(gt=0, lt=100)] | None = None
    timeSliceTarget: Annotated[float, Field(gt=0, le=1)] | None = None
    timeSliceWindow: Shorthand | Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    indicator: InlineSli | None = None
    indicatorRef: DnsName | None = None
    compositeWeight: Annotated[float, Field(gt=0)] | None = None


class ConditionBody(Spec):
    kind: Literal["burnrate"] = "burnrate"
    op: Comparison | None = None
    threshold: Annotated[float, Field(ge=0)]
    lookbackWindow: Shorthand
    alertAfter: Shorthand | None = None


class AlertConditionSpec(Spec):
    description: Description = ""
    severity: Annotated[str, Field(min_length=1, max_length=64)]
    condition: ConditionBody


class TargetSpec(Spec):
    target: Annotated[str, Field(min_length=1, max_length=256)]
    description: Description = ""


def _ref_or_inline(key: str) -> Any:
    """Tell a reference (``{key: name}``) from an inlined object, so errors name one."""

    def pick(value: Any) -> str:
        return "ref" if isinstance(value, dict) and key in value else "inline"

    return Discriminator(pick)


class ConditionRef(Spec):
    conditionRef: DnsName


class InlineCondition(Spec):
    kind: Literal["AlertCondition"]
    metadata: Metadata
    spec: AlertConditionSpec


class TargetRef(Spec):
    targetRef: DnsName


class InlineTarget(Spec):
    kind: Literal["AlertNotificationTarget"]
    metadata: Metadata
    spec: TargetSpec


Condition = Annotated[
    Annotated[ConditionRef, Tag("ref")] | Annotated[InlineCondition, Tag("inline")],
    _ref_or_inline("conditionRef"),
]
Target = Annotated[
    Annotated[TargetRef, Tag("ref")] | Annotated[InlineTarget, Tag("inline")],
    _ref_or_inline("targetRef"),
]


class AlertPolicySpec(Spec):
    description: Description = ""
    alertWhenNoData: bool = False
    alertWhenResolved: bool = False
    alertWhenBreaching: bool = False
    conditions: Annotated[list[Condition], Field(min_length=1, max_length=1)]
    notificationTargets: Annotated[list[Target], Field(min_length=1, max_length=MAX_ITEMS)]


class PolicyRef(Spec):
    alertPolicyRef: DnsName


class InlinePolicy(Spec):
    kind: Literal["AlertPolicy"]
    metadata: Metadata
    spec: AlertPolicySpec


Policy = Annotated[
    Annotated[PolicyRef, Tag("ref")] | Annotated[InlinePolicy, Tag("inline")],
    _ref_or_inline("alertPolicyRef"),
]


class SloSpec(Spec):
    description: Description = ""
    service: Annotated[str, Field(min_length=1, max_length=256)]
    indicator: InlineSli | None = None
    indicatorRef: DnsName | None = None
    timeWindow: Annotated[list[TimeWindow], Field(min_length=1, max_length=1)] | None = None
    budgetingMethod: Literal["Occurrences", "Timeslices", "RatioTimeslices"]
    objectives: Annotated[list[Objective], Field(min_length=1, max_length=MAX_ITEMS)]
    alertPolicies: Annotated[list[Policy], Field(max_length=MAX_ITEMS)] = []


class ServiceSpec(Spec):
    description: Description = ""


class DataSourceSpec(Spec):
    description: Description = ""
    type: Annotated[str, Field(min_length=1, max_length=64)]
    connectionDetails: Any


SPEC_MODELS: dict[str, type[BaseModel]] = {
    "SLO": SloSpec,
    "SLI": SliSpec,
    "Service": ServiceSpec,
    "AlertPolicy": AlertPolicySpec,
    "AlertCondition": AlertConditionSpec,
    "AlertNotificationTarget": TargetSpec,
    "DataSource": DataSourceSpec,
}


class Envelope(Spec):
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


def duration_text(shorthand: str) -> str:
    """A shorthand as a native duration: ``M``, ``Q`` and ``Y`` are 30, 90 and 365 days,
    as the Go SDK's ``DurationShorthand.Duration`` reads them (a calendar window reads
    them as calendar units instead)."""
    days = {"M": 30, "Q": 90, "Y": 365}.get(shorthand[-1])
    return f"{int(shorthand[:-1]) * days}d" if days is not None else shorthand


def is_openslo(data: Any) -> bool:
    return isinstance(data, dict) and ("apiVersion" in data or "kind" in data)
