"""The alert loop of ``sloscope serve``: evaluate every ``interval`` (sooner when woken,
after an ingest), then send what is due.

Evaluation and planning run in a worker thread (the store client blocks); the sending
runs as its own task, so a slow or dead channel never holds the next evaluation. A
channel and group still being sent to is not planned again until that send ends.
Failures are logged and the loop carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from alerting._dispatch import send
from alerting._engine import AlertEngine
from alerting._self_metrics import ALERTS_CREATED, SLO_EVALUATIONS, Monitoring
from alerting.channels import Delivery, Notification, RetryPolicy, deliver

logger = logging.getLogger(__name__)


@dataclass
class Notifier:
    """Sends planned notifications through ``alerting.channels.deliver`` and records
    each outcome in the store."""

    engine: AlertEngine
    http: httpx.AsyncClient
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _in_flight: set[tuple[str, str]] = field(default_factory=set)

    async def _deliver(self, channel_name: str, notification: Notification) -> Delivery:
        channel = self.engine.config.channels[channel_name]
        return await deliver(
            channel,
            notification,
            http=self.http,
            policy=self.policy,
            sleep=self.sleep,
            clock=self.engine.clock,
        )

    async def dispatch(self) -> int:
        """Plan and send everything due now; the number of notifications sent or tried."""
        planned = await asyncio.to_thread(self.engine.due)
        fresh = [p for p in planned if (p.channel, p.group_key) not in self._in_flight]
        if not fresh:
            return 0
        keys = {(p.channel, p.group_key) for p in fresh}
        self._in_flight |= keys
        try:
            deadline_s = self.engine.config.timing.delivery_timeout.total_seconds()
            budget_s = deadline_s * self.policy.attempts + self._backoff_s()
            rows = await send(fresh, self._deliver, budget_s, self.engine.clock())
            await asyncio.to_thread(self.engine.state.record_deliveries, rows)
        finally:
            self._in_flight -= keys
        return len(fresh)

    def _backoff_s(self) -> float:
        return sum(self.policy.delay_s(n) for n in range(1, self.policy.attempts))


async def alert_loop(
    engine: AlertEngine,
    notifier: Notifier,
    stop: asyncio.Event,
    *,
    wake: asyncio.Event | None = None,
    monitoring: Monitoring | None = None,
) -> None:
    """Evaluate and notify until ``stop`` is set; ``wake`` set means "new data": the
    next evaluation comes now rather than at the end of the interval. ``monitoring``
    counts the evaluations and the alerts they create."""
    monitoring = monitoring or Monitoring()
    wake = wake or asyncio.Event()
    sending: set[asyncio.Task[int]] = set()
    interval_s = engine.config.timing.interval.total_seconds()
    while not stop.is_set():
        try:
            result = await asyncio.to_thread(engine.evaluate)
            monitoring.add(SLO_EVALUATIONS, "outcome", "ok")
            monitoring.add(ALERTS_CREATED, "outcome", "created", result.created)
            task = asyncio.create_task(notifier.dispatch(), name="sloscope-alert-dispatch")
            sending.add(task)
            task.add_done_callback(_finished(sending))
        except Exception:
            monitoring.add(SLO_EVALUATIONS, "outcome", "failed")
            logger.exception("alert evaluation failed")
        wake.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait(waits, timeout=interval_s, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waits:
            waiter.cancel()
    if sending:
        await asyncio.wait(sending, timeout=engine.config.timing.delivery_timeout.total_seconds())


def _finished(sending: set[asyncio.Task[int]]) -> Callable[[asyncio.Task[int]], None]:
    def done(task: asyncio.Task[int]) -> None:
        sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("alert dispatch failed", exc_info=task.exception())

    return done
