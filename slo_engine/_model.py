"""The typed SLO model every spec format loads into (frozen, validated values)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slo_engine._conventions import LATENCY_METRIC
from slo_engine.errors import SpecIssue


class SliKind(enum.StrEnum):
    AVAILABILITY = "availability"
    LATENCY = "latency"
    LATENCY_PERCENTILE = "latency_percentile"
    GAUGE = "gauge"
    HEALTH_CHECK = "health_check"

    @property
    def request_based(self) -> bool:
        return self in (SliKind.AVAILABILITY, SliKind.LATENCY, SliKind.LATENCY_PERCENTILE)


class Budgeting(enum.StrEnum):
    OCCURRENCES = "occurrences"
    TIMESLICES = "timeslices"
    RATIO_TIMESLICES = "ratio_timeslices"


class NoDataPolicy(enum.StrEnum):
    """What a slice (or window) without data, or with too little traffic, counts as."""

    GOOD = "good"
    BAD = "bad"
    IGNORE = "ignore"


class Source(enum.StrEnum):
    """The table family an SLI reads."""

    HISTOGRAM = "histogram"
    EXPONENTIAL_HISTOGRAM = "exponential_histogram"
    GAUGE = "gauge"


class Op(enum.StrEnum):
    """Attribute condition operators; numeric ones compare the value as a number."""

    IN = "in"
    NOT_IN = "not_in"
    MATCHES = "matches"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    EXISTS = "exists"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Condition:
    """``attribute op value``: a missing attribute never satisfies in/matches/lt...."""

    key: str
    op: Op
    values: tuple[str, ...] = ()
    number: float = 0.0


@dataclass(frozen=True, slots=True)
class Filter:
    """A conjunction of conditions; ``negate`` turns it into "not all of these"."""

    conditions: tuple[Condition, ...] = ()
    negate: bool = False


DEFAULT_GOOD = Filter((Condition("http.response.status_code", Op.LT, number=500.0),))


class CalendarUnit(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Window:
    """Rolling (``length``) or calendar (``count`` ``unit`` s in ``timezone``)."""

    length: timedelta | None = None
    unit: CalendarUnit | None = None
    count: int = 1
    timezone: str = "UTC"
    anchor: datetime | None = None

    @property
    def rolling(self) -> bool:
        return self.length is not None


class Severity(enum.StrEnum):
    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """A multi-window burn-rate condition: both windows' burn rates compared with
    ``factor`` by ``op`` (above it, by default) fire it, once that has held for
    ``alert_after`` (OpenSLO's ``alertAfter``; zero fires at the first evaluation)."""

    severity: Severity
    long: timedelta
    short: timedelta
    budget_share: float | None = None
    factor: float | None = None
    op: Op = Op.GT
    alert_after: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """An RFC 5545 RRULE (subset dateutil reads) in a time zone."""

    rule: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Time taken out of the budget: maintenance (maybe recurring) or a correction."""

    name: str
    start: datetime
    duration: timedelta
    kind: str = "maintenance"
    reason: str = ""
    recurrence: Recurrence | None = None
    services: tuple[str, ...] = ()
    slos: tuple[str, ...] = ()

    def applies_to(self, slo_name: str, service: str) -> bool:
        if not self.services and not self.slos:
            return True
        return slo_name in self.slos or service in self.services


class Aggregation(enum.StrEnum):
    AVG = "avg"
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True, slots=True)
class Sli:
    kind: SliKind
    metric: str = LATENCY_METRIC
    source: Source = Source.HISTOGRAM
    filter: Filter = Filter()
    good: Filter = DEFAULT_GOOD
    threshold: float | None = None
    percentile: float | None = None
    op: Op = Op.LE
    aggregation: Aggregation = Aggregation.AVG


@dataclass(frozen=True, slots=True)
class Origin:
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Slo:
    name: str
    service: str
    sli: Sli
    objective: float
    window: Window
    budgeting: Budgeting = Budgeting.OCCURRENCES
    slice: timedelta = timedelta(minutes=1)
    slice_target: float | None = None
    min_events: int = 0
    no_data: NoDataPolicy = NoDataPolicy.IGNORE
    per: tuple[str, ...] = ()
    burn_windows: tuple[BurnWindow, ...] = ()
    description: str = ""
    origin: Origin | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """How the monthly SLA report decides that a minute was down."""

    error_ratio_threshold: float = 0.05
    min_requests: int = 10
    silence_is_down: bool = False
    incident_gap: timedelta = timedelta(minutes=5)
    objective: float = 0.999
    good: Filter = DEFAULT_GOOD
    metric: str = LATENCY_METRIC


@dataclass(frozen=True, slots=True)
class SloSet:
    """Everything loaded from SLO files: the SLOs, the exclusions, the SLA policies, and
    the warnings about what loaded but may not mean what was meant."""

    slos: tuple[Slo, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    sla: SlaPolicy = SlaPolicy()
    sla_services: tuple[tuple[str, SlaPolicy], ...] = ()
    warnings: tuple[SpecIssue, ...] = field(default=(), compare=False)

    def sla_for(self, service: str) -> SlaPolicy:
        return dict(self.sla_services).get(service, self.sla)
