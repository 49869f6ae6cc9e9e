"""``GET /api/health``: the health tree, from a live board as it stands, or from the
checks of the SLO files run on request."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pydantic
import pytest
from pydantic import SecretStr

from alerting.probes import HealthBoard, HealthChecks, HealthReport, ProbeResult
from sloscope.api import ApiContext, create_app
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.servers import free_port, listening, serving

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
                        "kind": "tcp",
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
        headers = {"authorization": "Bearer s3cret-token-0123456789"}
        for query in ("", "?service=checkout"):
            assert httpx.get(f"{url}/api/health{query}", timeout=30).status_code == 401
            answer = httpx.get(f"{url}/api/health{query}", headers=headers, timeout=30)
            assert answer.status_code == 200


def _chain(folder: Path, up_port: int, down_port: int) -> Path:
    """web -> checkout -> postgres (down); cache is up and depends on nothing; audit
    depends on postgres but not on web's side."""
    (folder / "checks.yaml").write_text(
        f"""\
health_checks:
  - name: web-tcp
    service: web
    tcp: {{host: 127.0.0.1, port: {up_port}}}
    depends_on: [api, redis]
  - name: api
    service: checkout
    tcp: {{host: 127.0.0.1, port: {up_port}}}
    depends_on: [db]
  - name: db
    service: postgres
    tcp: {{host: 127.0.0.1, port: {down_port}}}
  - name: redis
    service: cache
    tcp: {{host: 127.0.0.1, port: {up_port}}}
  - name: audit-tcp
    service: audit
    tcp: {{host: 127.0.0.1, port: {up_port}}}
    depends_on: [db]
"""
    )
    return folder


def _shown(report: HealthReport) -> list[tuple[str, str, list[str], list[str]]]:
    return [(s.service, s.status, s.depends_on, s.caused_by) for s in report.services]


def test_a_service_comes_with_what_it_depends_on_transitively(store, tmp_path):
    with listening() as up, serving_api(store, slos_dir=_chain(tmp_path, up, free_port())) as url:
        answer = httpx.get(f"{url}/api/health", params={"service": "web"}, timeout=30)
        assert answer.status_code == 200, answer.text
        report = HealthReport.model_validate(answer.json())
        assert report.status == "unhealthy"  # postgres, web's dependency two steps away
        assert _shown(report) == [
            ("cache", "healthy", [], []),
            ("checkout", "degraded", ["postgres"], ["db"]),
            ("postgres", "unhealthy", [], []),
            ("web", "degraded", ["cache", "checkout"], ["db"]),
        ]
        (web,) = [s for s in report.services if s.service == "web"]
        assert [(c.name, c.kind, c.status, c.up, c.caused_by) for c in web.checks] == [
            ("web-tcp", "tcp", "degraded", True, ["db"])
        ]
        # a service at the bottom has only itself; the status is its own
        answer = httpx.get(f"{url}/api/health", params={"service": "cache"}, timeout=30)
        assert answer.json()["status"] == "healthy"
        assert _shown(HealthReport.model_validate(answer.json())) == [("cache", "healthy", [], [])]


def test_without_the_parameter_every_service_is_answered(store, tmp_path):
    with listening() as up, serving_api(store, slos_dir=_chain(tmp_path, up, free_port())) as url:
        answer = httpx.get(f"{url}/api/health", timeout=30)
    report = HealthReport.model_validate(answer.json())
    assert report.status == "unhealthy"
    assert _shown(report) == [
        ("audit", "degraded", ["postgres"], ["db"]),
        ("cache", "healthy", [], []),
        ("checkout", "degraded", ["postgres"], ["db"]),
        ("postgres", "unhealthy", [], []),
        ("web", "degraded", ["cache", "checkout"], ["db"]),
    ]


def test_a_service_without_checks_answers_an_empty_list(store, tmp_path):
    with listening() as up, serving_api(store, slos_dir=_chain(tmp_path, up, free_port())) as url:
        for name in ("shop", "<img src=x onerror=alert(1)>", "web "):
            answer = httpx.get(f"{url}/api/health", params={"service": name}, timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"status": "healthy", "services": []}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "query.service: String should have at least 1 character"),
        ("x" * 501, "query.service: String should have at most 500 characters"),
        ("web\nshop", "query.service: String should match pattern"),
        ("web\x00", "query.service: String should match pattern"),
    ],
    ids=["empty", "too-long", "newline", "nul"],
)
def test_a_bad_service_parameter_is_a_json_error(store, tmp_path, value, message):
    with serving_api(store, slos_dir=tmp_path) as url:
        answer = httpx.get(f"{url}/api/health", params={"service": value}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"].startswith("bad request: " + message)


def test_the_schema_describes_the_service_parameter(store, tmp_path):
    with serving_api(store, slos_dir=tmp_path) as url:
        schema = httpx.get(f"{url}/openapi.json", timeout=30).json()
    get = schema["paths"]["/api/health"]["get"]
    (parameter,) = get["parameters"]
    assert parameter["name"] == "service"
    assert parameter["in"] == "query"
    assert parameter["required"] is False
    assert "depends on" in parameter["description"]
    text = next(t for t in parameter["schema"]["anyOf"] if t.get("type") == "string")
    assert (text["minLength"], text["maxLength"]) == (1, 500)
    answer = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/HealthReport"}
    for status in ("400", "422"):
        error = get["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorAnswer"}
