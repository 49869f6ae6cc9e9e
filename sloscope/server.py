"""``sloscope serve``: the OTLP receiver, the API and the dashboard in one process.

Start-up opens the store (creating and migrating it), starts what the role runs
(``ROLE_PARTS``: the receiver, the API, or both), and leaves the API's address in the
data directory for other ``sloscope`` commands.
SIGTERM or Ctrl-C stops listening, answers the requests in flight and writes everything
already accepted before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import uvicorn
from starlette.applications import Starlette

from processor import BatchOptions, Limits, Receiver, ReceiverOptions, TlsFiles, open_store
from processor.store import Store, parse_dsn
from sloscope._local_server import ServerAddress, remove_serve_file, write_serve_file
from sloscope.api import ApiContext, create_app
from sloscope.api._health import routes as health_routes
from sloscope.api._query import read_only_settings
from sloscope.config import ProcessorSettings, Role, Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoleParts:
    """What a role runs: ``ingest``, the OTLP receiver writing to the store; ``engine``,
    the API and dashboard (and the SLO and alert loops). Without the engine, the HTTP
    port answers ``/healthz`` only."""

    ingest: bool
    engine: bool


ROLE_PARTS: Final[Mapping[Role, RoleParts]] = {
    "ingest": RoleParts(ingest=True, engine=False),
    "engine": RoleParts(ingest=False, engine=True),
    "all": RoleParts(ingest=True, engine=True),
}


def receiver_options(settings: ProcessorSettings) -> ReceiverOptions:
    """The receiver's options from its settings section."""
    tls = None
    if settings.tls_cert is not None and settings.tls_key is not None:
        tls = TlsFiles(cert=settings.tls_cert, key=settings.tls_key)
    return ReceiverOptions(
        host=settings.otlp_host,
        port=settings.otlp_port,
        token=settings.token.get_secret_value() if settings.token else None,
        tls=tls,
        max_receive_bytes=settings.max_receive_mib * 1024 * 1024,
        self_metrics_interval_s=settings.self_metrics_interval_s,
        limits=Limits(
            series_limit=settings.series_limit,
            max_attributes=settings.max_attributes,
            max_attribute_bytes=settings.max_attribute_bytes,
        ),
        batch=BatchOptions(
            batch_points=settings.batch_points,
            flush_interval_s=settings.flush_interval_s,
            queue_points=settings.queue_points,
        ),
    )


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set or the process gets SIGTERM/SIGINT."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    parts = ROLE_PARTS[settings.role]
    store = await loop.run_in_executor(None, open_store, settings.store.options())
    data_dir = parse_dsn(store.location.dsn, store.database).data_dir
    with tempfile.TemporaryDirectory(prefix="sloscope-spool-") as spool:
        receiver = None
        if parts.ingest:
            receiver = Receiver(store.reopen(), receiver_options(settings.processor), Path(spool))
            await receiver.start()
        api = _ApiServer(_api_config(settings, store, receiver))
        api_task = loop.create_task(api.serve(), name="sloscope-api")
        await _wait_started(api, api_task)
        address = ServerAddress(
            os.getpid(),
            f"http://{_client_host(settings.api.host)}:{_bound_port(api)}",
            f"{_client_host(settings.processor.otlp_host)}:{receiver.port}" if receiver else "",
        )
        # Other commands reach a held data directory through the API: only with the engine.
        if data_dir is not None and parts.engine:
            write_serve_file(data_dir, address)
        logger.info(
            "sloscope serving",
            extra={
                "role": settings.role,
                "api": address.api_url,
                "otlp": address.otlp_endpoint,
                "store": store.location.redacted(),
            },
        )
        try:
            await stop.wait()
        finally:
            logger.info("sloscope stopping")
            if receiver is not None:
                await receiver.shutdown()
            api.should_exit = True
            await api_task
            if data_dir is not None and parts.engine:
                remove_serve_file(data_dir)
            store.close()


def _api_config(settings: Settings, store: Store, receiver: Receiver | None) -> uvicorn.Config:
    checks = {"otlp": lambda: _receiver_health(receiver)} if receiver is not None else {}
    context = ApiContext(
        store=store,
        query_store=store.read_only(
            read_only_settings(settings.api.query_max_rows, settings.api.query_timeout_s)
        ),
        settings=settings.api,
        slos_dir=settings.slo.slos_dir,
        health_checks=checks,
    )
    engine = ROLE_PARTS[settings.role].engine
    return uvicorn.Config(
        create_app(context) if engine else Starlette(routes=health_routes(context)),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,
        access_log=False,
        lifespan="off",
    )


def _receiver_health(receiver: Receiver) -> dict[str, Any]:
    return {
        "port": receiver.port,
        "queued_points": receiver.queued_points,
        **receiver.metrics.totals,
    }


async def _wait_started(api: uvicorn.Server, task: asyncio.Task[None]) -> None:
    while not api.started:
        if task.done():
            task.result()
            raise RuntimeError("the API server stopped during start-up")
        await asyncio.sleep(0.01)


def _bound_port(api: uvicorn.Server) -> int:
    for server in api.servers:
        for sock in server.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("the API server has no socket")


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - a comparison
