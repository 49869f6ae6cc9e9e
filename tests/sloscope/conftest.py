"""A migrated database shared by a test module, with a little traffic in it: the API's
hostile-client tests send many requests to one server instead of starting one each.
Headless Chromium for the dashboard's tests: one browser per module, a watched page per
test (tests/support/browser.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from processor.store import Store, StoreOptions, open_store
from tests.support.browser import chromium, watched_page
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

TRAFFIC_END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TRAFFIC_MINUTES = 30


@pytest.fixture(scope="module")
def module_store(data_dir: Path) -> Iterator[Store]:
    """One database for the module: ``TRAFFIC_MINUTES`` minutes of ``shop`` requests on
    ``/a`` ending at ``TRAFFIC_END``, one 200 and one 500 a minute."""
    options = StoreOptions(
        dsn=f"chdb://{data_dir}", database=f"m_{uuid.uuid4().hex[:12]}", retention_days=0
    )
    opened = open_store(options)
    points = [
        histogram_point(
            "shop",
            request_attributes("/a", "GET", code),
            TRAFFIC_END - timedelta(minutes=minute),
            [0.1],
        )
        for minute in range(1, TRAFFIC_MINUTES + 1)
        for code in (200, 500)
    ]
    insert_histograms(opened, points)
    try:
        yield opened
    finally:
        opened.command("DROP DATABASE IF EXISTS {db:Identifier}")
        opened.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser) as opened:
        yield opened
