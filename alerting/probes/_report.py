"""The health tree as JSON: what ``GET /api/health`` answers and ``sloscope health
--json`` prints (the same pydantic model, so the two never drift apart)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from alerting.probes._config import ProbeKind
from alerting.probes._tree import SEVERITY, CheckHealth, HealthStatus, ServiceHealth


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckReport(_Out):
    name: str
    kind: ProbeKind
    status: HealthStatus
    up: bool | None
    duration_s: float | None
    detail: str
    checked_at: datetime | None
    depends_on: list[str]
    caused_by: list[str]
    tls_days_left: float | None


class ServiceReport(_Out):
    service: str
    status: HealthStatus
    depends_on: list[str]
    caused_by: list[str]
    checks: list[CheckReport]


class HealthReport(_Out):
    """``status`` is the worst of the services' (healthy when there is no check)."""

    status: HealthStatus
    services: list[ServiceReport]

    @classmethod
    def from_tree(cls, tree: Sequence[ServiceHealth]) -> HealthReport:
        status: HealthStatus = next(
            (s for s in SEVERITY if any(x.status == s for x in tree)), "healthy"
        )
        return cls(status=status, services=[_service(service) for service in tree])


def _service(service: ServiceHealth) -> ServiceReport:
    return ServiceReport(
        service=service.service,
        status=service.status,
        depends_on=list(service.depends_on),
        caused_by=list(service.caused_by),
        checks=[_check(check) for check in service.checks],
    )


def _check(check: CheckHealth) -> CheckReport:
    return CheckReport(
        name=check.name,
        kind=check.kind,
        status=check.status,
        up=check.up,
        duration_s=check.duration_s,
        detail=check.detail,
        checked_at=check.checked_at,
        depends_on=list(check.depends_on),
        caused_by=list(check.caused_by),
        tls_days_left=check.tls_days_left,
    )
