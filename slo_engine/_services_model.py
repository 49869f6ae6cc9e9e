"""The JSON contract of the services (``GET /api/services``, ``GET /api/services/{name}``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceSummary(_Out):
    """A service's requests and failed requests (status 500 or more) over a range, and
    the routes they went to (at most 200)."""

    name: str
    requests: int
    errors: int
    error_ratio: float | None
    routes: list[str]


class ServiceSeries(_Out):
    """One service (or one of its routes) step by step: the entry at ``times[k]`` covers
    the step that ends there. ``requests_per_second`` and ``error_ratio`` (failed over
    all requests), latency percentiles in seconds from the merged buckets, and each
    resource gauge (``system.cpu.utilization``, ...) as the mean of the step's points.
    None where a step had no data."""

    service: str
    route: str | None
    step_seconds: int
    grain_seconds: int
    times: list[datetime]
    requests_per_second: list[float | None]
    error_ratio: list[float | None]
    p50: list[float | None]
    p95: list[float | None]
    p99: list[float | None]
    resources: dict[str, list[float | None]]
