"""The organisation page: everything public about it, and what each role sees more."""

from __future__ import annotations

import json

import pytest

from distretto.registry.models import (
    OrganisationFact,
    Programme,
    ProgrammeParticipant,
    Project,
    ProjectPartner,
)
from tests import factories
from tests.web.html import parse

URL = "/en/organisations/acme-medical/"


@pytest.fixture
def full(organisation):
    """Acme Medical with every kind of public information."""
    org = organisation
    org.legal_name = "Acme Medical S.r.l."
    org.description_en = "First paragraph.\n\nSecond paragraph."
    org.founded = 1991
    org.staff_band = "50-249"
    org.staff_year = 2019
    org.turnover_band = "10-50"
    org.turnover_year = 2024
    org.website = "https://acme.example.org/"
    org.vat_number = "01234567897"
    org.source = "Company website; Chamber of commerce"
    group = factories.OrganisationFactory(name="Big Group", kind="large_company")
    org.parent = group
    org.save()
    factories.OrganisationFactory(name="Acme Labs", parent=org)
    factories.OrganisationFactory(name="Acme Hidden", parent=org, status="draft")
    segment = factories.TaxonomyFactory(slug="segment", name_en="Market segments", sort_order=10)
    cert = factories.TaxonomyFactory(slug="certification", name_en="Certifications", sort_order=40)
    ateco = factories.TaxonomyFactory(
        slug="ateco2025", name_en="ATECO 2025", sort_order=60, is_filter=False
    )
    org.codes.add(
        factories.CodeFactory(taxonomy=segment, code="dialysis", label_en="Dialysis"),
        factories.CodeFactory(taxonomy=cert, code="iso13485", label_en="ISO 13485"),
        factories.CodeFactory(
            taxonomy=ateco, code="32.50", label_it="Fabbricazione di strumenti", label_en=""
        ),
    )
    factories.SiteFactory(
        organisation=org,
        name="Headquarters plant",
        address="Via Roma 1",
        is_headquarters=True,
        latitude="44.880000",
        longitude="11.060000",
        activities_en="Cleanroom assembly",
    )
    factories.SiteFactory(
        organisation=org,
        name="Warehouse",
        municipality=factories.MunicipalityFactory(
            istat_code="036021", name="Medolla", latitude="44.846673", longitude="11.067600"
        ),
    )
    step = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="process_step", name_en="Process steps"),
        code="precision_machining",
        label_en="Precision machining",
    )
    customer = factories.OrganisationFactory(name="Customer Co")
    supplier = factories.OrganisationFactory(name="Supplier Co")
    factories.TieFactory(
        from_organisation=org, to_organisation=customer, process_step=step, source="Annual report"
    )
    factories.TieFactory(from_organisation=supplier, to_organisation=org, process_step=step)
    factories.TieFactory(
        from_organisation=org, to_organisation=group, kind="part_of_group", year_from=2016
    )
    factories.TieFactory(
        from_organisation=factories.OrganisationFactory(name="Secret Partner", status="draft"),
        to_organisation=org,
        kind="collaborates_with",
    )
    programme = Programme.objects.create(
        slug="call", name="Regional Call", kind="regional_call", year=2012, source="Call text"
    )
    ProgrammeParticipant.objects.create(
        programme=programme, organisation=org, role_en="participant", source="Call list"
    )
    project = Project.objects.create(
        slug="fare",
        acronym="FARE",
        name="Filtration and Adsorption",
        year_start=2014,
        year_end=2016,
        source="Project page",
    )
    ProjectPartner.objects.create(
        project=project, organisation=org, role="coordinator", source="Project page"
    )
    ProjectPartner.objects.create(project=project, organisation=customer, source="Project page")
    OrganisationFact.objects.create(
        organisation=org,
        text_it="Circa 220 addetti.",
        text_en="About 220 staff.",
        period="2019",
        source="ilsole24ore.com",
    )
    return org


@pytest.fixture
def people(organisation):
    make = factories.PersonFactory
    return {
        "public": make(
            organisation=organisation,
            full_name="Anna Public",
            consent_public=True,
            consent_contact=True,
            email="anna@example.org",
            phone="+39 0535 1",
        ),
        "quiet": make(
            organisation=organisation,
            full_name="Bruno Quiet",
            consent_public=True,
            email="bruno@example.org",
        ),
        "members": make(organisation=organisation, full_name="Carla Members", consent_members=True),
        "nobody": make(organisation=organisation, full_name="Dario Nobody"),
    }


def test_organisation_page_shows_public_information(client, full):
    page = parse(client.get(URL).content)
    assert page.texts("h1") == ["Acme Medical"]
    assert page.texts(".org-title .eyebrow") == ["SME"]
    assert page.texts(".legal-name") == ["Acme Medical S.r.l."]
    assert page.texts(".org-title .lead") == ["Medical device maker"]
    assert page.texts(".prose p") == ["First paragraph.", "Second paragraph."]
    assert [(d.one("dt").text, d.one("dd").text) for d in page.select(".key-data div")] == [
        ("Kind", "SME"),
        ("Founded", "1991"),
        ("Staff", "50–249 (medium) (2019)"),
        ("Turnover", "EUR 10–50 million (2024)"),
        ("Website", "acme.example.org"),
        ("VAT number", "01234567897"),
        ("Part of the group", "Big Group"),
        ("Group companies", "Acme Labs"),
    ]
    website = page.one(".key-data a[rel=noopener]")
    assert website.attrs["href"] == "https://acme.example.org/"
    assert page.texts(".record-footer .source") == ["Company website; Chamber of commerce"]


def test_organisation_page_groups_codes_by_taxonomy(client, full):
    page = parse(client.get(URL).content)
    assert page.texts(".code-group-title") == ["Market segments", "Certifications", "ATECO 2025"]
    links = [(a.attrs["href"], a.text) for a in page.select("a.chip-link")]
    assert links == [
        ("/en/organisations/?segment=dialysis", "Dialysis"),
        ("/en/organisations/?certification=iso13485", "ISO 13485"),
    ]
    # A code without an English label shows the Italian one, marked as Italian.
    ateco = page.select(".org-aside span.chip")[0]
    assert ateco.text == "32.50 Fabbricazione di strumenti"
    assert ateco.select("span[lang=it]")[0].text == "Fabbricazione di strumenti"


def test_organisation_page_lists_sites_and_passes_them_to_the_map(client, full):
    response = client.get(URL)
    page = parse(response.content)
    assert page.texts(".site-name") == ["Headquarters plant Headquarters", "Warehouse"]
    assert page.texts(".site-address") == ["Via Roma 1, Mirandola (MO)", "Medolla (MO)"]
    assert page.texts(".site-activities") == ["Cleanroom assembly"]
    assert page.texts(".site .muted") == ["On the map at the centre of the municipality."]
    data = json.loads(page.one("script#site-map-data").text)
    assert data == {
        "sites": [
            {
                "lat": 44.88,
                "lon": 11.06,
                "name": "Headquarters plant",
                "municipality": "Mirandola",
                "exact": True,
            },
            {
                "lat": 44.846673,
                "lon": 11.0676,
                "name": "Warehouse",
                "municipality": "Medolla",
                "exact": False,
            },
        ],
        "context": [],
        "tiles": None,
    }
    scripts = [s.attrs.get("src") for s in page.select("script")]
    assert scripts == [
        "/static/django_htmx/htmx-2.min.js",
        None,  # the json_script data block
        "/static/web/site.js",
        "/static/leaflet/leaflet.js",
        "/static/web/map.js",
    ]


def test_organisation_page_map_uses_tiles_when_configured(client, full, settings):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "© Example"
    page = parse(client.get(URL).content)
    data = json.loads(page.one("script#site-map-data").text)
    assert data["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "© Example",
    }


def test_organisation_page_without_sites_has_no_map(client, organisation):
    page = parse(client.get(URL).content)
    assert page.select("#site-map") == []
    assert page.select("link[href='/static/leaflet/leaflet.css']") == []


def test_organisation_page_ties_in_plain_words_both_directions(client, full):
    page = parse(client.get(URL).content)
    assert page.texts(".tie-sentence") == [
        "Is part of the group Big Group (since 2016)",
        "Supplies Customer Co with precision machining",
        "Is supplied by Supplier Co with precision machining",
    ]
    assert page.texts(".tie .source")[1] == "Source: Annual report"
    customer_page = parse(client.get("/en/organisations/customer-co/").content)
    assert customer_page.texts(".tie-sentence") == [
        "Is supplied by Acme Medical with precision machining"
    ]
    group_page = parse(client.get("/en/organisations/big-group/").content)
    assert group_page.texts(".tie-sentence") == ["Has Acme Medical in its group (since 2016)"]


def test_organisation_page_projects_programmes_and_facts(client, full):
    page = parse(client.get(URL).content)
    assert page.texts(".item-title") == [
        "FARE Filtration and Adsorption",
        "Regional Call",
    ]
    assert page.texts(".item-meta") == ["Coordinator 2014–2016", "Regional call 2012 participant"]
    assert page.texts(".item p")[1] == "With: Customer Co"
    assert page.texts(".fact p") == ["2019 About 220 staff.", "Source: ilsole24ore.com"]


def test_organisation_page_in_italian_shows_italian_facts(client, full):
    page = parse(client.get("/organisations/acme-medical/").content)
    assert page.one("html").attrs["lang"] == "it"
    assert page.texts(".fact p")[0] == "2019 Circa 220 addetti."


def test_organisation_page_marks_fallback_language(client, organisation):
    organisation.description_it = "Solo in italiano."
    organisation.summary_en = ""
    organisation.save()
    page = parse(client.get(URL).content)
    assert (page.one(".prose").attrs["lang"], page.one(".prose").text) == (
        "it",
        "Solo in italiano.",
    )
    lead = page.one(".org-title .lead")
    assert (lead.attrs["lang"], lead.text) == ("it", "Produttore di dispositivi medici")


def test_organisation_page_hides_ties_and_group_companies_that_are_not_published(client, full):
    content = client.get(URL).content.decode()
    assert "Secret Partner" not in content
    assert "Acme Hidden" not in content


def test_visitor_sees_only_public_people_and_contact_details_by_consent(client, people):
    page = parse(client.get(URL).content)
    assert page.texts(".person-name") == ["Anna Public", "Bruno Quiet"]
    assert [a.attrs["href"] for a in page.select(".person a")] == [
        "mailto:anna@example.org",
        "tel:+3905351",
    ]
    assert "bruno@example.org" not in page.one(".people").text
    assert page.select(".consent") == []


def test_member_sees_people_visible_to_members(client, people, other_member):
    client.force_login(other_member)
    page = parse(client.get(URL).content)
    assert page.texts(".person-name") == ["Anna Public", "Bruno Quiet", "Carla Members"]
    assert page.select(".org-actions") == []


def test_org_admin_sees_every_person_with_consents_and_an_edit_link(client, people, org_admin):
    client.force_login(org_admin)
    page = parse(client.get(URL).content)
    assert page.texts(".person-name") == [
        "Anna Public",
        "Bruno Quiet",
        "Carla Members",
        "Dario Nobody",
    ]
    assert page.texts(".consent") == [
        "Shown publicly · may be contacted",
        "Shown publicly",
        "Shown to members only",
        "Not shown: no consent",
    ]
    assert [(a.attrs["href"], a.text) for a in page.select(".org-actions a")] == [
        ("/en/organisations/acme-medical/edit/", "Edit")
    ]


def test_facilitator_gets_edit_and_back_office_links(client, organisation, facilitator):
    client.force_login(facilitator)
    page = parse(client.get(URL).content)
    assert [(a.attrs["href"], a.text) for a in page.select(".org-actions a")] == [
        ("/en/organisations/acme-medical/edit/", "Edit"),
        (f"/en/admin/registry/organisation/{organisation.pk}/change/", "Open in the back office"),
    ]


@pytest.fixture
def draft(organisation):
    organisation.status = "draft"
    organisation.save()
    return organisation


def test_draft_is_404_for_visitors_and_other_organisations(client, draft, other_member):
    response = client.get(URL)
    assert (response.status_code, parse(response.content).texts("h1")) == (
        404,
        ["Page not found"],
    )
    client.force_login(other_member)
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("role", ["member", "org_admin", "facilitator"])
def test_draft_visible_to_own_members_and_facilitators_with_a_notice(client, draft, role, request):
    client.force_login(request.getfixturevalue(role))
    page = parse(client.get(URL).content)
    assert page.texts("h1") == ["Acme Medical"]
    assert page.texts(".notice") == [
        "Draft. This record is not published: only the organisation's own members "
        "and the district's facilitators can see it."
    ]


def test_unknown_organisation_is_404(client, db):
    assert client.get("/en/organisations/no-such-thing/").status_code == 404


def _rows(organisation, n):
    other = factories.OrganisationFactory(name="Other")
    for i in range(n):
        factories.SiteFactory(organisation=organisation, name=f"Site {i}")
        factories.PersonFactory(organisation=organisation, consent_public=True)
        factories.TieFactory(from_organisation=organisation, to_organisation=other)
        OrganisationFact.objects.create(
            organisation=organisation, text_it="f", text_en="f", source="s"
        )


@pytest.mark.parametrize("rows", [1, 3])
def test_organisation_page_query_count_does_not_grow_with_rows(
    client, organisation, django_assert_num_queries, rows
):
    _rows(organisation, rows)
    # 13 for the page itself, 11 for its neighbourhood in the network (drawn beside the ties).
    with django_assert_num_queries(24):
        response = client.get(URL)
    assert len(parse(response.content).select(".site")) == rows
