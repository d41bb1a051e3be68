"""The back office of offers and requests: facilitators only, actions through the workflow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from distretto.opportunities.models import CooperationProfile
from tests import factories

CHANGELIST = "admin:opportunities_cooperationprofile_changelist"


@pytest.fixture
def staff_only(db):
    return factories.UserFactory(username="staffer", is_staff=True)


def test_facilitator_sees_the_lists(client, facilitator, organisation):
    factories.CooperationProfileFactory(owner=organisation, title="Oxygenator licence")
    client.force_login(facilitator)
    profiles = client.get(reverse(CHANGELIST)).content.decode()
    interests = client.get(reverse("admin:opportunities_expressionofinterest_changelist"))
    assert ("Oxygenator licence" in profiles, interests.status_code) == (True, 200)


def test_staff_who_are_not_facilitators_are_refused(client, staff_only, organisation):
    profile = factories.CooperationProfileFactory(owner=organisation, status="review")
    client.force_login(staff_only)
    response = client.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [profile.pk]}
    )
    profile.refresh_from_db()
    assert (response.status_code, profile.status) == (403, "review")


def test_actions_follow_the_workflow(client, facilitator, organisation):
    in_review = factories.CooperationProfileFactory(owner=organisation, status="review")
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft", title="Raw")
    client.force_login(facilitator)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [in_review.pk, draft.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        "Raw: This profile cannot go from “Draft” to “Published”.",
        "1 profile published.",
    ]
    client.post(reverse(CHANGELIST), {"action": "put_on_hold", "_selected_action": [in_review.pk]})
    held = CooperationProfile.objects.get(pk=in_review.pk).status
    client.post(reverse(CHANGELIST), {"action": "archive", "_selected_action": [in_review.pk]})
    assert (held, CooperationProfile.objects.get(pk=in_review.pk).status) == (
        "on_hold",
        "archived",
    )


def test_admin_form_refuses_call_fields_on_other_types(client, facilitator, organisation):
    client.force_login(facilitator)
    response = client.post(
        reverse("admin:opportunities_cooperationprofile_add"),
        {
            "owner": organisation.pk,
            "profile_type": "business_offer",
            "title": "Offer",
            "summary": "S",
            "description": "D",
            "language": "en",
            "expires_on": (date.today() + timedelta(days=5)).isoformat(),
            "partnership_types": "[]",
            "partner_kinds": "[]",
            "partner_sizes": "[]",
            "call_programme": "Horizon Europe",
            "interests-TOTAL_FORMS": "0",
            "interests-INITIAL_FORMS": "0",
        },
    )
    assert (response.status_code, CooperationProfile.objects.count()) == (200, 0)
    assert response.context["adminform"].form.errors == {
        "call_programme": ["Call details belong only to R&D partner requests; leave it empty."]
    }


def test_change_page_shows_status_read_only_and_the_interests(client, facilitator, organisation):
    profile = factories.CooperationProfileFactory(owner=organisation, title="Oxygenator licence")
    factories.ExpressionOfInterestFactory(
        profile=profile, from_organisation=factories.OrganisationFactory(name="Beta Labs")
    )
    client.force_login(facilitator)
    response = client.get(
        reverse("admin:opportunities_cooperationprofile_change", args=[profile.pk])
    )
    form = response.context["adminform"].form
    content = response.content.decode()
    assert (response.status_code, "status" in form.fields, "Beta Labs" in content) == (
        200,
        False,
        True,
    )
