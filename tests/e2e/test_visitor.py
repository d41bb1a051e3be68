"""A visitor browses the district in Italian and English: home, directory, organisation page.

The test loads the Mirandola dataset that ships with Distretto, adds what a
visitor must never see (a draft organisation, a person who gave no consent),
and saves the screenshots of the user guide under ``docs/screenshots/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from playwright.sync_api import expect

from distretto.registry import queries
from distretto.registry.dataset import load_dataset
from distretto.registry.models import District, Organisation
from distretto.taxonomy.models import Code
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ORGANISATION = "bellco"


@pytest.fixture
def district(transactional_db):
    load_dataset("mirandola")
    bellco = Organisation.objects.get(slug=ORGANISATION)
    draft = factories.OrganisationFactory(
        name="Draft Dialysis Maker", slug="draft-dialysis-maker", status="draft"
    )
    draft.codes.add(Code.objects.get(taxonomy__slug="segment", code="dialysis"))
    factories.PersonFactory(
        organisation=bellco, full_name="Paola Pubblica", role="Communication", consent_public=True
    )
    factories.PersonFactory(organisation=bellco, full_name="Nadia Nascosta", role="Purchasing")
    return {"bellco": bellco, "draft": draft}


def expected_names(**filters):
    found = queries.directory(AnonymousUser(), queries.DirectoryFilters(**filters))
    return [organisation.name for organisation in found]


class Watch:
    """Records console errors, page errors, failed requests and requests to other hosts."""

    def __init__(self, page, host):
        self.problems: list[str] = []
        self.host = host
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self.request_failed)
        page.on("response", self.response)
        page.route("**/*", self.route)
        self.expected_404 = set()

    def request_failed(self, request):
        # A request the page itself drops (leaving the page, htmx replacing a request
        # with a newer one) is not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def console(self, message):
        if message.type == "error" and "404" not in message.text:
            self.problems.append(f"console: {message.text}")

    def response(self, response):
        path = urlsplit(response.url).path
        if response.status >= 400 and path not in self.expected_404:
            self.problems.append(f"{response.status}: {response.url}")

    def route(self, route):
        if urlsplit(route.request.url).netloc != self.host:
            self.problems.append(f"other host: {route.request.url}")
            route.abort()
        else:
            route.continue_()


def visit(browser, live_server, screenshots, lang, district):
    prefix = "" if lang == "it" else "/en"
    dialysis_code = Code.objects.get(taxonomy__slug="segment", code="dialysis")
    words = {
        "district": getattr(District.objects.get(slug=settings.DISTRICT_SLUG), f"name_{lang}"),
        "dialysis": getattr(dialysis_code, f"label_{lang}"),
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang)
    page = context.new_page()
    watch = Watch(page, urlsplit(live_server.url).netloc)

    # Home: the district with its key figures.
    page.goto(f"{live_server.url}{prefix}/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(words["district"])
    expect(page.locator(".figure-card").first).to_be_visible()
    page.screenshot(path=screenshots / f"home-{lang}.png", full_page=True)

    # Directory, filtered by segment (htmx updates the results and the address).
    page.locator(f".main-nav a[href='{prefix}/organisations/']").click()
    expect(page).to_have_url(f"{live_server.url}{prefix}/organisations/")
    # The filters answer through htmx: wait for the page's scripts before ticking one.
    page.wait_for_load_state("load")
    page.get_by_label(words["dialysis"], exact=True).check()
    expect(page).to_have_url(re.compile(r"\?segment=dialysis$"))
    expect(page.locator("details.facet[open] .facet-badge")).to_have_text(re.compile(r"^1\b"))
    dialysis = expected_names(codes={"segment": ("dialysis",)})
    assert len(dialysis) > 1
    assert "Draft Dialysis Maker" not in dialysis
    expect(page.locator(".org-card .org-name")).to_have_text(dialysis)
    page.screenshot(path=screenshots / f"directory-{lang}.png", full_page=True)

    # ... and by text.
    page.locator("#id_q").fill("Veronesi")
    expect(page).to_have_url(re.compile(r"q=Veronesi"))
    both = expected_names(codes={"segment": ("dialysis",)}, text="Veronesi")
    assert "Bellco" in both
    assert len(both) < len(dialysis)
    expect(page.locator(".org-card .org-name")).to_have_text(both)

    # The organisation page: public facts, only people who consented, the map.
    page.locator(".org-card a", has_text="Bellco").click()
    expect(page).to_have_url(f"{live_server.url}{prefix}/organisations/{ORGANISATION}/")
    expect(page.locator("h1")).to_have_text("Bellco")
    expect(page.locator(".person-name")).to_have_text(["Paola Pubblica"])
    expect(page.locator("body")).not_to_contain_text("Nadia Nascosta")
    expect(page.locator("body")).not_to_contain_text("Draft Dialysis Maker")
    sites = district["bellco"].sites.count()
    expect(
        page.locator("#site-map .leaflet-marker-pane, #site-map .leaflet-overlay-pane")
    ).to_have_count(2)
    expect(page.locator(".site")).to_have_count(sites)
    expect(page.locator(".tie-sentence").first).to_be_visible()
    page.screenshot(path=screenshots / f"organisation-{lang}.png", full_page=True)

    # A draft is not found.
    draft_path = f"{prefix}/organisations/{district['draft'].slug}/"
    watch.expected_404.add(draft_path)
    response = page.goto(f"{live_server.url}{draft_path}")
    assert response.status == 404
    expect(page.locator("h1")).not_to_have_text("Draft Dialysis Maker")

    assert watch.problems == []
    context.close()


def test_visitor_browses_the_district_in_italian_and_english(
    browser, live_server, screenshots, district
):
    visit(browser, live_server, screenshots, "it", district)
    visit(browser, live_server, screenshots, "en", district)


def test_language_switch_keeps_the_page_and_its_filters(browser, live_server, district):
    page = browser.new_page()
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/organisations/")
    page.get_by_label("Dialisi", exact=True).check()
    expect(page).to_have_url(re.compile(r"/organisations/\?.*segment=dialysis"))
    page.locator(".language-switch button[lang=en]").click()
    expect(page).to_have_url(f"{live_server.url}/en/organisations/?segment=dialysis")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Dialysis", exact=True)).to_be_checked()
    page.locator(".language-switch button[lang=it]").click()
    expect(page).to_have_url(f"{live_server.url}/organisations/?segment=dialysis")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    assert watch.problems == []
    page.close()


def test_login_page(browser, live_server, screenshots, district):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/en/accounts/login/")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    page.screenshot(path=screenshots / "login-en.png", full_page=True)
    assert watch.problems == []
    page.close()
