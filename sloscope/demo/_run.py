"""``sloscope demo``'s run: serve, the demo service, the traffic and the summary.

1. ``sloscope serve`` starts in this process (the store, the OTLP receiver, the API).
2. The demo service starts as a child process on a socket opened here, exporting its
   metrics to serve's OTLP port every ``EXPORT_INTERVAL_MS``.
3. Traffic flows at a steady rate; the incident (errors, then slowness) starts
   ``incident_at_s`` after the start and each phase lasts ``incident_s``.
4. Every ``interval_s`` the SLOs' status is read from the API and printed on one line
   (rewritten in place on a terminal).
5. At ``duration_s``, or on SIGINT/SIGTERM: the traffic stops and waits for its answers,
   the service gets SIGTERM and exports what it recorded before it exits, then serve
   writes everything it accepted and stops. No process is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TextIO

import httpx

from processor.store import parse_dsn
from sloscope._local_server import ServerAddress, read_serve_file
from sloscope.config import Settings
from sloscope.demo._incident import Incident
from sloscope.demo._summary import summary_line
from sloscope.demo._traffic import Traffic, TrafficCounts
from sloscope.server import serve

EXPORT_INTERVAL_MS: Final = 2000
EXPORT_TIMEOUT_S: Final = 30
CHILD_STOP_S: Final = 90.0
START_TIMEOUT_S: Final = 120.0


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """How the demo runs; ``settings`` are serve's (store, ports, SLO directory)."""

    settings: Settings
    duration_s: float | None = None
    incident_at_s: float = 60.0
    incident_s: float = 15.0
    rate_per_s: float = 20.0
    service_port: int = 0
    interval_s: float = 2.0


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the traffic sent and got back, and where serve answered."""

    counts: TrafficCounts
    api_url: str


async def run_demo(options: DemoOptions, out: TextIO) -> DemoReport:
    """Run until ``duration_s`` or a signal; the report says what was sent."""
    loop = asyncio.get_running_loop()
    serve_stop = asyncio.Event()
    serve_task = loop.create_task(serve(options.settings, serve_stop), name="sloscope-serve")
    try:
        address = await _serve_address(options.settings, serve_task)
        stop = asyncio.Event()
        # Installed after serve's own: a signal stops the demo, which then stops serve.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await _run(options, address, stop, out)
    finally:
        serve_stop.set()
        await serve_task


async def _run(
    options: DemoOptions, address: ServerAddress, stop: asyncio.Event, out: TextIO
) -> DemoReport:
    loop = asyncio.get_running_loop()
    started = time.time()
    errors_from = started + options.incident_at_s
    incident = Incident(
        errors_from, errors_from + options.incident_s, errors_from + 2 * options.incident_s
    )
    listener = socket.create_server(("127.0.0.1", options.service_port), backlog=256)
    service_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with listener:
        child = _start_service(options.settings, address, incident, listener.fileno())
    traffic = Traffic(service_url, options.rate_per_s)
    traffic_stop = asyncio.Event()
    _print_header(options, address, service_url, child.pid, out)
    traffic_task = loop.create_task(traffic.run(traffic_stop), name="demo-traffic")
    printer = _Printer(out, options, address, incident, started)
    summaries = loop.create_task(printer.loop(traffic.counts), name="demo-summary")
    try:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), options.duration_s)
    finally:
        traffic_stop.set()
        await traffic_task
        await loop.run_in_executor(None, _stop_service, child)
        summaries.cancel()
        await asyncio.gather(summaries, return_exceptions=True)
    await printer.once(traffic.counts)
    printer.end()
    counts = traffic.counts
    out.write(
        f"demo: sent {counts.sent} requests, {counts.good} good, "
        f"{counts.server_errors} server errors, {counts.unanswered} unanswered\n"
    )
    out.flush()
    return DemoReport(counts, address.api_url)


async def _serve_address(settings: Settings, serve_task: asyncio.Task[None]) -> ServerAddress:
    """Where serve answers, once it does (it leaves its address in the data directory)."""
    data_dir = parse_dsn(settings.store.resolved_dsn(), settings.store.database).data_dir
    if data_dir is None:
        raise RuntimeError("the demo keeps its data in an embedded store")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if serve_task.done():
            serve_task.result()
            raise RuntimeError("sloscope serve stopped during start-up")
        address = read_serve_file(data_dir)
        if address is not None and address.pid == os.getpid():
            return address
        await asyncio.sleep(0.05)
    raise RuntimeError("sloscope serve did not start")


def _start_service(
    settings: Settings, address: ServerAddress, incident: Incident, fd: int
) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": f"http://{address.otlp_endpoint}",
        "OTEL_EXPORTER_OTLP_METRICS_INSECURE": "true",
        "OTEL_METRIC_EXPORT_INTERVAL": str(EXPORT_INTERVAL_MS),
        # Seconds: an export is acknowledged once written, which a busy machine delays.
        "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": str(EXPORT_TIMEOUT_S),
    }
    if settings.processor.token is not None:
        token = settings.processor.token.get_secret_value()
        environ["OTEL_EXPORTER_OTLP_METRICS_HEADERS"] = f"authorization=Bearer%20{token}"
    command = [
        sys.executable,
        "-m",
        "sloscope.demo.service",
        "--fd",
        str(fd),
        "--errors-from",
        repr(incident.errors_from),
        "--slow-from",
        repr(incident.slow_from),
        "--incident-until",
        repr(incident.until),
    ]
    # A session of its own: a Ctrl-C reaches the demo only, which then stops the service
    # after the traffic, so that every request sent is answered and exported.
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own module, our own arguments
        command, env=environ, pass_fds=(fd,), start_new_session=True
    )


def _stop_service(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the service exports what it recorded, then exits), SIGKILL if it hangs."""
    child.terminate()
    try:
        child.wait(CHILD_STOP_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _print_header(
    options: DemoOptions, address: ServerAddress, service_url: str, child_pid: int, out: TextIO
) -> None:
    length = f"{options.incident_s:g} s"
    until = f"for {options.duration_s:g} s" if options.duration_s else "until Ctrl-C"
    out.write(
        f"sloscope demo: running {until}; data in {options.settings.store.data_dir}\n"
        f"  dashboard  {address.api_url}/\n"
        f"  dashboards {address.api_url}/dashboards/otel (the demo's traffic)\n"
        f"  alerts     {address.api_url}/alerts\n"
        f"  metrics    {address.api_url}/metrics\n"
        f"  OTLP       {address.otlp_endpoint}   demo service {service_url} (pid {child_pid})\n"
        f"  incident   at +{options.incident_at_s:g} s: server errors for {length}, "
        f"then slow answers for {length}\n"
    )
    out.flush()


class _Printer:
    """The summary line: rewritten in place on a terminal, one line per interval otherwise."""

    def __init__(
        self,
        out: TextIO,
        options: DemoOptions,
        address: ServerAddress,
        incident: Incident,
        started: float,
    ) -> None:
        self._out = out
        self._tty = out.isatty()
        self._interval_s = options.interval_s
        self._url = f"{address.api_url}/api/slos/status"
        self._alerts_url = f"{address.api_url}/api/alerts"
        token = options.settings.api.token
        self._headers = {"authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self._incident = incident
        self._started = started
        self._report: Any = None
        self._firing: list[str] | None = None

    async def loop(self, counts: TrafficCounts) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.once(counts)

    async def once(self, counts: TrafficCounts) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            try:
                body = {"at": _next_minute(time.time()).isoformat()}
                answer = await client.post(self._url, json=body, headers=self._headers)
                if answer.status_code == 200:
                    self._report = answer.json()
                alerts = await client.get(
                    self._alerts_url, params={"state": "firing"}, headers=self._headers
                )
                if alerts.status_code == 200:
                    self._firing = [
                        alert["labels"].get("alertname", alert["id"])
                        for alert in alerts.json()["alerts"]
                    ]
            except httpx.HTTPError:
                pass  # the last report stays on screen; the next interval tries again
        now = time.time()
        line = summary_line(
            now - self._started, self._incident.phase(now), self._report, counts, self._firing
        )
        self._out.write(f"\r{line}\x1b[K" if self._tty else f"{line}\n")
        self._out.flush()

    def end(self) -> None:
        if self._tty:
            self._out.write("\n")


def _next_minute(now_s: float) -> datetime:
    """The SLO engine evaluates at whole minutes; the next one counts the minute in
    progress, so the line moves with every export rather than once a minute."""
    return datetime.fromtimestamp((int(now_s) // 60 + 1) * 60, tz=UTC)
