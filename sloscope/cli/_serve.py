"""``sloscope serve``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from sloscope import _logging
from sloscope.cli._context import load_settings, user_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def _address(value: str | None, flag: str) -> tuple[str | None, int | None]:
    if value is None:
        return None, None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter(f"expected HOST:PORT, got {value!r}", param_hint=flag)
    return host, int(port)


def serve(
    ctx: typer.Context,
    *,
    otlp: Annotated[
        str | None, typer.Option(help="OTLP gRPC address, HOST:PORT [127.0.0.1:4317].")
    ] = None,
    api: Annotated[
        str | None, typer.Option(help="API and dashboard address, HOST:PORT [127.0.0.1:8317].")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Embedded store directory [./sloscope-data].")
    ] = None,
    dsn: Annotated[
        str | None,
        typer.Option(help="Store DSN: chdb:///abs/path or http(s)://user:pass@host:port/db."),
    ] = None,
    slos: Annotated[Path | None, typer.Option(help="Directory of SLO files [./slos].")] = None,
    retention_days: Annotated[
        int | None,
        typer.Option(
            help="Days raw rows are kept; 0 keeps them forever [the store's own; 30 when new]."
        ),
    ] = None,
    rollup_retention_days: Annotated[
        int | None,
        typer.Option(
            help="Days the SLO rollups are kept; 0 keeps them forever [the store's own; 400]."
        ),
    ] = None,
    series_limit: Annotated[
        int | None, typer.Option(help="Series per metric before the overflow series [10000].")
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="TLS certificate (PEM) for the OTLP port.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="TLS private key (PEM) for the OTLP port.")
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error [info].")
    ] = None,
    role: Annotated[
        Literal["ingest", "engine", "all"] | None,
        typer.Option(
            help="ingest: OTLP in, to the store; engine: API, dashboard, SLOs; all [all]."
        ),
    ] = None,
) -> None:
    """Run the main job: receive OTLP metrics, store them, serve the API and dashboard.

    Tokens come from the environment or the config file, never from a flag (they would
    show in the process list): SLOSCOPE_PROCESSOR__TOKEN for OTLP, SLOSCOPE_API__TOKEN for
    the API, which is required to bind the API beyond loopback (docs/security.md).
    """
    otlp_host, otlp_port = _address(otlp, "--otlp")
    api_host, api_port = _address(api, "--api")
    flags: dict[str, Any] = {
        "processor": {
            "otlp_host": otlp_host,
            "otlp_port": otlp_port,
            "series_limit": series_limit,
            "tls_cert": tls_cert,
            "tls_key": tls_key,
        },
        "api": {"host": api_host, "port": api_port},
        "store": {
            "data_dir": data_dir,
            "dsn": dsn,
            "retention_days": retention_days,
            "rollup_retention_days": rollup_retention_days,
        },
        "slo": {"slos_dir": slos},
        "log_level": log_level,
        "role": role,
    }
    with user_errors(ctx):
        settings = load_settings(ctx, flags)
        if (settings.processor.tls_cert is None) != (settings.processor.tls_key is None):
            raise typer.BadParameter("give both --tls-cert and --tls-key, or neither")
        from sloscope import server  # noqa: PLC0415 - only serve needs grpc and uvicorn

        server.check_exposure(settings.api)  # before the log handlers: one stderr line
        _logging.install(settings.log_level)
        asyncio.run(server.serve(settings))
