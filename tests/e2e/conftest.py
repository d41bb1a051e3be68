"""Browser tests: Playwright's sync API drives Debian's Chromium against the live server.

The browser is never downloaded: the tests use ``/usr/bin/chromium`` (``make
browser`` installs it) and are skipped, saying why, when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM
# calls from a thread with a running loop unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class CspWatchedBrowser:
    """The browser, with every page it opens watched for Content Security Policy violations.

    Chromium reports each violation on the page's console ("Refused to ... because it
    violates the following Content Security Policy directive"); a test fails at its end
    if any of its pages reported one.
    """

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[str] = []

    def watch(self, page):
        def on_console(message):
            if "Content Security Policy" in message.text:
                self.violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        return page

    def new_page(self, **kwargs):
        return self.watch(self._browser.new_page(**kwargs))

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("page", self.watch)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium):
    watched = CspWatchedBrowser(chromium)
    yield watched
    assert not watched.violations, "Content Security Policy violations:\n" + "\n".join(
        watched.violations
    )


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
