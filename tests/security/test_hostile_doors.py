"""Hostile text through the doors that write it: the forms, the imports and the API take
the payloads (shown escaped afterwards), refuse ``javascript:``/``data:`` links and NUL
characters with a message naming the field, and never answer a server error; NUL is a
server error on PostgreSQL unless it is refused first (distretto.web.null_characters).

The world-wide checks (every page showing every record's text) are in test_hostile_text.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distretto.monitor.models import Indicator, Observation
from distretto.registry import imports
from distretto.registry.models import Organisation, Person
from tests import factories
from tests.api.conftest import bearer
from tests.security.hostile_files import workbook_bytes
from tests.security.test_hostile_text import BAD_URLS, ESCAPED, IMG, PAYLOAD, RAW, SCRIPT, SQL

# --- NUL characters: refused with a message, never a server error ----------------------------

NUL_REQUESTS = [
    ("get", "/en/search/?q=a%00b", None),
    ("get", "/en/organisations/?q=a%00b", None),
    ("get", "/en/monitor/compare/?indicator=a%00b", None),
    ("get", "/en/organisations/a%00b/", None),
    ("get", "/api/v1/organisations?q=a%00b", None),
    ("get", "/api/v1/organisations/a%00b", None),
]


@pytest.mark.parametrize(("method", "url", "data"), NUL_REQUESTS)
def test_nul_in_the_address_or_query_is_a_400_with_a_message(db, client, method, url, data):
    response = client.get(url, headers={"accept-language": "en"})
    if url.startswith("/api/"):
        assert response.status_code == 422
        assert response.json()["detail"][0]["message"] == "Null characters are not allowed."
    else:
        assert response.status_code == 400
        assert "Null characters are not allowed." in response.content.decode()


def test_nul_in_api_bodies_is_a_422_naming_the_field(db, client, facilitator):
    response = client.post(
        "/api/v1/organisations",
        {"name": "Alpha\x00", "kind": "sme", "codes": ["segment:a\x00"]},
        content_type="application/json",
        headers=bearer(facilitator),  # in English
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": "name", "message": "Null characters are not allowed."}]
    }
    assert Organisation.objects.count() == 0


def test_nul_in_form_posts_is_refused(db, client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        f"/en/organisations/{organisation.slug}/edit/",
        {"name": "Acme\x00", "summary_en": "x"},
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == "Acme Medical"


# --- the doors that write text ---------------------------------------------------------------


organisation_post = factories.organisation_form_data


def test_organisation_form_takes_hostile_text_and_refuses_bad_links(
    db, client, organisation, org_admin
):
    client.force_login(org_admin)
    url = f"/en/organisations/{organisation.slug}/edit/"
    for bad in BAD_URLS:
        response = client.post(url, organisation_post(organisation, website=bad))
        assert response.status_code == 200
        assert response.context["form"].errors["website"] == ["Enter a valid URL."]
    text = {
        name: PAYLOAD[:300] for name in ("legal_name", "description_it", "description_en", "source")
    }
    response = client.post(
        url,
        organisation_post(
            organisation, name=PAYLOAD, summary_it=PAYLOAD, summary_en=PAYLOAD, **text
        ),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == PAYLOAD
    page = client.get(organisation.get_absolute_url()).content.decode()
    assert ESCAPED in page
    for raw in RAW:
        assert raw not in page


def test_person_form_takes_hostile_text(db, client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        f"/en/organisations/{organisation.slug}/people/add/",
        {"full_name": PAYLOAD[:200], "role": PAYLOAD[:200]},
    )
    assert response.status_code == 302
    assert Person.objects.get().full_name == PAYLOAD[:200]
    page = client.get(f"/en/organisations/{organisation.slug}/edit/").content.decode()
    for raw in RAW:
        assert raw not in page


def profile_post(owner: Organisation, **changes: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "owner": owner.pk,
        "profile_type": "rd_partner_request",
        "call_programme": PAYLOAD[:200],
        "call_deadline": (date.today() + timedelta(days=60)).isoformat(),
        "title": PAYLOAD,
        "summary": PAYLOAD,
        "description": PAYLOAD,
        "language": "en",
        "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        "partnership_types": ["research"],
        "partner_kinds": ["sme"],
        "partner_sizes": [],
    }
    data.update(changes)
    return data


def test_profile_form_takes_hostile_text_and_refuses_bad_links(db, client, organisation, org_admin):
    from distretto.opportunities.models import CooperationProfile

    client.force_login(org_admin)
    for bad in BAD_URLS:
        response = client.post("/en/profiles/new/", profile_post(organisation, call_link=bad))
        assert response.status_code == 200
        assert response.context["form"].errors["call_link"] == ["Enter a valid URL."]
    assert CooperationProfile.objects.count() == 0
    response = client.post("/en/profiles/new/", profile_post(organisation))
    assert response.status_code == 302, response.context["form"].errors
    profile = CooperationProfile.objects.get()
    page = client.get(f"/en/profiles/{profile.pk}/").content.decode()
    assert ESCAPED in page
    for raw in RAW:
        assert raw not in page


def test_api_writes_take_hostile_text_and_refuse_bad_links(db, client, facilitator):
    headers = bearer(facilitator)
    for bad in BAD_URLS:
        response = client.post(
            "/api/v1/organisations",
            {"name": "Alpha", "kind": "sme", "website": bad},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "website"
    response = client.post(
        "/api/v1/organisations",
        {"name": PAYLOAD, "kind": "sme", "summary_en": PAYLOAD[:300], "description_en": PAYLOAD},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["name"] == PAYLOAD
    slug = response.json()["slug"]
    page = client.get(f"/en/organisations/{slug}/").content.decode()
    for raw in RAW:
        assert raw not in page
    response = client.post(
        "/api/v1/organisations",
        {"name": "A" * 100_000, "kind": "sme"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422


# --- imports ---------------------------------------------------------------------------------


@pytest.fixture
def reference(db):
    factories.import_reference_data()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_imports_of_organisations_take_hostile_text(reference, facilitator, client, file_format):
    rows = [
        ["name", "kind", "summary_en", "description_it", "source"],
        [PAYLOAD, "sme", PAYLOAD[:300], PAYLOAD + "\n" + "x" * 5000, SQL],
        [IMG + " two", "large_company", "", "", ""],
    ]
    if file_format == "xlsx":
        content = workbook_bytes(rows)
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        content = buffer.getvalue().encode()
    result = imports.import_organisations(facilitator, content)
    assert result.errors == []
    assert result.written is True
    first = Organisation.objects.get(name=PAYLOAD)
    assert first.source == SQL
    client.force_login(facilitator)  # imported organisations are drafts
    for url in (first.get_absolute_url(), "/en/organisations/", "/en/search/?q=alert"):
        text = client.get(url).content.decode()
        for raw in RAW:
            assert raw not in text, url
    assert ESCAPED in client.get(first.get_absolute_url()).content.decode()


def test_import_of_organisations_refuses_bad_links_and_long_text(reference, facilitator):
    content = (f"name,kind,website\nAlpha,sme,javascript:alert(1)\n{'B' * 500},sme,\n").encode()
    result = imports.import_organisations(facilitator, content)
    assert result.written is False
    assert [(e.row, e.column) for e in result.errors] == [(2, "website"), (3, "name")]
    assert result.errors[0].message == (
        '"javascript:alert(1)" is not a web address; write it like https://www.example.com.'
    )
    assert Organisation.objects.count() == 0


def test_import_of_indicator_values_refuses_bad_source_links(db, facilitator):
    from distretto.monitor import imports as observation_imports

    Indicator.objects.create(slug="firms", name_it="Imprese", name_en="Firms", unit="count")
    header = "indicator,territory_kind,territory_code,period,value,unit,source,source_url,notes"
    content = (
        f"{header}\n"
        f'firms,country,IT,2024,1,count,"{SCRIPT}",javascript:alert(1),x\n'
        f'firms,country,IT,2023,1,count,ok,"data:text/html,<b>x</b>",x\n'
    ).encode()
    result = observation_imports.import_observations(facilitator, content)
    assert result.written is False
    assert [(e.row, e.column) for e in result.errors] == [(2, "source_url"), (3, "source_url")]
    assert "is not a web address" in result.errors[0].message
    assert Observation.objects.count() == 0


def test_import_of_ties_takes_hostile_source_text(reference, facilitator, client):
    from distretto.registry import tie_imports
    from distretto.registry.models import Tie

    alpha = factories.OrganisationFactory(name="Alpha Medical")
    factories.OrganisationFactory(name="Beta Lab")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["source", "target", "type", "source_of_fact"],
            ["alpha-medical", "beta-lab", "collaborates_with", PAYLOAD],
        ]
    )
    content = buffer.getvalue().encode()
    result = tie_imports.import_ties(facilitator, content)
    assert result.errors == []
    assert Tie.objects.get().source == PAYLOAD
    client.force_login(facilitator)
    page = client.get(alpha.get_absolute_url()).content.decode()
    for raw in RAW:
        assert raw not in page


def test_import_page_shows_hostile_file_names_and_cells_escaped(reference, facilitator, client):
    client.force_login(facilitator)
    content = f"name,kind\n{PAYLOAD},nonsense\n".encode()
    response = client.post(
        "/en/registry/import/",
        {"file": SimpleUploadedFile(f"{IMG}.csv", content, "text/csv")},
    )
    assert response.status_code == 200
    text = response.content.decode()
    for raw in RAW:
        assert raw not in text
    assert Organisation.objects.count() == 0


def test_nul_escaped_in_posted_json_text_is_refused(db, client, facilitator):
    """The admin's JSON fields (a call's rules) post JSON text: its NUL escape is refused
    too (PostgreSQL cannot store it in a JSON column either)."""
    from distretto.calls.models import Call

    facilitator.is_staff = True
    facilitator.save()
    client.force_login(facilitator)
    rules = '{"custom": [{"id": "a", "field": "f\\u0000", "op": "==", "value": 1}]}'
    response = client.post(
        "/en/admin/calls/call/add/",
        {"programme": "P", "title": "T", "slug": "t", "rules": rules},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "rules: Null characters are not allowed." in response.content.decode()
    assert Call.objects.count() == 0
