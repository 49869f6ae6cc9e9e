"""``sloscope serve``: the OTLP receiver, the API and the dashboard in one process.

Start-up refuses an API bound beyond loopback without a token, makes everything the
process writes private to its user (umask 077: the data directory 0700, its files 0600,
and an older, wider data directory narrowed), opens the store (creating and migrating
it), starts what the role runs (``ROLE_PARTS``: the receiver, with its spool inside the
data directory for the embedded store; the API; or both), and
leaves the API's address in the data directory for other ``sloscope`` commands. SIGTERM
or Ctrl-C stops listening, answers the requests in flight and writes everything already
accepted before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import uvicorn

from alerting import AlertEngine
from alerting.probes import HealthBoard
from processor import BatchOptions, Limits, Receiver, ReceiverOptions, TlsFiles, open_store
from processor.store import Store, parse_dsn
from sloscope._alerting import open_engine, running_alerting
from sloscope._local_server import ServerAddress, remove_serve_file, write_serve_file
from sloscope._monitoring import Monitoring
from sloscope.api import ApiContext, HealthCheck, create_app
from sloscope.api._access import is_loopback
from sloscope.config import ApiSettings, ProcessorSettings, Role, Settings
from sloscope.errors import UsageError

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


SPOOL_DIR = "sloscope-spool"
PRIVATE_UMASK = 0o077


def check_exposure(settings: ApiSettings) -> None:
    """Refuse an API reachable beyond this machine that anyone could call."""
    if settings.token is None and not is_loopback(settings.host):
        raise UsageError(
            f"the API would listen on {settings.host or 'every address'}, beyond loopback, "
            "without a token: set SLOSCOPE_API__TOKEN (or api.token in the config file), "
            "or bind the API to 127.0.0.1"
        )


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set or the process gets SIGTERM/SIGINT."""
    check_exposure(settings.api)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        await _serve(settings, stop)
    finally:
        os.umask(previous_umask)


async def _serve(settings: Settings, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    parts = ROLE_PARTS[settings.role]
    data_dir = parse_dsn(settings.store.resolved_dsn(), settings.store.database).data_dir
    if data_dir is not None:
        make_private(data_dir)
    store = await loop.run_in_executor(None, open_store, settings.store.options())
    with _spool(data_dir) as spool:
        receiver = None
        if parts.ingest:
            receiver = Receiver(store.reopen(), receiver_options(settings.processor), spool)
            await receiver.start()
        alerting = None
        if parts.engine:
            alerting = await loop.run_in_executor(None, open_engine, store, settings.slo.slos_dir)
        context = await loop.run_in_executor(
            None, _api_context, settings, store, receiver, alerting
        )
        api = _ApiServer(_api_config(settings, context, engine=parts.engine))
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
            if alerting is not None:
                interval_s = settings.processor.self_metrics_interval_s
                async with running_alerting(
                    *alerting, store, receiver, stop, monitoring_interval_s=interval_s
                ):
                    await stop.wait()
            else:
                await stop.wait()
        finally:
            logger.info("sloscope stopping")
            if receiver is not None:
                await receiver.shutdown()
            api.should_exit = True
            await api_task
            if data_dir is not None and parts.engine:
                remove_serve_file(data_dir)
            context.close()
            if alerting is not None:
                alerting[0].close()
            store.close()


def make_private(data_dir: Path) -> None:
    """Narrow a data directory an older version left open to other users to 0700
    (files in it stay as they are, unreachable once the directory is closed)."""
    if not data_dir.is_dir():
        return
    mode = stat.S_IMODE(data_dir.stat().st_mode)
    if mode & 0o077:
        data_dir.chmod(0o700)
        logger.warning(
            "data directory made private",
            extra={"data_dir": str(data_dir), "mode_was": oct(mode), "mode": "0o700"},
        )


@contextlib.contextmanager
def _spool(data_dir: Path | None) -> Iterator[Path | None]:
    """Where the receiver writes batches for the embedded store to read: inside the data
    directory, emptied first (what a killed process left there was either written or
    never acknowledged). A server DSN needs none: batches travel in the INSERTs."""
    if data_dir is None:
        yield None
        return
    spool_dir = data_dir / SPOOL_DIR
    shutil.rmtree(spool_dir, ignore_errors=True)
    spool_dir.mkdir(mode=0o700)
    yield spool_dir


def _api_context(
    settings: Settings,
    store: Store,
    receiver: Receiver | None,
    alerting: tuple[AlertEngine, HealthBoard] | None,
) -> ApiContext:
    checks: dict[str, HealthCheck] = {}
    monitoring = Monitoring()
    if receiver is not None:
        checks["otlp"] = lambda: _receiver_health(receiver)
        capacity = settings.processor.queue_points
        monitoring = Monitoring(receiver.metrics, lambda: (receiver.queued_points, capacity))
    return ApiContext.open(
        store,
        settings.api,
        slos_dir=settings.slo.slos_dir,
        health_checks=checks,
        alerts=alerting[0] if alerting else None,
        health_board=alerting[1] if alerting else None,
        monitoring=monitoring,
    )


def _api_config(settings: Settings, context: ApiContext, *, engine: bool) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(context, engine=engine),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,
        access_log=False,
        lifespan="off",
        limit_concurrency=settings.api.max_connections,
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
