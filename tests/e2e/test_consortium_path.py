"""The whole consortium path in a browser: a facilitator enters a regional call with its
rules in the back office (a contradictory rule set is refused first), a lead firm describes
its idea and gets three eligible consortia with reasons, keeps one as a draft and invites
the partners, a partner accepts, and the lead downloads the partner table (CSV, XLSX, PDF)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from distretto.calls.enums import InvitationStatus
from distretto.calls.models import Call, ConsortiumDraft
from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"
RULES = {
    "partners": {"min": 2, "max": 4},
    "counts": [{"what": "enterprises", "min": 1}],
    "coordinator": ["enterprises"],
}


@pytest.fixture
def accounts(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    factories.UserFactory(username="anna", is_facilitator=True, is_staff=True)
    lead = factories.UserFactory(username="eurosets-member")
    factories.MembershipFactory(
        user=lead, organisation=Organisation.objects.get(slug="eurosets"), role="member"
    )


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/en/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_facilitator_enters_a_call_and_a_lead_builds_invites_and_exports(
    browser, live_server, screenshots, accounts
):
    base = live_server.url
    host = urlsplit(base).netloc

    # The facilitator enters the call in the back office; contradictory rules are refused.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page, host)
    log_in(page, base, "anna", "/en/admin/calls/call/add/")
    page.locator("#id_programme").fill("Regione Emilia-Romagna")
    page.locator("#id_title").fill("Biomedical R&D partnerships 2027")
    page.locator("#id_topics_en").fill("Oxygenators and devices for cardiac surgery and dialysis")
    page.locator("#id_closes_on").fill((timezone.localdate() + timedelta(days=40)).isoformat())
    page.locator("#id_status").select_option("published")
    rules = page.locator("textarea[name=rules]")
    rules.fill(json.dumps({"partners": {"min": 6, "max": 3}}))
    page.locator("#id_slug").fill("biomedical-rd-2027")
    expect(rules).to_have_value(json.dumps({"partners": {"min": 6, "max": 3}}))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist").first).to_contain_text("partners")
    assert not Call.objects.filter(title="Biomedical R&D partnerships 2027").exists()
    rules.fill(json.dumps(RULES))
    expect(rules).to_have_value(json.dumps(RULES))
    expect(page.locator("#id_programme")).to_have_value("Regione Emilia-Romagna")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    call = Call.objects.get(slug="biomedical-rd-2027")
    assert call.rules == RULES and call.status == "published"
    assert watch.problems == []
    context.close()

    # The lead firm describes its idea and gets three eligible consortia with reasons.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page, host)
    log_in(page, base, "eurosets-member", "/en/calls/")
    fits = page.locator(".calls-fit")
    expect(fits.locator("h2")).to_have_text("Open calls that fit Eurosets")
    expect(fits.locator(".fitting-calls")).to_contain_text(call.title)
    fits.get_by_role("button", name="Alert me").click()
    expect(page.locator(".calls-fit")).to_contain_text("You already receive an alert")
    page.screenshot(path=screenshots / "calls-that-fit-en.png", full_page=True)
    page.locator(".calls-fit").get_by_role("link", name=call.title).click()
    page.get_by_role("link", name="Build a consortium").click()
    expect(page.locator("h1")).to_have_text("Build a consortium")
    page.get_by_label("Project idea").fill(
        "Oxygenators and cardiotomy reservoirs for cardiac surgery with dialysis know-how"
    )
    page.get_by_label("Market segments: Cardiac surgery", exact=True).check()
    page.get_by_label("How much Market segments: Cardiac surgery matters").select_option(
        label="essential"
    )
    page.get_by_label("Market segments: Dialysis", exact=True).check()
    page.get_by_label("Alternatives to propose").fill("3")
    page.get_by_role("button", name="Propose consortia").click()
    proposals = page.locator(".proposal")
    expect(proposals.first).to_contain_text("Eurosets")
    assert proposals.count() == 3
    expect(proposals.first).to_contain_text("Coordinator")
    expect(page.locator("text=candidates from the district")).to_be_visible()
    page.screenshot(path=screenshots / "consortium-builder-three-en.png", full_page=True)

    # It keeps the first as a draft and invites the partners.
    proposals.first.get_by_role("button", name="Keep this consortium as a draft").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("saved as a draft")
    draft = ConsortiumDraft.objects.get(call=call)
    assert {n["code"]: n["weight"] for n in draft.needs}["segment:cardiac_surgery"] == 3
    page.get_by_role("button", name="Invite the partners").click()
    expect(page.locator("body")).to_contain_text("invited")
    invited = draft.partners.exclude(organisation__slug="eurosets").select_related("organisation")
    assert invited and all(p.status == InvitationStatus.INVITED for p in invited)
    assert watch.problems == []
    context.close()

    # A partner's member accepts its place.
    partner = invited[0].organisation
    member = factories.UserFactory(username="partner-member")
    factories.MembershipFactory(user=member, organisation=partner, role="member")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, host)
    log_in(page, base, "partner-member", "/en/calls/drafts/")
    page.get_by_role("link", name=draft.title).click()
    page.get_by_role("button", name="Accept").first.click()
    expect(page.locator("body")).to_contain_text("Your answer is recorded")
    assert draft.partners.get(organisation=partner).status == InvitationStatus.ACCEPTED
    page.screenshot(path=screenshots / "consortium-draft-en.png", full_page=True)
    assert watch.problems == []
    context.close()

    # The lead downloads the partner table for the proposal.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "eurosets-member", f"/en/calls/drafts/{draft.pk}/")
    files = {}
    for kind in ("CSV", "XLSX", "PDF"):
        with page.expect_download() as info:
            page.get_by_role("link", name=f"Partner table ({kind})").click()
        files[kind] = info.value.path().read_bytes()
    names = {p.organisation.name for p in draft.partners.select_related("organisation")}
    rows = list(csv.reader(io.StringIO(files["CSV"].decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == names
    sheet = load_workbook(io.BytesIO(files["XLSX"])).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == names
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["PDF"])).pages)
    assert call.title in text and all(name in text for name in names)
    context.close()
