"""The SLA's minute verdicts, counted in ClickHouse (``sql/sla_minutes.sql``).

Per service and local day: how many minutes were excluded, down, silent or too quiet to
judge, the requests and failed requests counted, and the down minutes themselves, from
which ``_incidents`` builds incidents. ``services`` names the services to report
when the SLO files name none: every service that sent the SLA metric in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from processor.store import Queryable
from slo_engine._model import SlaPolicy
from slo_engine._params import FilterTable
from slo_engine._sql import sql
from slo_engine._windows import Range

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ServiceInput:
    """A service to judge: its policy and its excluded ranges (whole minutes, in span)."""

    name: str
    policy: SlaPolicy
    excluded: tuple[Range, ...] = ()


@dataclass(frozen=True, slots=True)
class DownMinute:
    """A down minute: ``requests == 0`` means nothing was received (silence)."""

    start: datetime
    requests: int
    failed: int

    @property
    def silent(self) -> bool:
        return self.requests == 0


@dataclass(frozen=True, slots=True)
class DayCounts:
    minutes: int
    excluded_minutes: int
    down_minutes: int
    silent_minutes: int
    low_traffic_minutes: int
    requests: int
    failed: int
    down: tuple[DownMinute, ...]


EMPTY_DAY = DayCounts(0, 0, 0, 0, 0, 0, 0, ())


def _utc(value: datetime) -> datetime:
    """ClickHouse answers DateTime in the server's zone (UTC) without tzinfo."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dates(span: Range) -> tuple[Any, Any]:
    """The catalogue days that can hold ``span``'s rows, whatever the server's zone."""
    return (span.start - timedelta(days=1)).date(), (span.end + timedelta(days=1)).date()


def minute_parameters(
    services: Sequence[ServiceInput], span: Range, days: Sequence[Range]
) -> dict[str, Any]:
    filters = FilterTable()
    good = [filters.group(s.policy.good) for s in services]
    first_day, last_day = _dates(span)
    return {
        "targets": sorted({(s.name, s.policy.metric) for s in services}),
        "first_day": first_day,
        "last_day": last_day,
        "start": span.start,
        "minutes": int((span.end - span.start) / MINUTE),
        "day_starts": [day.start for day in days],
        **filters.parameters(),
        "svc_name": [s.name for s in services],
        "svc_metric": [s.policy.metric for s in services],
        "svc_good": good,
        "svc_threshold": [s.policy.error_ratio_threshold for s in services],
        "svc_min_requests": [s.policy.min_requests for s in services],
        "svc_silence_down": [1 if s.policy.silence_is_down else 0 for s in services],
        "svc_excluded_start": [[r.start for r in s.excluded] for s in services],
        "svc_excluded_end": [[r.end for r in s.excluded] for s in services],
    }


def measure(
    store: Queryable, services: Sequence[ServiceInput], span: Range, days: Sequence[Range]
) -> list[list[DayCounts]]:
    """Per service (in order), one ``DayCounts`` per day of ``days``."""
    found = [[EMPTY_DAY] * len(days) for _ in services]
    if not services or span.end <= span.start:
        return found
    rows = store.query(sql("sla_minutes"), minute_parameters(services, span, days))
    for service, day, minutes, excluded, down_n, silent, low, requests, failed, down in rows:
        found[service - 1][day - 1] = DayCounts(
            minutes=int(minutes),
            excluded_minutes=int(excluded),
            down_minutes=int(down_n),
            silent_minutes=int(silent),
            low_traffic_minutes=int(low),
            requests=int(requests),
            failed=int(failed),
            down=tuple(DownMinute(_utc(m), int(r), int(f)) for m, r, f in down),
        )
    return found


def service_parameters(metric: str, span: Range) -> dict[str, Any]:
    return {"metric": metric, "start": span.start, "end": span.end}


def services(store: Queryable, metric: str, span: Range) -> list[str]:
    """Every service that sent ``metric`` in ``span``, sorted."""
    rows = store.query(sql("sla_services"), service_parameters(metric, span))
    return [str(name) for (name,) in rows]
