"""``/healthz``'s store probe: bounded by its timeout, one thread however often it is asked."""

from __future__ import annotations

import asyncio
import threading

from processor.store import Store
from sloscope.api._sessions import HealthProbe


def test_a_store_that_does_not_answer_is_reported_not_waited_for(store: Store) -> None:
    session = store.read_only({"readonly": 1})
    probe = HealthProbe(session, timeout_s=0.2)

    async def check() -> None:
        assert await probe.problem() is None
        # Another caller of the same session holds it for 2 s: a store that hangs.
        blocker = threading.Thread(target=session.query, args=("SELECT sleep(2)",))
        blocker.start()
        problem = None
        while problem is None and blocker.is_alive():
            problem = await probe.problem()
        assert problem == "the store did not answer within 0.2 s"
        # Asked again while that probe is still waiting: the same probe, not a new thread.
        assert await probe.problem() == problem
        blocker.join()
        while await probe.problem() is not None:
            await asyncio.sleep(0.05)

    try:
        asyncio.run(check())
    finally:
        probe.close()
