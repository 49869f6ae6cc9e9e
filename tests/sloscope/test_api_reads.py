"""The dashboard's read routes on a real store served by uvicorn: the same numbers as
the engine called directly, every parameter checked, the schema and its docs page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from processor.store import Store
from slo_engine import SlaReport, load, service_series, sla_report, slo_series, status
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SLOS = """\
service: cart
slos:
  - name: availability
    objective: 0.99
    window: 1d
    sli: {availability: {}}
  - name: fast
    objective: 0.5
    window: 1d
    sli: {latency: {threshold: 0.25}}
  - name: quiet
    objective: 0.9
    window: 1d
    sli: {availability: {route: /nothing}}
"""
TOKEN = "a-token-of-16-characters-at-least"


@pytest.fixture(scope="module")
def traffic(module_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three hours of cart (the module store holds 30 minutes of shop too): /a one fast
    200 and one slow 500 a minute, /b one fast 200. A point counts what happened in the
    minute it ends, so the last one ends at END."""
    points = []
    for minute in range(180):
        time = END - timedelta(minutes=minute)
        points.append(histogram_point("cart", request_attributes("/a", "GET", 200), time, [0.1]))
        points.append(histogram_point("cart", request_attributes("/a", "GET", 500), time, [0.4]))
        points.append(histogram_point("cart", request_attributes("/b", "GET", 200), time, [0.1]))
    insert_histograms(module_store, points)
    folder = tmp_path_factory.mktemp("slos")
    (folder / "shop.yaml").write_text(SLOS)
    return folder


@pytest.fixture(scope="module")
def client(module_store: Store, traffic: Path) -> Iterator[httpx.Client]:
    with (
        serving_api(module_store, ApiSettings(), slos_dir=traffic) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        yield http


def test_overview_is_the_engine_status_most_urgent_first(client, module_store) -> None:
    response = client.get("/api/slos", params={"at": END.isoformat()})
    assert response.status_code == 200, response.text
    answer = response.json()
    reference = {s.name: s for s in status(module_store, load({"shop.yaml": SLOS}), END).slos}
    # availability: 1/3 failed, far over its 1% budget; fast: 1/3 slow, inside 50% but
    # burning a 1-day window faster than the 3-day ticket condition allows; quiet: no
    # request at all
    assert [s["name"] for s in answer["slos"]] == ["availability", "fast", "quiet"]
    assert [s["status"] for s in answer["slos"]] == ["breached", "warning", "no_data"]
    for item in answer["slos"]:
        expected = reference[item["name"]]
        assert item["sli"] == expected.sli
        assert item["budget_remaining"] == expected.error_budget.remaining
        assert item["budget_remaining_seconds"] == expected.error_budget.remaining_seconds
        assert item["fast_burn"] == expected.burn_rates["1h"]
        assert item["slow_burn"] == expected.burn_rates["6h"]
    fast = answer["slos"][1]
    assert fast["sli"] == pytest.approx(2 / 3, abs=1e-12)
    assert fast["budget_remaining"] == pytest.approx(1 - (1 / 3) / 0.5, abs=1e-12)
    assert fast["fast_burn"] == pytest.approx((1 / 3) / 0.5, abs=1e-12)
    # the sparkline: the 1 h burn rate at each hour of the last day, data in the last 3
    assert len(answer["sparkline_times"]) == 25
    assert fast["sparkline"][:21] == [None] * 21
    assert fast["sparkline"][-3:] == [pytest.approx(2 / 3, abs=1e-12)] * 3


def test_slo_detail_is_the_engine_series(client, module_store) -> None:
    start = END - timedelta(hours=3)
    response = client.get(
        "/api/slos/fast",
        params={"start": start.isoformat(), "end": END.isoformat(), "step": 1800},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    slo_set = load({"shop.yaml": SLOS})
    (series,) = slo_series(module_store, slo_set, start, END, timedelta(minutes=30), names=["fast"])
    assert answer["series"] == [series.model_dump(mode="json")]
    assert answer["series"][0]["total"][-1] == 540.0
    assert answer["series"][0]["good"][-1] == 360.0
    assert [s["name"] for s in answer["statuses"]] == ["fast"]


def test_slo_detail_defaults_to_the_window_in_about_240_points(client) -> None:
    response = client.get("/api/slos/fast", params={"end": END.isoformat()})
    assert response.status_code == 200, response.text
    series = response.json()["series"][0]
    assert series["step_seconds"] == 600  # a day in 10-minute steps: 145 instants
    assert len(series["times"]) == 145


def test_services_and_one_service(client, module_store) -> None:
    response = client.get(
        "/api/services",
        params={"start": (END - timedelta(hours=1)).isoformat(), "end": END.isoformat()},
    )
    assert response.status_code == 200, response.text
    cart, shop = response.json()["services"]
    assert shop["service"]["name"] == "shop"
    assert shop["slos"] == 0
    assert cart == {
        "service": {
            "name": "cart",
            "requests": 180,
            "errors": 60,
            "error_ratio": pytest.approx(1 / 3),
            "routes": ["/a", "/b"],
        },
        "slos": 3,
    }
    params = {
        "start": (END - timedelta(hours=2)).isoformat(),
        "end": END.isoformat(),
        "step": 3600,
        "route": "/a",
    }
    response = client.get("/api/services/cart", params=params)
    assert response.status_code == 200, response.text
    expected = service_series(
        module_store, "cart", END - timedelta(hours=2), END, timedelta(hours=1), route="/a"
    )
    assert response.json() == expected.model_dump(mode="json")
    assert response.json()["error_ratio"][-1] == 0.5


def test_sla_report_is_the_cli_report(client, module_store) -> None:
    response = client.get("/api/reports/sla", params={"month": "2026-11", "tz": "UTC"})
    assert response.status_code == 200, response.text
    report = SlaReport.model_validate_json(response.content)
    expected = sla_report(
        module_store, load({"shop.yaml": SLOS}), "2026-11", "UTC", report.period.evaluated_until
    )
    assert report.services == expected.services
    (shop,) = [s for s in report.services if s.name == "cart"]
    assert (shop.requests, shop.failed_requests) == (540, 180)


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/slos/fast", {"step": 30}, 400, "query.step"),
        ("/api/slos/fast", {"step": 90}, 400, "whole minutes"),
        ("/api/slos/fast", {"start": "2026-11-20T00:00:00"}, 400, "time zone"),
        ("/api/slos/fast", {"start": "yesterday"}, 400, "query.start"),
        ("/api/slos/fast", {"start": "1900-01-01T00:00:00Z"}, 400, "1970"),
        (
            "/api/slos/fast",
            {"start": "2026-01-01T00:00:00Z", "end": "2026-11-01T00:00:00Z", "step": 60},
            400,
            "more than 2,000",
        ),
        ("/api/slos/fast", {"start": "2020-01-01T00:00:00Z"}, 400, "longer than 400 days"),
        ("/api/slos/nothing-like-it", {}, 404, "no SLO named"),
        ("/api/services/cart", {"route": "x" * 501}, 400, "query.route"),
        ("/api/reports/sla", {"month": "2026-13"}, 400, "month"),
        ("/api/reports/sla", {"month": "2026-11", "tz": "Mars/Olympus"}, 400, "time zone"),
        ("/api/reports/sla", {}, 400, "query.month"),
        ("/api/slos", {"at": "2026-11-20T12:00:00"}, 400, "time zone"),
    ],
    ids=[
        "step-too-short",
        "step-not-minutes",
        "naive-start",
        "not-an-instant",
        "year-1900",
        "too-many-points",
        "range-too-long",
        "unknown-slo",
        "route-too-long",
        "bad-month",
        "bad-zone",
        "no-month",
        "naive-at",
    ],
)
def test_bad_parameters_answer_json_errors(client, path, params, status, message) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]


def test_the_schema_types_every_route_and_its_errors(client) -> None:
    schema = client.get("/openapi.json").json()
    reads = {
        "/api/slos": "SloOverview",
        "/api/slos/{name}": "SloDetail",
        "/api/services": "ServiceList",
        "/api/services/{name}": "ServiceSeries",
        "/api/reports/sla": "SlaReport",
    }
    for path, model in reads.items():
        get = schema["paths"][path]["get"]
        answer = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": f"#/components/schemas/{model}"}
        error = get["responses"]["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorAnswer"}
        assert get["security"] == [{"HTTPBearer": []}]
    assert set(schema["components"]["schemas"]["ErrorAnswer"]["properties"]) == {
        "error",
        "issues",
    }


def test_the_docs_page_and_its_files_are_served_here(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN, no other origin
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert client.get("/static/vendor/uplot/LICENSE").status_code == 200


def test_with_a_token_pages_open_and_data_closed(module_store, traffic) -> None:
    settings = ApiSettings(token=SecretStr(TOKEN))
    with (
        serving_api(module_store, settings, slos_dir=traffic) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        page = http.get("/")
        assert page.status_code == 200
        assert 'data-token-set="yes"' in page.text
        assert http.get("/api/slos").status_code == 401
        assert http.get("/api/services").status_code == 401
        answer = http.get("/api/services", headers={"authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
