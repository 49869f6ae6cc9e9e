"""``sloscope health``: the checks of the SLO files run once against real servers, the
tree printed, exit 1 when a service is unhealthy and 2 for bad files."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from typer.testing import CliRunner

from alerting.probes import HealthReport
from sloscope.cli import app
from tests.support.servers import free_port, serving


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
    empty = tmp_path / "no-store"
    args = ["health", "--slos", str(path), "--data-dir", str(empty), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    report = HealthReport.model_validate_json(result.stdout)
    assert [(s.service, s.status) for s in report.services] == [
        ("checkout", "degraded"),
        ("postgres", "healthy"),
        ("sloscope", "unhealthy"),
    ]


def test_bad_checks_exit_2_with_file_line_and_field(tmp_path, store_options):
    result = _invoke(tmp_path, store_options, _checks("http://x", 0))
    assert result.exit_code == 2, result.output
    path = tmp_path / "checks.yaml"
    assert result.stderr == (
        f"{path}:8:28: health_checks[1].tcp.port: Input should be greater than or equal to 1\n"
    )
