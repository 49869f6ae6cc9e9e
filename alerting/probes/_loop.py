"""Running checks on their intervals, for ``sloscope serve``.

One task per check, so a slow check delays nobody else; each run starts at its due time
on the loop's clock (``clock`` and ``sleep`` are injectable, so tests run a day of checks
without waiting). A callback that raises is logged and the loop carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from alerting.probes._config import HealthCheck
from alerting.probes._result import ProbeResult
from alerting.probes._run import Clock, run_probe, utc_now
from processor.store import Queryable

logger = logging.getLogger(__name__)

OnResult = Callable[[ProbeResult], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]


async def probe_loop(
    checks: Sequence[HealthCheck],
    *,
    store: Queryable | None = None,
    clock: Clock = utc_now,
    sleep: Sleep = asyncio.sleep,
    on_result: OnResult,
) -> None:
    """Run every check at its interval until cancelled, handing each result to
    ``on_result`` (which may be a coroutine function)."""
    tasks = [asyncio.create_task(_one(check, store, clock, sleep, on_result)) for check in checks]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _one(
    check: HealthCheck,
    store: Queryable | None,
    clock: Clock,
    sleep: Sleep,
    on_result: OnResult,
) -> None:
    interval = check.interval_delta
    due: datetime = clock()
    while True:
        result = await run_probe(check, store=store, clock=clock)
        try:
            outcome = on_result(result)
            if outcome is not None:
                await outcome
        except Exception:
            logger.exception("health result not handled", extra={"check": check.name})
        due += interval
        now = clock()
        due = max(due, now)  # a run longer than the interval: the next one starts at once
        await sleep((due - now).total_seconds())
