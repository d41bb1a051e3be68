"""A facilitator imports organisations from a CSV file: preview with errors, then import."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

GOOD_AND_BAD = (
    "name,kind,municipality,segments,vat_number,summary_en\n"
    "Sterile Lines Srl,sme,036021,dialysis,,Blood lines for dialysis\n"
    "Bad Firm,sme,999999,nosuchsegment,12345,Broken row\n"
)


@pytest.fixture
def facilitator_account(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    return factories.UserFactory(username="anna", is_facilitator=True, is_staff=True)


def test_facilitator_previews_errors_then_imports_good_rows(
    browser, live_server, screenshots, facilitator_account, tmp_path
):
    upload = tmp_path / "organisations.csv"
    upload.write_text(GOOD_AND_BAD, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/en/accounts/login/?next=/en/registry/import/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Import organisations")

    page.locator("#id_file").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Nothing has been saved yet.")).to_be_visible()
    expect(page.get_by_text("Unknown municipality", exact=False).first).to_be_visible()
    page.screenshot(path=screenshots / "import-preview-en.png", full_page=True)
    assert Organisation.objects.filter(name="Sterile Lines Srl").exists() is False

    page.locator("form.import-confirm").get_by_label("Skip bad rows").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 1 organisation.")).to_be_visible()
    created = Organisation.objects.get(name="Sterile Lines Srl")
    assert (created.status, created.sites.get().municipality.name) == ("draft", "Medolla")
    assert Organisation.objects.filter(name="Bad Firm").exists() is False
    assert watch.problems == []
    page.close()
