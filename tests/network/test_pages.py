"""The network read from the registry, and the network and map pages."""

from __future__ import annotations

import io
import json

import pytest

from distretto.network.queries import district_network
from tests import factories
from tests.web.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(db):
    """Three published firms and a draft one: a supplier, its customer, a project partner."""
    town = factories.MunicipalityFactory(name="Medolla")
    supplier = factories.OrganisationFactory(name="Steril Lab")
    customer = factories.OrganisationFactory(name="Dialysis Maker")
    partner = factories.OrganisationFactory(name="Uni Lab", kind="university")
    hidden = factories.OrganisationFactory(name="Secret Draft", status="draft")
    for organisation in (supplier, customer, partner, hidden):
        factories.SiteFactory(organisation=organisation, municipality=town)
    factories.TieFactory(
        from_organisation=supplier, to_organisation=customer, year_from=2015, year_to=2020
    )
    factories.TieFactory(from_organisation=hidden, to_organisation=customer)
    project = factories.ProjectFactory(year_start=2019, year_end=2022)
    factories.ProjectPartnerFactory(project=project, organisation=customer)
    factories.ProjectPartnerFactory(project=project, organisation=partner)
    return {"supplier": supplier, "customer": customer, "partner": partner, "hidden": hidden}


def test_the_network_holds_what_the_user_may_see(registry, facilitator):
    from django.contrib.auth.models import AnonymousUser

    network = district_network(AnonymousUser())
    names = {n.name for n in network.nodes.values()}
    assert names == {"Steril Lab", "Dialysis Maker", "Uni Lab"}
    kinds = sorted((e.kind, network.nodes[e.source].name) for e in network.edges)
    assert kinds == [("project_partner", "Dialysis Maker"), ("supplies", "Steril Lab")]
    project = next(e for e in network.edges if e.kind == "project_partner")
    assert (project.year_from, project.year_to) == (2019, 2022)
    assert len(district_network(facilitator).nodes) == 4


def test_filters_by_kind_and_year(registry):
    from django.contrib.auth.models import AnonymousUser

    network = district_network(AnonymousUser())
    assert [e.kind for e in network.filtered(["supplies"]).edges] == ["supplies"]
    assert [e.kind for e in network.filtered(year=2021).edges] == ["project_partner"]
    assert network.filtered(year=2017).edges[0].kind == "supplies"


def test_the_graph_page_draws_every_organisation_with_a_link(client, registry):
    page = parse(client.get("/en/network/").content)
    links = {a.attrs["href"] for a in page.select("svg.network-graph a.node")}
    assert links == {
        f"/en/organisations/{registry[k].slug}/" for k in ("supplier", "customer", "partner")
    }
    assert len(page.select("svg.network-graph line.edge")) == 2
    assert page.select("svg line.edge-supplies") and page.select("svg line.edge-project_partner")
    assert "Secret Draft" not in page.text
    rows = page.select(".network-table tbody tr")
    assert len(rows) == 3


def test_the_graph_page_filters_and_refuses_a_bad_year(client, registry):
    page = parse(client.get("/en/network/?kinds=supplies").content)
    assert len(page.select("svg line.edge")) == 1
    bad = parse(client.get("/en/network/?year=abc").content)
    assert bad.select(".field-invalid")
    assert "Enter a whole number." in bad.text


def test_hostile_names_are_escaped_in_the_drawing(client, registry):
    registry["supplier"].name = '<script>alert("x")</script>'
    registry["supplier"].save()
    content = client.get("/en/network/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content


def test_the_map_page_lists_municipalities_and_carries_the_sites(client, registry):
    response = client.get("/en/network/map/")
    page = parse(response.content)
    assert page.texts("table.data-table tbody td")[:2] == ["Medolla", "3"]
    data = json.loads(page.one("#district-map-data").text)
    assert sorted(s["name"] for s in data["map"]["sites"]) == [
        "Dialysis Maker",
        "Steril Lab",
        "Uni Lab",
    ]


@pytest.fixture
def quake(db):
    """A customer in Medolla whose only local sterilisation supplier is next door, and a
    possible replacement 40 km away."""
    from distretto.taxonomy.models import Code

    step = Code.objects.filter(taxonomy__slug="process_step", code="sterilisation").first()
    if step is None:
        taxonomy = factories.TaxonomyFactory(slug="process_step")
        step = factories.CodeFactory(
            taxonomy=taxonomy, code="sterilisation", label_en="Sterilisation"
        )
    medolla = factories.MunicipalityFactory(
        name="Medolla", istat_code="036021", latitude="44.8447", longitude="11.0706"
    )
    bologna = factories.MunicipalityFactory(
        name="Bologna", istat_code="037006", latitude="44.4949", longitude="11.3426"
    )
    supplier = factories.OrganisationFactory(name="Steril Medolla")
    customer = factories.OrganisationFactory(name="Filter Maker")
    other = factories.OrganisationFactory(name="Steril Bologna")
    factories.SiteFactory(organisation=supplier, municipality=medolla)
    factories.SiteFactory(organisation=customer, municipality=bologna)
    factories.SiteFactory(organisation=other, municipality=bologna)
    other.codes.add(step)
    supplier.codes.add(step)
    factories.TieFactory(from_organisation=supplier, to_organisation=customer, process_step=step)
    return {"supplier": supplier, "customer": customer, "other": other}


def test_an_earthquake_around_medolla_names_the_lost_supplier_and_a_replacement(
    client, facilitator, quake
):
    client.force_login(facilitator)
    page = parse(client.get("/en/network/scenarios/?radius_km=10&lat=44.8447&lon=11.0706").content)
    rows = [row.texts("td") for row in page.select(".scenario-result tbody tr")]
    assert rows == [["Filter Maker", "Sterilisation", "Steril Medolla", "Steril Bologna"]]
    assert "Steril Medolla" in page.select(".scenario-result p")[0].text


def test_a_scenario_is_saved_by_facilitators_only_and_bad_areas_are_named(
    client, facilitator, member, quake
):
    from distretto.network.models import Scenario

    client.force_login(member)
    data = {"radius_km": 10, "lat": 44.8447, "lon": 11.0706, "name": "Quake"}
    assert client.post("/en/network/scenarios/", data).status_code == 403
    assert not Scenario.objects.exists()
    client.force_login(facilitator)
    response = client.post("/en/network/scenarios/", data)
    saved = Scenario.objects.get()
    assert response["Location"] == f"/en/network/scenarios/{saved.pk}/"
    assert saved.result["removed"] == [quake["supplier"].pk]
    page = parse(client.get(response["Location"]).content)
    assert page.texts("h1") == ["Quake"]
    bad = parse(client.get("/en/network/scenarios/?radius_km=10").content)
    assert "A radius needs a centre" in bad.text
    empty = parse(client.get("/en/network/scenarios/?radius_km=1&lat=40&lon=9").content)
    assert "No organisation is in this area" in empty.text
    assert Scenario.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in_for_scenarios(client, quake):
    response = client.get("/en/network/scenarios/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_cli_runs_a_scenario_and_exports_the_graph(quake, tmp_path):
    import networkx as nx
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("network_scenario", radius_km=10, lat=44.8447, lon=11.0706, json=True, stdout=out)
    shown = json.loads(out.getvalue())
    assert [o["name"] for o in shown["removed"]] == ["Steril Medolla"]
    assert shown["lost_supplies"][0]["candidates"][0]["name"] == "Steril Bologna"
    with pytest.raises(CommandError, match="--lat"):
        call_command("network_scenario", radius_km=10)
    target = tmp_path / "district.graphml"
    call_command("network_export", format="graphml", output=str(target), stderr=io.StringIO())
    graph = nx.read_graphml(target)
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 1


def test_the_analysis_page_names_single_supplier_dependence_in_plain_words(client, quake):
    page = parse(client.get("/en/network/analysis/").content)
    rows = [row.texts("td") for row in page.select("table.single-supplier tbody tr")]
    assert rows == [["Filter Maker", "Sterilisation", "Steril Medolla"]]
    assert "shortest chain of ties" in page.text  # betweenness explained
    italian = parse(client.get("/network/analysis/").content)
    assert italian.texts("h1") == ["Analisi della rete"]


def test_an_organisation_page_shows_its_neighbourhood_and_suggestions(client, registry):
    customer = registry["customer"]
    page = parse(client.get(f"/en/organisations/{customer.slug}/").content)
    drawn = {a.attrs["href"] for a in page.select("svg.network-graph a.node")}
    assert f"/en/organisations/{registry['supplier'].slug}/" in drawn
    assert page.select("svg a.node-centre")
    network_page = parse(client.get(f"/en/network/organisations/{customer.slug}/").content)
    assert network_page.texts("h1") == ["Dialysis Maker in the network"]
    partner = parse(client.get(f"/en/network/organisations/{registry['partner'].slug}/").content)
    suggested = partner.texts(".suggestions .item-title")
    assert suggested == ["Steril Lab"]  # tied to its project partner, not to it
    assert "partner in common" in partner.one(".suggestions .item").text
    assert client.get("/en/network/organisations/secret-draft/").status_code == 404


def test_two_saved_scenarios_are_compared_and_one_is_drawn_on_the_map(client, facilitator, quake):
    from distretto.network import services

    small = services.save_scenario(
        facilitator, "Small quake", {"radius_km": 5, "lat": 44.8447, "lon": 11.0706}
    )
    wide = services.save_scenario(
        facilitator, "Wide quake", {"radius_km": 80, "lat": 44.8447, "lon": 11.0706}
    )
    client.force_login(facilitator)
    page = parse(client.get(f"/en/network/scenarios/?a={small.pk}&b={wide.pk}").content)
    rows = {row.one("th").text: row.texts("td") for row in page.select("table.comparison tbody tr")}
    assert rows["Organisations hit only here"] == ["—", "Filter Maker, Steril Bologna"]
    assert rows["Hit in both"] == ["Steril Medolla"]
    data = json.loads(
        parse(client.get(f"/en/network/map/?scenario={small.pk}").content)
        .one("#district-map-data")
        .text
    )
    assert data["area"] == {"lat": 44.8447, "lon": 11.0706, "radius_km": 5, "name": "Small quake"}
    assert {s["name"] for s in data["map"]["sites"] if s["hit"]} == {"Steril Medolla"}


def test_a_plant_closure_is_a_scenario_of_named_organisations(client, facilitator, quake):
    client.force_login(facilitator)
    supplier = quake["supplier"]
    page = parse(client.get(f"/en/network/scenarios/?organisations={supplier.pk}").content)
    assert [row.texts("td")[0] for row in page.select(".scenario-result tbody tr")] == [
        "Filter Maker"
    ]
    assert page.select(".scenario-result h2")[0].text == "1 organisation hit"


def test_an_organisations_network_page_is_under_network_in_the_menu(client, registry):
    page = parse(client.get(f"/en/network/organisations/{registry['customer'].slug}/").content)
    assert page.texts(".main-nav a[aria-current=page]") == ["Network"]
    directory = parse(client.get(f"/en/organisations/{registry['customer'].slug}/").content)
    assert directory.texts(".main-nav a[aria-current=page]") == ["Organisations"]
