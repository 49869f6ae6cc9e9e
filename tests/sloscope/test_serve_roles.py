"""``sloscope serve --role``: each role starts as a real process and serves what it runs
and nothing else."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from processor.store import StoreOptions, open_store
from sloscope.cli import app
from sloscope.config import Settings
from sloscope.server import serve
from tests.support.clickhouse import ClickHouseServer
from tests.support.otlp import DELTA, export, histogram_point, metric, request
from tests.support.serve import ServeProcess
from tests.support.traffic import histogram_point as stored_point
from tests.support.traffic import insert_histograms, request_attributes


def _status(url: str, body: dict[str, object] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _health(server: ServeProcess) -> dict[str, object]:
    with urllib.request.urlopen(server.api_url + "/healthz", timeout=30) as answer:
        checks: dict[str, object] = json.loads(answer.read())
    return checks


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def running() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.stop()


@pytest.mark.slow
def test_the_ingest_role_stores_otlp_and_answers_only_healthz_and_metrics(
    tmp_path: Path, running: list[ServeProcess]
) -> None:
    data_dir = tmp_path / "data"
    server = ServeProcess(
        data_dir,
        args=["--role", "ingest"],
        env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"},
    )
    running.append(server)
    server.start()
    built = request("shop")
    latency = metric(built, "http.server.request.duration", "s")
    at = (datetime.now(UTC) - timedelta(minutes=5)).timestamp()
    for i in range(12):
        histogram_point(latency, [i, 1], [0.1], at + i, start_s=at + i - 1, temporality=DELTA)
    export(server.otlp_endpoint, built)
    assert "otlp" in _health(server)
    assert _status(server.api_url + "/api/query", {"sql": "SELECT 1"}) == 404
    assert _status(server.api_url + "/api/slos") == 404
    with urllib.request.urlopen(server.api_url + "/metrics", timeout=30) as answer:
        exposition = answer.read().decode()
    assert "\nsloscope_processor_points_accepted_total 12\n" in exposition
    assert "\nmonitoring_metrics_collected_total 12\n" in exposition
    assert not (data_dir / "sloscope-serve.json").exists()
    assert server.stop() == 0
    counted = subprocess.run(
        [
            sys.executable, "-m", "sloscope", "query", "--json", "--data-dir", str(data_dir),
            "SELECT count(), sum(Count) FROM sloscope.otel_metrics_histogram "
            "WHERE ServiceName = 'shop'",
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(counted.stdout)["rows"] == [[12, sum(range(12)) + 12]]


@pytest.mark.slow
def test_the_engine_role_serves_the_api_over_a_server_and_opens_no_otlp_port(
    tmp_path: Path, server_dsn: str, running: list[ServeProcess]
) -> None:
    seeded = open_store(StoreOptions(dsn=server_dsn, retention_days=0))
    at = datetime(2026, 11, 20, 12, tzinfo=UTC)
    insert_histograms(
        seeded,
        [stored_point("shop", request_attributes("/a"), at, [0.1, 0.2, 0.3]) for _ in range(4)],
    )
    seeded.close()
    server = ServeProcess(tmp_path / "data", args=["--role", "engine", "--dsn", server_dsn])
    running.append(server)
    server.start()
    assert "otlp" not in _health(server)
    rows = server.query("SELECT count(), sum(Count) FROM {db:Identifier}.otel_metrics_histogram")
    assert rows == [[4, 12]]
    assert not _listening(server.otlp_port)
    assert server.stop() == 0


def test_the_role_comes_from_the_environment_and_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLOSCOPE_ROLE", "router")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: role: Input should be 'ingest', 'engine' or 'all'")
    wrong_flag = CliRunner().invoke(app, ["serve", "--role", "router"])
    assert wrong_flag.exit_code == 2
    assert "--role" in wrong_flag.stderr


def test_serve_logs_where_the_store_is_without_its_password(
    server_dsn: str, clickhouse: ClickHouseServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings.load({"role": "engine", "store": {"dsn": server_dsn}, "api": {"port": 0}})
    stop = asyncio.Event()

    async def serve_until_logged() -> None:
        running = asyncio.create_task(serve(settings, stop))
        while not any(r.getMessage() == "sloscope serving" for r in caplog.records):
            if running.done():
                running.result()
            await asyncio.sleep(0.05)
        stop.set()
        await running

    with caplog.at_level(logging.INFO, logger="sloscope.server"):
        asyncio.run(serve_until_logged())
    (serving,) = [r for r in caplog.records if r.getMessage() == "sloscope serving"]
    assert serving.role == "engine"  # type: ignore[attr-defined]
    assert serving.store == server_dsn.replace(  # type: ignore[attr-defined]
        f":{urllib.parse.quote(clickhouse.password)}@", ":***@"
    )
    assert urllib.parse.quote(clickhouse.password) not in caplog.text
