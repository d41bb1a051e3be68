"""Searching and matchmaking in the browser.

A visitor searches in Italian and in English; a member writes a request, a
facilitator publishes it, the member finds partners for it; a member of another
organisation sends an expression of interest from a search result and the
owner answers it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"
NEED_IT = "cerchiamo un produttore di ossigenatori per ECMO"


@pytest.fixture
def district(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    return {org.slug: org for org in Organisation.objects.all()}


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("form.account")).to_be_visible()
    return page


def test_visitor_searches_in_italian_and_english(browser, live_server, screenshots, district):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/")
    page.locator("#hero-q").fill(NEED_IT)
    page.locator(".hero-search button").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=cerchiamo\+un\+produttore"))
    expect(page.locator("html")).to_have_attribute("lang", "it")
    first = page.locator("li.result-card").first
    expect(first.locator(".result-name")).to_have_text("Eurosets")
    expect(first.locator(".reason-matches")).to_contain_text("ossigenatori")
    expect(first.locator(".reason-matches")).to_contain_text("ECMO")
    expect(first.locator(".result-summary mark").first).to_be_visible()
    expect(first.locator(".score-bar")).to_be_visible()
    page.screenshot(path=screenshots / "search-it.png", full_page=True)

    # Narrowing with a facet updates the results and the address with htmx.
    page.get_by_role("radio", name=re.compile("^(Organizzazioni|Organisations)$")).check()
    expect(page).to_have_url(re.compile(r"type=organisation"))
    expect(page.locator("li.result-card").first.locator(".result-name")).to_have_text("Eurosets")
    expect(page.locator("li.result-card.result-profile")).to_have_count(0)

    # The same need in English, measured from Mirandola.
    page.goto(f"{live_server.url}/en/search/")
    page.get_by_label("What are you looking for?").fill("oxygenators for ECMO circuits")
    page.get_by_label("From", exact=True).select_option(label="Mirandola")
    page.get_by_label("Within (km)").fill("30")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"distance_km=30"))
    first = page.locator("li.result-card").first
    expect(first.locator(".result-name")).to_have_text("Eurosets")
    expect(first.locator(".reason-distance")).to_contain_text("km away")
    page.screenshot(path=screenshots / "search-en.png", full_page=True)

    # A distance with no place to measure it from is told next to its field.
    page.get_by_label("From", exact=True).select_option("")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#errors-distance_km")).not_to_be_empty()
    expect(page.locator("#errors-distance_km")).to_contain_text("Choose the municipality")

    # An organisation page loads its complementary partners.
    page.goto(f"{live_server.url}/en/organisations/haemotronic/")
    section = page.locator("#complementary")
    section.scroll_into_view_if_needed()
    expect(section.locator("li.result-card").first).to_be_visible()
    expect(section.locator(".reason-complementary").first).to_contain_text(
        "Covers what Haemotronic lacks:"
    )
    section.screenshot(path=screenshots / "complementary-partners-en.png")
    assert [p for p in watch.problems if "400" not in p] == []
    page.close()


@pytest.fixture
def members(district, settings):
    emotech, eurosets = district["emotech"], district["eurosets"]
    seeker = factories.UserFactory(username="emotech-admin", first_name="Elena")
    factories.MembershipFactory(user=seeker, organisation=emotech, role="admin")
    maker = factories.UserFactory(username="eurosets-admin", first_name="Marco")
    factories.MembershipFactory(user=maker, organisation=eurosets, role="admin")
    factories.UserFactory(username="facilitator", is_facilitator=True, is_staff=True)
    factories.CooperationProfileFactory(
        owner=eurosets,
        title="ECMO oxygenator for licensing",
        profile_type="technology_offer",
        summary="A hollow-fibre membrane oxygenator for ECMO circuits, ready for licensing.",
        description="Low priming volume oxygenator, tested in cardiac surgery.",
    )
    return {"emotech": emotech, "eurosets": eurosets}


def test_member_finds_partners_and_answers_an_interest(browser, live_server, screenshots, members):
    # A member of Emotech writes a request...
    seeker = log_in(browser, live_server, "emotech-admin")
    seeker.goto(f"{live_server.url}/en/profiles/new/")
    seeker.locator("#id_owner").select_option(label="Emotech")
    seeker.locator("#id_profile_type").select_option(label="Technology request")
    seeker.locator("#id_title").fill("Oxygenators for ECMO circuits wanted")
    seeker.locator("#id_summary").fill(
        "We look for a maker of membrane oxygenators for ECMO circuits to integrate in our system."
    )
    seeker.locator("#id_description").fill(
        "Our monitoring system needs oxygenators for extracorporeal circulation (ECMO)."
    )
    seeker.locator("#id_language").select_option("en")
    seeker.locator("#id_expires_on").fill((date.today() + timedelta(days=120)).isoformat())
    seeker.get_by_role("button", name="Save", exact=True).click()
    expect(seeker.locator(".message-success")).to_be_visible()
    seeker.get_by_role("button", name="Submit for review").click()
    expect(seeker.locator(".message-success")).to_contain_text("Submitted")

    # ...a facilitator publishes it in the back office...
    facilitator = log_in(browser, live_server, "facilitator")
    facilitator.goto(f"{live_server.url}/en/admin/opportunities/cooperationprofile/")
    row = facilitator.locator("tr", has_text="Oxygenators for ECMO circuits wanted")
    row.locator("input[type=checkbox]").check()
    facilitator.locator("select[name=action]").select_option("publish")
    facilitator.locator("button[name=index]").click()
    expect(facilitator.locator(".messagelist")).to_contain_text("1 profile published")
    facilitator.context.close()

    # ...and the member finds partners for it.
    seeker.goto(f"{live_server.url}/en/profiles/mine/")
    seeker.get_by_role("link", name="Oxygenators for ECMO circuits wanted").first.click()
    seeker.locator(".find-partners a").click()
    expect(seeker.locator("h1")).to_have_text("Find partners")
    names = seeker.locator("li.result-card .result-name")
    expect(names.first).to_be_visible()
    expect(names).to_contain_text(["ECMO oxygenator for licensing"])
    expect(seeker.locator("li.result-card .reasons").first).to_be_visible()
    seeker.screenshot(path=screenshots / "find-partners-en.png", full_page=True)

    # A member of Eurosets finds the request and expresses interest from the result.
    maker = log_in(browser, live_server, "eurosets-admin")
    maker.goto(f"{live_server.url}/en/search/?q=ECMO+oxygenators+wanted&type=profile")
    card = maker.locator("li.result-card", has_text="Oxygenators for ECMO circuits wanted")
    expect(maker.locator(".save-search")).to_be_visible()
    maker.screenshot(path=screenshots / "search-member-en.png", full_page=True)
    card.get_by_role("link", name="Send expression of interest").click()
    expect(maker).to_have_url(re.compile(r"/en/profiles/\d+/#send-interest$"))
    maker.locator("#id_message").fill(
        "Our EcmoLife oxygenators fit your system: can we arrange a call next week?"
    )
    maker.screenshot(path=screenshots / "expression-of-interest-en.png", full_page=True)
    maker.get_by_role("button", name="Send", exact=True).click()
    expect(maker.locator(".message-success")).to_contain_text(
        "expression of interest has been sent"
    )

    # The owner answers it and sees the answer.
    seeker.goto(f"{live_server.url}/en/profiles/interests/")
    received = seeker.locator(".incoming article.interest", has_text="Eurosets")
    expect(received).to_contain_text("EcmoLife oxygenators")
    received.get_by_role("button", name="Accept").click()
    expect(seeker.locator(".message-success")).to_contain_text("Accepted")
    expect(received.locator(".interest-status")).to_have_text("Accepted")
    seeker.screenshot(path=screenshots / "interest-answered-en.png", full_page=True)

    # The sender sees the answer too.
    maker.goto(f"{live_server.url}/en/profiles/interests/")
    expect(
        maker.locator(".outgoing article.interest").first.locator(".interest-status")
    ).to_have_text("Accepted")
    seeker.context.close()
    maker.context.close()
