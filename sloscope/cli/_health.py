"""``sloscope health``: run the health checks of the SLO files once and print the tree.

The checks are read as ``slo validate`` reads the SLOs (``--slos``, else the settings'
``slo.slos_dir``). A ``store`` check asks the store where it is: through the running
server's API when ``sloscope serve`` holds it, else opened read-only here. Exit 1 when a
service is unhealthy (a degraded one is healthy itself); 2 for bad files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from alerting.probes import (
    CheckReport,
    HealthBoard,
    HealthReport,
    ServiceReport,
    load_health_checks,
)
from processor import ProcessorError, Queryable, Store, StoreUnavailable, open_store
from slo_engine import read_sources
from sloscope._api_client import post_json
from sloscope._local_server import find_running_server
from sloscope._read_query import QueryAnswer
from sloscope.cli._context import DataDirOption, DsnOption, api_token, load_settings
from sloscope.cli._exit import EXIT_BREACH
from sloscope.cli._slo import engine_errors
from sloscope.config import Settings
from sloscope.errors import SloscopeError

MARK = {"healthy": "ok", "degraded": "DEGRADED", "unknown": "?", "unhealthy": "UNHEALTHY"}


def register(app: typer.Typer) -> None:
    app.command("health")(health)


def health(
    ctx: typer.Context,
    *,
    slos: Annotated[
        Path | None, typer.Option("--slos", help="SLO file or directory [settings: slo.slos_dir].")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document: status, services, checks.")
    ] = False,
    data_dir: DataDirOption = None,
    dsn: DsnOption = None,
) -> None:
    """Run every health check once; print each service's health, response times and
    details. Exit 1 when a service is unhealthy."""
    with engine_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        checks = load_health_checks(read_sources([slos or settings.slo.slos_dir]))
        board = HealthBoard(checks)
        store = _store(settings) if any(c.store is not None for c in checks) else None
        try:
            tree = asyncio.run(board.refresh(store))
        finally:
            if isinstance(store, Store):
                store.close()
        report = HealthReport.from_tree(tree)
        typer.echo(report.model_dump_json(indent=2) if as_json else render_tree(report))
        if any(service.status == "unhealthy" for service in report.services):
            raise typer.Exit(EXIT_BREACH)


def _store(settings: Settings) -> Queryable:
    server = find_running_server(settings.store)
    if server is not None:
        return _Elsewhere(server.api_url, api_token(settings))
    try:
        return open_store(settings.store.options(), migrate=False)
    except ProcessorError as exc:
        return _Elsewhere(None, None, unreachable=str(exc))


@dataclass(frozen=True, slots=True)
class _Elsewhere:
    """The store as this command reaches it when it cannot open it: held by ``sloscope
    serve`` and asked through its ``/api/query``, or (``api_url`` None) not at all, so
    that its check fails with the reason."""

    api_url: str | None
    token: str | None
    unreachable: str = ""
    database: str = ""

    def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        if self.api_url is None:
            raise StoreUnavailable(self.unreachable)
        body = {"sql": sql, "parameters": dict(parameters or {})}
        try:
            reply = post_json(self.api_url, "/api/query", body, self.token, timeout_s=10)
        except SloscopeError as exc:
            raise StoreUnavailable(str(exc)) from None
        return [tuple(row) for row in QueryAnswer.model_validate(reply).rows]


def render_tree(report: HealthReport) -> str:
    """Each service with its checks, and beneath it the services it depends on."""
    if not report.services:
        return "no health checks"
    by_name = {service.service: service for service in report.services}
    needed = {dep for service in report.services for dep in service.depends_on}
    roots = [s for s in report.services if s.service not in needed] or report.services[:1]
    lines: list[str] = []
    for root in roots:
        _render(root, by_name, 0, (), lines)
    lines.append(f"status: {report.status}")
    return "\n".join(lines)


def _render(
    service: ServiceReport,
    by_name: Mapping[str, ServiceReport],
    depth: int,
    above: tuple[str, ...],
    lines: list[str],
) -> None:
    pad = "    " * depth
    cause = f" (caused by {', '.join(service.caused_by)})" if service.caused_by else ""
    lines.append(f"{pad}{service.service}  {MARK[service.status]}{cause}")
    for check in service.checks:
        lines.append(
            f"{pad}  - {check.name}  {MARK[check.status]}  {_timing(check)}  {check.detail}"
        )
    for dependency in service.depends_on:
        if dependency in above or dependency == service.service:
            lines.append(f"{pad}    {dependency}  (see above)")
        else:
            _render(by_name[dependency], by_name, depth + 1, (*above, service.service), lines)


def _timing(check: CheckReport) -> str:
    if check.duration_s is None:
        return "-"
    return f"{check.duration_s * 1000:.0f} ms"
