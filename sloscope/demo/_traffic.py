"""The demo's traffic: a steady rate of shop requests, and what came back.

Only answered requests are counted (``sent``): a request that got no answer is counted
apart (``unanswered``), so ``sent`` and ``server_errors`` are exactly what the demo
service measured and the store holds.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Final

import httpx

MAX_IN_FLIGHT: Final = 50
TIMEOUT_S: Final = 30.0


@dataclass(slots=True)
class TrafficCounts:
    sent: int = 0
    server_errors: int = 0
    unanswered: int = 0

    @property
    def good(self) -> int:
        return self.sent - self.server_errors


class Traffic:
    """Requests to the demo service at ``rate_per_s``, until ``stop`` is set."""

    def __init__(self, base_url: str, rate_per_s: float, rng: random.Random | None = None):
        self._base_url = base_url
        self._interval_s = 1.0 / rate_per_s
        self._rng = rng or random.Random()  # noqa: S311 - traffic shaping, not security
        self.counts = TrafficCounts()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop``, then wait for every request in flight."""
        loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(base_url=self._base_url, timeout=TIMEOUT_S) as client:
            next_at = loop.time()
            while not stop.is_set():
                if len(in_flight) < MAX_IN_FLIGHT:
                    task = loop.create_task(self._one(client))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                next_at += self._interval_s
                try:
                    await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
                except asyncio.TimeoutError:
                    continue
            await asyncio.gather(*in_flight)

    async def _one(self, client: httpx.AsyncClient) -> None:
        try:
            if self._rng.random() < 0.3:
                answer = await client.post("/checkout")
            else:
                answer = await client.get(f"/items/{self._rng.randrange(100)}")
        except httpx.HTTPError:
            self.counts.unanswered += 1
            return
        self.counts.sent += 1
        if answer.status_code >= 500:
            self.counts.server_errors += 1
