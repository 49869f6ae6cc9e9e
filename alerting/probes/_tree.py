"""Health with dependencies: which services are healthy, degraded or unhealthy, and why.

A check is *unhealthy* when its own latest run failed, *degraded* when it passed but a
check it depends on (directly or through others) failed, *unknown* before its first run,
and *healthy* otherwise. A service takes the worst state of its checks, in the order
unhealthy, degraded, unknown, healthy, and names the failed checks that degrade it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from alerting.probes._config import HealthCheck, ProbeKind
from alerting.probes._result import ProbeResult

HealthStatus = Literal["healthy", "degraded", "unknown", "unhealthy"]
# Worst first: a service shows the first of these that any of its checks has.
SEVERITY: tuple[HealthStatus, ...] = ("unhealthy", "degraded", "unknown", "healthy")


@dataclass(frozen=True, slots=True)
class CheckHealth:
    """One check's state. ``caused_by`` lists the failed checks it depends on."""

    name: str
    service: str
    kind: ProbeKind
    status: HealthStatus
    up: bool | None
    duration_s: float | None
    detail: str
    checked_at: datetime | None
    depends_on: tuple[str, ...]
    caused_by: tuple[str, ...]
    tls_days_left: float | None = None


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """A service's state from its checks; ``depends_on`` are the services its checks
    depend on, ``caused_by`` the failed checks of other services that degrade it."""

    service: str
    status: HealthStatus
    checks: tuple[CheckHealth, ...]
    depends_on: tuple[str, ...]
    caused_by: tuple[str, ...]


def health_tree(
    checks: Sequence[HealthCheck], results: Mapping[str, ProbeResult] | Iterable[ProbeResult]
) -> list[ServiceHealth]:
    """Each service's health from the latest result of each check (by check name);
    services sorted by name. ``checks`` must be a validated list (no loop)."""
    latest = (
        dict(results)
        if isinstance(results, Mapping)
        else {result.name: result for result in results}
    )
    by_name = {check.name: check for check in checks}
    states = [_check_health(check, latest.get(check.name), by_name, latest) for check in checks]
    services: dict[str, list[CheckHealth]] = {}
    for state in states:
        services.setdefault(state.service, []).append(state)
    return [_service(name, services[name], by_name) for name in sorted(services)]


def service_subtree(tree: Sequence[ServiceHealth], service: str) -> list[ServiceHealth]:
    """``service`` and every service it depends on, directly or through others, in the
    tree's order; [] when ``service`` has no check."""
    by_service = {item.service: item for item in tree}
    wanted: set[str] = set()
    queue = [service] if service in by_service else []
    while queue:
        current = queue.pop()
        if current not in wanted:
            wanted.add(current)
            queue.extend(by_service[current].depends_on)
    return [item for item in tree if item.service in wanted]


def _check_health(
    check: HealthCheck,
    result: ProbeResult | None,
    by_name: Mapping[str, HealthCheck],
    latest: Mapping[str, ProbeResult],
) -> CheckHealth:
    failed = tuple(
        name
        for name in _dependencies(check.name, by_name)
        if (dep := latest.get(name)) is not None and not dep.up
    )
    status: HealthStatus
    if result is None:
        status = "unknown"
    elif not result.up:
        status = "unhealthy"
    elif failed:
        status = "degraded"
    else:
        status = "healthy"
    return CheckHealth(
        name=check.name,
        service=check.service,
        kind=check.kind,
        status=status,
        up=None if result is None else result.up,
        duration_s=None if result is None else result.duration_s,
        detail="not run yet" if result is None else result.detail,
        checked_at=None if result is None else result.checked_at,
        depends_on=tuple(check.depends_on),
        caused_by=failed,
        tls_days_left=None if result is None else result.tls_days_left,
    )


def _dependencies(name: str, by_name: Mapping[str, HealthCheck]) -> list[str]:
    """Every check ``name`` depends on, directly or not, nearest first."""
    seen: list[str] = []
    queue = list(by_name[name].depends_on)
    while queue:
        current = queue.pop(0)
        if current in seen or current == name:
            continue
        seen.append(current)
        queue.extend(by_name[current].depends_on)
    return seen


def _service(
    service: str, checks: list[CheckHealth], by_name: Mapping[str, HealthCheck]
) -> ServiceHealth:
    status = next(s for s in SEVERITY if any(check.status == s for check in checks))
    depends_on = sorted(
        {by_name[dep].service for check in checks for dep in check.depends_on} - {service}
    )
    caused_by = sorted(
        {name for check in checks for name in check.caused_by if by_name[name].service != service}
    )
    return ServiceHealth(
        service=service,
        status=status,
        checks=tuple(checks),
        depends_on=tuple(depends_on),
        caused_by=tuple(caused_by),
    )
