"""The alerts page in headless Chromium, on alerts a real engine raised in a real store:
it lists the active and resolved ones as the store has them, filters in place and in the
URL, and acknowledging, annotating and resolving from the page changes the alert in the
store (read back through alerting's own store API). The SLO page lists the alerts its
SLO raised. Screenshots: test-artifacts/alerts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page
from pydantic import SecretStr

from alerting import AlertEngine, load_alerting
from alerting._records import AlertRecord
from processor.store import Store
from slo_engine import load
from sloscope.config import ApiSettings
from tests.alerting.test_evaluate import FILES, T0, _traffic
from tests.support.api import serving_api
from tests.support.browser import PHONE, screenshot, wait_drawn, watched_page
from tests.support.traffic import (
    GaugePoint,
    histogram_point,
    insert_gauges,
    insert_histograms,
    request_attributes,
)

HOSTILE = "<script>alert(1)</script>"
HOSTILE_RULE = f"""\
    - name: hostile-errors
      service: "{HOSTILE}"
      aggregation: error_ratio
      window: 1m
      value: 0.05
      severity: critical
      annotations: {{summary: "<img src=x onerror=alert(2)>"}}
  slo_alerts:"""
SOURCES = {"slos/checkout.yaml": FILES["slos/checkout.yaml"].replace("  slo_alerts:", HOSTILE_RULE)}
ACTIVE = ("pending", "firing", "acknowledged")
ARTIFACTS = "alerts"
TOKEN = "a-token-of-16-characters-at-least"


@dataclass(frozen=True)
class Served:
    url: str
    engine: AlertEngine
    store: Store

    def alert(self, name: str) -> AlertRecord:
        """The newest alert called ``name``, as the store has it now."""
        found = [a for a in self.engine.state.alerts() if a.labels["alertname"] == name]
        return found[0]


@pytest.fixture
def served(store: Store, tmp_path: Path) -> Iterator[Served]:
    """At T0 + 1 min, 10% of checkout's and the hostile service's requests fail and
    checkout's memory is high: their rules and checkout's SLO alerts fire. A clean minute
    later, the two threshold rules of checkout resolve; the SLO alerts and the hostile
    service's stay active."""
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    first, later = T0 + timedelta(seconds=30), T0 + timedelta(minutes=1, seconds=30)
    hostile = [
        histogram_point(HOSTILE, request_attributes("/x", status=code), first, [0.1] * n)
        for code, n in ((200, 9), (500, 1))
    ]
    insert_histograms(store, hostile)
    memory = [
        GaugePoint("checkout", "process.memory.utilization", {}, T0 + timedelta(seconds=20), v)
        for v in (0.5, 0.9)
    ]
    insert_gauges(store, memory)
    engine = AlertEngine(store, load_alerting(SOURCES), load(SOURCES))
    engine.evaluate(T0 + timedelta(minutes=1))
    _traffic(store, later, good=100, bad=0)
    insert_histograms(
        store, [histogram_point(HOSTILE, request_attributes("/x", status=500), later, [0.1])]
    )
    engine.evaluate(T0 + timedelta(minutes=2))
    slos_dir = tmp_path / "slos"
    slos_dir.mkdir()
    (slos_dir / "checkout.yaml").write_text(SOURCES["slos/checkout.yaml"])
    with serving_api(store, slos_dir=slos_dir, alerts=engine) as url:
        yield Served(url, engine, store)


def _cards(page: Page, section: str) -> dict[str, str]:
    """Alert id -> state of the cards shown in ``section`` (active or history)."""
    found: dict[str, str] = page.eval_on_selector_all(
        f"#{section} article.alert",
        "cards => Object.fromEntries(cards.map(c => [c.dataset.id, c.dataset.state]))",
    )
    return found


def _facts(page: Page, alert_id: str, kind: str) -> dict[str, str]:
    found: dict[str, str] = page.eval_on_selector(
        f'article[data-id="{alert_id}"] dl.{kind}',
        """list => Object.fromEntries([...list.querySelectorAll("dt")].map(
            dt => [dt.textContent, dt.nextElementSibling.textContent]))""",
    )
    return found


def _history(page: Page, alert_id: str) -> list[str]:
    items: list[str] = page.eval_on_selector_all(
        f'article[data-id="{alert_id}"] details.history li',
        "items => items.map(i => i.textContent)",
    )
    return items


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_the_page_lists_the_stores_active_and_resolved_alerts(page: Page, served: Served) -> None:
    page.goto(served.url + "/alerts")
    wait_drawn(page)
    state = served.engine.state
    active, resolved = state.alerts(ACTIVE), state.alerts(("resolved",))
    assert len(active) == 6  # checkout's 5 SLO alerts and the hostile service's rule
    assert {a.labels["alertname"] for a in resolved} == {"checkout-errors", "checkout-memory"}
    assert _cards(page, "active") == {a.id: a.state for a in active}
    assert _cards(page, "history") == {a.id: "resolved" for a in resolved}
    assert page.locator("#n-active").text_content() == "(6)"
    errors = served.alert("checkout-errors")
    assert errors.value == 0.0  # the clean minute's error ratio, measured at resolution
    assert _facts(page, errors.id, "changes") == {
        "Value / threshold": "0 / 0.05",
        "Started": "2026-12-05 08:01:00 UTC",
        "Firing since": "2026-12-05 08:01:00 UTC",
        "Resolved": "sloscope, 2026-12-05 08:02:00 UTC",
        "Channels": "oncall",
    }
    assert _facts(page, errors.id, "annotations") == {"summary": "checkout fails 10% of requests"}
    labels = page.locator(f'article[data-id="{errors.id}"] ul.labels li').all_text_contents()
    assert labels == ["alertname=checkout-errors", "service=checkout", "severity=critical"]
    # names and annotations from the data stay text
    hostile = served.alert("hostile-errors")
    card = page.locator(f'article[data-id="{hostile.id}"]')
    assert f"service={HOSTILE}" in card.locator("ul.labels li").all_text_contents()
    assert _facts(page, hostile.id, "annotations") == {"summary": "<img src=x onerror=alert(2)>"}
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 3  # uPlot, dashboard.js, alerts.js
    screenshot(page, ARTIFACTS, "alerts-laptop")


def test_acknowledge_annotate_and_resolve_from_the_page_change_the_store(
    page: Page, served: Served
) -> None:
    burn = served.alert("slo-burn-rate-1h-5m")
    assert burn.state == "firing"
    page.goto(served.url + "/alerts")
    wait_drawn(page)
    page.fill("#by", "alice")
    page.dispatch_event("#by", "change")
    form = page.locator(f'form.act[data-id="{burn.id}"]')
    form.locator("input[name=text]").fill("on it")
    form.locator("button[data-action=ack]").click()
    wait_drawn(page, 2)
    acknowledged = served.engine.state.alert(burn.id)
    assert acknowledged is not None
    assert (acknowledged.state, acknowledged.acknowledged_by) == ("acknowledged", "alice")
    assert _cards(page, "active")[burn.id] == "acknowledged"
    assert _facts(page, burn.id, "changes")["Acknowledged"].startswith("alice, ")
    assert _history(page, burn.id)[-1].endswith(" · acknowledged by alice: on it")
    assert form.locator("button[data-action=ack]").count() == 0  # acknowledged already

    form.locator("input[name=text]").fill("scaled up")
    form.locator("select[name=kind]").select_option("action")
    form.locator("button[data-action=annotate]").click()
    wait_drawn(page, 3)
    events = served.engine.state.events(burn.id)
    assert [(e.kind, e.actor, e.note_kind, e.note) for e in events[-1:]] == [
        ("annotation", "alice", "action", "scaled up")
    ]
    assert _history(page, burn.id)[-1].endswith(" · action by alice: scaled up")

    form.locator("button[data-action=resolve]").click()
    wait_drawn(page, 4)
    resolved = served.engine.state.alert(burn.id)
    assert resolved is not None
    assert (resolved.state, resolved.resolved_by) == ("resolved", "alice")
    assert burn.id not in _cards(page, "active")
    assert _cards(page, "history")[burn.id] == "resolved"
    assert [e.kind for e in served.engine.state.events(burn.id)] == [
        "firing", "acknowledged", "annotation", "resolved"
    ]  # fmt: skip
    page.reload()
    wait_drawn(page)
    assert page.locator("#by").input_value() == "alice"  # kept in this browser
    screenshot(page, ARTIFACTS, "alerts-after-changes")


def test_a_change_without_a_name_is_refused_on_the_page(page: Page, served: Served) -> None:
    burn = served.alert("slo-burn-rate-1h-5m")
    page.goto(served.url + "/alerts")
    wait_drawn(page)
    page.locator(f'form.act[data-id="{burn.id}"] button[data-action=ack]').click()
    assert page.locator("#error").text_content() == (
        'Type your name in "You" first: each change records who made it.'
    )
    after = served.engine.state.alert(burn.id)
    assert after is not None
    assert after.state == "firing"


def test_a_refused_change_shows_the_apis_message_and_a_refresh_keeps_typed_text(
    page: Page, served: Served
) -> None:
    burn = served.alert("slo-burn-rate-1h-5m")
    page.goto(served.url + "/alerts")
    wait_drawn(page)
    served.engine.acknowledge(burn.id, "bob")  # from elsewhere, after the page was drawn
    page.fill("#by", "alice")
    form = page.locator(f'form.act[data-id="{burn.id}"]')
    form.locator("input[name=text]").fill("me too")
    form.locator("button[data-action=ack]").click()
    page.locator("#error").wait_for(state="visible")
    assert "acknowledged by bob" in (page.locator("#error").text_content() or "")
    after = served.engine.state.alert(burn.id)
    assert after is not None
    assert after.acknowledged_by == "bob"
    page.evaluate("reload()")  # what the auto-refresh runs
    wait_drawn(page, 2)
    assert _cards(page, "active")[burn.id] == "acknowledged"
    assert form.locator("input[name=text]").input_value() == "me too"
    assert page.locator("#error").is_hidden()


def test_with_a_token_the_page_writes_with_it(browser: Browser, served: Served) -> None:
    settings = ApiSettings(token=SecretStr(TOKEN))
    burn = served.alert("slo-burn-rate-1h-5m")
    with (
        serving_api(served.store, settings, alerts=served.engine) as url,
        watched_page(browser) as page,
    ):
        page.goto(url + "/alerts")
        page.locator("#token-form").wait_for(state="visible")
        page.fill("#token", TOKEN)
        page.click("#token-form button")
        wait_drawn(page)
        page.fill("#by", "carol")
        page.locator(f'form.act[data-id="{burn.id}"] button[data-action=resolve]').click()
        wait_drawn(page, 2)
        resolved = served.engine.state.alert(burn.id)
        assert resolved is not None
        assert (resolved.state, resolved.resolved_by) == ("resolved", "carol")


def test_filters_change_what_is_shown_and_the_url(page: Page, served: Served) -> None:
    page.goto(served.url + "/alerts?refresh=30")
    wait_drawn(page)
    page.select_option("#f-severity", "critical")
    wait_drawn(page, 2)
    assert _query(page) == {"severity": ["critical"], "refresh": ["30"]}
    hostile, errors = served.alert("hostile-errors"), served.alert("checkout-errors")
    assert _cards(page, "active") == {hostile.id: "firing"}
    assert _cards(page, "history") == {errors.id: "resolved"}
    page.select_option("#f-service", "checkout")
    wait_drawn(page, 3)
    assert _cards(page, "active") == {}
    assert page.locator("#empty-active").is_visible()
    page.select_option("#f-state", "resolved")
    wait_drawn(page, 4)
    assert _query(page) == {
        "severity": ["critical"], "refresh": ["30"], "service": ["checkout"], "state": ["resolved"]
    }  # fmt: skip
    assert page.locator("#active-section").is_hidden()
    page.reload()
    wait_drawn(page)
    assert _cards(page, "history") == {errors.id: "resolved"}
    assert page.locator("#f-severity").input_value() == "critical"


def test_the_slo_page_lists_the_alerts_its_slo_raised(page: Page, served: Served) -> None:
    page.goto(served.url + "/alerts")
    wait_drawn(page)
    burn = served.alert("slo-burn-rate-1h-5m")
    page.locator(f'article[data-id="{burn.id}"] p.links a').click()  # the alert's SLO
    wait_drawn(page)
    assert urlparse(page.url).path == "/slos/checkout-availability"
    raised = [
        a for a in served.engine.state.alerts() if a.labels.get("slo") == "checkout-availability"
    ]
    assert len(raised) == 5
    shown = page.eval_on_selector_all("#raised tbody tr", "rows => rows.map(r => r.dataset.id)")
    assert shown == [a.id for a in raised]
    assert page.locator("#raised-none").is_hidden()
    screenshot(page, ARTIFACTS, "slo-alerts")


def test_the_overview_shows_the_alerts_waiting(page: Page, served: Served) -> None:
    page.goto(served.url + "/")
    wait_drawn(page)
    waiting = served.engine.state.alerts(("pending", "firing"))
    shown = page.eval_on_selector_all("#waiting li", "items => items.map(i => i.dataset.id)")
    assert shown == [a.id for a in waiting]
    assert len(shown) == 6
    page.select_option("#f-service", "checkout")
    wait_drawn(page, 2)
    checkout = [a.id for a in waiting if a.labels["service"] == "checkout"]
    assert page.eval_on_selector_all("#waiting li", "items => items.map(i => i.dataset.id)") == (
        checkout
    )
    assert page.locator("#n-waiting").text_content() == "(5)"
    screenshot(page, ARTIFACTS, "overview-waiting")


def test_without_alerting_the_pages_say_so_or_hide_the_alerts(
    page: Page, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "checkout.yaml").write_text(FILES["slos/checkout.yaml"])
    with serving_api(store, slos_dir=tmp_path) as url:
        page.goto(url + "/slos/checkout-availability")
        wait_drawn(page)
        assert page.locator("#raised-none").text_content() == (
            "Alerting is not running in this server."
        )
        page.goto(url + "/")
        wait_drawn(page)
        assert page.locator("#waiting-section").is_hidden()


def test_the_alerts_page_fits_a_phone(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(served.url + "/alerts")
        wait_drawn(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, ARTIFACTS, "alerts-phone")
    finally:
        context.close()
