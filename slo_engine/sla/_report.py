"""The monthly SLA report: availability from down minutes, incidents, SLOs and latency.

Following the cloud-SLA convention (docs/sla.md): a minute is *down* when its error
ratio (failed / valid requests) is above the policy's threshold with at least
``min_requests`` requests, or, when ``silence_is_down`` is set, when the service sent no
request at all. Maintenance that selects the service is excluded, neither up nor down.
``availability = uptime / (month - excluded)``. The minute verdicts and daily sums come
from SQL (``_minutes``); the month's SLOs, latency and request counts from the SLO
engine's own evaluation at the month's end (``status`` with a calendar-month window);
this module assembles them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from processor.store import Queryable
from slo_engine import _exclusions
from slo_engine._bounds import check_instant, year_problem
from slo_engine._model import (
    CalendarUnit,
    Exclusion,
    Filter,
    Sli,
    SliKind,
    Slo,
    SloSet,
    Window,
)
from slo_engine._status import status
from slo_engine._status_model import SloStatus
from slo_engine._windows import Range, floor_minute, local_days, month_range, timezone
from slo_engine.errors import InvalidRequest
from slo_engine.sla import _incidents, _minutes
from slo_engine.sla._incidents import Incident
from slo_engine.sla._minutes import DayCounts, ServiceInput
from slo_engine.sla._model import (
    MTTR_DEFINITION,
    SlaDay,
    SlaExcluded,
    SlaIncident,
    SlaLatency,
    SlaPeriod,
    SlaPolicyOut,
    SlaReport,
    SlaService,
    SlaSloResult,
    SlaSummary,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (steps done, steps in all) as the report is computed."""

SERVICES_PER_QUERY = 8
SERVICE_SLO = ""
"""The name of the report's own per-service evaluation: no SLO can have it."""


def sla_period(month: str, zone_name: str) -> Range:
    """``YYYY-MM`` in ``zone_name`` as a UTC range; InvalidRequest when either is bad
    (a month outside 1970-01 to 2200-12 included)."""
    problem = year_problem(int(month[:4])) if month[:4].isdigit() else None
    if problem is not None:
        raise InvalidRequest(f"month {month}: {problem}")
    return month_range(month, zone_name)


def sla_report(
    store: Queryable,
    slo_set: SloSet,
    month: str,
    zone_name: str,
    now: datetime,
    *,
    progress: Progress | None = None,
) -> SlaReport:
    """The SLA report of ``month`` in ``zone_name`` as known at ``now``."""
    period = sla_period(month, zone_name)
    zone = timezone(zone_name)
    until = min(period.end, floor_minute(check_instant(now, "the report instant")))
    if until <= period.start:
        raise InvalidRequest(f"month {month} has not started yet in {zone_name}")
    span = Range(period.start, until)
    days = local_days(span, zone_name)
    names = _service_names(store, slo_set, span)
    inputs = [
        ServiceInput(
            name,
            slo_set.sla_for(name),
            tuple(_exclusions.excluded(_selecting(slo_set.exclusions, name), span)),
        )
        for name in names
    ]
    chunks = [inputs[i : i + SERVICES_PER_QUERY] for i in range(0, len(inputs), SERVICES_PER_QUERY)]
    steps = len(chunks) + 1
    counts: list[list[DayCounts]] = []
    for done, chunk in enumerate(chunks, start=1):
        counts += _minutes.measure(store, chunk, span, days)
        if progress is not None:
            progress(done, steps)
    evaluated = _evaluate_slos(store, slo_set, names, zone_name, until)
    if progress is not None:
        progress(steps, steps)
    services = [
        _service(
            item=item,
            days_counts=days_counts,
            days=days,
            period=period,
            zone=zone,
            slo_set=slo_set,
            evaluated=evaluated.get(item.name, []),
        )
        for item, days_counts in zip(inputs, counts, strict=True)
    ]
    logger.info(
        "sla report computed", extra={"month": month, "zone": zone_name, "services": len(names)}
    )
    return SlaReport(
        period=SlaPeriod(
            start=period.start.astimezone(zone),
            end=period.end.astimezone(zone),
            timezone=zone_name,
            seconds=period.seconds,
            evaluated_until=until.astimezone(zone),
            complete=until == period.end,
        ),
        services=services,
        summary=_summary(services),
    )


def _service_names(store: Queryable, slo_set: SloSet, span: Range) -> list[str]:
    named = {slo.service for slo in slo_set.slos} | {name for name, _ in slo_set.sla_services}
    if named:
        return sorted(named)
    return _minutes.services(store, slo_set.sla.metric, span)


def _selecting(exclusions: Sequence[Exclusion], service: str) -> list[Exclusion]:
    """Exclusions for every budget, or naming ``service``; not those naming only SLOs."""
    return [e for e in exclusions if (not e.services and not e.slos) or service in e.services]


def _evaluate_slos(
    store: Queryable, slo_set: SloSet, names: Sequence[str], zone_name: str, until: datetime
) -> dict[str, list[SloStatus]]:
    """The services' SLOs and the report's own per-service SLO, over the calendar month."""
    month = Window(unit=CalendarUnit.MONTH, timezone=zone_name)
    wanted = set(names)
    slos = [dataclasses.replace(s, window=month) for s in slo_set.slos if s.service in wanted]
    for name in names:
        policy = slo_set.sla_for(name)
        sli = Sli(
            kind=SliKind.AVAILABILITY, metric=policy.metric, filter=Filter(), good=policy.good
        )
        slos.append(
            Slo(name=SERVICE_SLO, service=name, sli=sli, objective=policy.objective, window=month)
        )
    report = status(store, SloSet(tuple(slos), slo_set.exclusions), until)
    found: dict[str, list[SloStatus]] = {}
    for item in report.slos:
        found.setdefault(item.service, []).append(item)
    return found


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _service(
    *,
    item: ServiceInput,
    days_counts: Sequence[DayCounts],
    days: Sequence[Range],
    period: Range,
    zone: ZoneInfo,
    slo_set: SloSet,
    evaluated: Sequence[SloStatus],
) -> SlaService:
    policy = item.policy
    minute_s = _minutes.MINUTE.total_seconds()
    total_s = sum(d.minutes for d in days_counts) * minute_s
    excluded_s = sum(d.excluded_minutes for d in days_counts) * minute_s
    down_s = sum(d.down_minutes for d in days_counts) * minute_s
    eligible_s = total_s - excluded_s
    month_excluded = _exclusions.excluded(_selecting(slo_set.exclusions, item.name), period)
    budget_s = (1 - policy.objective) * (period.seconds - _exclusions.total_seconds(month_excluded))
    availability = _ratio(eligible_s - down_s, eligible_s)
    incidents = _incidents.group((m for d in days_counts for m in d.down), policy.incident_gap)
    own = next((s for s in evaluated if s.slo == SERVICE_SLO), None)
    latency = own.latency if own is not None else None
    return SlaService(
        name=item.name,
        availability=availability,
        objective=policy.objective,
        met=None if availability is None else availability >= policy.objective,
        uptime_seconds=eligible_s - down_s,
        downtime_seconds=down_s,
        excluded_seconds=excluded_s,
        error_budget_seconds=budget_s,
        error_budget_remaining_seconds=budget_s - down_s,
        requests=sum(d.requests for d in days_counts),
        failed_requests=sum(d.failed for d in days_counts),
        silent_minutes=sum(d.silent_minutes for d in days_counts),
        low_traffic_minutes=sum(d.low_traffic_minutes for d in days_counts),
        mttr_seconds=_mean([i.duration.total_seconds() for i in incidents]),
        incidents=[_incident(item.name, i, zone) for i in incidents],
        slos=[_slo(s) for s in evaluated if s.slo != SERVICE_SLO],
        latency=SlaLatency(
            p95=latency.p95 if latency else None,
            p99=latency.p99 if latency else None,
            p95_error=latency.p95_error if latency else None,
            p99_error=latency.p99_error if latency else None,
        ),
        excluded=_excluded(slo_set.exclusions, item.name, period, zone),
        daily=_daily(days_counts, days, zone, budget_s),
        policy=SlaPolicyOut(
            objective=policy.objective,
            error_ratio_threshold=policy.error_ratio_threshold,
            min_requests=policy.min_requests,
            silence_is_down=policy.silence_is_down,
            incident_gap_seconds=policy.incident_gap.total_seconds(),
        ),
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _incident(service: str, incident: Incident, zone: ZoneInfo) -> SlaIncident:
    start = incident.start.astimezone(zone)
    return SlaIncident(
        id=f"{service}-{start:%Y%m%d-%H%M}",
        start=start,
        end=incident.end.astimezone(zone),
        duration_seconds=incident.duration.total_seconds(),
        down_seconds=incident.down_seconds,
        severity=incident.severity,
        peak_error_ratio=incident.peak_error_ratio,
        requests=incident.requests,
        failed_requests=incident.failed,
        description=incident.describe(),
    )


def _slo(item: SloStatus) -> SlaSloResult:
    return SlaSloResult(
        name=item.name,
        objective=item.objective,
        sli=item.sli,
        met=None if item.sli is None else item.sli >= item.objective,
        error_budget_consumed=item.error_budget.consumed,
        notes=item.notes,
    )


def _excluded(
    exclusions: Sequence[Exclusion], service: str, period: Range, zone: ZoneInfo
) -> list[SlaExcluded]:
    found = [
        (occurrence, exclusion)
        for exclusion in _selecting(exclusions, service)
        for occurrence in _exclusions.occurrences(exclusion, period)
    ]
    found.sort(key=lambda pair: (pair[0].start, pair[1].name))
    return [
        SlaExcluded(
            name=exclusion.name,
            kind=exclusion.kind,
            reason=exclusion.reason,
            start=occurrence.start.astimezone(zone),
            end=occurrence.end.astimezone(zone),
        )
        for occurrence, exclusion in found
    ]


def _daily(
    days_counts: Sequence[DayCounts], days: Sequence[Range], zone: ZoneInfo, budget_s: float
) -> list[SlaDay]:
    minute_s = _minutes.MINUTE.total_seconds()
    found = []
    spent_s = 0.0
    for counts, day in zip(days_counts, days, strict=True):
        eligible_s = (counts.minutes - counts.excluded_minutes) * minute_s
        down_s = counts.down_minutes * minute_s
        spent_s += down_s
        found.append(
            SlaDay(
                date=day.start.astimezone(zone).date(),
                availability=_ratio(eligible_s - down_s, eligible_s),
                downtime_seconds=down_s,
                excluded_seconds=counts.excluded_minutes * minute_s,
                requests=counts.requests,
                failed_requests=counts.failed,
                budget_remaining_ratio=None if budget_s <= 0 else 1 - spent_s / budget_s,
            )
        )
    return found


def _summary(services: Sequence[SlaService]) -> SlaSummary:
    uptime = sum(s.uptime_seconds for s in services)
    eligible = sum(s.uptime_seconds + s.downtime_seconds for s in services)
    durations = [i.duration_seconds for s in services for i in s.incidents]
    return SlaSummary(
        overall_availability=_ratio(uptime, eligible),
        total_downtime_seconds=sum(s.downtime_seconds for s in services),
        incidents=len(durations),
        mttr_seconds=_mean(durations),
        mttr_definition=MTTR_DEFINITION,
        services_met=sum(1 for s in services if s.met is True),
        services_breached=sum(1 for s in services if s.met is False),
    )
