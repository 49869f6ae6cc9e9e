"""The alert and health-check loops as ``sloscope serve`` runs them (engine role).

``start_alerting`` reads the SLO files' ``alerting:`` and ``health_checks:`` sections,
opens the alert engine on its own store session (alerts and silences carried over from
the store), and starts the evaluation loop and the probe loop, whose results feed the health board
(``GET /api/health``, the alerts of unhealthy services) and, with a receiver, the store
as the ``sloscope.health_check.*`` gauges. SLO files that do not validate leave
alerting idle rather than stop the ingest: the error is logged with every issue, as
``slo validate`` would print it.

The evaluation loop runs whether or not the files have an ``alerting:`` section (then
with the default interval and no rules): each evaluation computes the status of every
SLO, which the engine keeps for ``GET /api/slos`` (``AlertEngine.latest``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from alerting import AlertEngine, AlertingConfig, load_alerting
from alerting._loop import Notifier, alert_loop
from alerting._self_metrics import HEALTH_CHECKS, Monitoring
from alerting.probes import HealthBoard, ProbeResult, health_metrics, probe_loop
from processor import Receiver
from processor.store import Store
from slo_engine import SloSet, SpecError, load, read_sources

logger = logging.getLogger(__name__)
WAKE_POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Loaded:
    config: AlertingConfig
    slo_set: SloSet


def load_sections(slos_dir: Path) -> Loaded:
    """The alerting configuration and SLOs of ``slos_dir`` (none when it is absent)."""
    if not slos_dir.exists():
        return Loaded(AlertingConfig(), SloSet())
    try:
        sources = read_sources([slos_dir])
        return Loaded(load_alerting(sources), load(sources))
    except SpecError as exc:
        logger.error(
            "alerting idle: the SLO files have errors",
            extra={"issues": [str(issue) for issue in exc.issues]},
        )
        return Loaded(AlertingConfig(), SloSet())


def open_engine(store: Store, slos_dir: Path) -> tuple[AlertEngine, HealthBoard]:
    """The alert engine on its own session, and the board the probe loop feeds (its
    unhealthy services raise alerts; ``GET /api/health`` reads it)."""
    loaded = load_sections(slos_dir)
    board = HealthBoard(loaded.config.health_checks, live=True)
    engine = AlertEngine(store.reopen(), loaded.config, loaded.slo_set, health=board.tree)
    return engine, board


@contextlib.asynccontextmanager
async def running_alerting(
    engine: AlertEngine,
    board: HealthBoard,
    store: Store,
    receiver: Receiver | None,
    stop: asyncio.Event,
    *,
    monitoring_interval_s: float = 60.0,
) -> AsyncIterator[None]:
    """The loops, for the duration of the ``async with``; stopped and awaited at its end.
    With a receiver, alerting's own metrics are written every ``monitoring_interval_s``
    and once more at the end."""
    tasks: list[asyncio.Task[None]] = []
    monitoring = Monitoring()
    async with httpx.AsyncClient() as http:
        notifier = Notifier(engine, http)
        wake = asyncio.Event()
        loop = alert_loop(engine, notifier, stop, wake=wake, monitoring=monitoring)
        tasks.append(asyncio.create_task(loop, name="sloscope-alerts"))
        if receiver is not None:
            waker = _wake_on_writes(receiver, wake)
            tasks.append(asyncio.create_task(waker, name="sloscope-alerts-wake"))
        checks = engine.config.health_checks
        if checks:

            async def record(result: ProbeResult) -> None:
                board.record(result)
                monitoring.add(HEALTH_CHECKS, "outcome", "up" if result.up else "down")
                if receiver is not None:
                    await receiver.submit(health_metrics([result]))

            tasks.append(
                asyncio.create_task(
                    probe_loop(checks, store=store, on_result=record), name="sloscope-probes"
                )
            )
        if receiver is not None:
            report = _report(monitoring, receiver, monitoring_interval_s)
            tasks.append(asyncio.create_task(report, name="sloscope-alerting-metrics"))
        try:
            yield
        finally:
            stop.set()
            for task in tasks[1:]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if receiver is not None:
                await _write(monitoring, receiver)


async def _wake_on_writes(receiver: Receiver, wake: asyncio.Event) -> None:
    """Wake the alert loop when the receiver has written a batch since the last look, so
    new data is evaluated within seconds instead of at the end of the interval."""
    seen = receiver.metrics.totals["batches"]
    while True:
        await asyncio.sleep(WAKE_POLL_S)
        written = receiver.metrics.totals["batches"]
        if written != seen:
            seen = written
            wake.set()


async def _report(monitoring: Monitoring, receiver: Receiver, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await _write(monitoring, receiver)


async def _write(monitoring: Monitoring, receiver: Receiver) -> None:
    request = monitoring.collect()
    if request is None:
        return
    try:
        await receiver.submit(request)
    except Exception:
        logger.exception("alerting metrics not written")
