"""The search page, find partners and complementary partners: cards with reasons, errors, rights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from distretto.web.search import highlight
from tests import factories
from tests.web.html import parse


@pytest.fixture
def registry(db, settings):
    """Lexical search over a small district: two makers, a steriliser, a clinic and profiles."""
    settings.SEARCH_EMBEDDER = "none"
    segment = factories.TaxonomyFactory(slug="segment", name_en="Market segments", sort_order=1)
    steps = factories.TaxonomyFactory(slug="process_step", name_en="Process steps", sort_order=2)
    certs = factories.TaxonomyFactory(slug="certification", name_en="Certifications", sort_order=3)
    cardiac = factories.CodeFactory(
        taxonomy=segment,
        code="cardiac_surgery",
        label_it="Cardiochirurgia",
        label_en="Cardiac surgery",
    )
    dialysis = factories.CodeFactory(
        taxonomy=segment, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    assembly = factories.CodeFactory(
        taxonomy=steps,
        code="cleanroom_assembly",
        label_it="Assemblaggio in camera bianca",
        label_en="Cleanroom assembly",
    )
    eto = factories.CodeFactory(
        taxonomy=steps,
        code="eto_sterilisation",
        label_it="Sterilizzazione a ossido di etilene",
        label_en="Ethylene oxide sterilisation",
    )
    iso = factories.CodeFactory(
        taxonomy=certs, code="iso13485", label_it="ISO 13485", label_en="ISO 13485"
    )
    mirandola = factories.MunicipalityFactory()
    bologna = factories.MunicipalityFactory(
        istat_code="037006",
        name="Bologna",
        province="BO",
        latitude=Decimal("44.494887"),
        longitude=Decimal("11.342616"),
    )
    maker = factories.OrganisationFactory(
        name="Eurosets",
        slug="eurosets",
        kind="large_company",
        summary_it="Ossigenatori ed ECMO per la cardiochirurgia",
        summary_en="Oxygenators and ECMO for cardiac surgery",
    )
    maker.codes.add(cardiac, assembly, iso)
    factories.SiteFactory(organisation=maker, municipality=mirandola)
    steriliser = factories.OrganisationFactory(
        name="Sterilgarda",
        slug="sterilgarda",
        kind="sme",
        summary_it="Sterilizzazione a ossido di etilene per dispositivi medici",
        summary_en="Ethylene oxide sterilisation of medical devices",
    )
    steriliser.codes.add(eto, cardiac)
    factories.SiteFactory(organisation=steriliser, municipality=bologna)
    dialyser = factories.OrganisationFactory(
        name="Dialmed",
        slug="dialmed",
        summary_it="Filtri per dialisi",
        summary_en="Dialysis filters",
    )
    dialyser.codes.add(dialysis)
    factories.SiteFactory(organisation=dialyser, municipality=mirandola)
    hidden = factories.OrganisationFactory(
        name="Secret Oxygen",
        slug="secret-oxygen",
        status="draft",
        summary_it="Ossigenatori ECMO segreti",
        summary_en="Secret ECMO oxygenators",
    )
    offer = factories.CooperationProfileFactory(
        owner=maker,
        title="ECMO oxygenator for licensing",
        profile_type="technology_offer",
        summary="A membrane oxygenator for ECMO circuits, ready for licensing",
    )
    offer.codes.add(cardiac)
    request = factories.CooperationProfileFactory(
        owner=dialyser,
        title="Oxygenator partner wanted",
        profile_type="technology_request",
        summary="We look for a maker of oxygenators for ECMO",
    )
    draft = factories.CooperationProfileFactory(
        owner=dialyser,
        title="Draft ECMO oxygenator request",
        status="draft",
        profile_type="technology_request",
        summary="Oxygenators for ECMO, not public",
    )
    return {
        "maker": maker,
        "steriliser": steriliser,
        "dialyser": dialyser,
        "hidden": hidden,
        "offer": offer,
        "request": request,
        "draft": draft,
        "mirandola": mirandola,
    }


def cards(response):
    return parse(response.content).select("li.result-card")


def names(response):
    return parse(response.content).texts("li.result-card .result-name")


# --- the page ---------------------------------------------------------------------------


def test_search_page_renders_in_italian_and_english_without_a_query(client, registry):
    italian = client.get("/search/")
    assert italian.status_code == 200
    page = parse(italian.content)
    assert page.one("h1").text
    assert page.one("label[for=id_q]").text
    assert page.one("html").attrs["lang"] == "it"
    english = parse(client.get("/en/search/").content)
    assert english.one("html").attrs["lang"] == "en"
    assert english.one("h1").text == "Search the district"
    assert english.one("label[for=id_q]").text == "What are you looking for?"
    assert "ossigenatori per ECMO" in english.one("#id_q").attrs["placeholder"]
    assert english.select(".search-welcome")
    # Facets of the engine's parameters, and the distance.
    for name in ("profile_type", "kind", "segment", "process_step", "certification"):
        assert english.select(f"input[name={name}]"), name
    assert english.select("select[name=near]") and english.select("input[name=distance_km]")


def test_search_is_in_the_main_navigation_and_the_home_search_box(client, registry):
    page = parse(client.get("/en/").content)
    assert "/en/search/" in [a.attrs["href"] for a in page.select(".main-nav a")]
    assert page.one("form.hero-search").attrs["action"] == "/en/search/"
    assert page.one("#hero-q").attrs["name"] == "q"


def test_italian_query_finds_the_maker_first_with_its_reasons(client, registry):
    response = client.get("/search/", {"q": "cerchiamo un produttore di ossigenatori per ECMO"})
    assert response.status_code == 200
    found = names(response)
    assert found[0] in {"Eurosets", "ECMO oxygenator for licensing"}
    assert "Secret Oxygen" not in found
    assert "Draft ECMO oxygenator request" not in found
    first = cards(response)[0]
    matches = first.one(".reason-matches").text
    assert "ossigenatori" in matches and "ECMO" in matches
    assert first.select(".score-bar rect")
    assert "%" in first.one(".score-legend").text


def test_result_card_shows_badge_owner_summary_and_shared_codes(client, registry):
    with translation.override("en"):
        response = client.get(
            "/en/search/", {"q": "oxygenators", "segment": "cardiac_surgery", "type": "all"}
        )
    assert response.status_code == 200
    by_name = {c.one(".result-name").text: c for c in cards(response)}
    maker = by_name["Eurosets"]
    assert maker.one(".type-badge").text == "Large company"
    assert maker.one(".result-name a").attrs["href"] == "/en/organisations/eurosets/"
    assert "Cardiac surgery (segment)" in maker.one(".reason-shares").text
    assert maker.select(".result-summary mark")
    offer = by_name["ECMO oxygenator for licensing"]
    assert offer.one(".type-badge").text == "Technology offer"
    assert offer.one(".result-owner").text == "by Eurosets"


def test_distance_from_a_municipality_is_a_reason_and_a_filter(client, registry):
    response = client.get(
        "/en/search/",
        {"q": "sterilisation", "near": registry["mirandola"].istat_code, "distance_km": "100"},
    )
    assert response.status_code == 200
    steriliser = next(c for c in cards(response) if c.one(".result-name").text == "Sterilgarda")
    assert steriliser.one(".reason-distance").text.endswith("km away")
    near = client.get(
        "/en/search/",
        {"q": "sterilisation", "near": registry["mirandola"].istat_code, "distance_km": "5"},
    )
    assert "Sterilgarda" not in names(near)


def test_type_filter_limits_to_offers_and_requests(client, registry):
    response = client.get("/en/search/", {"q": "oxygenators ECMO", "type": "profile"})
    assert set(names(response)) <= {"ECMO oxygenator for licensing", "Oxygenator partner wanted"}
    assert names(response)


def test_no_result_gives_suggestions(client, registry):
    response = client.get("/en/search/", {"q": "oxygenators", "kind": "hospital"})
    assert response.status_code == 200
    empty = parse(response.content).one(".empty-state")
    assert "Remove some filters" in empty.text
    assert "matches Italian and English" in empty.text


def test_htmx_request_gets_the_results_fragment(client, registry):
    response = client.get("/en/search/", {"q": "oxygenators"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert names(response)
    assert "HX-Request" in response["Vary"]
    # Errors of the fields travel out of band, so that old ones are cleared.
    assert parse(response.content).one("#errors-q").attrs["hx-swap-oob"] == "true"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": ""}, "q", "Type what you are looking for."),
        ({"q": "x" * 501}, "q", "at most 500 characters"),
        ({"q": "oxygen", "segment": "nonsense"}, "segment", "nonsense"),
        ({"q": "oxygen", "distance_km": "10"}, "distance_km", "Choose the municipality"),
        ({"q": "oxygen", "distance_km": "far", "near": "036022"}, "distance_km", "number"),
        ({"q": "oxygen", "limit": "1000"}, "limit", "valid choice"),
        ({"q": "oxygen", "type": "people"}, "type", "valid choice"),
        ({"q": "oxygen", "near": "999999", "distance_km": "5"}, "near", "valid choice"),
    ],
)
def test_bad_input_answers_400_with_the_message_next_to_the_field(
    client, registry, params, field, message
):
    response = client.get("/en/search/", params)
    assert response.status_code == 400
    page = parse(response.content)
    assert message in page.one(f"#errors-{field}").text
    assert not page.select("li.result-card")


def test_unknown_ranking_code_is_a_form_error(client, registry):
    response = client.get("/en/search/", {"q": "oxygen", "code": "segment:nonsense"})
    assert response.status_code == 400
    assert "nonsense" in parse(response.content).one("#errors-form").text


def test_bad_input_in_htmx_answers_400_fragment_with_errors(client, registry):
    response = client.get("/en/search/", {"q": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Type what you are looking for." in parse(response.content).one("#errors-q").text


def test_user_text_is_escaped(client, registry):
    response = client.get("/en/search/", {"q": "<script>alert(1)</script> oxygenators"})
    assert b"<script>alert(1)" not in response.content
    assert highlight("<b>ECMO</b> oxygenators", ["oxygenator"]) == (
        "&lt;b&gt;ECMO&lt;/b&gt; <mark>oxygenators</mark>"
    )


# --- expressions of interest from the results -------------------------------------------


def eoi_links(response):
    return {
        c.one(".result-name").text: c.one(".result-actions a").attrs["href"]
        for c in cards(response)
        if c.select(".result-actions a")
    }


def test_members_of_another_organisation_get_the_interest_button(client, registry, other_member):
    client.force_login(other_member)
    response = client.get("/en/search/", {"q": "oxygenators ECMO", "type": "profile"})
    links = eoi_links(response)
    offer = registry["offer"]
    assert links["ECMO oxygenator for licensing"] == f"/en/profiles/{offer.pk}/#send-interest"


def test_no_interest_button_for_visitors_or_on_own_profiles(client, registry):
    response = client.get("/en/search/", {"q": "oxygenators ECMO", "type": "profile"})
    assert eoi_links(response) == {}
    owner = factories.UserFactory(username="maker-admin")
    factories.MembershipFactory(user=owner, organisation=registry["maker"], role="admin")
    client.force_login(owner)
    links = eoi_links(client.get("/en/search/", {"q": "oxygenators ECMO", "type": "profile"}))
    assert "ECMO oxygenator for licensing" not in links
    assert "Oxygenator partner wanted" in links


def test_save_search_form_for_members_only_when_alerts_exist(client, registry, member):
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("alerts:save")
    except NoReverseMatch:
        pytest.skip("the alerts app is not wired yet")
    params = {"q": "oxygenators", "segment": "cardiac_surgery"}
    assert not parse(client.get("/en/search/", params).content).select(".save-search")
    client.force_login(member)
    page = parse(client.get("/en/search/", params).content)
    form = page.one("form#save-search-form")
    assert form.attrs["method"] == "post" and form.select("input[name=csrfmiddlewaretoken]")
    hidden = {
        (i.attrs["name"], i.attrs["value"])
        for i in page.select(".save-search input[form=save-search-form]")
    }
    assert {("q", "oxygenators"), ("segment", "cardiac_surgery")} <= hidden


# --- find partners, complementary partners -----------------------------------------------


def test_profile_page_links_to_find_partners(client, registry):
    offer = registry["offer"]
    page = parse(client.get(f"/en/profiles/{offer.pk}/").content)
    assert page.one(".find-partners a").attrs["href"] == f"/en/profiles/{offer.pk}/partners/"


def test_find_partners_lists_matching_requests_with_reasons(client, registry):
    offer = registry["offer"]
    response = client.get(f"/en/profiles/{offer.pk}/partners/")
    assert response.status_code == 200
    found = names(response)
    assert found[0] == "Oxygenator partner wanted"
    assert "Draft ECMO oxygenator request" not in found
    assert cards(response)[0].select(".reasons")


def test_find_partners_of_a_draft_only_for_its_members_and_facilitators(
    client, registry, facilitator
):
    draft = registry["draft"]
    assert client.get(f"/en/profiles/{draft.pk}/partners/").status_code == 404
    owner = factories.UserFactory(username="dialmed-member")
    factories.MembershipFactory(user=owner, organisation=registry["dialyser"])
    client.force_login(owner)
    response = client.get(f"/en/profiles/{draft.pk}/partners/")
    assert response.status_code == 200
    assert "not published yet" in parse(response.content).one(".notice").text
    client.force_login(facilitator)
    assert client.get(f"/en/profiles/{draft.pk}/partners/").status_code == 200


def test_organisation_page_loads_complementary_partners(client, registry):
    page = parse(client.get("/en/organisations/eurosets/").content)
    section = page.one("#complementary")
    assert section.attrs["hx-get"] == "/en/organisations/eurosets/complementary/"
    response = client.get(section.attrs["hx-get"], headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    steriliser = next(c for c in cards(response) if c.one(".result-name").text == "Sterilgarda")
    assert steriliser.one(".reason-complementary").text == (
        "Covers what Eurosets lacks: Ethylene oxide sterilisation (process step)"
    )
    assert not steriliser.select(".score-bar")
    assert "Cardiac surgery" in steriliser.one(".reason-shares").text
    # Without JavaScript the link opens the same list as a page.
    full = client.get("/en/organisations/eurosets/complementary/")
    assert parse(full.content).one("h1").text == "Complementary partners"


def test_complementary_partners_of_a_hidden_organisation_is_404(client, registry):
    assert client.get("/en/organisations/secret-oxygen/complementary/").status_code == 404


def test_italian_cards_read_in_italian(client, registry):
    with translation.override("it"):
        response = client.get("/organisations/eurosets/complementary/")
    page = parse(response.content)
    assert page.one("html").attrs["lang"] == "it"
    assert "Sterilizzazione a ossido di etilene" in page.one(".reason-complementary").text


def test_defaults_stay_out_of_the_address(client, registry):
    page = parse(client.get("/en/search/", {"q": "oxygenators"}).content)
    both = page.one("input[name=type][checked]")
    assert (both.attrs["value"], both.parent.text) == ("", "Both")
    assert [o.attrs.get("value") for o in page.select("select[name=limit] option")] == [
        "",
        "20",
        "50",
        "100",
    ]
    # "all", as the API and saved searches write it, is the same search.
    again = parse(client.get("/en/search/", {"q": "oxygenators", "type": "all"}).content)
    assert again.one("input[name=type][checked]").attrs["value"] == ""
    assert again.texts(".result-name") == page.texts(".result-name")


def test_show_more_asks_for_more_results(client, registry):
    many = [
        factories.OrganisationFactory(name=f"Oxygen {n}", summary_en="Oxygenators")
        for n in range(10)
    ]
    assert many
    page = parse(client.get("/en/search/", {"q": "oxygenators"}).content)
    assert len(page.select("li.result-card")) == 10
    assert page.one(".show-more a").attrs["href"] == "?q=oxygenators&limit=20"
    more = parse(client.get("/en/search/", {"q": "oxygenators", "limit": "20"}).content)
    assert len(more.select("li.result-card")) > 10


def test_search_over_an_empty_registry_says_nothing_fits(client, db, settings):
    settings.SEARCH_EMBEDDER = "none"
    response = client.get("/en/search/", {"q": "oxygenators"})
    assert response.status_code == 200
    assert parse(response.content).one(".empty-state h3").text == "Nothing fits this search yet"


def test_every_problem_is_told_at_once(client, registry):
    response = client.get("/en/search/", {"q": "", "segment": "nonsense", "limit": "7"})
    assert response.status_code == 400
    page = parse(response.content)
    assert page.one("#errors-q").text == "Type what you are looking for."
    assert "nonsense" in page.one("#errors-segment").text
    assert "valid choice" in page.one("#errors-limit").text


def test_a_point_in_the_address_as_saved_searches_write_it(client, registry):
    params = {"q": "sterilisation", "lat": "44.887", "lon": "11.066", "distance_km": "100"}
    response = client.get("/en/search/", params)
    assert response.status_code == 200
    page = parse(response.content)
    steriliser = next(
        c for c in page.select("li.result-card") if c.one(".result-name").text == "Sterilgarda"
    )
    assert steriliser.one(".reason-distance").text.endswith("km away")
    # The point travels with the form, so that changing a filter keeps it.
    assert page.one("input[name=lat]").attrs["value"] == "44.887"
    bad = client.get("/en/search/", {"q": "sterilisation", "lat": "north", "lon": "11"})
    assert bad.status_code == 400
    assert "Enter a number." in parse(bad.content).one("#errors-form").text


def test_matches_list_each_phrase_once_and_words_outside_them():
    from distretto.web.search import _matches

    assert _matches(
        ["oxygenators", "ECMO", "membrane", "licence"],
        ["oxygenators for ECMO", "membrane oxygenators for ECMO"],
    ) == ["membrane oxygenators for ECMO", "licence"]
    assert _matches(["ECMO"], ["Oxygenators for ECMO", "oxygenators for ECMO"]) == [
        "Oxygenators for ECMO"
    ]
