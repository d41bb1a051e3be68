"""GET /api/v1/organisations and /api/v1/organisations/{slug}: contents, filters, visibility."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from distretto.registry.enums import Status
from tests import factories
from tests.api.conftest import bearer, problems

LIST = "/api/v1/organisations"


def iso(moment) -> str:
    """A datetime as the API writes it."""
    return DjangoJSONEncoder().default(moment)


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture
def draft(organisation):
    organisation.status = Status.DRAFT
    organisation.save()
    return organisation


# --- the list ---------------------------------------------------------------------


def test_list_organisations_returns_published_entries(api, db):
    dialysis = factories.CodeFactory(code="dialysis", label_it="dialisi", label_en="dialysis")
    org = factories.OrganisationFactory(name="Alpha", website="https://alpha.example")
    org.codes.add(dialysis)
    factories.SiteFactory(organisation=org)
    factories.SiteFactory(organisation=org, name="Second plant")
    factories.OrganisationFactory(name="Hidden", status=Status.DRAFT)

    response = api.get(LIST)

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "slug": "alpha",
                "name": "Alpha",
                "kind": "sme",
                "kind_label": "SME",
                "summary_it": "Produttore di dispositivi medici",
                "summary_en": "Medical device maker",
                "website": "https://alpha.example",
                "status": "published",
                "municipalities": [{"istat_code": "036022", "name": "Mirandola", "province": "MO"}],
                "codes": ["segment:dialysis"],
                "updated_at": iso(org.updated_at),
            }
        ],
        "next_offset": None,
    }


def test_list_organisations_paginates_with_limit_and_offset(api, db):
    for name in ["A", "B", "C", "D", "E"]:
        factories.OrganisationFactory(name=name)

    first = api.get(LIST, {"limit": 2})
    last = api.get(LIST, {"limit": 2, "offset": 4})

    assert (first.json()["count"], names(first), first.json()["next_offset"]) == (5, ["A", "B"], 2)
    assert (last.json()["count"], names(last), last.json()["next_offset"]) == (5, ["E"], None)


def test_list_organisations_limit_defaults_to_50(api, db):
    factories.OrganisationFactory.create_batch(51)

    response = api.get(LIST)

    assert (len(response.json()["items"]), response.json()["next_offset"]) == (50, 50)


def test_list_organisations_limit_over_200_is_refused(api, db):
    response = api.get(LIST, {"limit": 201, "offset": -1})

    assert response.status_code == 422
    assert response.json() == problems(
        ("limit", "Ensure this value is less than or equal to 200."),
        ("offset", "Ensure this value is greater than or equal to 0."),
    )


def test_list_organisations_filters_by_kind_and_municipality(api, db):
    medolla = factories.MunicipalityFactory(istat_code="036021", name="Medolla")
    alpha = factories.OrganisationFactory(name="Alpha", kind="large_company")
    beta = factories.OrganisationFactory(name="Beta", kind="sme")
    gamma = factories.OrganisationFactory(name="Gamma", kind="startup")
    factories.SiteFactory(organisation=alpha)
    factories.SiteFactory(organisation=beta, municipality=medolla)
    factories.SiteFactory(organisation=gamma, municipality=medolla)

    by_kinds = api.get(LIST, {"kind": ["large_company", "startup"]})
    by_place = api.get(LIST, {"municipality": "036021"})
    both = api.get(LIST, {"municipality": "036021", "kind": "sme"})

    assert names(by_kinds) == ["Alpha", "Gamma"]
    assert names(by_place) == ["Beta", "Gamma"]
    assert names(both) == ["Beta"]


def test_list_organisations_filters_by_codes_of_each_taxonomy(api, db):
    tagged = {}
    for taxonomy in ["segment", "process_step", "certification", "value_chain"]:
        code = factories.CodeFactory(
            taxonomy=factories.TaxonomyFactory(slug=taxonomy), code=f"{taxonomy}-x"
        )
        org = factories.OrganisationFactory(name=f"Org {taxonomy}")
        org.codes.add(code)
        tagged[taxonomy] = org.name
    factories.OrganisationFactory(name="Untagged")

    found = {taxonomy: names(api.get(LIST, {taxonomy: f"{taxonomy}-x"})) for taxonomy in tagged}
    generic = api.get(LIST, {"code": ["segment:segment-x", "certification:certification-x"]})

    assert found == {taxonomy: [name] for taxonomy, name in tagged.items()}
    assert names(generic) == []  # different taxonomies all apply: nobody has both
    assert names(api.get(LIST, {"segment": ["segment-x", "other"]})) == ["Org segment"]


def test_list_organisations_text_filter_matches_every_word(api, db):
    factories.OrganisationFactory(name="Alpha Dialysis", summary_en="Filters for blood")
    factories.OrganisationFactory(name="Beta Cardio", summary_en="Oxygenators")

    assert names(api.get(LIST, {"q": "blood alpha"})) == ["Alpha Dialysis"]
    assert names(api.get(LIST, {"q": "blood beta"})) == []


def test_list_organisations_unknown_kind_or_status_is_refused(api, db):
    response = api.get(LIST, {"kind": "spaceship", "status": "lost"})

    kinds = (
        "large_company, sme, startup, research_centre, university, hospital, training, "
        "technology_transfer, association, public_authority, investor, patient_association"
    )
    assert response.status_code == 422
    assert response.json() == problems(
        ("kind", f"Unknown kind: spaceship. Choose from: {kinds}."),
        ("status", "Unknown status: lost. Choose from: draft, review, published, archived."),
    )


def test_list_organisations_malformed_code_filter_is_refused(api, db):
    response = api.get(LIST, {"code": "dialysis"})

    assert response.status_code == 422
    assert response.json() == problems(
        ("code", "Write codes as taxonomy:code, e.g. segment:dialysis (got: dialysis).")
    )


def test_list_organisations_status_filter_for_facilitators_only(api, draft, member, facilitator):
    factories.OrganisationFactory(name="Published Firm")

    as_member = api.get(LIST, {"status": "draft"}, headers=bearer(member))
    as_facilitator = api.get(LIST, {"status": "draft"}, headers=bearer(facilitator))
    everything = api.get(LIST, headers=bearer(facilitator))

    assert names(as_member) == ["Published Firm"]  # the public directory, whatever asked
    assert names(as_facilitator) == ["Acme Medical"]
    assert [(i["name"], i["status"]) for i in everything.json()["items"]] == [
        ("Acme Medical", "draft"),
        ("Published Firm", "published"),
    ]


def _rich_organisation(n: int) -> None:
    code = factories.CodeFactory(code=f"seg-{n}")
    org = factories.OrganisationFactory(name=f"Rich {n}")
    org.codes.add(code, factories.CodeFactory(code=f"seg-b-{n}"))
    factories.SiteFactory(organisation=org)
    factories.SiteFactory(
        organisation=org,
        municipality=factories.MunicipalityFactory(istat_code=f"03600{n}", name=f"Town {n}"),
    )


@pytest.mark.parametrize("who", ["anonymous", "facilitator"])
def test_list_organisations_query_count_does_not_grow_with_rows(
    api, db, django_assert_num_queries, who
):
    headers = {}
    if who == "facilitator":
        headers = bearer(factories.UserFactory(username="fac", is_facilitator=True))
    _rich_organisation(1)
    # token lookup (+ its last-use write on first use) is per request, not per row
    api.get(LIST, headers=headers)
    with django_assert_num_queries(5 if headers else 4):
        one = api.get(LIST, headers=headers)
    _rich_organisation(2)
    _rich_organisation(3)
    with django_assert_num_queries(5 if headers else 4):
        three = api.get(LIST, headers=headers)

    assert (one.json()["count"], three.json()["count"]) == (1, 3)


# --- one organisation ---------------------------------------------------------------


def test_get_organisation_returns_everything_public(api, db):
    segment = factories.TaxonomyFactory(slug="segment", name_it="Segmenti", name_en="Segments")
    steps = factories.TaxonomyFactory(
        slug="process_step", name_it="Fasi", name_en="Process steps", sort_order=200
    )
    dialysis = factories.CodeFactory(
        taxonomy=segment, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    moulding = factories.CodeFactory(
        taxonomy=steps, code="moulding", label_it="Stampaggio", label_en="Moulding"
    )
    group = factories.OrganisationFactory(name="Big Group", slug="big-group")
    hidden_group_member = factories.OrganisationFactory(name="Secret", status=Status.DRAFT)
    org = factories.OrganisationFactory(
        name="Bellco",
        slug="bellco",
        legal_name="Bellco S.r.l.",
        kind="large_company",
        description_it="Descrizione",
        description_en="Description",
        website="https://bellco.example",
        founded=1972,
        staff_band="250-499",
        staff_year=2023,
        vat_number="03207990361",
        parent=group,
        source="Company website",
    )
    org.codes.add(dialysis, moulding)
    hidden_group_member.parent = org
    hidden_group_member.save()
    sister = factories.OrganisationFactory(name="Sister", slug="sister", parent=org)
    factories.SiteFactory(
        organisation=org,
        name="Headquarters",
        address="Via Camurana 1",
        is_headquarters=True,
        latitude=Decimal("44.880000"),
        longitude=Decimal("11.070000"),
        activities_it="Produzione",
        activities_en="Production",
        source="Site survey",
    )
    factories.SiteFactory(organisation=org, name="Store")
    factories.OrganisationFactFactory(
        organisation=org, text_it="Fondata", text_en="Founded", period="1972", source="Book"
    )
    supplier = factories.OrganisationFactory(name="Supplier", slug="supplier")
    factories.TieFactory(
        from_organisation=supplier,
        to_organisation=org,
        kind="supplies",
        process_step=moulding,
        year_from=2010,
        source="Interview",
    )
    factories.TieFactory(from_organisation=org, to_organisation=hidden_group_member)
    factories.PersonFactory(
        organisation=org,
        full_name="Anna Public",
        role="CEO",
        email="anna@example.org",
        phone="+39 0535 1",
        consent_public=True,
        consent_contact=True,
    )
    factories.PersonFactory(organisation=org, full_name="Bruno Quiet", consent_public=True)
    factories.PersonFactory(organisation=org, full_name="Carla Members", consent_members=True)
    partnership = factories.ProjectPartnerFactory(
        organisation=org,
        role="coordinator",
        project=factories.ProjectFactory(acronym="ICL", slug="icl", name="Innovation Lab"),
    )
    factories.ProjectPartnerFactory(project=partnership.project, organisation=supplier)
    org.refresh_from_db()

    response = api.get(f"{LIST}/bellco")

    assert response.status_code == 200
    assert response.json() == {
        "slug": "bellco",
        "name": "Bellco",
        "legal_name": "Bellco S.r.l.",
        "kind": "large_company",
        "kind_label": "Large company",
        "summary_it": "Produttore di dispositivi medici",
        "summary_en": "Medical device maker",
        "description_it": "Descrizione",
        "description_en": "Description",
        "website": "https://bellco.example",
        "founded": 1972,
        "staff_band": "250-499",
        "staff_year": 2023,
        "turnover_band": "",
        "turnover_year": None,
        "vat_number": "03207990361",
        "status": "published",
        "status_label": "Published",
        "version": 1,
        "parent": {"slug": "big-group", "name": "Big Group"},
        "group_companies": [{"slug": sister.slug, "name": "Sister"}],
        "sites": [
            {
                "name": "Headquarters",
                "address": "Via Camurana 1",
                "municipality": {"istat_code": "036022", "name": "Mirandola", "province": "MO"},
                "latitude": 44.88,
                "longitude": 11.07,
                "exact_position": True,
                "is_headquarters": True,
                "activities_it": "Produzione",
                "activities_en": "Production",
                "source": "Site survey",
            },
            {
                "name": "Store",
                "address": "",
                "municipality": {"istat_code": "036022", "name": "Mirandola", "province": "MO"},
                "latitude": 44.887207,
                "longitude": 11.066106,
                "exact_position": False,
                "is_headquarters": False,
                "activities_it": "",
                "activities_en": "",
                "source": "",
            },
        ],
        "codes": [
            {
                "taxonomy": "segment",
                "name_it": "Segmenti",
                "name_en": "Segments",
                "codes": [
                    {
                        "code": "dialysis",
                        "reference": "segment:dialysis",
                        "label_it": "Dialisi",
                        "label_en": "Dialysis",
                    }
                ],
            },
            {
                "taxonomy": "process_step",
                "name_it": "Fasi",
                "name_en": "Process steps",
                "codes": [
                    {
                        "code": "moulding",
                        "reference": "process_step:moulding",
                        "label_it": "Stampaggio",
                        "label_en": "Moulding",
                    }
                ],
            },
        ],
        "facts": [{"text_it": "Fondata", "text_en": "Founded", "period": "1972", "source": "Book"}],
        "ties": [
            {
                "kind": "supplies",
                "kind_label": "supplies",
                "direction": "incoming",
                "organisation": {"slug": "supplier", "name": "Supplier"},
                "process_step": {
                    "code": "moulding",
                    "reference": "process_step:moulding",
                    "label_it": "Stampaggio",
                    "label_en": "Moulding",
                },
                "year_from": 2010,
                "year_to": None,
                "note_it": "",
                "note_en": "",
                "source": "Interview",
            }
        ],
        "people": [
            {
                "full_name": "Anna Public",
                "role": "CEO",
                "email": "anna@example.org",
                "phone": "+39 0535 1",
            },
            {
                "full_name": "Bruno Quiet",
                "role": "Innovation manager",
                "email": None,
                "phone": None,
            },
        ],
        "projects": [
            {
                "slug": "icl",
                "name": "ICL – Innovation Lab",
                "role": "Coordinator",
                "partners": [{"slug": "supplier", "name": "Supplier"}],
            }
        ],
        "programmes": [],
        "source": "Company website",
        "may_edit": False,
        "created_at": iso(org.created_at),
        "updated_at": iso(org.updated_at),
    }


def test_get_organisation_unknown_slug_is_404(api, db):
    response = api.get(f"{LIST}/nobody")

    assert response.status_code == 404
    assert response.json() == problems((None, "No such organisation."))


def test_get_organisation_draft_hidden_from_anonymous_and_other_members(api, draft, other_member):
    anonymous = api.get(f"{LIST}/{draft.slug}")
    other = api.get(f"{LIST}/{draft.slug}", headers=bearer(other_member))

    assert (anonymous.status_code, anonymous.json()) == (
        404,
        problems((None, "No such organisation.")),
    )
    assert (other.status_code, other.json()) == (404, problems((None, "No such organisation.")))


def test_get_organisation_draft_visible_to_own_members_and_facilitators(
    api, draft, member, org_admin, facilitator
):
    seen = {
        user.username: api.get(f"{LIST}/{draft.slug}", headers=bearer(user)).json()
        for user in (member, org_admin, facilitator)
    }

    assert {name: (body["status"], body["may_edit"]) for name, body in seen.items()} == {
        "member": ("draft", False),
        "orgadmin": ("draft", True),
        "facilitator": ("draft", True),
    }


def test_get_organisation_session_login_sees_own_draft(api, draft, member):
    api.force_login(member)

    response = api.get(f"{LIST}/{draft.slug}")

    assert (response.status_code, response.json()["name"]) == (200, "Acme Medical")


def test_get_organisation_people_follow_consent_and_role(api, organisation, member, org_admin):
    factories.PersonFactory(organisation=organisation, full_name="Pia", consent_public=True)
    factories.PersonFactory(
        organisation=organisation,
        full_name="Mario",
        phone="123",
        consent_members=True,
        consent_contact=True,
    )
    factories.PersonFactory(organisation=organisation, full_name="Nessuno", email="n@example.org")
    other = factories.UserFactory(username="outsider")
    factories.MembershipFactory(user=other, organisation=factories.OrganisationFactory())

    def people(headers):
        body = api.get(f"{LIST}/{organisation.slug}", headers=headers).json()
        return [(p["full_name"], p["phone"]) for p in body["people"]]

    assert people({}) == [("Pia", None)]
    assert people(bearer(other)) == [("Mario", "123"), ("Pia", None)]
    assert people(bearer(org_admin)) == [("Mario", "123"), ("Nessuno", ""), ("Pia", "")]


def test_get_organisation_hides_ties_and_parent_that_are_drafts(api, organisation, facilitator):
    hidden_parent = factories.OrganisationFactory(name="Draft Parent", status=Status.DRAFT)
    organisation.parent = hidden_parent
    organisation.save()
    factories.TieFactory(from_organisation=organisation, to_organisation=hidden_parent)

    anonymous = api.get(f"{LIST}/{organisation.slug}").json()
    as_facilitator = api.get(f"{LIST}/{organisation.slug}", headers=bearer(facilitator)).json()

    assert (anonymous["parent"], anonymous["ties"]) == (None, [])
    assert as_facilitator["parent"] == {"slug": "draft-parent", "name": "Draft Parent"}
    assert [t["organisation"]["name"] for t in as_facilitator["ties"]] == ["Draft Parent"]
