"""The directory: filters (each, combined, text), pagination, htmx fragment, query counts."""

from __future__ import annotations

import pytest

from distretto.web.views import PAGE_SIZE
from tests import factories
from tests.web.html import parse


@pytest.fixture
def registry(db):
    """Three published organisations and a draft, with codes of two filter taxonomies."""
    segment = factories.TaxonomyFactory(slug="segment", name_en="Market segments", sort_order=10)
    steps = factories.TaxonomyFactory(slug="process_step", name_en="Process steps", sort_order=20)
    dialysis = factories.CodeFactory(
        taxonomy=segment, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    cardiac = factories.CodeFactory(
        taxonomy=segment,
        code="cardiac_surgery",
        label_it="Cardiochirurgia",
        label_en="Cardiac surgery",
    )
    sterilisation = factories.CodeFactory(
        taxonomy=steps, code="sterilisation", label_it="Sterilizzazione", label_en="Sterilisation"
    )
    medolla = factories.MunicipalityFactory(istat_code="036021", name="Medolla")
    mirandola = factories.MunicipalityFactory()
    alpha = factories.OrganisationFactory(
        name="Alpha Dialysis", kind="large_company", summary_en="Dialysis machines"
    )
    alpha.codes.add(dialysis, sterilisation)
    factories.SiteFactory(organisation=alpha, municipality=mirandola)
    beta = factories.OrganisationFactory(name="Beta Heart", kind="sme", summary_en="Oxygenators")
    beta.codes.add(cardiac)
    factories.SiteFactory(organisation=beta, municipality=medolla)
    gamma = factories.OrganisationFactory(
        name="Gamma Steril", kind="sme", summary_en="Sterilisation by ethylene oxide"
    )
    gamma.codes.add(sterilisation, dialysis)
    factories.SiteFactory(organisation=gamma, municipality=medolla)
    draft = factories.OrganisationFactory(name="Delta Draft", kind="sme", status="draft")
    draft.codes.add(dialysis)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "draft": draft}


def names(response):
    return parse(response.content).texts(".org-card .org-name")


def count(response):
    return parse(response.content).one("#result-count").text


def test_directory_lists_published_organisations_with_count(client, registry):
    response = client.get("/en/organisations/")
    assert names(response) == ["Alpha Dialysis", "Beta Heart", "Gamma Steril"]
    assert count(response) == "3 organisations"


def test_directory_card_shows_kind_municipality_summary_and_segments(client, registry):
    card = parse(client.get("/en/organisations/").content).select(".org-card")[0]
    assert card.one("a").attrs["href"] == "/en/organisations/alpha-dialysis/"
    assert card.texts(".kind") == ["Large company"]
    assert card.texts(".place") == ["Mirandola"]
    assert card.texts(".org-summary") == ["Dialysis machines"]
    assert card.texts(".chip") == ["Dialysis"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=sme", ["Beta Heart", "Gamma Steril"]),
        ("kind=sme&kind=large_company", ["Alpha Dialysis", "Beta Heart", "Gamma Steril"]),
        ("municipality=036021", ["Beta Heart", "Gamma Steril"]),
        ("segment=dialysis", ["Alpha Dialysis", "Gamma Steril"]),
        (
            "segment=dialysis&segment=cardiac_surgery",
            ["Alpha Dialysis", "Beta Heart", "Gamma Steril"],
        ),
        ("process_step=sterilisation", ["Alpha Dialysis", "Gamma Steril"]),
        ("q=oxygenators", ["Beta Heart"]),
        ("q=STERIL", ["Alpha Dialysis", "Gamma Steril"]),
        ("q=medolla", ["Beta Heart", "Gamma Steril"]),
        ("q=ethylene+oxide", ["Gamma Steril"]),
    ],
)
def test_directory_each_filter(client, registry, query, expected):
    assert names(client.get(f"/en/organisations/?{query}")) == expected


def test_directory_filters_combine(client, registry):
    response = client.get("/en/organisations/?segment=dialysis&kind=sme&municipality=036021")
    assert names(response) == ["Gamma Steril"]
    assert count(response) == "1 organisation"
    response = client.get("/en/organisations/?segment=dialysis&process_step=sterilisation&q=alpha")
    assert names(response) == ["Alpha Dialysis"]


def test_directory_keeps_filters_ticked_and_open(client, registry):
    page = parse(client.get("/en/organisations/?kind=sme&q=heart").content)
    assert page.one("#id_q").attrs["value"] == "heart"
    ticked = [i.attrs["value"] for i in page.select("input[checked]")]
    assert ticked == ["sme"]
    facets = [(d.one("summary").text, "open" in d.attrs) for d in page.select("details.facet")]
    assert facets == [
        ("Kind of organisation 1 selected", True),
        ("Market segments", True),
        ("Process steps", False),
        ("Municipality", False),
    ]


def test_directory_no_match_shows_empty_state(client, registry):
    page = parse(client.get("/en/organisations/?q=nothing-like-this").content)
    assert page.texts(".empty-state h3") == ["No organisation matches these filters"]
    assert page.one("#result-count").text == "0 organisations"


def test_directory_unknown_choice_is_reported_and_ignored(client, registry):
    response = client.get("/en/organisations/?segment=bogus&kind=sme")
    assert names(response) == ["Beta Heart", "Gamma Steril"]
    assert parse(response.content).texts(".field-errors") == [
        "Select a valid choice. bogus is not one of the available choices."
    ]


def test_directory_status_filter_for_facilitators_only(client, registry, facilitator, member):
    client.force_login(member)
    page = parse(client.get("/en/organisations/?status=draft").content)
    assert page.select("input[name=status]") == []
    # The member's own organisation (Acme Medical) is published; drafts stay out.
    assert page.texts(".org-card .org-name") == [
        "Acme Medical",
        "Alpha Dialysis",
        "Beta Heart",
        "Gamma Steril",
    ]
    client.force_login(facilitator)
    response = client.get("/en/organisations/?status=draft")
    assert names(response) == ["Delta Draft"]
    assert parse(response.content).texts(".org-card .status-badge") == ["Draft"]


def test_directory_facilitator_sees_all_statuses_without_filter(client, registry, facilitator):
    client.force_login(facilitator)
    assert names(client.get("/en/organisations/")) == [
        "Alpha Dialysis",
        "Beta Heart",
        "Delta Draft",
        "Gamma Steril",
    ]


def test_directory_paginates(client, db):
    for n in range(PAGE_SIZE + 2):
        factories.OrganisationFactory(name=f"Org {n:02d}")
    first = client.get("/en/organisations/?kind=sme")
    assert len(names(first)) == PAGE_SIZE
    assert count(first) == f"{PAGE_SIZE + 2} organisations · showing 1–{PAGE_SIZE}"
    page = parse(first.content)
    assert page.one("a[rel=next]").attrs["href"] == "?kind=sme&page=2"
    assert page.texts(".page-info") == ["Page 1 of 2"]
    second = client.get("/en/organisations/?kind=sme&page=2")
    assert names(second) == ["Org 24", "Org 25"]
    assert parse(second.content).one("a[rel=prev]").attrs["href"] == "?kind=sme&page=1"
    # A page number out of range shows the last page rather than an error.
    assert names(client.get("/en/organisations/?page=99")) == ["Org 24", "Org 25"]


def test_directory_htmx_request_returns_results_fragment(client, registry):
    response = client.get("/en/organisations/?segment=dialysis", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content
    assert "<form" not in content
    page = parse(content)
    assert page.texts(".org-card .org-name") == ["Alpha Dialysis", "Gamma Steril"]
    assert page.one("#result-count").attrs["hx-swap-oob"] == "true"
    assert response["Vary"] == "HX-Request, Cookie"


def test_directory_htmx_history_restore_gets_the_whole_page(client, registry):
    response = client.get(
        "/en/organisations/?segment=dialysis",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    page = parse(response.content)
    assert page.texts("h1") == ["Organisations"]
    assert page.texts(".org-card .org-name") == ["Alpha Dialysis", "Gamma Steril"]


def test_directory_form_works_without_javascript_and_with_htmx(client, registry):
    form = parse(client.get("/en/organisations/").content).one("form#filters")
    assert (form.attrs["method"], form.attrs["action"]) == ("get", "/en/organisations/")
    assert (form.attrs["hx-get"], form.attrs["hx-target"], form.attrs["hx-push-url"]) == (
        "/en/organisations/",
        "#results",
        "true",
    )
    assert form.texts("button[type=submit]") == ["Apply filters"]


def test_directory_labels_every_input(client, registry):
    page = parse(client.get("/en/organisations/").content)
    inputs = [i for i in page.select("form#filters input") if i.attrs.get("type") != "hidden"]
    labelled = {label.attrs.get("for") for label in page.select("form#filters label")}
    assert [i.attrs["id"] for i in inputs if i.attrs["id"] not in labelled] == []


def _queries_for_rows(client, django_assert_num_queries, rows):
    segment = factories.TaxonomyFactory(slug="segment")
    code = factories.CodeFactory(taxonomy=segment, code="dialysis")
    for n in range(rows):
        org = factories.OrganisationFactory(name=f"Row {n}")
        org.codes.add(code)
        factories.SiteFactory(organisation=org)
        factories.SiteFactory(
            organisation=org,
            municipality=factories.MunicipalityFactory(istat_code="036021", name="Medolla"),
        )


@pytest.mark.parametrize("rows", [1, 3])
def test_directory_query_count_does_not_grow_with_rows(client, db, django_assert_num_queries, rows):
    _queries_for_rows(client, django_assert_num_queries, rows)
    with django_assert_num_queries(8):
        response = client.get("/en/organisations/")
    assert len(names(response)) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_directory_htmx_query_count_does_not_grow_with_rows(
    client, db, django_assert_num_queries, rows
):
    _queries_for_rows(client, django_assert_num_queries, rows)
    # The fragment has no page header, so no district lookup: one query fewer.
    with django_assert_num_queries(7):
        response = client.get("/en/organisations/?segment=dialysis", headers={"HX-Request": "true"})
    assert len(names(response)) == rows
