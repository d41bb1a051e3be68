"""The Content Security Policy: Distretto's own pages satisfy it, in the browser.

Every browser test fails on a CSP violation (see ``CspWatchedBrowser`` in conftest);
this one walks the main pages of each area, as a visitor and as a facilitator, the
htmx-driven search and the map included, and checks that the watcher does catch a
violation when one happens.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"

VISITOR_PAGES = [
    "/",
    "/en/search/?q=sterilizzazione",
    "/organisations/",
    "/en/profiles/",
    "/en/events/",
    "/en/calls/",
    "/en/network/",
    "/en/network/analysis/",
    "/en/network/map/",
    "/en/monitor/",
    "/accounts/login/",
    "/en/privacy/",
]
FACILITATOR_PAGES = [
    "/en/accounts/",
    "/en/alerts/",
    "/en/network/scenarios/",
    "/en/registry/import/ties/",
    "/admin/",
    "/admin/registry/organisation/",
    "/api/v1/docs",
]


@pytest.fixture
def district(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    user = factories.UserFactory(username="anna", is_facilitator=True, is_staff=True)
    user.set_password(PASSWORD)
    user.save()


def test_pages_raise_no_content_security_policy_violation(
    browser, live_server, district, screenshots
):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for path in VISITOR_PAGES:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    # An organisation's page (with its neighbourhood drawing) and an htmx search update.
    page.goto(base + "/en/organisations/")
    page.locator("main a[href^='/en/organisations/']").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(base + "/en/search/")
    page.get_by_role("searchbox").first.fill("dialysis")
    page.get_by_role("searchbox").first.press("Enter")
    expect(page.locator("#results")).to_contain_text("%")

    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path in FACILITATOR_PAGES:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    expect(page.locator("#swagger-ui")).to_contain_text("Distretto API")

    # My account: a token made there is shown once, then listed with its state.
    page.goto(base + "/en/accounts/")
    page.get_by_label("What it is for").fill("CRM sync")
    page.get_by_label("It may").select_option("write")
    page.get_by_role("button", name="Make the token").click()
    expect(page.locator("body")).to_contain_text("shown only this once")
    expect(page.locator("table.tokens")).to_contain_text("CRM sync")
    page.screenshot(path=screenshots / "account-en.png", full_page=True)
    page.goto(base + "/privacy/")
    page.screenshot(path=screenshots / "privacy-it.png", full_page=True)
    page.close()

    assert browser.violations == []


def test_the_watch_catches_a_violation(browser, live_server, district):
    page = browser.new_page()
    page.goto(live_server.url + "/en/")

    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">injected</p>')"
    )
    page.wait_for_timeout(200)
    page.close()

    caught = list(browser.violations)
    browser.violations.clear()  # expected here; any other test fails on it
    assert caught and "style-src" in caught[0]
