"""The store sessions the API reads through, none of them shared with anything else.

Each user request that reads the store (a query, an SLO status, an SLA report) takes
one of ``QuerySessions``' read-only sessions for its whole run and gives it back after:
at most that many run at once, and one that finds none free is answered 429 at once
(``Busy``) rather than queued. The sessions are separate chDB connections, which run in
parallel, so a slow query holds no lock that ingest, ``/healthz`` or the SLO engine's
loops wait on.

``HealthProbe`` owns one more session and a thread of its own: ``/healthz`` waits at
most ``timeout_s`` for it, and concurrent probes share the one in flight, so a store that
hangs costs one thread, not one per probe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Iterator
from typing import Final

from processor.errors import ProcessorError
from processor.store import Store
from sloscope._query_policy import FunctionCatalog
from sloscope._read_query import QueryLimits, load_catalog, open_read_session
from sloscope.errors import Busy

RETRY_AFTER_S: Final = 1
HEALTH_TIMEOUT_S: Final = 2.0


class QuerySessions:
    """Read-only sessions with the API's query limits, one per request allowed at once."""

    def __init__(self, sessions: list[Store], catalog: FunctionCatalog) -> None:
        if not sessions:
            raise ValueError("at least one session")
        self.catalog = catalog
        self._all = tuple(sessions)
        self._free = list(sessions)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, store: Store, limits: QueryLimits, count: int) -> QuerySessions:
        sessions = [open_read_session(store, limits) for _ in range(count)]
        return cls(sessions, load_catalog(sessions[0]))

    @property
    def size(self) -> int:
        return len(self._all)

    @contextlib.contextmanager
    def take(self) -> Iterator[Store]:
        """A free session for the block's duration; ``Busy`` when there is none."""
        with self._lock:
            if not self._free:
                raise Busy(
                    f"{self.size} requests are reading the store, as many as this server "
                    "runs at once (api.max_concurrent_queries); retry shortly",
                    RETRY_AFTER_S,
                )
            session = self._free.pop()
        try:
            yield session
        finally:
            with self._lock:
                self._free.append(session)

    def close(self) -> None:
        for session in self._all:
            session.close()


class HealthProbe:
    """``SELECT 1`` on a session of its own, answered within ``timeout_s``."""

    def __init__(self, session: Store, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
        self._session = session
        self._timeout_s = timeout_s
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "sloscope-health")
        self._pending: asyncio.Future[object] | None = None

    async def problem(self) -> str | None:
        """None when the store answers, else why not."""
        if self._pending is None or self._pending.done():
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(self._thread, self._session.query, "SELECT 1")
            self._pending.add_done_callback(_retrieve)
        try:
            await asyncio.wait_for(asyncio.shield(self._pending), self._timeout_s)
        except asyncio.TimeoutError:
            return f"the store did not answer within {self._timeout_s:g} s"
        except ProcessorError as exc:
            return str(exc)
        return None

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
        self._session.close()


def _retrieve(future: asyncio.Future[object]) -> None:
    """Read a probe's outcome even when no request waits for it any more."""
    if not future.cancelled():
        future.exception()
