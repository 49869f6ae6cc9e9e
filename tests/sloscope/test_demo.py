"""``sloscope demo`` as a user runs it: a real subprocess with serve, the demo service (a
child process of its own), traffic and a short incident; stopped with SIGINT."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sloscope.cli import app
from sloscope.demo._incident import Incident
from sloscope.demo._summary import summary_line
from sloscope.demo._traffic import TrafficCounts
from tests.support.servers import stop_process

SLOS = Path(__file__).parents[2] / "sloscope" / "demo" / "slos"
BURNING = re.compile(r"demo-availability SLI [\d.]+% budget (-?[\d.]+)%")
SERVICE_PID = re.compile(r"demo service http://127\.0\.0\.1:\d+ \(pid (\d+)\)")
FINAL = re.compile(
    r"^demo: sent (\d+) requests, (\d+) good, (\d+) server errors, (\d+) unanswered$"
)
WAIT_S = 240.0


def _lines(stream: object, into: queue.Queue[str | None]) -> None:
    for raw in stream:  # type: ignore[attr-defined]
        into.put(raw.decode().rstrip("\n"))
    into.put(None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_the_demo_burns_a_budget_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    demo = subprocess.Popen(
        [
            sys.executable, "-m", "sloscope", "demo",
            "--incident-at", "5", "--incident-length", "5", "--duration", "600",
            "--rate", "20", "--interval", "1", "--api-port", "0",
            "--data-dir", str(data_dir),
        ],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_lines, args=(demo.stdout, lines), daemon=True).start()
    seen: list[str] = []
    service_pid = None
    burnt = None
    try:
        deadline = time.monotonic() + WAIT_S
        while burnt is None and time.monotonic() < deadline:
            line = lines.get(timeout=WAIT_S)
            assert line is not None, "\n".join(seen)
            seen.append(line)
            if found := SERVICE_PID.search(line):
                service_pid = int(found.group(1))
            if (found := BURNING.search(line)) and float(found.group(1)) < 100:
                burnt = line
        assert burnt is not None, "\n".join(seen)
        assert service_pid is not None
        assert _alive(service_pid)
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=120) == 0
    finally:
        if demo.poll() is None:
            stop_process(demo)
    while (line := lines.get(timeout=30)) is not None:
        seen.append(line)
    # The service was stopped and reaped by the demo: no process is left behind.
    assert not _alive(service_pid)
    final = FINAL.match(seen[-1])
    assert final is not None, "\n".join(seen)
    sent, good, errors, unanswered = (int(group) for group in final.groups())
    assert errors > 0
    assert unanswered == 0
    assert good == sent - errors
    # The store holds exactly what the traffic generator got answers for. The engine
    # evaluates at whole minutes: the next one holds the minute the demo ended in.
    next_minute = datetime.fromtimestamp((int(time.time()) // 60 + 1) * 60, tz=UTC)
    status = subprocess.run(
        [
            sys.executable, "-m", "sloscope", "slo", "status", "--json",
            "--data-dir", str(data_dir), "--slos", str(SLOS),
            "--at", next_minute.isoformat(),
        ],
        capture_output=True, check=False,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr.decode()
    by_name = {slo["name"]: slo for slo in json.loads(status.stdout)["slos"]}
    availability = by_name["demo-availability"]
    assert (availability["total"], availability["good"]) == (sent, good)
    assert availability["error_budget"]["remaining"] < 1
    assert by_name["demo-latency"]["total"] == sent


def test_the_incident_has_errors_then_slowness_then_calm() -> None:
    incident = Incident(errors_from=100.0, slow_from=110.0, until=120.0)
    phases = [incident.phase(t) for t in (99.9, 100.0, 109.9, 110.0, 119.9, 120.0)]
    assert phases == ["calm", "errors", "errors", "slow", "slow", "calm"]


def test_the_summary_line_shows_each_slo_and_the_traffic() -> None:
    report = {
        "slos": [
            {"name": "a", "sli": 0.9725, "error_budget": {"remaining": -1.795}},
            {"name": "b", "sli": None, "error_budget": {"remaining": None}},
        ]
    }
    counts = TrafficCounts(sent=700, server_errors=19)
    assert summary_line(95.7, "errors", report, counts) == (
        "+1:35 errors | a SLI 97.25% budget -179.5% | b SLI no data budget - | sent 700, 5xx 19"
    )
    assert summary_line(0, "calm", None, TrafficCounts()) == "+0:00 calm   | sent 0, 5xx 0"
    firing = ["demo-errors", "slo-burn-rate-1h-5m", "demo-errors", "slo-budget-exhausted"]
    assert summary_line(1, "calm", None, TrafficCounts(), firing).endswith(
        "| alerts firing: 4 (demo-errors, slo-budget-exhausted, ...)"
    )
    assert summary_line(1, "calm", None, TrafficCounts(), []).endswith("| alerts firing: 0")


@pytest.mark.parametrize("flag", ["--api-port", "--otlp-port"])
def test_a_port_in_use_is_one_line_and_exit_2(flag: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["demo", "--duration", "5", flag, str(port)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: port {port} is taken: pass {flag} 0 for a free one\n"
