"""Headless Chromium for the dashboard's tests and bench: Debian's own ``chromium``
(``.ci/run`` installs it), driven by Python Playwright; no browser download.

Screenshots go to ``test-artifacts/<folder>/`` at the repository root (ignored by git),
so a CI run keeps them as artefacts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Dialog, Page, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def watched_page(browser: Browser, viewport: ViewportSize = LAPTOP) -> Iterator[Page]:
    """A page in a fresh context that fails the test, once it is closed, if a dialog
    opened (a name from the data ran as a script) or a script raised."""
    context = browser.new_context(viewport=viewport)
    opened = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert dialogs == [], "a name from the data ran as a script"
    assert errors == []


def wait_drawn(page: Page, renders: int = 1) -> None:
    """Until the page's ``renders``-th load has drawn everything (dashboard.js)."""
    page.wait_for_function(
        "n => document.body.dataset.ready === '1' && Number(document.body.dataset.renders) >= n",
        arg=renders,
    )


def screenshot(page: Page, folder: str, name: str) -> Path:
    path = ARTIFACTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
