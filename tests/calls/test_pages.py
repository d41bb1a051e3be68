"""The funding-call pages: the list with deadlines, and the eligibility check of a consortium."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from distretto.calls import services
from tests import factories
from tests.web.html import parse

pytestmark = pytest.mark.django_db

RULES = {"partners": {"min": 2}, "counts": [{"what": "research", "min": 1}]}


@pytest.fixture
def call(facilitator):
    today = timezone.localdate()
    return services.save_call(
        facilitator,
        {
            "programme": "Regional call",
            "title": "Biomedical R&D partnerships",
            "slug": "biomedical-rd",
            "closes_on": today + timedelta(days=30),
            "rules": RULES,
            "status": "published",
        },
    )


def test_the_list_shows_open_calls_and_hides_drafts(client, call, facilitator):
    services.save_call(
        facilitator,
        {"programme": "EU", "title": "Secret draft", "slug": "secret", "status": "draft"},
    )
    services.save_call(
        facilitator,
        {
            "programme": "EU",
            "title": "Old call",
            "slug": "old",
            "closes_on": date(2020, 1, 1),
            "status": "published",
        },
    )
    services.save_call(
        facilitator,
        {"programme": "Region", "title": "Archived call", "slug": "archived", "status": "archived"},
    )
    page = parse(client.get("/en/calls/").content)
    lists = page.select("ul.calls")
    assert [lst.texts(".item-title") for lst in lists] == [
        ["Biomedical R&D partnerships"],
        ["Old call", "Archived call"],
    ]
    assert client.get("/en/calls/secret/").status_code == 404
    client.force_login(facilitator)
    assert "Secret draft" in client.get("/en/calls/").content.decode()


def test_the_eligibility_check_lists_every_rule_with_its_reason(client, call):
    firm = factories.OrganisationFactory(name="Firm One", kind="sme", status="published")
    other = factories.OrganisationFactory(name="Firm Two", kind="sme", status="published")
    lab = factories.OrganisationFactory(name="Lab", kind="university", status="published")
    url = f"/en/calls/{call.slug}/"
    page = parse(client.get(url, {"partners": [firm.pk, other.pk], "coordinator": firm.pk}).content)
    assert "Not eligible" in page.one(".eligibility .notice").text
    failing = page.select(".check-fail")
    assert len(failing) == 1 and "research" in failing[0].text
    page = parse(client.get(url, {"partners": [firm.pk, lab.pk], "coordinator": firm.pk}).content)
    assert "Eligible: no rule fails." in page.one(".eligibility .notice").text
    # A coordinator outside the consortium is named on the form, and nothing is checked.
    page = parse(client.get(url, {"partners": [firm.pk, lab.pk], "coordinator": other.pk}).content)
    assert "The coordinator must be one of the partners." in page.one(".eligibility form").text
    assert page.select(".checks") == []


def test_the_api_lists_calls_and_checks_a_consortium(client, call):
    firm = factories.OrganisationFactory(name="Firm One", kind="sme", status="published")
    lab = factories.OrganisationFactory(name="Lab", kind="university", status="published")
    assert [c["slug"] for c in client.get("/api/v1/calls").json()] == ["biomedical-rd"]
    assert client.get("/api/v1/calls/biomedical-rd").json()["rules"] == RULES
    answer = client.post(
        "/api/v1/calls/biomedical-rd/eligibility",
        {"partners": [firm.slug, lab.slug], "coordinator": firm.slug},
        content_type="application/json",
        headers={"accept-language": "it"},
    ).json()
    assert answer["eligible"] is True
    assert {c["id"]: c["status"] for c in answer["checks"]} == {
        "partners.min": "pass",
        "counts[0]": "pass",
    }
    assert answer["checks"][0]["text"] == answer["checks"][0]["text_it"]
    wrong = client.post(
        "/api/v1/calls/biomedical-rd/eligibility",
        {"partners": [firm.slug, "no-such-firm"], "coordinator": firm.slug},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "partners"


def test_the_cli_checks_a_consortium(call):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    firm = factories.OrganisationFactory(name="Firm One", kind="sme", status="published")
    out = io.StringIO()
    with pytest.raises(SystemExit) as failed:
        call_command(
            "calls_check",
            call.slug,
            "--partners",
            firm.slug,
            "--coordinator",
            firm.slug,
            stdout=out,
        )
    assert failed.value.code == 1
    assert "[NO] partners.min" in out.getvalue()
    with pytest.raises(CommandError, match="unknown organisations: nobody"):
        call_command("calls_check", call.slug, "--partners", "nobody", "--coordinator", "nobody")


def test_the_builder_proposes_eligible_consortia_with_reasons(client, call, member, organisation):
    from distretto.taxonomy.models import Code

    segment = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="segment"), code="dialysis", label_en="Dialysis"
    )
    lab = factories.OrganisationFactory(
        name="Dialysis Lab",
        kind="university",
        status="published",
        summary_en="Research on dialysis membranes",
    )
    lab.codes.add(segment)
    organisation.status = "published"
    organisation.save()
    assert Code.objects.filter(code="dialysis").exists()
    url = f"/en/calls/{call.slug}/build/"
    assert client.get(url).status_code == 302  # log in first
    client.force_login(member)
    page = parse(
        client.get(
            url,
            {
                "lead": organisation.pk,
                "idea": "Dialysis membranes",
                "needs": ["segment:dialysis"],
                "alternatives": "1",
            },
        ).content
    )
    (proposal,) = page.select(".proposal")
    assert "Dialysis Lab" in proposal.text and organisation.name in proposal.text
    # Building for another organisation is refused.
    other = factories.OrganisationFactory(name="Not mine", status="published")
    response = client.get(
        url, {"lead": other.pk, "idea": "x", "needs": ["segment:dialysis"], "alternatives": "1"}
    )
    assert "Select a valid choice" in response.content.decode()


def test_a_draft_is_saved_invited_answered_and_exported(client, call, member, organisation):
    import io

    from openpyxl import load_workbook

    from distretto.calls.models import ConsortiumDraft

    factories.CodeFactory(taxonomy=factories.TaxonomyFactory(slug="segment"), code="dialysis")
    lab = factories.OrganisationFactory(name="Dialysis Lab", kind="university", status="published")
    lab_member = factories.UserFactory(username="lab-member")
    factories.MembershipFactory(user=lab_member, organisation=lab, role="member")
    outsider = factories.UserFactory(username="outsider")
    client.force_login(member)
    response = client.post(
        f"/en/calls/{call.slug}/drafts/new/",
        {
            "lead": organisation.pk,
            "idea": "Dialysis membranes\nwith a lab",
            "needs": ["segment:dialysis"],
            "partners": [organisation.pk, lab.pk],
            "coordinator": organisation.pk,
        },
    )
    draft = ConsortiumDraft.objects.get()
    assert response["Location"] == f"/en/calls/drafts/{draft.pk}/"
    assert draft.title == "Dialysis membranes"
    client.post(f"/en/calls/drafts/{draft.pk}/invite/")
    place = draft.partners.get(organisation=lab)
    assert place.status == "invited"
    client.force_login(outsider)
    assert client.get(f"/en/calls/drafts/{draft.pk}/").status_code == 404
    client.force_login(lab_member)
    page = parse(client.get(f"/en/calls/drafts/{draft.pk}/").content)
    assert "Dialysis Lab" in page.one(".partner-table").text
    client.post(f"/en/calls/drafts/{draft.pk}/partners/{place.pk}/answer/", {"answer": "accept"})
    place.refresh_from_db()
    assert place.status == "accepted"
    csv = client.get(f"/en/calls/drafts/{draft.pk}/partners.csv").content.decode()
    assert "Dialysis Lab" in csv and "Coordinator" in csv
    book = load_workbook(
        io.BytesIO(client.get(f"/en/calls/drafts/{draft.pk}/partners.xlsx").content)
    )
    assert book.active["A1"].value == "Organisation"
    assert client.get(f"/en/calls/drafts/{draft.pk}/partners.pdfx").status_code == 404


def test_the_api_builds_consortia_for_a_members_own_organisation(
    client, call, member, organisation
):
    from tests.api.conftest import bearer

    factories.CodeFactory(taxonomy=factories.TaxonomyFactory(slug="segment"), code="dialysis")
    lab = factories.OrganisationFactory(name="Dialysis Lab", kind="university", status="published")
    organisation.status = "published"
    organisation.save()
    body = {
        "lead": organisation.slug,
        "idea": "Dialysis membranes",
        "needs": ["segment:dialysis"],
        "alternatives": 1,
    }
    assert (
        client.post(
            f"/api/v1/calls/{call.slug}/consortia", body, content_type="application/json"
        ).status_code
        == 401
    )
    answer = client.post(
        f"/api/v1/calls/{call.slug}/consortia",
        body,
        content_type="application/json",
        headers=bearer(member),
    )
    assert answer.status_code == 200, answer.content
    (proposal,) = answer.json()["consortia"]
    assert {p["organisation"] for p in proposal["partners"]} >= {organisation.slug, lab.slug}
    assert proposal["bound"] >= proposal["objective"]
    wrong = client.post(
        f"/api/v1/calls/{call.slug}/consortia",
        {**body, "lead": lab.slug, "needs": ["segment:nothing"]},
        content_type="application/json",
        headers=bearer(member),
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "lead"
