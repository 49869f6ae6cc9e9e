"""The service page's health section in headless Chromium: the checks of the SLO files
run for real (TCP to a socket listening on loopback, TCP to a closed port, HTTP to a
uvicorn-served app), the API and pages served by uvicorn over a real store. The section
shows the statuses the API answers, what degrades a service, that a service has no
check, and names and messages from the data as text. Screenshots: test-artifacts/health/."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from alerting.probes import HealthReport
from processor.store import Store
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.browser import PHONE, screenshot, wait_drawn
from tests.support.servers import free_port, listening, serving

HOSTILE = "<img src=x onerror=alert(1)>"
ARTIFACTS = "health"


async def _answers_ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A plain ASGI app: 200 "ok" to every request."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _checks(up_port: int, down_port: int, text_url: str) -> str:
    """web -> cache (up), web -> checkout (up) -> postgres (down); edge's HTTP check
    wants a body its target does not send, so its message quotes HOSTILE."""
    return f"""\
health_checks:
  - name: web-tcp
    service: web
    tcp: {{host: 127.0.0.1, port: {up_port}}}
    depends_on: [api-tcp, cache-tcp]
  - name: api-tcp
    service: checkout
    tcp: {{host: 127.0.0.1, port: {up_port}}}
    depends_on: [db-tcp]
  - name: db-tcp
    service: postgres
    tcp: {{host: 127.0.0.1, port: {down_port}}}
  - name: cache-tcp
    service: cache
    tcp: {{host: 127.0.0.1, port: {up_port}}}
  - name: edge-http
    service: edge
    http: {{url: "{text_url}/", body: "{HOSTILE}"}}
"""


@pytest.fixture(scope="module")
def url(module_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("slos")
    with listening() as up, serving(_answers_ok) as text_url:
        (folder / "checks.yaml").write_text(_checks(up, free_port(), text_url))
        with serving_api(module_store, ApiSettings(), slos_dir=folder) as base:
            yield base


def _opened(page: Page, url: str) -> dict[str, Any]:
    """Go to ``url``, wait until the page is drawn and return ``_section``."""
    page.goto(url)
    wait_drawn(page)
    return _section(page)


def _section(page: Page) -> dict[str, Any]:
    """What the health section shows, as text."""
    shown: dict[str, Any] = page.evaluate(
        """() => {
          const rows = (id) => [...document.querySelectorAll("#" + id + " tbody tr")].map(
            (r) => [...r.cells].map((c) => c.textContent.trim()));
          const visible = (id) => !document.getElementById(id).hidden;
          const text = (id) => visible(id) ? document.getElementById(id).textContent : null;
          return {
            status: document.getElementById("health-status").textContent,
            badge: document.querySelector("#health-status .status")?.className ?? null,
            cause: text("health-cause"),
            none: text("health-none"),
            problem: text("health-problem"),
            checks: visible("health-checks-box") ? rows("health-checks") : null,
            deps: visible("health-deps-box") ? rows("health-deps") : null,
          };
        }"""
    )
    return shown


def _api(url: str, service: str) -> HealthReport:
    answer = httpx.get(f"{url}/api/health", params={"service": service}, timeout=30)
    assert answer.status_code == 200, answer.text
    return HealthReport.model_validate(answer.json())


def test_a_degraded_service_shows_its_checks_and_what_degrades_it(page, url):
    shown = _opened(page, url + "/services/web")
    assert shown["status"] == "degraded"
    assert shown["badge"] == "status health-degraded"
    assert shown["cause"] == "Degraded by db-tcp (postgres)"
    assert shown["none"] is None
    assert shown["problem"] is None
    ((name, kind, result, latency, _, message),) = shown["checks"]
    assert (name, kind, result) == ("web-tcp", "tcp", "degraded")
    assert latency.endswith(" ms")
    assert message.startswith("connected to 127.0.0.1:")
    assert message.endswith(" · degraded by db-tcp")
    assert shown["deps"] == [
        ["cache", "healthy", "direct", "no"],
        ["checkout", "degraded", "direct", "no"],
        ["postgres", "unhealthy", "via checkout", "yes: db-tcp"],
    ]
    assert page.locator("#health-deps tr.cause").count() == 1
    # the statuses the API answers for the same service, and where each dependency links
    report = _api(url, "web")
    assert {s.service: s.status for s in report.services} == {
        "cache": "healthy",
        "checkout": "degraded",
        "postgres": "unhealthy",
        "web": "degraded",
    }
    link = page.get_by_role("link", name="postgres", exact=True)
    assert link.get_attribute("href") == "/services/postgres"
    screenshot(page, ARTIFACTS, "degraded-laptop")


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("cache", ("cache-tcp", "healthy", "connected to 127.0.0.1:")),
        ("postgres", ("db-tcp", "unhealthy", "ConnectionRefusedError: ")),
    ],
    ids=["listening-socket", "closed-port"],
)
def test_a_tcp_check_shows_what_the_probe_found(page, url, service, expected):
    check, status, message = expected
    shown = _opened(page, url + f"/services/{service}")
    assert shown["status"] == status
    assert shown["badge"] == f"status health-{status}"
    assert shown["cause"] is None
    assert shown["deps"] is None  # neither depends on anything
    ((name, kind, result, _, checked, detail),) = shown["checks"]
    assert (name, kind, result) == (check, "tcp", status)
    assert detail.startswith(message)
    assert checked.startswith("20")  # an instant, not the dash of a check never run
    (own,) = _api(url, service).services
    assert own.status == status
    screenshot(page, ARTIFACTS, f"{status}-laptop")


def test_a_service_without_checks_says_so(page, url):
    shown = _opened(page, url + "/services/shop")
    assert shown["none"] == "No health checks for this service (shop)."
    assert shown["status"] == ""
    assert [shown[part] for part in ("checks", "deps", "cause", "problem")] == [None] * 4


def test_names_and_messages_from_the_data_stay_text(page, url):
    shown = _opened(page, url + "/services/" + HOSTILE)
    assert shown["none"] == f"No health checks for this service ({HOSTILE})."
    assert page.locator("img").count() == 0
    shown = _opened(page, url + "/services/edge")
    assert shown["status"] == "unhealthy"
    ((_, kind, _, _, _, detail),) = shown["checks"]
    assert kind == "http"
    assert detail == f"HTTP 200, 2 bytes, the body does not match '{HOSTILE}'"
    assert page.locator("img").count() == 0
    screenshot(page, ARTIFACTS, "hostile")


def test_check_files_with_errors_are_said_in_the_section_and_the_charts_draw(
    page, module_store, tmp_path
):
    (tmp_path / "checks.yaml").write_text("health_checks:\n  - name: x\n    service: web\n")
    with serving_api(module_store, ApiSettings(), slos_dir=tmp_path) as base:
        shown = _opened(page, base + "/services/web")
    assert shown["problem"] == (
        f"Health checks unavailable: {tmp_path / 'checks.yaml'}:2:5: health_checks[0]: "
        "Value error, give exactly one of http, tcp, grpc, store (found: none)"
    )
    assert [shown[part] for part in ("none", "checks", "deps")] == [None] * 3
    assert page.locator(".chart canvas").count() == 4
    assert page.locator("#error").is_hidden()


def test_the_auto_refresh_reads_the_checks_again(page, module_store, tmp_path):
    port_holder = socket.socket()
    port_holder.bind(("127.0.0.1", 0))
    port_holder.listen()
    port = int(port_holder.getsockname()[1])
    (tmp_path / "checks.yaml").write_text(
        f"health_checks:\n  - name: q\n    service: queue\n"
        f"    tcp: {{host: 127.0.0.1, port: {port}}}\n"
    )
    try:
        with serving_api(module_store, ApiSettings(), slos_dir=tmp_path) as base:
            page.goto(base + "/services/queue?refresh=10")
            wait_drawn(page)
            assert _section(page)["status"] == "healthy"
            port_holder.close()
            wait_drawn(page, 2)
            assert _section(page)["status"] == "unhealthy"
    finally:
        port_holder.close()


def test_the_section_fits_a_phone(browser, url):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(url + "/services/web")
        wait_drawn(phone)
        assert phone.locator("#health-checks tbody tr").count() == 1
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the service page scrolls sideways on a phone"
        # the rows stack: a check's message is on screen, not past a scrolled table's edge
        message = phone.locator("#health-checks td.detail").bounding_box()
        assert message is not None
        assert message["x"] + message["width"] <= PHONE["width"]
        screenshot(phone, ARTIFACTS, "degraded-phone")
        section = screenshot(phone, ARTIFACTS, "degraded-phone-section")  # then only the section
        phone.locator("#health").screenshot(path=str(section))
    finally:
        context.close()
