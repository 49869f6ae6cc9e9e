"""The ``health_checks:`` list as written in the SLO files (pydantic, the trust boundary).

::

    health_checks:
      - name: checkout-http
        service: checkout
        http: {url: "https://127.0.0.1:8443/healthz", status: 200, body: ok, tls_days_min: 14}
        interval: 15s
        timeout: 2s
        depends_on: [postgres]
      - name: postgres
        service: postgres
        tcp: {host: 127.0.0.1, port: 5432}
      - name: payments-grpc
        service: payments
        grpc: {target: "127.0.0.1:50051", service: ""}
      - name: store
        service: sloscope
        store: {}

Each check has exactly one probe. ``depends_on`` names other checks; the list is refused
when a name is unknown or the dependencies loop. Durations are bounded: an interval from
1 s to 1 h, a timeout from 100 ms to 60 s and no longer than the interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Literal, cast

import re2
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from alerting._one_of import exactly_one
from alerting._urls import HttpUrl
from slo_engine._durations import parse_duration

Name = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:/-]+$")]
DurationText = Annotated[str, Field(max_length=32)]
MIN_INTERVAL = timedelta(seconds=1)
MAX_INTERVAL = timedelta(hours=1)
MIN_TIMEOUT = timedelta(milliseconds=100)
MAX_TIMEOUT = timedelta(seconds=60)
MAX_CHECKS = 500
MAX_BODY_PATTERN = 1024
ProbeKind = Literal["http", "tcp", "grpc", "store"]
KINDS: tuple[ProbeKind, ...] = ("http", "tcp", "grpc", "store")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pattern(value: str) -> str:
    try:
        re2.compile(value)
    except re2.error as exc:
        raise ValueError(f"not a regular expression (RE2 syntax): {exc}") from None
    return value


class HttpProbe(Strict):
    """GET ``url``: up when the answer has ``status`` and, if given, its body holds
    ``body`` (a substring, or failing that an RE2 regular expression that matches
    somewhere), and an HTTPS certificate is valid for at least ``tls_days_min`` days."""

    url: HttpUrl
    status: Annotated[int, Field(ge=100, le=599)] = 200
    body: Annotated[str, Field(min_length=1, max_length=MAX_BODY_PATTERN)] | None = None
    tls_days_min: Annotated[int, Field(ge=0, le=3650)] | None = None
    # A CA bundle to trust instead of the system's (a service with a private CA).
    ca_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None

    @model_validator(mode="after")
    def _checked(self) -> HttpProbe:
        if self.body is not None:
            _pattern(self.body)
        if self.tls_days_min is not None and not self.url.startswith("https://"):
            raise ValueError("tls_days_min needs an https:// URL")
        return self


class TcpProbe(Strict):
    """Up when a TCP connection to ``host``:``port`` opens."""

    host: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9._:\[\]-]+$")]
    port: Annotated[int, Field(ge=1, le=65535)]


class GrpcProbe(Strict):
    """The gRPC health protocol (``grpc.health.v1.Health/Check``): up when ``target``
    answers SERVING for ``service`` ('' asks about the server as a whole)."""

    target: Annotated[str, Field(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9._:\[\]/-]+$")]
    service: Annotated[str, Field(max_length=256)] = ""
    tls: bool = False
    ca_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None


class StoreProbe(Strict):
    """sloscope's own store: up when ``SELECT 1`` answers."""


class HealthCheck(Strict):
    """One named check of one service, run every ``interval`` within ``timeout``."""

    name: Name
    service: Name
    http: HttpProbe | None = None
    tcp: TcpProbe | None = None
    grpc: GrpcProbe | None = None
    store: StoreProbe | None = None
    interval: DurationText = "15s"
    timeout: DurationText = "2s"
    depends_on: Annotated[list[Name], Field(max_length=64)] = []

    @model_validator(mode="after")
    def _checked(self) -> HealthCheck:
        exactly_one(self, KINDS)
        interval, timeout = self.interval_delta, self.timeout_delta
        if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise ValueError("interval must be between 1s and 1h")
        if not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
            raise ValueError("timeout must be between 100ms and 60s")
        if timeout > interval:
            raise ValueError("timeout must not be longer than interval")
        if self.name in self.depends_on:
            raise ValueError(f"the check {self.name!r} depends on itself")
        return self

    @property
    def kind(self) -> ProbeKind:
        return cast(ProbeKind, exactly_one(self, KINDS))

    @property
    def interval_delta(self) -> timedelta:
        return parse_duration(self.interval)

    @property
    def timeout_delta(self) -> timedelta:
        return parse_duration(self.timeout)

    @property
    def timeout_s(self) -> float:
        return self.timeout_delta.total_seconds()


def _consistent(checks: list[HealthCheck]) -> list[HealthCheck]:
    """Names unique, dependencies known and without a loop."""
    problems = list_problems(checks)
    if problems:
        raise ValueError(problems[0][2])
    return checks


def list_problems(checks: Sequence[HealthCheck]) -> list[tuple[int, str, str]]:
    """What is wrong with the list as a whole, as (index of the check, its field,
    message): a name used twice, a dependency on an unknown check, a loop."""
    problems: list[tuple[int, str, str]] = []
    by_name: dict[str, HealthCheck] = {}
    for index, check in enumerate(checks):
        if check.name in by_name:
            problems.append((index, "name", f"the check name {check.name!r} is used twice"))
        else:
            by_name[check.name] = check
    for index, check in enumerate(checks):
        unknown = [name for name in check.depends_on if name not in by_name]
        if unknown:
            message = f"{check.name!r} depends on unknown checks: {', '.join(unknown)}"
            problems.append((index, "depends_on", message))
    if problems:
        return problems
    cycle = _find_cycle(by_name)
    if cycle:
        index = next(i for i, check in enumerate(checks) if check.name == cycle[0])
        problems.append((index, "depends_on", f"the dependencies loop: {' -> '.join(cycle)}"))
    return problems


def _find_cycle(by_name: dict[str, HealthCheck]) -> list[str]:
    """A dependency loop as the names along it (first name repeated), or []."""
    done: set[str] = set()
    for start in by_name:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            name, index = stack.pop()
            if index == 0:
                path.append(name)
                on_path.add(name)
            deps = by_name[name].depends_on
            if index < len(deps):
                stack.append((name, index + 1))
                nxt = deps[index]
                if nxt in on_path:
                    return [*path[path.index(nxt) :], nxt]
                if nxt not in done:
                    stack.append((nxt, 0))
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
    return []


HealthChecks = Annotated[
    list[HealthCheck], Field(max_length=MAX_CHECKS), AfterValidator(_consistent)
]
"""The ``health_checks:`` list: names unique, dependencies known, no loop."""
