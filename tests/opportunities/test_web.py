"""The offers and requests pages: list, profile, my profiles, forms, interests, pipeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import formats, timezone

from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from tests import factories
from tests.web.html import parse


def titles(response) -> list[str]:
    return parse(response.content).texts(".profile-card h2 a")


def test_list_shows_published_unexpired_profiles_only(client, organisation):
    factories.CooperationProfileFactory(owner=organisation, title="Open offer")
    factories.CooperationProfileFactory(owner=organisation, title="A draft", status="draft")
    factories.CooperationProfileFactory(
        owner=organisation, title="Old offer", expires_on=date.today() - timedelta(days=1)
    )
    factories.CooperationProfileFactory(owner=organisation, title="Held", status="on_hold")
    assert titles(client.get("/en/profiles/")) == ["Open offer"]


def test_list_filters_by_type_and_code(client, organisation):
    dialysis = factories.CodeFactory(code="dialysis", label_en="Dialysis")
    request = factories.CooperationProfileFactory(
        owner=organisation, title="Request", profile_type="technology_request"
    )
    request.codes.add(dialysis)
    factories.CooperationProfileFactory(owner=organisation, title="Offer")
    assert titles(client.get("/en/profiles/?type=technology_request")) == ["Request"]
    assert titles(client.get("/en/profiles/?code=segment:dialysis")) == ["Request"]
    assert titles(client.get("/en/profiles/?type=technology_offer&code=segment:dialysis")) == []


def _rows(organisation, rows):
    code = factories.CodeFactory(code="dialysis")
    contact = factories.PersonFactory(organisation=organisation)
    for n in range(rows):
        profile = factories.CooperationProfileFactory(
            owner=organisation, title=f"Row {n}", contact=contact
        )
        profile.codes.add(code)


@pytest.mark.parametrize("rows", [1, 3])
def test_list_query_count_does_not_grow_with_rows(
    client, organisation, django_assert_num_queries, rows
):
    _rows(organisation, rows)
    with django_assert_num_queries(5):
        response = client.get("/en/profiles/")
    assert len(titles(response)) == rows


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("anonymous", 404), ("other", 404), ("member", 200), ("admin", 200), ("facilitator", 200)],
)
def test_draft_page_by_role_others_get_404(
    client, organisation, member, org_admin, other_member, facilitator, who, status_code
):
    users = {
        "anonymous": None,
        "other": other_member,
        "member": member,
        "admin": org_admin,
        "facilitator": facilitator,
    }
    draft = factories.CooperationProfileFactory(owner=organisation, title="Secret draft")
    draft.status = "draft"
    draft.save()
    if users[who] is not None:
        client.force_login(users[who])
    response = client.get(f"/en/profiles/{draft.pk}/")
    assert (response.status_code, b"Secret draft" in response.content) == (
        status_code,
        status_code == 200,
    )


def test_guessed_id_answers_404(client, other_member):
    client.force_login(other_member)
    hidden = factories.CooperationProfileFactory(status="review")
    for pk in (hidden.pk, hidden.pk + 1000):
        response = client.get(f"/en/profiles/{pk}/")
        assert (response.status_code, response.content.count(b"interest-form")) == (404, 0)
        response = client.get(f"/en/profiles/{pk}/edit/")
        assert response.status_code == 404


def test_member_of_other_org_sends_interest_and_duplicate_is_refused(
    client, organisation, other_member
):
    profile = factories.CooperationProfileFactory(owner=organisation, title="Offer")
    client.force_login(other_member)
    page = parse(client.get(f"/en/profiles/{profile.pk}/").content)
    assert page.texts(".interest-form h2") == ["Send an expression of interest"]
    other = other_member.memberships.get().organisation
    data = {"organisation": other.pk, "message": "We are interested."}
    response = client.post(f"/en/profiles/{profile.pk}/", data)
    assert (response.status_code, response["Location"]) == (302, f"/en/profiles/{profile.pk}/")
    response = client.post(f"/en/profiles/{profile.pk}/", data)
    page = parse(response.content)
    sent_on = formats.date_format(
        timezone.localtime(ExpressionOfInterest.objects.get().created_at), "SHORT_DATE_FORMAT"
    )
    assert page.texts(".sent-interests li") == [
        f"Other Firm expressed interest on {sent_on}: Sent."
    ]
    assert page.texts(".errorlist li") == [
        "Your organisation has already expressed interest in this profile; wait for the answer."
    ]
    assert list(ExpressionOfInterest.objects.values_list("from_organisation__name", "status")) == [
        ("Other Firm", "sent")
    ]


def test_owner_member_sees_no_interest_form_and_post_is_refused(client, organisation, member):
    profile = factories.CooperationProfileFactory(owner=organisation)
    client.force_login(member)
    page = parse(client.get(f"/en/profiles/{profile.pk}/").content)
    assert page.select(".interest-form") == []
    response = client.post(
        f"/en/profiles/{profile.pk}/", {"organisation": organisation.pk, "message": "Self"}
    )
    assert (response.status_code, ExpressionOfInterest.objects.count()) == (404, 0)


def profile_post(owner=None, **changes):
    data = {
        "profile_type": "business_request",
        "title": "Distributor for Germany",
        "summary": "We look for a distributor of dialysis lines",
        "description": "Class IIb devices, CE marked.",
        "language": "en",
        "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        "partnership_types": ["commercial"],
        "partner_kinds": ["sme"],
        "partner_sizes": [],
    }
    if owner is not None:
        data["owner"] = owner.pk
    data.update(changes)
    return data


def test_org_admin_writes_a_draft_and_submits_it(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post("/en/profiles/new/", profile_post(organisation))
    profile = CooperationProfile.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/en/profiles/{profile.pk}/edit/")
    assert (profile.owner, profile.status, profile.partnership_types) == (
        organisation,
        "draft",
        ["commercial"],
    )
    response = client.post(f"/en/profiles/{profile.pk}/submit/")
    profile.refresh_from_db()
    assert (response.status_code, profile.status) == (302, "review")
    assert client.get(f"/en/profiles/{profile.pk}/edit/").status_code == 403


def test_form_names_the_field_over_its_limit(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post("/en/profiles/new/", profile_post(organisation, title="t" * 257))
    page = parse(response.content)
    assert page.texts(".field-invalid label") == ["Title:"]
    assert page.texts(".field-invalid .errorlist li") == [
        "Ensure this value has at most 256 characters (it has 257)."
    ]
    assert CooperationProfile.objects.count() == 0


def test_form_shows_the_services_errors_on_their_fields(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        "/en/profiles/new/",
        profile_post(
            organisation,
            call_programme="Horizon",
            expires_on=(date.today() - timedelta(days=1)).isoformat(),
        ),
    )
    page = parse(response.content)
    assert page.texts(".field-invalid label") == ["Expiry date:", "Programme:"]
    assert page.texts(".field-invalid .errorlist li") == [
        "The expiry date is in the past: choose a later date.",
        "Call details belong only to R&D partner requests; leave it empty.",
    ]
    assert CooperationProfile.objects.count() == 0


def test_member_cannot_create_and_other_admin_cannot_edit(
    client, organisation, member, other_member
):
    client.force_login(member)
    response = client.post("/en/profiles/new/", profile_post(organisation))
    assert (response.status_code, CooperationProfile.objects.count()) == (302, 0)
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft")
    client.force_login(other_member)
    assert client.get(f"/en/profiles/{draft.pk}/edit/").status_code == 404
    client.force_login(member)
    assert client.get(f"/en/profiles/{draft.pk}/edit/").status_code == 403


def test_other_admin_cannot_create_for_another_organisation(client, organisation, other_member):
    client.force_login(other_member)
    response = client.post("/en/profiles/new/", profile_post(organisation))
    page = parse(response.content)
    assert (response.status_code, CooperationProfile.objects.count()) == (200, 0)
    assert page.texts(".field-invalid label") == ["Organisation:"]


def test_my_profiles_lists_own_organisations_profiles(client, organisation, member):
    factories.CooperationProfileFactory(owner=organisation, title="Ours", status="draft")
    factories.CooperationProfileFactory(title="Theirs")
    client.force_login(member)
    page = parse(client.get("/en/profiles/mine/").content)
    assert page.texts(".data-table tbody td a") == ["Ours"]


def test_owner_admin_accepts_and_declines_on_the_interests_page(
    client, organisation, org_admin, member
):
    profile = factories.CooperationProfileFactory(owner=organisation, title="Offer")
    first = factories.ExpressionOfInterestFactory(profile=profile)
    second = factories.ExpressionOfInterestFactory(profile=profile)
    client.force_login(member)
    assert (
        client.post(f"/en/profiles/interests/{first.pk}/answer/", {"answer": "accept"}).status_code
        == 403
    )
    client.force_login(org_admin)
    page = parse(client.get("/en/profiles/interests/").content)
    assert len(page.select(".incoming .decline-form")) == 2
    client.post(f"/en/profiles/interests/{first.pk}/answer/", {"answer": "accept"})
    client.post(
        f"/en/profiles/interests/{second.pk}/answer/",
        {"answer": "decline", "reason": "benefit_unclear", "text": "Not for now"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.decline_reason, second.decline_text) == (
        "accepted",
        "declined",
        "benefit_unclear",
        "Not for now",
    )


def test_sender_sees_the_answer_in_outgoing(client, organisation, other_member):
    other = other_member.memberships.get().organisation
    factories.ExpressionOfInterestFactory(
        profile=factories.CooperationProfileFactory(owner=organisation),
        from_organisation=other,
        status="declined",
        decline_reason="not_our_field",
        decline_text="We only do dialysis.",
    )
    client.force_login(other_member)
    page = parse(client.get("/en/profiles/interests/").content)
    assert page.texts(".outgoing .interest-status") == ["Declined"]
    assert page.texts(".outgoing .interest p")[-1] == "We only do dialysis."


def test_pipeline_page_for_facilitators_only(client, organisation, facilitator, org_admin):
    profile = factories.CooperationProfileFactory(owner=organisation, title="Offer")
    for status in ("sent", "accepted", "accepted"):
        factories.ExpressionOfInterestFactory(profile=profile, status=status)
    client.force_login(org_admin)
    assert client.get("/en/profiles/pipeline/").status_code == 403
    client.force_login(facilitator)
    page = parse(client.get("/en/profiles/pipeline/").content)
    assert page.texts(".pipeline tbody td") == ["Offer", "Acme Medical", "1", "2", "0", "3"]
    assert page.texts(".pipeline tfoot td") == ["1", "2", "0", "3"]


def test_create_and_edit_pages_render_the_form(client, organisation, org_admin):
    factories.CodeFactory(code="dialysis", label_en="Dialysis")
    client.force_login(org_admin)
    page = parse(client.get("/en/profiles/new/").content)
    assert page.texts("#id_owner option") == ["---------", "Acme Medical"]
    draft = factories.CooperationProfileFactory(
        owner=organisation, status="draft", partnership_types=["licence"]
    )
    page = parse(client.get(f"/en/profiles/{draft.pk}/edit/").content)
    checked = [i.attrs["value"] for i in page.select("input[checked]")]
    assert (page.select("#id_owner"), checked) == ([], ["licence"])
    assert page.texts("form.inline-form button") == ["Submit for review"]


def test_rd_request_page_shows_its_call(client, organisation):
    profile = factories.CooperationProfileFactory(
        owner=organisation,
        profile_type="rd_partner_request",
        call_programme="Horizon Europe",
        call_deadline=date(2027, 4, 15),
        call_duration_months=36,
    )
    page = parse(client.get(f"/en/profiles/{profile.pk}/").content)
    assert page.texts("section dl dt") == [
        "Programme",
        "Call deadline",
        "Coordinator required",
        "Duration in months",
    ]
    assert page.texts("section dl dd") == ["Horizon Europe", "April 15, 2027", "no", "36"]


def test_answering_twice_shows_a_message_not_an_error(client, organisation, org_admin):
    interest = factories.ExpressionOfInterestFactory(
        profile=factories.CooperationProfileFactory(owner=organisation), status="accepted"
    )
    client.force_login(org_admin)
    response = client.post(
        f"/en/profiles/interests/{interest.pk}/answer/", {"answer": "accept"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "This expression of interest has been answered."
    ]
    response = client.post(
        f"/en/profiles/interests/{interest.pk}/answer/", {"answer": "decline"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Choose a reason for declining."]


def test_submitting_an_expired_draft_asks_for_a_new_date(client, organisation, org_admin):
    draft = factories.CooperationProfileFactory(
        owner=organisation, status="draft", expires_on=date.today() - timedelta(days=1)
    )
    client.force_login(org_admin)
    response = client.post(f"/en/profiles/{draft.pk}/submit/", follow=True)
    draft.refresh_from_db()
    assert [str(m) for m in response.context["messages"]] == [
        "The expiry date is in the past: choose a later date."
    ]
    assert draft.status == "draft"
