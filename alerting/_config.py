"""The ``alerting:`` section of the SLO files: its shape as written (pydantic, the trust
boundary) and the typed configuration the evaluator and the dispatcher run on.

::

    alerting:
      interval: 10s                  # evaluation interval
      resolve_hold: 1m               # a cleared condition resolves after this long clear
      group_by: [alertname, service] # one notification per group and channel
      group_wait: 0s                 # a new group waits this long for more alerts
      group_interval: 1m             # a group that changed is notified at most this often
      repeat_interval: 4h            # a group still firing is notified again after this
      channels: [...]                # alerting/channels models
      routes:                        # by severity, service, any label; first match wins
        - match: {severity: critical}
          channels: [oncall]
      inhibit:                       # default: critical mutes warning of the same service,
        - source: {severity: critical}     # page mutes ticket of the same SLO
          target: {severity: warning}
          equal: [service]
      escalation:                    # not acknowledged after N minutes: the next level
        - after: 15m
          channels: [team-lead]
      rules: [...]                   # threshold rules over any stored metric
      slo_alerts:                    # the SLOs' burn-rate pairs, budget, no data
        channels: [oncall]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alerting._matchers import Label, Matchers, MatchersSpec, Value
from slo_engine import FilterSpec

Name = Annotated[str, Field(min_length=1, max_length=256)]
Text = Annotated[str, Field(max_length=4096)]
DurationText = Annotated[str, Field(max_length=32)]
Names = Annotated[list[Name], Field(max_length=64)]
Aggregation = Literal[
    "avg", "min", "max", "sum", "rate", "count", "p50", "p95", "p99", "error_ratio"
]
Severity = Literal["critical", "warning", "info", "page", "ticket"]
Op = Literal["gt", "ge", "lt", "le"]
# Aggregations only a request histogram answers; the others read gauges and sums too.
HISTOGRAM_ONLY: frozenset[str] = frozenset({"error_ratio", "p50", "p95", "p99"})
DEFAULT_GROUP_BY = ("alertname", "service")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleSpec(Strict):
    """A threshold rule: ``aggregation`` of ``metric`` over ``window``, ``op`` ``value``,
    held for ``for``. Filters are the SLO files' filters (docs/slo.md); ``good``/``bad``
    override the availability rule of ``error_ratio`` as they do on an SLI."""

    name: Name
    service: Name
    metric: Name = "http.server.request.duration"
    source: Literal["histogram", "exponential_histogram", "points"] | None = None
    filter: FilterSpec = {}
    good: FilterSpec | None = None
    bad: FilterSpec | None = None
    aggregation: Aggregation
    window: DurationText = "5m"
    op: Op = "gt"
    value: float
    for_: DurationText = Field("0s", alias="for")
    severity: Severity = "warning"
    labels: Annotated[dict[Label, Value], Field(max_length=32)] = {}
    annotations: Annotated[dict[Label, Text], Field(max_length=32)] = {}
    channels: Names = []


class SloAlertsSpec(Strict):
    """Alerts from the SLOs: each SLO's page and ticket burn-rate pairs, a budget below a
    level (ticket), a budget exhausted (page), no data in the SLO window (ticket)."""

    channels: Names = []
    slos: Names = []
    burn_rate: bool = True
    budget_below: Annotated[float, Field(gt=0, lt=1)] | None = None
    budget_exhausted: bool = True
    no_data: bool = False
    annotations: Annotated[dict[Label, Text], Field(max_length=32)] = {}


class RouteSpec(Strict):
    match: MatchersSpec = {}
    channels: Names
    continue_: bool = Field(False, alias="continue")


class InhibitSpec(Strict):
    source: MatchersSpec
    target: MatchersSpec
    equal: Annotated[list[Label], Field(max_length=16)] = []


class EscalationSpec(Strict):
    after: DurationText
    channels: Names
    match: MatchersSpec = {}


class AlertingSpec(Strict):
    interval: DurationText | None = None
    resolve_hold: DurationText | None = None
    group_by: Annotated[list[Label], Field(max_length=16)] | None = None
    group_wait: DurationText | None = None
    group_interval: DurationText | None = None
    repeat_interval: DurationText | None = None
    delivery_timeout: DurationText | None = None
    channels: Annotated[list[dict[str, Any]], Field(max_length=256)] = []
    routes: Annotated[list[RouteSpec], Field(max_length=256)] = []
    inhibit: Annotated[list[InhibitSpec], Field(max_length=64)] | None = None
    escalation: Annotated[list[EscalationSpec], Field(max_length=16)] = []
    rules: Annotated[list[RuleSpec], Field(max_length=1000)] = []
    slo_alerts: SloAlertsSpec | None = None


# The settings one section sets for all, with their defaults.
SETTINGS: Mapping[str, str] = {
    "interval": "10s",
    "resolve_hold": "1m",
    "group_wait": "0s",
    "group_interval": "1m",
    "repeat_interval": "4h",
    "delivery_timeout": "10s",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A threshold rule, built: the SLO ``probe`` measures it when it reads histograms."""

    name: str
    service: str
    metric: str
    source: Literal["histogram", "exponential_histogram", "points"]
    filter: Any
    aggregation: str
    window: timedelta
    op: str
    value: float
    hold_for: timedelta
    severity: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    channels: tuple[str, ...]
    probe: Any = None


@dataclass(frozen=True, slots=True)
class SloAlerts:
    channels: tuple[str, ...]
    slos: frozenset[str]
    burn_rate: bool
    budget_below: float | None
    budget_exhausted: bool
    no_data: bool
    annotations: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Route:
    match: Matchers
    channels: tuple[str, ...]
    continue_: bool


@dataclass(frozen=True, slots=True)
class Inhibit:
    source: Matchers
    target: Matchers
    equal: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Level:
    """An escalation level: a firing alert nobody acknowledged within ``after`` of its
    start is sent to ``channels`` too."""

    after: timedelta
    channels: tuple[str, ...]
    match: Matchers


@dataclass(frozen=True, slots=True)
class Timing:
    interval: timedelta = timedelta(seconds=10)
    resolve_hold: timedelta = timedelta(minutes=1)
    group_wait: timedelta = timedelta(0)
    group_interval: timedelta = timedelta(minutes=1)
    repeat_interval: timedelta = timedelta(hours=4)
    delivery_timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class AlertingConfig:
    """Everything the alerting sections of the SLO files say, checked and typed.
    ``channels`` and ``health_checks`` are alerting.channels and alerting.probes models."""

    timing: Timing = Timing()
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY
    channels: Mapping[str, Any] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    inhibit: tuple[Inhibit, ...] = ()
    escalation: tuple[Level, ...] = ()
    rules: tuple[Rule, ...] = ()
    slo_alerts: SloAlerts | None = None
    health_checks: tuple[Any, ...] = ()
