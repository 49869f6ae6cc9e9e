"""The latest result of each check, and a bounded way to refresh them all at once.

``sloscope serve`` feeds it from ``probe_loop`` (``record``); ``GET /api/health`` and
``sloscope health`` read its ``tree``. Where no loop runs, ``refresh`` runs every check
once: concurrent callers share the run in flight, a run younger than ``min_age`` is
reused, and at most ``MAX_CONCURRENT_PROBES`` probes are open at a time, so a caller
who asks often cannot turn the checks into a flood.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from alerting.probes._config import HealthCheck
from alerting.probes._result import ProbeResult
from alerting.probes._run import Clock, run_probe, utc_now
from alerting.probes._tree import ServiceHealth, health_tree
from processor.store import Queryable

MAX_CONCURRENT_PROBES = 32
DEFAULT_MIN_AGE = timedelta(seconds=5)


class HealthBoard:
    """The checks and the latest result of each."""

    def __init__(
        self,
        checks: Sequence[HealthCheck],
        *,
        clock: Clock = utc_now,
        min_age: timedelta = DEFAULT_MIN_AGE,
        live: bool = False,
    ) -> None:
        self.checks = tuple(checks)
        # True when a probe_loop feeds it: readers take the tree as it is.
        self.live = live
        self._latest: dict[str, ProbeResult] = {}
        self._clock = clock
        self._min_age = min_age
        self._refreshed_at: datetime | None = None
        self._running: asyncio.Task[None] | None = None

    @property
    def latest(self) -> dict[str, ProbeResult]:
        return dict(self._latest)

    def record(self, result: ProbeResult) -> None:
        """Keep ``result`` as its check's latest (``probe_loop``'s ``on_result``)."""
        self._latest[result.name] = result

    def tree(self) -> list[ServiceHealth]:
        return health_tree(self.checks, self._latest)

    async def refresh(self, store: Queryable | None = None) -> list[ServiceHealth]:
        """Run every check once (unless a run is in flight or fresh) and return the tree."""
        fresh = self._refreshed_at is not None and self._clock() - self._refreshed_at < (
            self._min_age
        )
        if not fresh and (self._running is None or self._running.done()):
            self._running = asyncio.create_task(self._run_all(store))
        if self._running is not None:
            await asyncio.shield(self._running)
        return self.tree()

    async def _run_all(self, store: Queryable | None) -> None:
        limit = asyncio.Semaphore(MAX_CONCURRENT_PROBES)

        async def one(check: HealthCheck) -> None:
            async with limit:
                self.record(await run_probe(check, store=store, clock=self._clock))

        await asyncio.gather(*(one(check) for check in self.checks))
        self._refreshed_at = self._clock()
