"""``GET /api/health``: the health tree, from a live board as it stands, or from the
checks of the SLO files run on request."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pydantic
from pydantic import SecretStr

from alerting.probes import HealthBoard, HealthChecks, HealthReport, ProbeResult
from sloscope.api import ApiContext, create_app
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.servers import free_port, serving

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_checks_of_the_slo_files_run_on_request(store, tmp_path):
    (tmp_path / "checks.yaml").write_text(
        f"""\
health_checks:
  - name: api
    service: checkout
    store: {{}}
    depends_on: [db]
  - name: db
    service: postgres
    tcp: {{host: 127.0.0.1, port: {free_port()}}}
"""
    )
    with serving_api(store, slos_dir=tmp_path) as url:
        answer = httpx.get(f"{url}/api/health", timeout=30)
    assert answer.status_code == 200, answer.text
    report = HealthReport.model_validate(answer.json())
    assert report.status == "unhealthy"
    assert [(s.service, s.status, s.caused_by) for s in report.services] == [
        ("checkout", "degraded", ["db"]),
        ("postgres", "unhealthy", []),
    ]
    assert report.services[0].checks[0].detail == "SELECT 1 answered"


def test_bad_check_files_are_answered_422_with_every_issue(store, tmp_path):
    (tmp_path / "checks.yaml").write_text("health_checks:\n  - name: x\n    service: s\n")
    with serving_api(store, slos_dir=tmp_path) as url:
        answer = httpx.get(f"{url}/api/health", timeout=30)
    assert answer.status_code == 422
    assert answer.json()["issues"] == [
        f"{tmp_path / 'checks.yaml'}:2:5: health_checks[0]: Value error, give exactly one of "
        "http, tcp, grpc, store (found: none)"
    ]


def test_no_checks_is_healthy_and_empty(store, tmp_path):
    with serving_api(store, slos_dir=tmp_path / "missing") as url:
        answer = httpx.get(f"{url}/api/health", timeout=30)
    assert answer.json() == {"status": "healthy", "services": []}


def test_a_live_board_is_answered_as_it_stands(store):
    checks = pydantic.TypeAdapter(HealthChecks).validate_python(
        [{"name": "db", "service": "postgres", "tcp": {"host": "127.0.0.1", "port": 1}}]
    )
    board = HealthBoard(checks, live=True)
    board.record(ProbeResult("db", "postgres", True, 0.0042, "connected", T0))
    context = ApiContext.open(store, ApiSettings(), health_board=board)
    try:
        with serving(create_app(context)) as url:
            answer = httpx.get(f"{url}/api/health", timeout=30)
    finally:
        context.close()
    assert answer.json() == {
        "status": "healthy",
        "services": [
            {
                "service": "postgres",
                "status": "healthy",
                "depends_on": [],
                "caused_by": [],
                "checks": [
                    {
                        "name": "db",
                        "status": "healthy",
                        "up": True,
                        "duration_s": 0.0042,
                        "detail": "connected",
                        "checked_at": "2026-12-05T08:00:00Z",
                        "depends_on": [],
                        "caused_by": [],
                        "tls_days_left": None,
                    }
                ],
            }
        ],
    }


def test_the_route_wants_the_api_token_when_one_is_set(store, tmp_path):
    settings = ApiSettings(token=SecretStr("s3cret-token-0123456789"))
    with serving_api(store, settings, slos_dir=tmp_path) as url:
        assert httpx.get(f"{url}/api/health", timeout=30).status_code == 401
        headers = {"authorization": "Bearer s3cret-token-0123456789"}
        assert httpx.get(f"{url}/api/health", headers=headers, timeout=30).status_code == 200
