"""``sloscope report sla`` on the embedded store, through ``POST /api/reports/sla``, and
through a running ``sloscope serve``."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from processor.store import StoreOptions
from slo_engine import ReportFormat, SlaReport, load, sla_report
from sloscope.api import ApiContext, create_app
from sloscope.cli import app
from sloscope.cli._report import TerminalProgress
from sloscope.config import ApiSettings
from tests.support.otlp import DELTA, export, histogram_point, metric, request
from tests.support.serve import ServeProcess
from tests.support.sla_traffic import Minute, insert, plan, run

START = datetime(2026, 2, 1, tzinfo=UTC)
NOW = START + timedelta(hours=3)
SLOS = "slos:\n  - {name: avail, service: shop, objective: 0.99, sli: {availability: {}}}\n"


@pytest.fixture
def store_options(store_options: StoreOptions) -> StoreOptions:
    """The report reads past months: keep rows forever."""
    return dataclasses.replace(store_options, retention_days=0)


@pytest.fixture
def slos(tmp_path: Path) -> Path:
    path = tmp_path / "slos.yaml"
    path.write_text(SLOS)
    return path


@pytest.fixture
def february(store):
    outage = run(START + timedelta(hours=1), 4, Minute(5, 15))
    insert(store, "shop", plan(START, NOW, overrides=outage))


def invoke(args, store_options=None):
    env = {"SLOSCOPE_STORE__RETENTION_DAYS": "0"}
    if store_options is not None:
        args = [*args, "--dsn", store_options.dsn]
        env["SLOSCOPE_STORE__DATABASE"] = store_options.database
    return CliRunner().invoke(app, args, env=env)


@pytest.mark.parametrize(
    ("month", "zone", "message"),
    [
        ("2026-13", "UTC", "error: month must be YYYY-MM, not '2026-13'\n"),
        ("March", "UTC", "error: month must be YYYY-MM, not 'March'\n"),
        ("2026-03", "Europe/Nowhere", "error: unknown time zone 'Europe/Nowhere'\n"),
    ],
    ids=["month 13", "a name", "unknown zone"],
)
def test_a_bad_month_or_zone_exits_2_with_one_line(slos, month, zone, message):
    result = invoke(["report", "sla", "--month", month, "--tz", zone, "--slos", str(slos)])
    assert result.exit_code == 2, result.output
    assert result.stderr == message
    assert result.stdout == ""


def test_a_missing_month_is_a_usage_error(slos):
    result = invoke(["report", "sla", "--slos", str(slos)])
    assert result.exit_code == 2, result.output
    assert "--month" in result.stderr


def test_output_writes_the_report_file(tmp_path, slos, store_options, february):
    path = tmp_path / "sla.json"
    args = ["report", "sla", "--month", "2026-02", "--slos", str(slos), "--json"]
    result = invoke([*args, "--output", str(path)], store_options)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {path}\n"
    report = SlaReport.model_validate_json(path.read_text())
    (shop,) = report.services
    assert report.period.complete
    assert shop.downtime_seconds == 240
    assert shop.requests == 180 * 20
    assert [s.name for s in shop.slos] == ["avail"]


def test_output_dash_is_stdout(tmp_path, monkeypatch, slos, store_options, february):
    monkeypatch.chdir(tmp_path)
    args = ["report", "sla", "--month", "2026-02", "--slos", str(slos), "--json", "--output", "-"]
    result = invoke(args, store_options)
    assert result.exit_code == 0, result.output
    assert SlaReport.model_validate_json(result.stdout).services[0].downtime_seconds == 240
    assert result.stderr == ""
    assert not (tmp_path / "-").exists()


def test_a_month_beyond_2200_exits_2_with_one_line(slos):
    result = invoke(["report", "sla", "--month", "9999-12", "--slos", str(slos)])
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: month 9999-12: the year 9999 is outside 1970 to 2200\n"


def test_every_format_prints_to_stdout(slos, store_options, february):
    starts = {
        ReportFormat.JSON: '{\n  "period"',
        ReportFormat.MARKDOWN: "# SLA report: February 2026 (Europe/Berlin)",
        ReportFormat.HTML: "<!doctype html>",
        ReportFormat.CSV: "record,service,availability",
    }
    for format_, start in starts.items():
        args = ["report", "sla", "--month", "2026-02", "--tz", "Europe/Berlin"]
        args += ["--slos", str(slos), "--format", format_.value]
        result = invoke(args, store_options)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(start), format_
        assert result.stderr == ""


def test_an_unwritable_output_exits_2(tmp_path, slos, store_options, february):
    path = tmp_path / "missing" / "sla.md"
    args = ["report", "sla", "--month", "2026-02", "--slos", str(slos), "--output", str(path)]
    result = invoke(args, store_options)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: cannot write {path}: ")


@pytest.fixture
def post(store):
    """POST a JSON body to the API app in-process (httpx's ASGI transport)."""
    context = ApiContext.open(store, ApiSettings())
    api = create_app(context)

    async def send(body):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/api/reports/sla", json=body)

    yield lambda body: asyncio.run(send(body))
    context.close()


def test_the_api_answers_the_report_the_engine_computes(post, store, february):
    body = {"files": {"s.yaml": SLOS}, "month": "2026-02", "as_of": NOW.isoformat()}
    answer = post(body)
    assert answer.status_code == 200, answer.text
    expected = sla_report(store, load({"s.yaml": SLOS}), "2026-02", "UTC", NOW)
    assert SlaReport.model_validate(answer.json()) == expected


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"files": {"s.yaml": SLOS}, "month": "2026-13"}, 400, "month must be YYYY-MM"),
        ({"files": {"s.yaml": "slos: 3\n"}, "month": "2026-02"}, 422, "s.yaml:1:"),
        ({"month": "2026-02", "extra": 1}, 400, "bad request body"),
        ({"files": {"s.yaml": SLOS}, "month": "2026-02", "timezone": "X/Y"}, 400, "unknown"),
    ],
    ids=["bad month", "bad SLO file", "unknown field", "bad zone"],
)
def test_the_api_rejects_bad_requests(post, body, status, error):
    answer = post(body)
    assert answer.status_code == status, answer.text
    assert error in answer.json()["error"]


@pytest.fixture
def serve(tmp_path: Path):
    server = ServeProcess(tmp_path / "data", env={"SLOSCOPE_PROCESSOR__FLUSH_INTERVAL_S": "0.1"})
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


@pytest.mark.slow
def test_the_report_goes_through_a_running_server(serve, slos):
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=40)
    if (first + timedelta(minutes=20)).month != first.month:
        pytest.skip("the traffic would straddle two months")
    built = request("shop")
    latency = metric(built, "http.server.request.duration", "s")
    for i in range(20):
        at = (first + timedelta(minutes=i, seconds=30)).timestamp()
        statuses = {200: 20, 500: 20} if 5 <= i < 10 else {200: 20}
        for status, count in statuses.items():
            histogram_point(
                latency,
                [0, count],
                [0.1],
                at,
                start_s=at - 60,
                attrs={"http.response.status_code": status},
                temporality=DELTA,
            )
    export(serve.otlp_endpoint, built)
    month = f"{first:%Y-%m}"
    args = ["report", "sla", "--month", month, "--slos", str(slos), "--json"]
    result = invoke([*args, "--data-dir", str(serve.data_dir)])
    assert result.exit_code == 0, result.output
    report = SlaReport.model_validate_json(result.stdout)
    (shop,) = report.services
    assert (shop.requests, shop.failed_requests) == (20 * 20 + 5 * 20, 5 * 20)
    assert shop.downtime_seconds == 5 * 60
    assert [i.severity for i in shop.incidents] == ["major"]


def test_the_progress_bar_redraws_in_place_and_ends_its_line():
    stream = io.StringIO()
    bar = TerminalProgress(stream)
    bar(1, 4)
    bar(4, 4)
    bar.close()
    assert stream.getvalue() == (
        "\rsla report [#######-----------------------] 1/4"
        "\rsla report [##############################] 4/4\n"
    )
