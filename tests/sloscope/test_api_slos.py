"""POST /api/slos/status on a real store, served by uvicorn, through the server's own
read-only query connection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from processor.store import Store
from slo_engine import StatusReport, load, status
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.9
    window: 1d
    sli: {availability: {route: /a}}
  - name: latency-minutes
    objective: 0.9
    window: 1d
    budgeting: timeslices
    slice_target: 0.5
    sli: {latency: {route: /a, threshold: 0.25}}
"""


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[httpx.Client]:
    points = [
        histogram_point(
            "shop", request_attributes("/a", "GET", code), END - timedelta(minutes=m), [0.1, 0.3]
        )
        for m in range(1, 40)
        for code in (200, 500)
    ]
    insert_histograms(store, points)
    (tmp_path / "shop.yaml").write_text(SLOS)
    with (
        serving_api(store, ApiSettings(), slos_dir=tmp_path) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        yield http


def test_status_of_the_posted_files_equals_the_engine_called_directly(
    client: httpx.Client, store: Store
) -> None:
    response = client.post(
        "/api/slos/status", json={"files": {"posted.yaml": SLOS}, "at": END.isoformat()}
    )
    assert response.status_code == 200, response.text
    report = StatusReport.model_validate_json(response.content)
    assert report == status(store, load({"posted.yaml": SLOS}), END)
    availability, minutes = report.slos
    assert (availability.good, availability.total) == (78.0, 156.0)
    assert minutes.slices is not None
    assert (minutes.good, minutes.total) == (39.0, 39.0)


def test_status_reads_the_server_slo_directory_by_default(client: httpx.Client) -> None:
    response = client.post("/api/slos/status", json={"at": END.isoformat()})
    assert response.status_code == 200, response.text
    names = [s.name for s in StatusReport.model_validate_json(response.content).slos]
    assert names == ["availability", "latency-minutes"]


def test_a_server_without_its_slo_directory_has_no_slos(store: Store, tmp_path: Path) -> None:
    """``make run`` on a fresh clone: ./slos does not exist, and the pages say so rather
    than fail."""
    absent = tmp_path / "slos"
    with serving_api(store, slos_dir=absent) as url, httpx.Client(base_url=url) as client:
        overview = client.get("/api/slos")
        listed = client.get("/api/services")
        report = client.post("/api/slos/status", json={"at": END.isoformat()})
        given = client.post("/api/slos/status", json={"files": {"s.yaml": SLOS}})
    assert overview.status_code == 200, overview.text
    assert overview.json()["slos"] == []
    assert listed.status_code == 200, listed.text
    assert report.status_code == 200, report.text
    assert StatusReport.model_validate_json(report.content).slos == []
    assert [s.name for s in StatusReport.model_validate_json(given.content).slos] == [
        "availability",
        "latency-minutes",
    ]
    assert not absent.exists()


def test_spec_errors_answer_422_with_every_issue(client: httpx.Client) -> None:
    bad = SLOS.replace("objective: 0.9", "objective: 2")
    response = client.post("/api/slos/status", json={"files": {"bad.yaml": bad}})
    assert response.status_code == 422
    issues = response.json()["issues"]
    assert issues == [
        "bad.yaml:4:5: slos[0].objective: Input should be less than 1",
        "bad.yaml:8:5: slos[1].objective: Input should be less than 1",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "bad request body"),
        (b'{"files": {}, "unknown": 1}', "bad request body"),
        (b'{"files": {}, "at": "2026-11-20T12:00:00"}', "time zone"),
    ],
    ids=["not-json", "unknown-field", "instant-without-zone"],
)
def test_bad_requests_answer_400(client: httpx.Client, body: bytes, message: str) -> None:
    response = client.post(
        "/api/slos/status", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
