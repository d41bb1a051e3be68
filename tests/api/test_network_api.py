"""The network API: the graph and its filters, metrics, suggestions, disruption scenarios."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import bearer, problems

pytestmark = pytest.mark.django_db

STERILISATION = "process_step:sterilisation"


@pytest.fixture
def district(db):
    """A dialysis-filter maker in Bologna whose only sterilisation supplier is in Medolla,
    a second sterilisation firm in Bologna, a university it worked with on a project, and a
    draft firm supplying it."""
    steps = factories.TaxonomyFactory(slug="process_step")
    step = factories.CodeFactory(taxonomy=steps, code="sterilisation", label_en="Sterilisation")
    segments = factories.TaxonomyFactory(slug="segment")
    dialysis = factories.CodeFactory(taxonomy=segments, code="dialysis", label_en="Dialysis")
    medolla = factories.MunicipalityFactory(
        name="Medolla", istat_code="036021", latitude="44.8447", longitude="11.0706"
    )
    bologna = factories.MunicipalityFactory(
        name="Bologna", istat_code="037006", latitude="44.4949", longitude="11.3426"
    )
    supplier = factories.OrganisationFactory(name="Steril Medolla")
    customer = factories.OrganisationFactory(name="Filter Maker")
    other = factories.OrganisationFactory(name="Steril Bologna")
    university = factories.OrganisationFactory(name="Uni Lab", kind="university")
    hidden = factories.OrganisationFactory(name="Secret Draft", status="draft")
    factories.SiteFactory(organisation=supplier, municipality=medolla)
    for organisation in (customer, other, university, hidden):
        factories.SiteFactory(organisation=organisation, municipality=bologna)
    for organisation in (supplier, other):
        organisation.codes.add(step, dialysis)
    customer.codes.add(dialysis)
    factories.TieFactory(
        from_organisation=supplier,
        to_organisation=customer,
        process_step=step,
        year_from=2015,
        year_to=2020,
        source="supplier's website",
    )
    factories.TieFactory(from_organisation=hidden, to_organisation=customer)
    project = factories.ProjectFactory(year_start=2019, year_end=2022)
    factories.ProjectPartnerFactory(project=project, organisation=customer)
    factories.ProjectPartnerFactory(project=project, organisation=university)
    return {
        "supplier": supplier,
        "customer": customer,
        "other": other,
        "university": university,
        "hidden": hidden,
    }


def _edges(body: dict) -> list[tuple[str, str, str]]:
    return sorted((e["source"], e["target"], e["kind"]) for e in body["edges"])


# --- the graph --------------------------------------------------------------------------------


def test_the_graph_holds_published_organisations_and_their_ties(api, district):
    response = api.get("/api/v1/network/graph")

    assert response.status_code == 200
    body = response.json()
    assert [n["name"] for n in body["nodes"]] == [
        "Filter Maker",
        "Steril Bologna",
        "Steril Medolla",
        "Uni Lab",
    ]
    medolla = next(n for n in body["nodes"] if n["slug"] == "steril-medolla")
    assert medolla == {
        "slug": "steril-medolla",
        "name": "Steril Medolla",
        "kind": "sme",
        "in_district": True,
        "lat": pytest.approx(44.8447),
        "lon": pytest.approx(11.0706),
        "codes": ["process_step:sterilisation", "segment:dialysis"],
    }
    assert _edges(body) == [
        ("filter-maker", "uni-lab", "project_partner"),
        ("steril-medolla", "filter-maker", "supplies"),
    ]
    supply = next(e for e in body["edges"] if e["kind"] == "supplies")
    assert supply == {
        "source": "steril-medolla",
        "target": "filter-maker",
        "kind": "supplies",
        "process_step": STERILISATION,
        "year_from": 2015,
        "year_to": 2020,
        "provenance": "supplier's website",
    }
    assert "Secret Draft" not in response.content.decode()


def test_facilitators_see_the_draft_organisation_in_the_graph(api, district, facilitator):
    body = api.get("/api/v1/network/graph", headers=bearer(facilitator)).json()

    assert "secret-draft" in {n["slug"] for n in body["nodes"]}
    assert ("secret-draft", "filter-maker", "supplies") in _edges(body)


def test_the_graph_filters_by_kind_year_and_segment(api, district):
    by_kind = api.get("/api/v1/network/graph?kinds=supplies").json()
    assert _edges(by_kind) == [("steril-medolla", "filter-maker", "supplies")]
    assert len(by_kind["nodes"]) == 4

    both = api.get("/api/v1/network/graph?kinds=supplies,project_partner").json()
    assert len(both["edges"]) == 2
    repeated = api.get("/api/v1/network/graph?kinds=supplies&kinds=project_partner").json()
    assert len(repeated["edges"]) == 2

    assert _edges(api.get("/api/v1/network/graph?year=2021").json()) == [
        ("filter-maker", "uni-lab", "project_partner")
    ]
    assert len(api.get("/api/v1/network/graph?year=2017").json()["edges"]) == 1

    segment = api.get("/api/v1/network/graph?segment=segment:dialysis").json()
    assert [n["slug"] for n in segment["nodes"]] == [
        "filter-maker",
        "steril-bologna",
        "steril-medolla",
    ]
    assert _edges(segment) == [("steril-medolla", "filter-maker", "supplies")]


def test_the_graph_refuses_a_bad_kind_segment_or_year_naming_the_parameter(api, district):
    kind = api.get("/api/v1/network/graph?kinds=supplies,friends")
    assert kind.status_code == 422
    assert [p["field"] for p in kind.json()["detail"]] == ["kinds"]
    assert "friends" in kind.json()["detail"][0]["message"]

    segment = api.get("/api/v1/network/graph?segment=segment:nowhere")
    assert segment.status_code == 422
    assert [p["field"] for p in segment.json()["detail"]] == ["segment"]

    year = api.get("/api/v1/network/graph?year=abc")
    assert year.status_code == 422
    assert year.json() == problems(("year", "Enter a whole number."))
    assert api.get("/api/v1/network/graph?year=1066").json()["detail"][0]["field"] == "year"


# --- metrics and suggestions ----------------------------------------------------------------


def test_metrics_give_the_figures_and_the_single_supplier_dependency(api, district):
    response = api.get("/api/v1/network/metrics")

    assert response.status_code == 200
    body = response.json()
    assert (body["figures"]["nodes"], body["figures"]["edges"]) == (4, 2)
    assert body["single_supplier"] == [
        {
            "customer": {
                "id": district["customer"].pk,
                "name": "Filter Maker",
                "slug": "filter-maker",
                "in_district": True,
            },
            "step": STERILISATION,
            "step_label": "Sterilisation",
            "supplier": {
                "id": district["supplier"].pk,
                "name": "Steril Medolla",
                "slug": "steril-medolla",
                "in_district": True,
            },
        }
    ]
    assert [o["slug"] for o in body["betweenness"]] == ["filter-maker"]
    assert [(o["slug"], o["cut_off"]) for o in body["articulation"]] == [("filter-maker", 1)]
    assert "Secret Draft" not in response.content.decode()


def test_facilitators_metrics_count_the_draft_organisation(api, district, facilitator):
    body = api.get("/api/v1/network/metrics", headers=bearer(facilitator)).json()

    assert (body["figures"]["nodes"], body["figures"]["edges"]) == (5, 3)
    assert "Secret Draft" in {o["name"] for o in body["degree"]}


def test_suggestions_never_propose_an_existing_partner(api, district):
    response = api.get("/api/v1/network/suggestions?organisation=filter-maker")

    assert response.status_code == 200
    found = [s["slug"] for s in response.json()]
    assert found == ["steril-bologna"]
    assert "steril-medolla" not in found and "uni-lab" not in found
    assert any("Sterilisation" in reason for reason in response.json()[0]["reasons"])

    university = api.get("/api/v1/network/suggestions?organisation=uni-lab&limit=1").json()
    assert [s["slug"] for s in university] == ["steril-medolla"]
    assert university[0]["reasons"][0] == "1 partner in common: Filter Maker"


def test_suggestions_answer_404_for_an_unknown_or_invisible_organisation(api, district):
    unknown = api.get("/api/v1/network/suggestions?organisation=nobody")
    assert unknown.status_code == 404
    assert unknown.json() == problems((None, "No such organisation."))
    assert api.get("/api/v1/network/suggestions?organisation=secret-draft").status_code == 404
    assert (
        api.get("/api/v1/network/suggestions?organisation=filter-maker&limit=0").json()["detail"][
            0
        ]["field"]
        == "limit"
    )


# --- scenarios --------------------------------------------------------------------------------

QUAKE = {"radius_km": 10, "lat": 44.8447, "lon": 11.0706}


def test_a_scenario_run_names_the_lost_supply_and_a_replacement(api, district, member):
    from distretto.network.models import Scenario

    response = api.post(
        "/api/v1/network/scenarios/run", QUAKE, content_type="application/json", **_auth(member)
    )

    assert response.status_code == 200
    body = response.json()
    assert [o["name"] for o in body["removed"]] == ["Steril Medolla"]
    [lost] = body["lost_supplies"]
    assert lost["customer"]["slug"] == "filter-maker"
    assert (lost["step"], lost["step_label"]) == (STERILISATION, "Sterilisation")
    assert [o["slug"] for o in lost["suppliers"]] == ["steril-medolla"]
    assert [o["slug"] for o in lost["candidates"]] == ["steril-bologna"]
    assert body["steps_lost"] == []
    assert (body["connected_before"], body["supplies_kept"]) == (100.0, 0.0)
    assert not Scenario.objects.exists()


def test_a_scenario_run_by_organisations_and_bad_areas_name_the_field(api, district, member):
    headers = _auth(member)
    by_name = api.post(
        "/api/v1/network/scenarios/run",
        {"organisations": ["steril-medolla"]},
        content_type="application/json",
        **headers,
    ).json()
    assert [o["slug"] for o in by_name["removed"]] == ["steril-medolla"]

    no_centre = api.post(
        "/api/v1/network/scenarios/run",
        {"radius_km": 10},
        content_type="application/json",
        **headers,
    )
    assert no_centre.status_code == 422
    assert no_centre.json() == problems(
        ("lat", "A radius needs a centre: give its latitude and longitude.")
    )
    unknown = api.post(
        "/api/v1/network/scenarios/run",
        {"organisations": ["secret-draft"]},
        content_type="application/json",
        **headers,
    )
    assert [p["field"] for p in unknown.json()["detail"]] == ["organisations"]
    extra = api.post(
        "/api/v1/network/scenarios/run",
        {**QUAKE, "magnitude": 6},
        content_type="application/json",
        **headers,
    )
    assert extra.json() == problems(("magnitude", "This field cannot be set."))


def test_anonymous_callers_may_not_run_or_list_scenarios(api, district):
    run = api.post("/api/v1/network/scenarios/run", QUAKE, content_type="application/json")
    assert run.status_code == 401
    assert api.get("/api/v1/network/scenarios").status_code == 401


def test_facilitators_save_scenarios_members_may_not(api, district, facilitator, member):
    from distretto.network.models import Scenario

    data = {**QUAKE, "name": "Quake of Medolla"}
    refused = api.post(
        "/api/v1/network/scenarios", data, content_type="application/json", **_auth(member)
    )
    assert refused.status_code == 403
    assert refused.json() == problems((None, "Only facilitators may save scenarios."))
    anonymous = api.post("/api/v1/network/scenarios", data, content_type="application/json")
    assert anonymous.status_code == 401
    assert not Scenario.objects.exists()

    response = api.post(
        "/api/v1/network/scenarios", data, content_type="application/json", **_auth(facilitator)
    )

    assert response.status_code == 201
    saved = Scenario.objects.get()
    body = response.json()
    assert body["id"] == saved.pk
    assert (body["name"], body["kind"]) == ("Quake of Medolla", "circle")
    assert body["area"] == {
        "radius_km": 10.0,
        "lat": 44.8447,
        "lon": 11.0706,
        "municipalities": [],
        "organisations": [],
    }
    assert body["created_at"]
    assert [o["name"] for o in body["result"]["removed"]] == ["Steril Medolla"]
    assert saved.result["removed"] == [district["supplier"].pk]

    unnamed = api.post(
        "/api/v1/network/scenarios",
        {**QUAKE, "name": "  "},
        content_type="application/json",
        **_auth(facilitator),
    )
    assert [p["field"] for p in unnamed.json()["detail"]] == ["name"]
    assert Scenario.objects.count() == 1


def test_saved_scenarios_are_listed_and_read_by_anyone_logged_in(api, district, member):
    from distretto.accounts.services import SYSTEM
    from distretto.network.services import save_scenario

    older = save_scenario(SYSTEM, "Flood", {"municipalities": ["036021"]})
    newer = save_scenario(SYSTEM, "Plant closure", {"organisations": ["steril-bologna"]})
    headers = _auth(member)

    listed = api.get("/api/v1/network/scenarios", **headers).json()
    assert [(s["id"], s["name"], s["kind"]) for s in listed] == [
        (newer.pk, "Plant closure", "organisations"),
        (older.pk, "Flood", "municipalities"),
    ]
    assert listed[0]["area"]["organisations"] == ["steril-bologna"]
    assert listed[1]["area"]["municipalities"] == ["036021"]

    detail = api.get(f"/api/v1/network/scenarios/{older.pk}", **headers).json()
    assert detail["name"] == "Flood"
    assert [o["name"] for o in detail["result"]["removed"]] == ["Steril Medolla"]
    assert detail["result"]["lost_supplies"][0]["candidates"][0]["slug"] == "steril-bologna"

    missing = api.get(f"/api/v1/network/scenarios/{newer.pk + 100}", **headers)
    assert missing.status_code == 404
    assert missing.json() == problems((None, "No such scenario."))


def _auth(user) -> dict[str, str]:
    """Django test-client keyword arguments carrying ``user``'s bearer token."""
    return {"headers": bearer(user)}
