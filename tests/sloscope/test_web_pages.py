"""The dashboard in headless Chromium: real data in a real store, the API and pages
served by uvicorn on loopback. Pages render the engine's numbers, filters change the URL
and the charts in place, names from the data stay text, and a token set on the server
is asked for once. Screenshots: test-artifacts/dashboard/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page
from pydantic import SecretStr

from processor.store import Store
from slo_engine import load, sla_report, status
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.browser import LAPTOP, PHONE, screenshot, wait_drawn
from tests.support.traffic import GaugePoint, dashboard_traffic, insert_gauges, insert_histograms

HOSTILE = "<script>alert(1)</script>"
SLOS = f"""\
slos:
  - name: shop-availability
    service: web
    objective: 0.99
    window: 1d
    sli: {{availability: {{}}}}
  - name: shop-latency
    service: web
    objective: 0.5
    window: 1d
    sli: {{latency: {{threshold: 0.25}}}}
  - name: hostile
    service: "{HOSTILE}"
    objective: 0.9
    window: 1d
    sli: {{availability: {{}}}}
"""
TOKEN = "a-token-of-16-characters-at-least"
ARTIFACTS = "dashboard"


@pytest.fixture(scope="module")
def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def slos_dir(module_store: Store, now: datetime, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three hours up to now: web /a one fast 200 and one slow 500 a minute, /b two fast
    200s every other minute; the hostile service one 200 a minute; web's host CPU."""
    insert_histograms(module_store, dashboard_traffic(now, HOSTILE))
    gauges = [
        GaugePoint("web", "system.cpu.utilization", {}, now - timedelta(minutes=minute), 0.5)
        for minute in range(1, 181)
    ]
    insert_gauges(module_store, gauges)
    folder = tmp_path_factory.mktemp("slos")
    (folder / "slos.yaml").write_text(SLOS)
    return folder


@pytest.fixture(scope="module")
def url(module_store: Store, slos_dir: Path) -> Iterator[str]:
    with serving_api(module_store, ApiSettings(), slos_dir=slos_dir) as base:
        yield base


def _rows(page: Page) -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        "table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )
    return rows


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_overview_lists_every_slo_most_urgent_first(page, url, module_store, slos_dir, now):
    page.goto(url + "/")
    wait_drawn(page)
    rows = _rows(page)
    reference = status(module_store, load({"slos.yaml": SLOS}), now)
    expected = {s.name: s for s in reference.slos}
    assert [row[1] for row in rows] == ["shop-availability", "shop-latency", "hostile"]
    assert [row[0] for row in rows] == ["breached", "warning", "ok"]
    # No alert engine behind this API: the page says the numbers were computed, and when.
    evaluated = page.locator("#evaluated").inner_text()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert re.fullmatch(rf"As of {stamp} · computed for this view", evaluated), evaluated
    # shop-latency: 1 slow request in every 3 of /a, /b all fast: 360 + 180 requests in
    # 3 h, 180 slow
    latency, reference_latency = rows[1], expected["shop-latency"]
    remaining, burn = reference_latency.error_budget.remaining, reference_latency.burn_rates["1h"]
    assert reference_latency.total == 540
    assert remaining is not None
    assert burn is not None
    assert latency[3] == "66.667 %"
    assert latency[5] == f"{remaining * 100:.1f} %"
    assert latency[7] == f"{burn:.2f}"
    # a sparkline per row
    assert page.locator("td .spark canvas").count() == 3
    screenshot(page, ARTIFACTS, "overview-laptop")


def test_overview_service_filter_updates_in_place_and_in_the_url(page, url):
    page.goto(url + "/?refresh=30")
    wait_drawn(page)
    assert page.locator("#refresh").input_value() == "30"
    page.select_option("#f-service", "web")
    wait_drawn(page, 2)
    assert _query(page) == {"service": ["web"], "refresh": ["30"]}
    assert [row[2] for row in _rows(page)] == ["web", "web"]
    page.reload()
    wait_drawn(page)
    assert [row[2] for row in _rows(page)] == ["web", "web"]


def test_names_from_the_data_stay_text(page, url):
    page.goto(url + "/")
    wait_drawn(page)
    link = page.get_by_role("link", name=HOSTILE)
    assert link.get_attribute("href") == "/services/%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    assert page.locator("script").count() == 2  # uPlot and dashboard.js, nothing else
    link.click()
    wait_drawn(page)
    assert page.locator("h1 .name").text_content() == HOSTILE
    assert page.title() == f"{HOSTILE} · sloscope"
    assert page.locator("script").count() == 3  # and health.js
    screenshot(page, ARTIFACTS, "hostile-service")


def test_service_page_draws_every_chart_and_the_route_filter_changes_them(page, url):
    page.goto(url + "/services/web?range=6h")
    wait_drawn(page)
    assert page.locator(".chart canvas").count() == 4
    requests = "id => window.sloscopeCharts[id].data[1].reduce((a, v) => a + (v || 0), 0) * 300"
    ratios = "id => [...new Set(window.sloscopeCharts[id].data[1].filter(v => v !== null))]"
    # 5-minute steps (the default for 6 h): every request of the 3 hours, once
    assert page.evaluate(requests, "c-rate") == pytest.approx(180 * 2 + 90 * 2, abs=1e-6)
    screenshot(page, ARTIFACTS, "service-laptop")
    page.select_option("#f-route", "/a")
    wait_drawn(page, 2)
    assert _query(page) == {"range": ["6h"], "route": ["/a"]}
    assert page.evaluate(requests, "c-rate") == pytest.approx(180 * 2, abs=1e-6)
    assert page.evaluate(ratios, "c-errors") == [50.0]  # one 500 in every two requests
    assert page.evaluate(ratios, "c-resources") == [50.0]  # the host's CPU, 0.5


def test_slo_page_range_filter_redraws_with_the_new_range(page, url, module_store, now):
    page.goto(url + "/slos/shop-latency")
    wait_drawn(page)
    (reference,) = [
        s for s in status(module_store, load({"slos.yaml": SLOS}), now).slos
        if s.name == "shop-latency"
    ]  # fmt: skip
    firing = [f"{a.severity} {a.long_window}/{a.short_window}" for a in reference.alerts]
    firing = [text for text, a in zip(firing, reference.alerts, strict=True) if a.firing]
    assert firing  # the status is "warning"
    assert page.locator("#statuses dd").last.text_content() == ", ".join(firing)
    assert page.locator(".chart canvas").count() == 3
    # a week by default, hour by hour from a whole hour
    assert page.locator("#c-sli").get_attribute("data-points") == "169"
    page.select_option("#f-range", "1h")
    wait_drawn(page, 2)
    assert _query(page) == {"range": ["1h"]}
    assert page.locator("#c-sli").get_attribute("data-points") == "61"  # 1 h in minutes
    sli = page.evaluate("window.sloscopeCharts['c-sli'].data[1]")
    assert sli[-1] == pytest.approx(100 * 360 / 540, abs=1e-9)
    screenshot(page, ARTIFACTS, "slo-laptop")


def test_sla_page_shows_the_cli_numbers(page, url, module_store, now):
    month = now.strftime("%Y-%m")
    page.goto(url + f"/sla?month={month}")
    wait_drawn(page)
    report = sla_report(module_store, load({"slos.yaml": SLOS}), month, "UTC", now)
    shown = {row[0]: row for row in _rows(page)}
    for service in report.services:
        row = shown[service.name]
        assert row[7] == f"{service.requests:,}"
        assert row[8] == f"{service.failed_requests:,}"
    assert shown["web"][7] == "540"
    screenshot(page, ARTIFACTS, "sla-laptop")


def test_pages_fit_a_phone(browser, url):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        for path, name in (("/", "overview"), ("/services/web", "service")):
            phone.goto(url + path)
            wait_drawn(phone)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways on a phone"
            screenshot(phone, ARTIFACTS, f"{name}-phone")
    finally:
        context.close()


def test_with_a_token_the_page_asks_for_it_once(browser, module_store, slos_dir):
    settings = ApiSettings(token=SecretStr(TOKEN))
    with serving_api(module_store, settings, slos_dir=slos_dir) as base:
        context = browser.new_context(viewport=LAPTOP)
        page = context.new_page()
        try:
            page.goto(base + "/")
            page.locator("#token-form").wait_for(state="visible")
            assert page.locator("table tbody tr").count() == 0
            page.fill("#token", TOKEN)
            page.click("#token-form button")
            wait_drawn(page)
            assert len(_rows(page)) == 3
            assert TOKEN not in page.url
            page.goto(base + "/services/web")  # the same tab: no second prompt
            wait_drawn(page)
            assert page.locator("#token-form").is_hidden()
        finally:
            context.close()
