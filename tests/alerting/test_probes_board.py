"""``HealthBoard.refresh``: one run shared by concurrent callers, a fresh run reused.
The check is a TCP probe of a real listener that counts the connections it accepts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pydantic

from alerting.probes import HealthBoard, HealthChecks

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_concurrent_refreshes_share_one_run_and_a_fresh_run_is_reused():
    now = [T0]
    accepted = []

    async def main():
        async def count(reader, writer):
            accepted.append(now[0])
            writer.close()

        server = await asyncio.start_server(count, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        checks = pydantic.TypeAdapter(HealthChecks).validate_python(
            [{"name": "db", "service": "postgres", "tcp": {"host": "127.0.0.1", "port": port}}]
        )
        board = HealthBoard(checks, clock=lambda: now[0], min_age=timedelta(seconds=5))
        async with server:
            first, second = await asyncio.gather(board.refresh(), board.refresh())
            now[0] = T0 + timedelta(seconds=4)
            reused = await board.refresh()
            now[0] = T0 + timedelta(seconds=6)
            rerun = await board.refresh()
            for _ in range(500):  # the listener's handler runs as a task of its own
                if len(accepted) >= 2:
                    break
                await asyncio.sleep(0.01)
        return first, second, reused, rerun

    first, second, reused, rerun = asyncio.run(main())
    assert first == second == reused
    assert first[0].checks[0].checked_at == T0
    assert rerun[0].checks[0].checked_at == T0 + timedelta(seconds=6)
    assert rerun[0].status == "healthy"
    assert len(accepted) == 2
