"""The demo service: a small shop API instrumented with ``instrumentation``.

Run as ``python -m sloscope.demo.service --fd N --errors-from T ...`` by ``sloscope
demo``, on a listening socket the demo hands over (no port to guess or race for). The
OTLP endpoint and the export interval come from the standard ``OTEL_*`` environment, as
for any service. The incident is scripted in wall-clock time: from ``errors_from`` a
share of requests fail with a 500, from ``slow_from`` a share are slow, until
``incident_until``. The process exits when its parent does (no orphan), and SIGTERM
exports everything recorded before it exits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import threading
import time
from typing import Final

import uvicorn
from fastapi import FastAPI, HTTPException

import instrumentation
from sloscope.demo._incident import Incident

SERVICE_NAME: Final = "demo"
ERROR_SHARE: Final = 0.4
SLOW_SHARE: Final = 0.6
SLOW_S: Final = 0.4
NORMAL_S: Final = (0.005, 0.06)
PARENT_CHECK_S: Final = 1.0
FLUSH_TIMEOUT_S: Final = 60.0


def create_service(incident: Incident, rng: random.Random | None = None) -> FastAPI:
    """The shop: ``GET /items/{item_id}`` and ``POST /checkout``."""
    app = FastAPI(title="sloscope demo shop")
    draw = rng or random.Random()  # noqa: S311 - traffic shaping, not security

    async def work() -> None:
        phase = incident.phase(time.time())
        if phase == "errors" and draw.random() < ERROR_SHARE:
            raise HTTPException(500, "the payment backend is down (scripted incident)")
        delay = draw.uniform(*NORMAL_S)
        if phase == "slow" and draw.random() < SLOW_SHARE:
            delay = SLOW_S
        await asyncio.sleep(delay)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        await work()
        return {"id": item_id, "stock": item_id % 7}

    @app.post("/checkout")
    async def checkout() -> dict[str, str]:
        await work()
        return {"order": "accepted"}

    return app


def _exit_with_parent(parent: int) -> None:
    """SIGTERM this process once its parent is gone (the demo was killed outright)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="a listening socket to serve on")
    parser.add_argument("--errors-from", type=float, required=True)
    parser.add_argument("--slow-from", type=float, required=True)
    parser.add_argument("--incident-until", type=float, required=True)
    args = parser.parse_args(argv)
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True
    ).start()
    settings = instrumentation.resolve_settings(
        os.environ, service_name=SERVICE_NAME, environment="demo"
    )
    telemetry = instrumentation.build_telemetry(settings)
    signal.signal(signal.SIGTERM, lambda signum, frame: _flush_and_exit(telemetry))
    incident = Incident(args.errors_from, args.slow_from, args.incident_until)
    app = instrumentation.instrument_app(
        create_service(incident), meter_provider=telemetry.meter_provider
    )
    uvicorn.run(app, fd=args.fd, log_level="warning", access_log=False, lifespan="off")


def _flush_and_exit(telemetry: instrumentation.Telemetry) -> None:
    """uvicorn answers the requests in flight on SIGTERM, then raises it again: here,
    where every request recorded is exported (in a thread: the interrupted main thread
    may hold an SDK lock) before the process exits. The demo waits for it: the store
    then holds every request the traffic generator counted."""
    flusher = threading.Thread(
        target=telemetry.shutdown, args=(FLUSH_TIMEOUT_S,), name="demo-flush", daemon=True
    )
    flusher.start()
    flusher.join(FLUSH_TIMEOUT_S)
    raise SystemExit(0)


if __name__ == "__main__":
    main()
