"""An organisation admin logs in, edits the organisation and adds a contact person."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def org_admin_account(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    emotech = Organisation.objects.get(slug="emotech")
    user = factories.UserFactory(username="emotech-admin")
    factories.MembershipFactory(user=user, organisation=emotech, role="admin")
    return emotech


def test_org_admin_edits_own_organisation(browser, live_server, screenshots, org_admin_account):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/en/accounts/login/?next=/en/organisations/emotech/edit/")
    page.get_by_label("Username").fill("emotech-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Edit Emotech")
    page.get_by_label("Website").fill("https://emotech.example")
    page.screenshot(path=screenshots / "edit-organisation-en.png", full_page=True)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("Emotech")
    page.goto(f"{live_server.url}/en/organisations/emotech/people/add/")
    page.get_by_label("Full name").fill("Chiara Contatto")
    page.get_by_label("Role").fill("Business development")
    page.get_by_label("Visible publicly").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="Chiara Contatto")).to_be_visible()
    org_admin_account.refresh_from_db()
    assert (org_admin_account.website, org_admin_account.people.get().full_name) == (
        "https://emotech.example",
        "Chiara Contatto",
    )
    assert watch.problems == []
    page.close()
