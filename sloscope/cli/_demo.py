"""``sloscope demo``."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from sloscope.cli._context import load_settings, user_errors
from sloscope.errors import UsageError

DEMO_SLOS = "slos"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    *,
    duration: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds to run, then stop [until Ctrl-C]."),
    ] = None,
    incident_at: Annotated[
        float, typer.Option(min=0, help="Seconds from the start to the incident.")
    ] = 60.0,
    incident_length: Annotated[
        float, typer.Option(min=1, help="Seconds of server errors, then as many of slowness.")
    ] = 15.0,
    rate: Annotated[
        float, typer.Option(min=0.5, max=500, help="Requests per second to the demo service.")
    ] = 20.0,
    interval: Annotated[
        float, typer.Option(min=0.5, max=60, help="Seconds between two summary lines.")
    ] = 2.0,
    api_port: Annotated[
        int, typer.Option(min=0, max=65535, help="API and dashboard port; 0 picks a free one.")
    ] = 8317,
    otlp_port: Annotated[
        int, typer.Option(min=0, max=65535, help="OTLP gRPC port; 0 picks a free one.")
    ] = 0,
    service_port: Annotated[
        int, typer.Option(min=0, max=65535, help="The demo service's port; 0 picks a free one.")
    ] = 0,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Keep the demo's store here [a temporary directory, removed after]."),
    ] = None,
) -> None:
    """Watch a budget burn: serve, a demo service, traffic and a scripted incident.

    Prints the dashboard's address and one summary line per interval (rewritten in place
    on a terminal). Ctrl-C stops everything and writes what was received.
    """
    from sloscope.demo._run import DemoOptions, run_demo  # noqa: PLC0415 - grpc, uvicorn: demo only

    with user_errors(ctx), _data_dir(data_dir) as store_dir, _demo_slos() as slos_dir:
        for port, flag in ((api_port, "--api-port"), (otlp_port, "--otlp-port")):
            _check_free(port, flag)
        flags: dict[str, Any] = {
            "processor": {
                "otlp_host": "127.0.0.1",
                "otlp_port": otlp_port,
                "flush_interval_s": 0.5,
                "self_metrics_interval_s": 10.0,
            },
            "api": {"host": "127.0.0.1", "port": api_port},
            # A DSN of its own: one in the environment or config file (a server's) would win
            # over the data directory, and the demo would write into it.
            "store": {"dsn": f"chdb://{store_dir.resolve()}", "data_dir": store_dir.resolve()},
            "slo": {"slos_dir": slos_dir},
            "role": "all",
        }
        settings = load_settings(ctx, flags)
        options = DemoOptions(
            settings,
            duration_s=duration,
            incident_at_s=incident_at,
            incident_s=incident_length,
            rate_per_s=rate,
            service_port=service_port,
            interval_s=interval,
        )
        asyncio.run(run_demo(options, sys.stdout))


def _check_free(port: int, flag: str) -> None:
    """A port already taken is the user's to change: one line and exit 2, before anything
    starts (a server failing to bind later would leave a traceback and half a demo)."""
    if port == 0:
        return
    try:
        with socket.create_server(("127.0.0.1", port)):
            pass
    except OSError:
        raise UsageError(f"port {port} is taken: pass {flag} 0 for a free one") from None


@contextlib.contextmanager
def _data_dir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="sloscope-demo-") as temporary:
        yield Path(temporary)


@contextlib.contextmanager
def _demo_slos() -> Iterator[Path]:
    with resources.as_file(resources.files("sloscope.demo") / DEMO_SLOS) as folder:
        yield folder
