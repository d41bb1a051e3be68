"""Organisation admins and facilitators edit an organisation and its people on the web."""

from __future__ import annotations

from distretto.registry.models import Person
from tests import factories


def edit_url(org):
    return f"/en/organisations/{org.slug}/edit/"


profile_post = factories.organisation_form_data


def test_edit_page_refused_to_members_and_other_organisations(
    client, organisation, member, other_member
):
    client.force_login(member)
    assert client.get(edit_url(organisation)).status_code == 403
    client.force_login(other_member)
    response = client.post(edit_url(organisation), profile_post(organisation, summary_en="hacked"))
    organisation.refresh_from_db()
    assert (response.status_code, organisation.summary_en) == (403, "Medical device maker")


def test_edit_page_requires_login(client, organisation):
    response = client.get(edit_url(organisation))
    assert (response.status_code, response["Location"]) == (
        302,
        f"/en/accounts/login/?next=/en/organisations/{organisation.slug}/edit/",
    )


def test_org_admin_saves_profile_and_segment_codes_keeping_other_codes(
    client, organisation, org_admin
):
    dialysis = factories.CodeFactory(code="dialysis", label_en="Dialysis")
    emdn = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="emdn", is_filter=False), code="F0106"
    )
    organisation.codes.add(emdn)
    client.force_login(org_admin)
    page = client.get(edit_url(organisation)).content.decode()
    assert 'name="codes_segment"' in page
    assert 'name="codes_emdn"' not in page
    response = client.post(
        edit_url(organisation),
        profile_post(organisation, summary_en="Blood lines", codes_segment=[dialysis.pk]),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.summary_en == "Blood lines"
    assert sorted(organisation.codes.values_list("code", flat=True)) == ["F0106", "dialysis"]


def test_edit_shows_field_errors_and_saves_nothing(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        edit_url(organisation),
        profile_post(organisation, summary_en="Changed", vat_number="12345", founded="3000"),
    )
    page = response.content.decode()
    organisation.refresh_from_db()
    assert response.status_code == 200
    assert "A VAT number is 11 digits (Italy) or an EU country code followed by the number." in page
    assert "The founding year is in the future." in page
    assert organisation.summary_en == "Medical device maker"


def test_org_admin_adds_edits_and_removes_a_person(client, organisation, org_admin):
    client.force_login(org_admin)
    base = f"/en/organisations/{organisation.slug}/people/"
    response = client.post(
        base + "add/", {"full_name": "Giulia Rossi", "role": "R&D", "consent_public": "on"}
    )
    assert response.status_code == 302
    person = Person.objects.get(organisation=organisation)
    assert (person.full_name, person.consent_public, person.consent_contact) == (
        "Giulia Rossi",
        True,
        False,
    )
    client.post(f"{base}{person.pk}/", {"full_name": "Giulia Rossi", "role": "CTO"})
    person.refresh_from_db()
    assert (person.role, person.consent_public) == ("CTO", False)
    client.post(f"{base}{person.pk}/remove/")
    assert Person.objects.filter(organisation=organisation).count() == 0


def test_person_of_another_organisation_cannot_be_reached(client, organisation, org_admin):
    stranger = factories.PersonFactory(full_name="Stranger")
    client.force_login(org_admin)
    url = f"/en/organisations/{organisation.slug}/people/{stranger.pk}/remove/"
    assert client.post(url).status_code == 404
    assert Person.objects.filter(pk=stranger.pk).exists() is True


def test_org_admin_submits_draft_for_review(client, organisation, org_admin):
    organisation.status = "draft"
    organisation.save()
    client.force_login(org_admin)
    client.post(f"/en/organisations/{organisation.slug}/submit/")
    organisation.refresh_from_db()
    assert organisation.status == "review"
