"""Dashboards as config in headless Chromium: the shipped ``otel`` dashboard drawn from a
real store, every widget type showing the numbers of the widget API (and the exact counts
of the traffic written); its variables and range as filters kept in the URL; its refresh
interval as the page's; names from a dashboard file stay text. Screenshots:
test-artifacts/dashboards/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, FloatRect, Page

from processor.store import Store
from sloscope.config import ApiSettings
from tests.support.api import serving_api
from tests.support.browser import PHONE, screenshot, wait_drawn
from tests.support.traffic import GaugePoint, dashboard_traffic, insert_gauges, insert_histograms

HOSTILE = "<script>alert(1)</script>"
HOSTILE_FILE = f"""\
dashboards:
  - name: hostile
    title: "{HOSTILE}"
    description: "<img src=x onerror=alert(2)>"
    refresh: 15s
    range: 3h
    variables:
      - name: service
        label: "{HOSTILE}"
        default: web
        options: [web, "{HOSTILE}"]
    widgets:
      - id: services
        type: table
        title: "{HOSTILE}"
        x: 0
        y: 0
        w: 12
        h: 3
        sql: |
          SELECT ServiceName AS service, sum(Count) AS requests
          FROM {{db:Identifier}}.otel_metrics_histogram
          WHERE ServiceName = {{service:String}}
            AND TimeUnixNano > {{start_ns:UInt64}} AND TimeUnixNano <= {{end_ns:UInt64}}
          GROUP BY service
      - id: broken
        type: chart
        title: A chart without a time column
        x: 0
        y: 3
        w: 6
        h: 3
        sql: SELECT 1 AS one
  - name: refused
    title: Refused
    widgets:
      - id: tables
        type: table
        title: Tables
        x: 0
        y: 0
        w: 12
        h: 3
        sql: SELECT name FROM system.tables
"""
ARTIFACTS = "dashboards"


@dataclass(frozen=True)
class Served:
    url: str
    at: str  # the instant every view here ends at: 30 s past the last minute of traffic
    slos_dir: Path

    def widget(self, widget_id: str, **query: str) -> Any:
        """The widget API's answer for the ``otel`` dashboard, at ``at``."""
        answer = httpx.get(
            f"{self.url}/api/dashboards/otel/widgets/{widget_id}",
            params={"at": self.at, **query},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def served(module_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Three hours up to the minute before ``at``: web /a one fast 200 and one slow 500 a
    minute, /b two 200s every other minute; the hostile service one 200 a minute; web's
    process CPU at 0.25 and its host memory used at 0.5."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    insert_histograms(module_store, dashboard_traffic(now, HOSTILE))
    gauges = []
    for minute in range(1, 181):
        time = now - timedelta(minutes=minute)
        gauges.append(GaugePoint("web", "process.cpu.utilization", {}, time, 0.25))
        memory = {"system.memory.state": "used"}
        gauges.append(GaugePoint("web", "system.memory.utilization", memory, time, 0.5))
    insert_gauges(module_store, gauges)
    folder = tmp_path_factory.mktemp("slos")
    (folder / "dashboards.yaml").write_text(HOSTILE_FILE)
    at = (now + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    with serving_api(module_store, ApiSettings(), slos_dir=folder) as url:
        yield Served(url, at, folder)


def _widget(page: Page, widget_id: str) -> dict[str, str]:
    data: dict[str, str] = page.eval_on_selector(f"#w-{widget_id}", "e => ({...e.dataset})")
    return data


def _table(page: Page, widget_id: str) -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        f"#w-{widget_id} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    return rows


def _box(page: Page, widget_id: str) -> FloatRect:
    box = page.locator(f"#w-{widget_id}").bounding_box()
    assert box is not None
    return box


def _as_js_text(value: object) -> str:
    """``value`` as the page's script writes it (``String``: 250.0 is "250")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _requests(minutes: int) -> int:
    """Requests of every service in the last ``minutes`` minutes of traffic."""
    return 2 * minutes + 2 * (minutes // 2) + minutes


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_the_list_shows_every_dashboard(page: Page, served: Served) -> None:
    page.goto(served.url + "/dashboards")
    wait_drawn(page)
    names = page.eval_on_selector_all(
        "#dashboards tbody tr", "rows => rows.map(r => r.dataset.name)"
    )
    # the SLO directory's, then the shipped ones
    assert names == ["hostile", "refused", "otel", "sloscope"]
    page.get_by_role("link", name="HTTP service").click()
    wait_drawn(page)
    assert urlparse(page.url).path == "/dashboards/otel"


def test_every_widget_type_draws_the_widget_apis_numbers(page: Page, served: Served) -> None:
    page.goto(served.url + f"/dashboards/otel?at={served.at}")
    wait_drawn(page)
    # one hour before `at` holds the minutes 1 to 59 before it (a point at the range's
    # start belongs to the range before)
    requests = served.widget("requests")
    assert requests == {"type": "metric", "value": float(_requests(59)), "unit": None}
    assert _widget(page, "requests") == {"type": "metric", "value": "235"}
    assert page.locator("#w-requests").text_content() == "235"

    errors = served.widget("error-ratio")
    assert errors["value"] == pytest.approx(59 / 235, rel=1e-12)
    assert errors["status"] == "critical"
    assert _widget(page, "error-ratio") == {
        "type": "status", "value": repr(errors["value"]), "status": "critical"
    }  # fmt: skip
    assert page.locator("#w-error-ratio").text_content() == "critical 25.11 %"

    latency = served.widget("mean-latency")
    assert latency["value"] == pytest.approx(1000 * (59 * 0.6 + 29 * 0.3) / 235, rel=1e-9)
    assert float(_widget(page, "mean-latency")["value"]) == latency["value"]
    assert page.locator("#w-mean-latency svg.gauge text").first.text_content() == "187.7 ms"
    cpu = served.widget("cpu")
    assert cpu["value"] == pytest.approx(0.25, rel=1e-12)
    assert page.locator("#w-cpu svg.gauge path.gauge-value").count() == 1

    traffic = served.widget("traffic")
    drawn = page.evaluate("window.sloscopeCharts['w-traffic'].data")
    assert drawn[0] == [datetime.fromisoformat(x).timestamp() for x in traffic["x"]]
    assert drawn[1:] == [series["values"] for series in traffic["series"]]
    assert sum(drawn[1]) == _requests(59)
    assert sum(drawn[2]) == 59
    memory = page.evaluate("window.sloscopeCharts['w-memory'].data[1]")
    assert set(memory) == {0.5}

    routes = served.widget("routes")
    assert _table(page, "routes") == [[_as_js_text(v) for v in row] for row in routes["rows"]]
    assert routes["rows"] == [
        ["web", "/a", 118, 59, 250.0], [HOSTILE, "/x", 59, 0, 100.0], ["web", "/b", 58, 0, 150.0]
    ]  # fmt: skip
    assert page.locator(".widget-body[data-error]").count() == 0
    # laid out on the grid: the first row's four widgets side by side, the table below
    requests_box, cpu_box = _box(page, "requests"), _box(page, "cpu")
    traffic_box, routes_box = _box(page, "traffic"), _box(page, "routes")
    assert requests_box["y"] == cpu_box["y"]
    assert requests_box["x"] + requests_box["width"] < cpu_box["x"]
    assert routes_box["y"] > traffic_box["y"] + traffic_box["height"]
    screenshot(page, ARTIFACTS, "otel-laptop")


def test_variables_and_range_filter_in_place_and_in_the_url(page: Page, served: Served) -> None:
    page.goto(served.url + f"/dashboards/otel?at={served.at}")
    wait_drawn(page)
    assert page.locator("#refresh").input_value() == "30"  # the dashboard's refresh: 30s
    page.fill("#v-service", "web")
    page.dispatch_event("#v-service", "change")
    wait_drawn(page, 2)
    assert _query(page) == {"at": [served.at], "service": ["web"]}
    assert served.widget("requests", service="web")["value"] == 176.0
    assert _widget(page, "requests")["value"] == "176"
    assert [row[0] for row in _table(page, "routes")] == ["web", "web"]
    page.select_option("#f-range", "15m")
    wait_drawn(page, 3)
    assert _query(page) == {"at": [served.at], "service": ["web"], "range": ["15m"]}
    assert _widget(page, "requests")["value"] == str(2 * 14 + 2 * 7)
    page.reload()
    wait_drawn(page)
    assert page.locator("#v-service").input_value() == "web"
    assert page.locator("#f-range").input_value() == "15m"
    assert _widget(page, "requests")["value"] == "42"


def test_names_from_a_dashboard_file_stay_text(page: Page, served: Served) -> None:
    service = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    page.goto(served.url + f"/dashboards/hostile?service={service}&at={served.at}")
    wait_drawn(page)
    assert page.locator("#d-title").text_content() == HOSTILE
    assert page.title() == f"{HOSTILE} · sloscope"
    assert page.locator("#d-description").text_content() == "<img src=x onerror=alert(2)>"
    assert page.locator("label", has_text=HOSTILE).count() == 1
    assert page.locator("#v-service").input_value() == HOSTILE
    assert page.locator(".widget figcaption").first.text_content() == HOSTILE
    assert _table(page, "services") == [[HOSTILE, "179"]]  # 3 h before `at`
    assert page.locator("#refresh").input_value() == "15"
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 3  # uPlot, dashboard.js, dashboards.js
    screenshot(page, ARTIFACTS, "hostile")


def test_an_unknown_dashboard_named_like_html_is_text(page: Page, served: Served) -> None:
    name = "<img src=x onerror=alert(3)>"
    page.goto(served.url + "/dashboards/" + quote(name))
    page.locator("#error").wait_for(state="visible")
    assert page.locator("#d-title").text_content() == name
    assert page.locator("#error").text_content() == f"no dashboard {name!r}"
    assert page.locator("img").count() == 0


def test_a_failing_widget_shows_why_and_the_others_draw(page: Page, served: Served) -> None:
    page.goto(served.url + f"/dashboards/hostile?at={served.at}")
    wait_drawn(page)
    assert _widget(page, "broken") == {"error": "1"}
    assert page.locator("#w-broken").text_content() == (
        "widget broken: a chart needs a time column and a series"
    )
    assert _table(page, "services") == [["web", str(_requests(179) - 179)]]
    assert page.locator("#error").is_hidden()


def test_a_dashboard_the_query_policy_refuses_shows_the_issue(page: Page, served: Served) -> None:
    page.goto(served.url + "/dashboards/refused")
    page.locator("#error").wait_for(state="visible")
    message = page.locator("#error").text_content() or ""
    where = served.slos_dir / "dashboards.yaml"
    assert message.startswith(
        f"{where}:44:9: dashboards[1].widgets[0].sql: refused: the table system.tables"
    )
    assert page.locator(".widget").count() == 0


def test_the_dashboard_fits_a_phone(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(served.url + f"/dashboards/otel?at={served.at}")
        wait_drawn(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert phone.locator(".chart, .widget-body canvas").count() == 2
        screenshot(phone, ARTIFACTS, "otel-phone")
    finally:
        context.close()
