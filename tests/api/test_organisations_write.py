"""POST/PATCH /api/v1/organisations and the status change: roles, validation, no partial writes."""

from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from distretto.registry.enums import Status
from distretto.registry.models import Organisation
from tests import factories
from tests.api.conftest import bearer, problems

LIST = "/api/v1/organisations"
VALID_VAT = "03207990361"  # 11 digits with a valid check digit and office code


def post(client, url, body, headers=None):
    return client.post(
        url, json.dumps(body), content_type="application/json", headers=headers or {}
    )


def patch(client, url, body, headers=None):
    return client.patch(
        url, json.dumps(body), content_type="application/json", headers=headers or {}
    )


def snapshot(organisation: Organisation) -> dict:
    organisation.refresh_from_db()
    data = model_to_dict(organisation)
    data["codes"] = sorted(c.pk for c in data["codes"])
    data["updated_at"] = organisation.updated_at
    return data


@pytest.fixture
def dialysis(db):
    return factories.CodeFactory(code="dialysis", label_it="Dialisi", label_en="Dialysis")


# --- create -----------------------------------------------------------------------


def test_create_organisation_anonymous_is_401(api, db):
    response = post(api, LIST, {"name": "New", "kind": "sme"})

    assert response.status_code == 401
    assert response.json() == problems(
        (None, "Log in, or send an API token: Authorization: Bearer dst_...")
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="distretto"'
    assert Organisation.objects.count() == 0


def test_create_organisation_member_is_403(api, member):
    response = post(api, LIST, {"name": "New", "kind": "sme"}, bearer(member))

    assert response.status_code == 403
    assert response.json() == problems((None, "Only facilitators may add organisations."))
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Acme Medical"]


def test_create_organisation_facilitator_creates_a_draft_with_codes(api, facilitator, dialysis):
    body = {
        "name": "Nuova Srl",
        "kind": "startup",
        "summary_en": "Sensors",
        "vat_number": f"IT{VALID_VAT}",
        "founded": 2020,
        "codes": ["segment:dialysis"],
    }

    response = post(api, LIST, body, bearer(facilitator))

    created = Organisation.objects.get(slug="nuova-srl")
    answer = response.json()
    assert response.status_code == 201
    assert {k: answer[k] for k in ("slug", "name", "kind", "status", "vat_number", "founded")} == {
        "slug": "nuova-srl",
        "name": "Nuova Srl",
        "kind": "startup",
        "status": "draft",
        "vat_number": VALID_VAT,
        "founded": 2020,
    }
    assert [c["reference"] for group in answer["codes"] for c in group["codes"]] == [
        "segment:dialysis"
    ]
    assert (created.status, created.vat_number, list(created.codes.all())) == (
        "draft",
        VALID_VAT,
        [dialysis],
    )


def test_create_organisation_session_needs_csrf_token(db, facilitator):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(facilitator)
    without = post(browser, LIST, {"name": "New", "kind": "sme"})

    assert without.status_code == 403
    assert without.json() == problems(
        (
            None,
            "CSRF check failed: send the X-CSRFToken header with the value of the csrftoken "
            "cookie.",
        )
    )
    assert Organisation.objects.count() == 0


def test_create_organisation_session_with_csrf_token_works(db, facilitator):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(facilitator)
    token = "a" * 32
    browser.cookies["csrftoken"] = token

    response = post(browser, LIST, {"name": "New", "kind": "sme"}, {"x-csrftoken": token})

    assert (response.status_code, response.json()["name"]) == (201, "New")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"vat_number": "12345678901"},
            [
                (
                    "vat_number",
                    "Not a valid Italian VAT number: check digit or office code is wrong.",
                )
            ],
        ),
        ({"founded": 2999}, [("founded", "The founding year is in the future.")]),
        ({"kind": "spaceship"}, [("kind", "Value 'spaceship' is not a valid choice.")]),
        ({"codes": ["segment:nothing"]}, [("codes", "Unknown code: segment:nothing.")]),
        (
            {"codes": ["dialysis"]},
            [("codes", "Write codes as taxonomy:code, e.g. segment:dialysis (got: dialysis).")],
        ),
        ({"founded": "long ago"}, [("founded", "Enter a whole number.")]),
        ({"status": "published"}, [("status", "This field cannot be set.")]),
        ({"name": ""}, [("name", "This field cannot be blank.")]),
    ],
)
def test_create_organisation_bad_input_is_422_naming_the_field(api, facilitator, body, expected):
    response = post(api, LIST, {"name": "New", "kind": "sme", **body}, bearer(facilitator))

    assert response.status_code == 422
    assert response.json() == problems(*expected)
    assert Organisation.objects.count() == 0


def test_create_organisation_missing_fields_are_named(api, facilitator):
    response = post(api, LIST, {}, bearer(facilitator))

    assert response.status_code == 422
    assert response.json() == problems(
        ("name", "This field is required."), ("kind", "This field is required.")
    )


def test_create_organisation_duplicate_vat_is_422(api, facilitator, organisation):
    organisation.vat_number = VALID_VAT
    organisation.save()

    response = post(
        api,
        LIST,
        {"name": "Copy", "kind": "sme", "vat_number": f"IT {VALID_VAT}"},
        bearer(facilitator),
    )

    assert response.status_code == 422
    assert response.json() == problems(
        ("vat_number", "An organisation with this VAT number already exists: Acme Medical.")
    )
    assert Organisation.objects.count() == 1


def test_create_organisation_body_not_json_is_400(api, facilitator):
    response = api.post(
        LIST, "{not json", content_type="application/json", headers=bearer(facilitator)
    )

    assert response.status_code == 400
    assert response.json() == problems((None, "The request body is not valid JSON."))


def test_create_organisation_errors_follow_accept_language(db, facilitator):
    headers = {**bearer(facilitator), "accept-language": "it"}

    response = post(Client(), LIST, {"founded": "x"}, headers)

    assert response.status_code == 422
    assert response["Content-Language"] == "it"
    assert response.json() == problems(
        ("founded", "Inserisci un numero intero."),
        ("name", "Questo campo è obbligatorio."),
        ("kind", "Questo campo è obbligatorio."),
    )


# --- change -----------------------------------------------------------------------


def test_update_organisation_org_admin_changes_only_given_fields(api, organisation, org_admin):
    organisation.website = "https://acme.example"
    organisation.save()

    response = patch(
        api, f"{LIST}/{organisation.slug}", {"summary_en": "New summary"}, bearer(org_admin)
    )

    organisation.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["summary_en"], response.json()["website"]) == (
        "New summary",
        "https://acme.example",
    )
    assert (organisation.summary_en, organisation.website, organisation.summary_it) == (
        "New summary",
        "https://acme.example",
        "Produttore di dispositivi medici",
    )


def test_update_organisation_codes_replace_when_given_and_stay_when_not(
    api, organisation, facilitator, dialysis
):
    cardio = factories.CodeFactory(code="cardio")
    organisation.codes.add(cardio)
    url = f"{LIST}/{organisation.slug}"

    patch(api, url, {"name": "Acme Medical Spa"}, bearer(facilitator))
    kept = sorted(organisation.codes.values_list("code", flat=True))
    patch(api, url, {"codes": ["segment:dialysis"]}, bearer(facilitator))
    replaced = sorted(organisation.codes.values_list("code", flat=True))

    assert (kept, replaced) == (["cardio"], ["dialysis"])


def test_update_organisation_other_published_organisation_is_403(api, organisation, other_member):
    before = snapshot(organisation)

    response = patch(api, f"{LIST}/{organisation.slug}", {"name": "Mine"}, bearer(other_member))

    assert response.status_code == 403
    assert response.json() == problems((None, "You may not change this organisation."))
    assert snapshot(organisation) == before


def test_update_organisation_other_draft_is_404(api, organisation, other_member):
    organisation.status = Status.DRAFT
    organisation.save()

    response = patch(api, f"{LIST}/{organisation.slug}", {"name": "Mine"}, bearer(other_member))

    assert response.status_code == 404
    assert response.json() == problems((None, "No such organisation."))


def test_update_organisation_member_is_403_and_anonymous_401(api, organisation, member):
    as_member = patch(api, f"{LIST}/{organisation.slug}", {"name": "X"}, bearer(member))
    anonymous = patch(api, f"{LIST}/{organisation.slug}", {"name": "X"})

    assert (as_member.status_code, as_member.json()) == (
        403,
        problems((None, "You may not change this organisation.")),
    )
    assert anonymous.status_code == 401
    assert Organisation.objects.get().name == "Acme Medical"


def test_update_organisation_bad_input_changes_nothing(api, organisation, org_admin, dialysis):
    other = factories.OrganisationFactory(name="Other", vat_number=VALID_VAT)
    organisation.codes.add(dialysis)
    before = snapshot(organisation)
    url = f"{LIST}/{organisation.slug}"

    answers = [
        patch(api, url, body, bearer(org_admin)).json()
        for body in (
            {"summary_en": "Changed", "founded": 3000},
            {"summary_en": "Changed", "vat_number": "IT123"},
            {"summary_en": "Changed", "vat_number": other.vat_number},
            {"summary_en": "Changed", "kind": "castle"},
            {"summary_en": "Changed", "codes": ["segment:dialysis", "segment:nope"]},
        )
    ]

    assert answers == [
        problems(("founded", "The founding year is in the future.")),
        problems(("vat_number", "Not a valid VAT number for its country.")),
        problems(("vat_number", "An organisation with this VAT number already exists: Other.")),
        problems(("kind", "Value 'castle' is not a valid choice.")),
        problems(("codes", "Unknown code: segment:nope.")),
    ]
    assert snapshot(organisation) == before


# --- status -----------------------------------------------------------------------


def test_set_status_facilitator_publishes(api, organisation, facilitator):
    organisation.status = Status.REVIEW
    organisation.save()

    response = post(
        api, f"{LIST}/{organisation.slug}/status", {"status": "published"}, bearer(facilitator)
    )

    organisation.refresh_from_db()
    assert (response.status_code, response.json()["status"], organisation.status) == (
        200,
        "published",
        "published",
    )


def test_set_status_org_admin_may_only_submit_a_draft_for_review(api, organisation, org_admin):
    organisation.status = Status.DRAFT
    organisation.save()
    url = f"{LIST}/{organisation.slug}/status"

    publish = post(api, url, {"status": "published"}, bearer(org_admin))
    submit = post(api, url, {"status": "review"}, bearer(org_admin))

    organisation.refresh_from_db()
    assert (publish.status_code, publish.json()) == (
        403,
        problems((None, "You may not change the status of this organisation.")),
    )
    assert (submit.status_code, submit.json()["status"]) == (200, "review")
    assert organisation.status == "review"


def test_set_status_unknown_status_is_422(api, organisation, facilitator):
    response = post(
        api, f"{LIST}/{organisation.slug}/status", {"status": "gone"}, bearer(facilitator)
    )

    organisation.refresh_from_db()
    assert (response.status_code, response.json()) == (422, problems(("status", "Unknown status.")))
    assert organisation.status == "published"
