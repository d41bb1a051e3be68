"""The API of offers and requests: list, detail, writes, expressions of interest."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client

from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from tests import factories
from tests.api.conftest import bearer, problems


@pytest.fixture
def api():
    """A client asking for English, as the assertions on messages are in English."""
    return Client(headers={"accept-language": "en"})


def post(api, url, body, user=None, method="post"):
    headers = bearer(user) if user is not None else {"accept-language": "en"}
    send = getattr(api, method)
    return send(url, json.dumps(body), content_type="application/json", headers=headers)


def test_list_is_public_and_filters_by_type_and_code(api, organisation):
    dialysis = factories.CodeFactory(code="dialysis")
    request = factories.CooperationProfileFactory(
        owner=organisation, title="Request", profile_type="technology_request"
    )
    request.codes.add(dialysis)
    factories.CooperationProfileFactory(owner=organisation, title="Offer")
    factories.CooperationProfileFactory(owner=organisation, title="Draft", status="draft")
    body = api.get("/api/v1/profiles").json()
    assert (body["count"], sorted(item["title"] for item in body["items"])) == (
        2,
        ["Offer", "Request"],
    )
    body = api.get("/api/v1/profiles?type=technology_request&code=segment:dialysis").json()
    assert [(i["title"], i["codes"], i["owner"]) for i in body["items"]] == [
        ("Request", ["segment:dialysis"], {"slug": "acme-medical", "name": "Acme Medical"})
    ]


def test_unknown_type_and_malformed_code_filters_answer_422(api, db):
    response = api.get("/api/v1/profiles?type=gift")
    assert (response.status_code, response.json()["detail"][0]["field"]) == (422, "type")
    response = api.get("/api/v1/profiles?code=dialysis")
    assert (response.status_code, response.json()) == (
        422,
        problems(("code", "Write codes as taxonomy:code, e.g. segment:dialysis (got: dialysis).")),
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_list_query_count_does_not_grow_with_rows(
    api, organisation, django_assert_num_queries, rows
):
    code = factories.CodeFactory(code="dialysis")
    for n in range(rows):
        factories.CooperationProfileFactory(owner=organisation, title=f"Row {n}").codes.add(code)
    with django_assert_num_queries(3):
        response = api.get("/api/v1/profiles")
    assert response.json()["count"] == rows


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("anonymous", 404), ("other", 404), ("member", 200), ("admin", 200), ("facilitator", 200)],
)
def test_draft_detail_by_role(
    api, organisation, member, org_admin, other_member, facilitator, who, status_code
):
    users = {
        "anonymous": None,
        "other": other_member,
        "member": member,
        "admin": org_admin,
        "facilitator": facilitator,
    }
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft", title="Ours")
    headers = bearer(users[who]) if users[who] is not None else {}
    response = api.get(f"/api/v1/profiles/{draft.pk}", headers=headers)
    expected = "Ours" if status_code == 200 else problems((None, "No such offer or request."))
    body = response.json()
    assert (response.status_code, body.get("title", body)) == (status_code, expected)


def create_body(**changes):
    body = {
        "owner": "acme-medical",
        "profile_type": "rd_partner_request",
        "title": "Partner for a Horizon Europe call",
        "summary": "Looking for a hospital partner",
        "description": "Clinical validation of a new dialyser.",
        "language": "en",
        "expires_on": (date.today() + timedelta(days=40)).isoformat(),
        "call_programme": "Horizon Europe",
        "call_deadline": (date.today() + timedelta(days=60)).isoformat(),
        "call_duration_months": 36,
        "partner_kinds": ["hospital"],
    }
    body.update(changes)
    return body


def test_org_admin_creates_submits_and_facilitator_publishes(
    api, organisation, org_admin, facilitator
):
    response = post(api, "/api/v1/profiles", create_body(), org_admin)
    body = response.json()
    assert (response.status_code, body["status"], body["call_duration_months"]) == (
        201,
        "draft",
        36,
    )
    pk = body["id"]
    response = post(api, f"/api/v1/profiles/{pk}", {"title": "Renamed"}, org_admin, "patch")
    assert (response.status_code, response.json()["title"]) == (200, "Renamed")
    response = post(api, f"/api/v1/profiles/{pk}/status", {"status": "published"}, org_admin)
    assert (response.status_code, response.json()) == (
        403,
        problems((None, "This profile cannot go from “Draft” to “Published”.")),
    )
    post(api, f"/api/v1/profiles/{pk}/status", {"status": "review"}, org_admin)
    response = post(api, f"/api/v1/profiles/{pk}/status", {"status": "published"}, facilitator)
    assert (response.status_code, response.json()["status"]) == (200, "published")


def test_create_refused_to_member_and_other_org(api, organisation, member, other_member):
    assert post(api, "/api/v1/profiles", create_body(), member).status_code == 403
    assert post(api, "/api/v1/profiles", create_body(), other_member).status_code == 403
    assert post(api, "/api/v1/profiles", create_body()).status_code == 401
    assert CooperationProfile.objects.count() == 0


def test_field_limits_are_named(api, organisation, org_admin):
    response = post(
        api,
        "/api/v1/profiles",
        create_body(
            title="t" * 257,
            profile_type="technology_offer",
            expires_on=(date.today() - timedelta(days=2)).isoformat(),
        ),
        org_admin,
    )
    assert (response.status_code, response.json()) == (
        422,
        problems(
            ("title", "Ensure this value has at most 256 characters (it has 257)."),
            ("call_programme", "Call details belong only to R&D partner requests; leave it empty."),
            ("call_deadline", "Call details belong only to R&D partner requests; leave it empty."),
            (
                "call_duration_months",
                "Call details belong only to R&D partner requests; leave it empty.",
            ),
            ("expires_on", "The expiry date is in the past: choose a later date."),
        ),
    )


def test_patch_of_another_organisations_draft_answers_404(api, organisation, other_member):
    draft = factories.CooperationProfileFactory(owner=organisation, status="draft")
    response = post(api, f"/api/v1/profiles/{draft.pk}", {"title": "Hacked"}, other_member, "patch")
    draft.refresh_from_db()
    assert (response.status_code, draft.title == "Hacked") == (404, False)


def test_interest_flow_send_duplicate_accept_decline(api, organisation, org_admin, other_member):
    profile = factories.CooperationProfileFactory(owner=organisation)
    body = {"organisation": "other-firm", "message": "We can help."}
    response = post(api, f"/api/v1/profiles/{profile.pk}/interests", body, other_member)
    assert (response.status_code, response.json()["status"]) == (201, "sent")
    first = response.json()["id"]
    response = post(api, f"/api/v1/profiles/{profile.pk}/interests", body, other_member)
    assert (response.status_code, response.json()["detail"][0]["field"]) == (422, "profile")
    response = post(api, f"/api/v1/interests/{first}/answer", {"answer": "accept"}, other_member)
    assert response.status_code == 403
    response = post(
        api,
        f"/api/v1/interests/{first}/answer",
        {"answer": "decline", "reason": "other", "text": ""},
        org_admin,
    )
    assert (response.status_code, response.json()) == (
        422,
        problems(("decline_text", "Say why, as the reason is “other”.")),
    )
    response = post(
        api,
        f"/api/v1/interests/{first}/answer",
        {"answer": "decline", "reason": "too_early", "text": "Come back next year."},
        org_admin,
    )
    assert (response.status_code, response.json()["status"], response.json()["decline_reason"]) == (
        200,
        "declined",
        "too_early",
    )
    assert ExpressionOfInterest.objects.get().decline_text == "Come back next year."


def test_interest_in_own_profile_is_refused(api, organisation, member):
    profile = factories.CooperationProfileFactory(owner=organisation)
    body = {"organisation": "acme-medical", "message": "Self"}
    response = post(api, f"/api/v1/profiles/{profile.pk}/interests", body, member)
    assert (response.status_code, ExpressionOfInterest.objects.count()) == (403, 0)


def test_guessed_interest_id_answers_404(api, organisation, other_member):
    interest = factories.ExpressionOfInterestFactory(
        profile=factories.CooperationProfileFactory(owner=organisation)
    )
    response = post(
        api, f"/api/v1/interests/{interest.pk}/answer", {"answer": "accept"}, other_member
    )
    assert (response.status_code, response.json()) == (
        404,
        problems((None, "No such expression of interest.")),
    )
