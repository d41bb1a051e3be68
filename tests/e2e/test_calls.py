"""A visitor finds an open call and checks whether a consortium of district organisations is
eligible, rule by rule."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distretto.accounts.services import SYSTEM
from distretto.calls import services
from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def call(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    return services.save_call(
        SYSTEM,
        {
            "programme": "Example regional call",
            "title": "R&D partnerships between district firms and research",
            "slug": "rd-partnerships",
            "closes_on": timezone.localdate() + timedelta(days=45),
            "rules": {
                "partners": {"min": 2, "max": 5},
                "counts": [{"what": "research", "min": 1}],
                "coordinator": ["enterprises"],
            },
            "status": "published",
        },
    )


def test_visitor_checks_a_consortium_against_a_call(browser, live_server, screenshots, call):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/en/calls/")
    page.get_by_role("link", name=call.title).click()
    expect(page.locator("h1")).to_have_text(call.title)
    page.get_by_label("Partners").select_option(label="Eurosets")
    page.get_by_label("Coordinator").select_option(label="Eurosets")
    page.get_by_role("button", name="Check eligibility").click()
    expect(page.locator(".eligibility .notice")).to_contain_text("Not eligible")
    expect(page.locator(".check-fail").first).to_be_visible()
    page.screenshot(path=screenshots / "call-eligibility-en.png", full_page=True)

    # A member of Eurosets builds a consortium for its idea.
    eurosets = Organisation.objects.get(slug="eurosets")
    user = factories.UserFactory(username="eurosets-member")
    factories.MembershipFactory(user=user, organisation=eurosets, role="member")
    page.goto(f"{live_server.url}/en/accounts/login/?next=/en/calls/{call.slug}/build/")
    page.get_by_label("Username").fill("eurosets-member")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Build a consortium")
    page.get_by_label("Project idea").fill("Oxygenators for ECMO with a university partner")
    page.get_by_label("Market segments: Cardiac surgery", exact=True).check()
    page.get_by_label("Alternatives to propose").fill("2")
    page.get_by_role("button", name="Propose consortia").click()
    expect(page.locator(".proposal").first).to_contain_text("Eurosets")
    assert page.locator(".proposal").count() == 2
    page.screenshot(path=screenshots / "consortium-builder-en.png", full_page=True)
    assert watch.problems == []
    page.close()
