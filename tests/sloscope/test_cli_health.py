"""``sloscope health``: the checks of the SLO files run once against real servers, the
tree printed, exit 1 when a service is unhealthy and 2 for bad files."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pydantic
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from typer.testing import CliRunner

from alerting.probes import HealthChecks, HealthReport, ProbeResult, health_tree
from sloscope.cli import app
from sloscope.cli._health import render_tree
from tests.support.serve import ServeProcess
from tests.support.servers import free_port, serving

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


async def _healthz(request):
    return PlainTextResponse("ok", 200)


@pytest.fixture(scope="module")
def web():
    with serving(Starlette(routes=[Route("/healthz", _healthz)])) as url:
        yield url


def _checks(web_url: str, db_port: int) -> str:
    return f"""\
health_checks:
  - name: web
    service: checkout
    http: {{url: "{web_url}/healthz", body: ok}}
    depends_on: [db, store]
  - name: db
    service: postgres
    tcp: {{host: 127.0.0.1, port: {db_port}}}
  - name: store
    service: sloscope
    store: {{}}
"""


def _invoke(tmp_path, store_options, text, *flags):
    path = tmp_path / "checks.yaml"
    path.write_text(text)
    args = ["health", "--slos", str(path), "--dsn", store_options.dsn, *flags]
    return CliRunner().invoke(app, args, env={"SLOSCOPE_STORE__DATABASE": store_options.database})


def test_a_failed_dependency_makes_its_service_unhealthy_and_the_others_degraded(
    tmp_path, store, store_options, web
):
    result = _invoke(tmp_path, store_options, _checks(web, free_port()), "--json")
    assert result.exit_code == 1, result.output
    report = HealthReport.model_validate_json(result.stdout)
    assert report.status == "unhealthy"
    assert [(s.service, s.status, s.caused_by) for s in report.services] == [
        ("checkout", "degraded", ["db"]),
        ("postgres", "unhealthy", []),
        ("sloscope", "healthy", []),
    ]
    web_check = report.services[0].checks[0]
    assert (web_check.up, web_check.detail) == (True, "HTTP 200, 2 bytes")
    assert report.services[2].checks[0].detail == "SELECT 1 answered"


def test_the_tree_shows_each_service_above_what_it_depends_on(tmp_path, store, store_options, web):
    result = _invoke(tmp_path, store_options, _checks(web, free_port()))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "checkout  DEGRADED (caused by db)"
    assert re.fullmatch(r"  - web  DEGRADED  \d+ ms  HTTP 200, 2 bytes", lines[1])
    assert lines[2] == "    postgres  UNHEALTHY"
    assert re.fullmatch(r"      - db  UNHEALTHY  \d+ ms  .*Connect call failed.*", lines[3])
    assert lines[4] == "    sloscope  ok"
    assert re.fullmatch(r"      - store  ok  \d+ ms  SELECT 1 answered", lines[5])
    assert lines[6:] == ["status: unhealthy"]


def test_everything_up_exits_0(tmp_path, store, store_options, web):
    port = int(web.rsplit(":", 1)[1])
    result = _invoke(tmp_path, store_options, _checks(web, port), "--json")
    assert result.exit_code == 0, result.output
    assert HealthReport.model_validate_json(result.stdout).status == "healthy"


def test_a_store_that_cannot_be_opened_fails_its_check_only(tmp_path, web):
    port = int(web.rsplit(":", 1)[1])
    path = tmp_path / "checks.yaml"
    path.write_text(_checks(web, port))
    down = f"http://127.0.0.1:{free_port()}/sloscope"  # a ClickHouse server that is not there
    result = CliRunner().invoke(app, ["health", "--slos", str(path), "--dsn", down, "--json"])
    assert result.exit_code == 1, result.output
    report = HealthReport.model_validate_json(result.stdout)
    assert [(s.service, s.status) for s in report.services] == [
        ("checkout", "degraded"),
        ("postgres", "healthy"),
        ("sloscope", "unhealthy"),
    ]
    assert report.services[2].checks[0].detail.startswith("StoreUnavailable: ")


def test_the_store_check_goes_through_a_running_server(tmp_path, web):
    port = int(web.rsplit(":", 1)[1])
    (tmp_path / "slos").mkdir()
    path = tmp_path / "slos" / "checks.yaml"
    path.write_text(_checks(web, port))
    serve = ServeProcess(tmp_path / "served", env={"SLOSCOPE_SLO__SLOS_DIR": str(path.parent)})
    serve.start()
    try:
        args = ["health", "--slos", str(path), "--data-dir", str(serve.data_dir), "--json"]
        result = CliRunner().invoke(app, args)
        on_server = httpx.get(f"{serve.api_url}/api/health", timeout=30)
    finally:
        serve.stop()
    assert result.exit_code == 0, result.output
    report = HealthReport.model_validate_json(result.stdout)
    assert report.services[2].checks[0].detail == "SELECT 1 answered"
    # serve runs the checks of its own SLO directory on request, the store one on its store
    served = HealthReport.model_validate(on_server.json())
    assert [(s.service, s.status) for s in served.services] == [
        ("checkout", "healthy"),
        ("postgres", "healthy"),
        ("sloscope", "healthy"),
    ]
    assert served.services[2].checks[0].detail == "SELECT 1 answered"


def test_bad_checks_exit_2_with_file_line_and_field(tmp_path, store_options):
    result = _invoke(tmp_path, store_options, _checks("http://x", 0))
    assert result.exit_code == 2, result.output
    path = tmp_path / "checks.yaml"
    assert result.stderr == (
        f"{path}:8:28: health_checks[1].tcp.port: Input should be greater than or equal to 1\n"
    )


def test_services_that_depend_on_each_other_are_printed_once_each_way():
    checks = pydantic.TypeAdapter(HealthChecks).validate_python(
        [
            {"name": "a1", "service": "a", "store": {}, "depends_on": ["b1"]},
            {"name": "b1", "service": "b", "store": {}},
            {"name": "b2", "service": "b", "store": {}, "depends_on": ["a2"]},
            {"name": "a2", "service": "a", "store": {}},
        ]
    )
    results = [ProbeResult(c.name, c.service, True, 0.002, "fine", T0) for c in checks]
    text = render_tree(HealthReport.from_tree(health_tree(checks, results)))
    assert text.splitlines() == [
        "a  ok",
        "  - a1  ok  2 ms  fine",
        "  - a2  ok  2 ms  fine",
        "    b  ok",
        "      - b1  ok  2 ms  fine",
        "      - b2  ok  2 ms  fine",
        "        a  (see above)",
        "status: healthy",
    ]
    assert render_tree(HealthReport.from_tree([])) == "no health checks"
