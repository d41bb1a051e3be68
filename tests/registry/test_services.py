"""Registry services: who may see and change what, for each role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from distretto.registry import queries, rules, services
from distretto.registry.enums import Status
from distretto.registry.models import Organisation
from tests import factories


@pytest.fixture
def draft(organisation):
    organisation.status = Status.DRAFT
    organisation.save()
    return organisation


def test_get_organisation_published_visible_to_anonymous(organisation):
    assert queries.get_organisation(AnonymousUser(), organisation.slug) == organisation


def test_get_organisation_draft_hidden_from_anonymous_and_other_members(draft, other_member):
    for user in (AnonymousUser(), other_member):
        with pytest.raises(Http404):
            queries.get_organisation(user, draft.slug)


def test_get_organisation_draft_visible_to_own_member_admin_and_facilitator(
    draft, member, org_admin, facilitator
):
    for user in (member, org_admin, facilitator):
        assert queries.get_organisation(user, draft.slug) == draft


def test_directory_lists_only_published_for_members(draft, member, facilitator):
    published = factories.OrganisationFactory(name="Published Firm")
    assert list(queries.directory(member, queries.DirectoryFilters())) == [published]
    everything = queries.directory(facilitator, queries.DirectoryFilters())
    assert sorted(o.name for o in everything) == ["Acme Medical", "Published Firm"]
    drafts_only = queries.directory(facilitator, queries.DirectoryFilters(statuses=("draft",)))
    assert [o.name for o in drafts_only] == ["Acme Medical"]


def test_directory_filters_by_code_kind_municipality_and_text(db):
    dialysis = factories.CodeFactory(code="dialysis", label_it="dialisi", label_en="dialysis")
    a = factories.OrganisationFactory(name="Alpha", kind="large_company")
    a.codes.add(dialysis)
    factories.SiteFactory(organisation=a)
    b = factories.OrganisationFactory(name="Beta", kind="sme")
    factories.SiteFactory(
        organisation=b,
        municipality=factories.MunicipalityFactory(istat_code="036021", name="Medolla"),
    )
    f = queries.DirectoryFilters
    assert [o.name for o in queries.directory(None, f(codes={"segment": ("dialysis",)}))] == [
        "Alpha"
    ]
    assert [o.name for o in queries.directory(None, f(kinds=("sme",)))] == ["Beta"]
    assert [o.name for o in queries.directory(None, f(municipalities=("036021",)))] == ["Beta"]
    assert [o.name for o in queries.directory(None, f(text="dialisi"))] == ["Alpha"]
    assert [o.name for o in queries.directory(None, f(text="medolla beta"))] == ["Beta"]
    assert list(queries.directory(None, f(text="medolla alpha"))) == []


def test_visible_people_follow_consent(organisation, member, org_admin, other_member):
    public = factories.PersonFactory(
        organisation=organisation, full_name="Pia", consent_public=True
    )
    members_only = factories.PersonFactory(
        organisation=organisation, full_name="Mario", consent_members=True
    )
    factories.PersonFactory(organisation=organisation, full_name="Nessuno")
    assert rules.visible_people(AnonymousUser(), organisation) == [public]
    assert rules.visible_people(other_member, organisation) == [members_only, public]
    assert [p.full_name for p in rules.visible_people(org_admin, organisation)] == [
        "Mario",
        "Nessuno",
        "Pia",
    ]
    assert rules.may_see_contact_details(AnonymousUser(), organisation, public) is False
    assert rules.may_see_contact_details(org_admin, organisation, public) is True


def test_create_organisation_only_for_facilitators(facilitator, org_admin, member):
    for user in (AnonymousUser(), member, org_admin):
        with pytest.raises(PermissionDenied):
            services.create_organisation(user, {"name": "New", "kind": "sme"})
    created = services.create_organisation(facilitator, {"name": "New Firm", "kind": "sme"})
    assert (created.slug, created.status) == ("new-firm", "draft")


def test_create_organisation_rejects_bad_input_and_saves_nothing(facilitator):
    with pytest.raises(ValidationError) as error:
        services.create_organisation(
            facilitator,
            {"name": "Bad", "kind": "sme", "vat_number": "00000000001", "founded": 3000},
        )
    assert sorted(error.value.message_dict) == ["founded", "vat_number"]
    assert Organisation.objects.filter(name="Bad").exists() is False


def test_create_organisation_rejects_duplicates(facilitator, organisation):
    factories.SiteFactory(organisation=organisation)
    organisation.vat_number = "DE136695976"
    organisation.save()
    with pytest.raises(ValidationError) as by_vat:
        services.create_organisation(
            facilitator, {"name": "Other", "kind": "sme", "vat_number": "de136695976"}
        )
    assert by_vat.value.message_dict == {
        "vat_number": ["An organisation with this VAT number already exists: Acme Medical."]
    }
    with pytest.raises(ValidationError) as by_name:
        services.create_organisation(
            facilitator, {"name": "acme  medical", "kind": "sme"}, municipality_code="036022"
        )
    assert by_name.value.message_dict == {
        "name": [
            "An organisation with this name already exists in this municipality: Acme Medical."
        ]
    }


def test_update_organisation_by_role(organisation, org_admin, member, other_member, facilitator):
    for user in (AnonymousUser(), member, other_member):
        with pytest.raises(PermissionDenied):
            services.update_organisation(user, organisation, {"summary_en": "x"})
    services.update_organisation(org_admin, organisation, {"summary_en": "Dialysis lines"})
    services.update_organisation(facilitator, organisation, {"website": "https://example.org"})
    organisation.refresh_from_db()
    assert (organisation.summary_en, organisation.website) == (
        "Dialysis lines",
        "https://example.org",
    )


def test_update_organisation_refuses_unknown_fields(organisation, facilitator):
    with pytest.raises(ValidationError) as error:
        services.update_organisation(facilitator, organisation, {"status": "published"})
    assert error.value.message_dict == {"status": ["This field cannot be set."]}


def test_set_status_org_admin_may_only_submit_for_review(draft, org_admin, facilitator):
    with pytest.raises(PermissionDenied):
        services.set_status(org_admin, draft, Status.PUBLISHED)
    assert services.set_status(org_admin, draft, Status.REVIEW).status == "review"
    assert services.set_status(facilitator, draft, Status.PUBLISHED).status == "published"


def test_visible_ties_hide_drafts_at_the_other_end(organisation):
    hidden = factories.OrganisationFactory(name="Hidden", status="draft")
    shown = factories.OrganisationFactory(name="Shown")
    factories.TieFactory(from_organisation=organisation, to_organisation=hidden)
    visible = factories.TieFactory(from_organisation=shown, to_organisation=organisation)
    assert queries.visible_ties(AnonymousUser(), organisation) == [visible]


def test_people_changed_only_by_org_admin_and_facilitator(organisation, org_admin, member):
    person = services.add_person(org_admin, organisation, {"full_name": "Giulia", "role": "CEO"})
    assert person.consent_recorded_at is not None
    before = person.consent_recorded_at
    services.update_person(org_admin, person, {"consent_public": True})
    person.refresh_from_db()
    assert (person.consent_public, person.consent_recorded_at > before) == (True, True)
    for user in (AnonymousUser(), member):
        with pytest.raises(PermissionDenied):
            services.update_person(user, person, {"role": "x"})
        with pytest.raises(PermissionDenied):
            services.remove_person(user, person)
    services.remove_person(org_admin, person)
    assert organisation.people.count() == 0


def test_add_person_rejects_bad_email(organisation, facilitator):
    with pytest.raises(ValidationError) as error:
        services.add_person(facilitator, organisation, {"full_name": "X", "email": "not-mail"})
    assert list(error.value.message_dict) == ["email"]
    assert organisation.people.count() == 0
