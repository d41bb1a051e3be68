"""Profile and expression-of-interest actions: permissions, limits, workflow, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from distretto.opportunities import queries, services
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from tests import factories

TODAY = date(2026, 11, 22)


def profile_data(**changes):
    data = {
        "profile_type": "technology_request",
        "title": "Looking for a sterilisation partner",
        "summary": "Ethylene oxide sterilisation of small batches",
        "description": "We need a partner sterilising 500 units a month.",
        "language": "en",
        "expires_on": TODAY + timedelta(days=60),
        "partnership_types": ["supplier"],
        "partner_kinds": ["sme"],
        "partner_sizes": ["10-49"],
    }
    data.update(changes)
    return data


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def test_org_admin_creates_a_draft_with_codes(organisation, org_admin):
    code = factories.CodeFactory(code="dialysis")
    profile = services.create_profile(org_admin, organisation, profile_data(), [code], today=TODAY)
    profile.refresh_from_db()
    assert (profile.status, profile.owner, list(profile.codes.all()), profile.partner_kinds) == (
        "draft",
        organisation,
        [code],
        ["sme"],
    )


def test_member_and_other_admin_may_not_create(organisation, member, other_member):
    for user in (member, other_member):
        with pytest.raises(PermissionDenied):
            services.create_profile(user, organisation, profile_data(), today=TODAY)
    assert CooperationProfile.objects.count() == 0


def test_title_over_256_is_refused_naming_the_field(organisation, org_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin,
            organisation,
            profile_data(title="x" * 257, summary="s" * 501, description="d" * 4001),
            today=TODAY,
        )
    errors = messages_of(caught.value)
    assert (errors["title"], errors["summary"], errors["description"]) == (
        ["Ensure this value has at most 256 characters (it has 257)."],
        ["Ensure this value has at most 500 characters (it has 501)."],
        ["Ensure this value has at most 4000 characters (it has 4001)."],
    )


def test_call_fields_only_for_rd_partner_requests(organisation, org_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin, organisation, profile_data(call_programme="Horizon Europe"), today=TODAY
        )
    assert messages_of(caught.value) == {
        "call_programme": ["Call details belong only to R&D partner requests; leave it empty."]
    }
    profile = services.create_profile(
        org_admin,
        organisation,
        profile_data(
            profile_type="rd_partner_request",
            call_programme="Horizon Europe",
            call_deadline=TODAY + timedelta(days=30),
            call_duration_months=36,
        ),
        today=TODAY,
    )
    assert (profile.call_programme, profile.call_duration_months) == ("Horizon Europe", 36)


def test_expiry_in_the_past_is_refused(organisation, org_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin, organisation, profile_data(expires_on=TODAY - timedelta(days=1)), today=TODAY
        )
    assert messages_of(caught.value) == {
        "expires_on": ["The expiry date is in the past: choose a later date."]
    }


def test_unknown_partnership_type_is_refused(organisation, org_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin, organisation, profile_data(partnership_types=["friendship"]), today=TODAY
        )
    assert list(messages_of(caught.value)) == ["partnership_types"]


def test_unknown_field_is_refused(organisation, org_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin, organisation, profile_data(status="published"), today=TODAY
        )
    assert messages_of(caught.value) == {"status": ["This field cannot be set."]}


def test_contact_of_another_organisation_is_refused(organisation, org_admin):
    stranger = factories.PersonFactory()
    with pytest.raises(ValidationError) as caught:
        services.create_profile(
            org_admin, organisation, profile_data(contact=stranger), today=TODAY
        )
    assert messages_of(caught.value) == {
        "contact": ["The contact person must belong to the owner organisation."]
    }


def test_owner_edits_drafts_only_facilitator_edits_any(organisation, org_admin, facilitator):
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")
    services.update_profile(org_admin, profile, {"title": "New title"}, today=TODAY)
    services.move_profile(org_admin, profile, "review")
    with pytest.raises(PermissionDenied):
        services.update_profile(org_admin, profile, {"title": "Changed in review"}, today=TODAY)
    services.update_profile(facilitator, profile, {"title": "Edited by facilitator"}, today=TODAY)
    profile.refresh_from_db()
    assert (profile.title, profile.status) == ("Edited by facilitator", "review")


def test_workflow_owner_submits_facilitator_publishes_holds_archives(
    organisation, org_admin, facilitator
):
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")
    seen = []
    services.submit_profile(org_admin, profile)
    seen.append(profile.status)
    with pytest.raises(PermissionDenied):
        services.move_profile(org_admin, profile, "published")
    for status in ("published", "on_hold", "published", "archived"):
        services.move_profile(facilitator, profile, status)
        seen.append(profile.status)
    profile.refresh_from_db()
    assert (seen, profile.status) == (
        ["review", "published", "on_hold", "published", "archived"],
        "archived",
    )


def test_refused_move_names_both_statuses(organisation, facilitator):
    profile = factories.CooperationProfileFactory(owner=organisation, status="draft")
    with pytest.raises(PermissionDenied) as caught:
        services.move_profile(facilitator, profile, "published")
    assert str(caught.value) == "This profile cannot go from “Draft” to “Published”."


def test_expire_profiles_moves_only_past_published_and_on_hold(db):
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    past = date(2026, 11, 21)
    old = factories.CooperationProfileFactory(expires_on=past)
    held = factories.CooperationProfileFactory(expires_on=past, status="on_hold")
    draft = factories.CooperationProfileFactory(expires_on=past, status="draft")
    today = factories.CooperationProfileFactory(expires_on=date(2026, 11, 22))
    assert services.expire_profiles(now) == 2
    statuses = {p.pk: p.status for p in CooperationProfile.objects.filter(pk__in=[old.pk, held.pk])}
    assert statuses == {old.pk: "expired", held.pk: "expired"}
    draft.refresh_from_db()
    today.refresh_from_db()
    assert (draft.status, today.status) == ("draft", "published")


def test_expired_profile_leaves_the_list_but_is_kept(organisation, member):
    profile = factories.CooperationProfileFactory(
        owner=organisation, expires_on=TODAY - timedelta(days=1)
    )
    assert list(queries.published_profiles(None, queries.ProfileFilters(), TODAY)) == []
    assert queries.get_profile(member, profile.pk, TODAY) == profile
    with pytest.raises(Http404):
        queries.get_profile(None, profile.pk, TODAY)


# --- expressions of interest --------------------------------------------------------


@pytest.fixture
def offer(organisation):
    return factories.CooperationProfileFactory(owner=organisation, title="Oxygenator licence")


@pytest.fixture
def other_org(other_member):
    return other_member.memberships.get().organisation


def test_member_of_another_organisation_sends_interest(offer, other_member, other_org):
    interest = services.send_interest(
        other_member, offer, other_org, "  We make ECMO circuits.  ", today=date.today()
    )
    assert (interest.status, interest.from_user, interest.message) == (
        "sent",
        other_member,
        "We make ECMO circuits.",
    )


def test_second_open_interest_is_refused_until_answered(offer, other_member, other_org, org_admin):
    first = services.send_interest(other_member, offer, other_org, "Hello", today=date.today())
    with pytest.raises(ValidationError) as caught:
        services.send_interest(other_member, offer, other_org, "Again", today=date.today())
    assert messages_of(caught.value) == {
        "profile": [
            "Your organisation has already expressed interest in this profile; wait for the answer."
        ]
    }
    services.decline_interest(org_admin, first, "too_early")
    services.send_interest(other_member, offer, other_org, "Now?", today=date.today())
    assert ExpressionOfInterest.objects.filter(profile=offer).count() == 2


def test_interest_in_own_or_unpublished_profile_is_refused(
    offer, organisation, member, other_member, other_org
):
    with pytest.raises(PermissionDenied):
        services.send_interest(member, offer, organisation, "Ours", today=date.today())
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft")
    with pytest.raises(PermissionDenied):
        services.send_interest(other_member, draft, other_org, "Hi", today=date.today())
    # Sending on behalf of an organisation one does not belong to.
    stranger = factories.OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.send_interest(other_member, offer, stranger, "Hi", today=date.today())
    assert ExpressionOfInterest.objects.count() == 0


def test_owner_admin_accepts(offer, org_admin):
    interest = factories.ExpressionOfInterestFactory(profile=offer)
    services.accept_interest(org_admin, interest)
    interest.refresh_from_db()
    assert (interest.status, interest.answered_at is not None) == ("accepted", True)
    with pytest.raises(ValidationError):
        services.decline_interest(org_admin, interest, "other", "changed our mind")


def test_decline_needs_a_known_reason_and_text_for_other(offer, org_admin):
    interest = factories.ExpressionOfInterestFactory(profile=offer)
    with pytest.raises(ValidationError) as caught:
        services.decline_interest(org_admin, interest, "bored")
    assert list(messages_of(caught.value)) == ["decline_reason"]
    with pytest.raises(ValidationError) as caught:
        services.decline_interest(org_admin, interest, "other", "  ")
    assert messages_of(caught.value) == {"decline_text": ["Say why, as the reason is “other”."]}
    services.decline_interest(org_admin, interest, "not_our_field", "We do dialysis only.")
    interest.refresh_from_db()
    assert (interest.status, interest.decline_reason, interest.decline_text) == (
        "declined",
        "not_our_field",
        "We do dialysis only.",
    )


def test_only_owner_admins_answer(offer, member, other_member, facilitator):
    interest = factories.ExpressionOfInterestFactory(profile=offer)
    for user in (member, other_member, facilitator):
        with pytest.raises(PermissionDenied):
            services.accept_interest(user, interest)
    interest.refresh_from_db()
    assert interest.status == "sent"


def test_pipeline_counts_per_profile_and_in_total(facilitator, organisation):
    first = factories.CooperationProfileFactory(owner=organisation, title="A first")
    second = factories.CooperationProfileFactory(owner=organisation, title="B second")
    factories.CooperationProfileFactory(owner=organisation, title="C without interest")
    for status in ("sent", "sent", "accepted", "declined"):
        factories.ExpressionOfInterestFactory(profile=first, status=status)
    factories.ExpressionOfInterestFactory(profile=second, status="accepted")
    result = queries.pipeline(facilitator)
    assert [(row.profile.title, row.counts, row.total) for row in result.rows] == [
        ("A first", {"sent": 2, "accepted": 1, "declined": 1}, 4),
        ("B second", {"sent": 0, "accepted": 1, "declined": 0}, 1),
    ]
    assert (result.totals, result.total) == ({"sent": 2, "accepted": 2, "declined": 1}, 5)


def test_pipeline_refused_to_others(org_admin):
    with pytest.raises(PermissionDenied):
        queries.pipeline(org_admin)


def test_visibility_of_non_public_profiles_by_role(
    organisation, member, org_admin, other_member, facilitator
):
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft")
    seen = {}
    for name, user in [
        ("anonymous", None),
        ("other", other_member),
        ("member", member),
        ("admin", org_admin),
        ("facilitator", facilitator),
    ]:
        try:
            queries.get_profile(user, draft.pk, TODAY)
        except Http404:
            seen[name] = False
        else:
            seen[name] = True
    assert seen == {
        "anonymous": False,
        "other": False,
        "member": True,
        "admin": True,
        "facilitator": True,
    }


def test_timezone_now_is_accepted_by_expire_profiles(db):
    assert services.expire_profiles(timezone.now()) == 0


def test_expired_profile_is_renewed_with_a_new_date_before_review(organisation, org_admin):
    profile = factories.CooperationProfileFactory(
        owner=organisation, status="expired", expires_on=TODAY - timedelta(days=3)
    )
    with pytest.raises(ValidationError) as caught:
        services.move_profile(org_admin, profile, "review", today=TODAY)
    assert messages_of(caught.value) == {
        "expires_on": ["The expiry date is in the past: choose a later date."]
    }
    services.update_profile(
        org_admin, profile, {"expires_on": TODAY + timedelta(days=30)}, today=TODAY
    )
    services.move_profile(org_admin, profile, "review", today=TODAY)
    profile.refresh_from_db()
    assert (profile.status, profile.expires_on) == ("review", TODAY + timedelta(days=30))


def test_reminder_goes_once_to_the_owners_admins_in_their_language(
    organisation, org_admin, facilitator, mailoutbox
):
    italian = factories.UserFactory(username="amministratrice", language="it")
    factories.MembershipFactory(user=italian, organisation=organisation, role="admin")
    org_admin.language = "en"
    org_admin.save()
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    due = factories.CooperationProfileFactory(
        owner=organisation, title="Oxygenator licence", expires_on=date(2026, 12, 1)
    )
    factories.CooperationProfileFactory(owner=organisation, expires_on=date(2027, 3, 1))
    factories.CooperationProfileFactory(
        owner=organisation, expires_on=date(2026, 12, 1), status="draft"
    )
    assert services.remind_expiring_profiles(now, days=14) == 1
    assert services.remind_expiring_profiles(now, days=14) == 0
    assert sorted((m.to, m.subject) for m in mailoutbox) == [
        (
            ["amministratrice@example.org"],
            "Il tuo profilo «Oxygenator licence» scade il 01 Dicembre 2026",
        ),
        (["orgadmin@example.org"], "Your profile “Oxygenator licence” expires on Dec. 1, 2026"),
    ]
    services.update_profile(facilitator, due, {"expires_on": date(2026, 12, 5)}, today=TODAY)
    assert services.remind_expiring_profiles(now, days=14) == 1
