"""A facilitator opens the district's network and map, sees who depends on a single supplier,
runs "an earthquake of radius 10 km around Medolla", reads which firms lose which local
suppliers and who could replace them, saves it, sees its area on the map, and downloads the
graph to open it in networkx.

The supply ties here are test records (the Mirandola dataset states no supply ties): a
sterilisation supplier in Medolla, its customer in Bologna and another sterilisation
supplier in Bologna, added with the ties import of the back office's import page."""

from __future__ import annotations

from urllib.parse import urlsplit

import networkx as nx
import pytest
from playwright.sync_api import expect

from distretto.network.models import Scenario
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def district(transactional_db, tmp_path):
    from distretto.registry.dataset import load_dataset
    from distretto.taxonomy.models import Code, Municipality

    load_dataset("mirandola")
    step = Code.objects.get(taxonomy__slug="process_step", code="sterilisation")
    medolla = Municipality.objects.get(name="Medolla")
    bologna = Municipality.objects.get(name="Bologna")
    made = {}
    for name, town in (
        ("Test Steril Medolla", medolla),
        ("Test Filter Maker", bologna),
        ("Test Steril Bologna", bologna),
    ):
        made[name] = factories.OrganisationFactory(name=name)
        factories.SiteFactory(organisation=made[name], municipality=town)
    made["Test Steril Medolla"].codes.add(step)
    made["Test Steril Bologna"].codes.add(step)
    factories.UserFactory(username="anna", is_facilitator=True, is_staff=True)
    ties = tmp_path / "ties.csv"
    ties.write_text(
        "source,target,type,process_step,year_from,source_of_fact\n"
        "Test Steril Medolla,Test Filter Maker,supplies,sterilisation,2019,test record\n",
        encoding="utf-8",
    )
    return ties


def test_facilitator_reads_dependence_runs_an_earthquake_and_exports(
    browser, live_server, screenshots, district, tmp_path
):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watch = Watch(page, urlsplit(base).netloc)
    page.goto(f"{base}/en/accounts/login/?next=/en/registry/import/ties/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The supply tie comes in through the ties import: preview, then import.
    page.locator("input[type=file]").set_input_files(str(district))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("body")).to_contain_text("Test Filter Maker")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("body")).to_contain_text("Imported 1 tie")

    # The network and its analysis.
    page.goto(f"{base}/en/network/")
    expect(page.locator("svg.network-graph a.node").first).to_be_visible()
    assert page.locator("svg.network-graph a.node").count() >= 20
    page.screenshot(path=screenshots / "network-en.png", full_page=True)
    page.get_by_role("link", name="Analysis").click()
    dependence = page.locator("table.single-supplier tbody tr")
    expect(dependence).to_have_count(1)
    expect(dependence).to_contain_text("Test Filter Maker")
    expect(dependence).to_contain_text("Test Steril Medolla")
    page.screenshot(path=screenshots / "network-analysis-en.png", full_page=True)

    # An earthquake of radius 10 km around Medolla, saved.
    page.goto(f"{base}/en/network/scenarios/")
    page.get_by_label("Radius (km)").fill("10")
    page.get_by_label("Latitude of the centre").fill("44.8447")
    page.get_by_label("Longitude of the centre").fill("11.0706")
    page.get_by_label("Name (to save it)").fill("Earthquake, 10 km around Medolla")
    page.get_by_role("button", name="Run and save").click()
    expect(page.locator("h1")).to_have_text("Earthquake, 10 km around Medolla")
    row = page.locator(".scenario-result tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Test Filter Maker")
    expect(row).to_contain_text("Test Steril Medolla")
    expect(row).to_contain_text("Test Steril Bologna")
    expect(page.locator(".scenario-result")).to_contain_text("Eurosets")  # hit: in Medolla
    page.screenshot(path=screenshots / "network-scenario-en.png", full_page=True)
    saved = Scenario.objects.get()
    assert saved.result["removed"]

    # Its area on the map.
    page.get_by_role("link", name="Show the area on the map").click()
    expect(page.locator("#district-map .leaflet-interactive").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=screenshots / "network-map-en.png", full_page=True)

    # The graph, downloaded and opened in networkx.
    page.goto(f"{base}/en/network/")
    with page.expect_download() as info:
        page.get_by_role("link", name="GraphML").click()
    graph = nx.read_graphml(info.value.path())
    names = {data["name"] for _node, data in graph.nodes(data=True)}
    assert {"Eurosets", "Test Filter Maker"} <= names
    kinds = {data["kind"] for _a, _b, data in graph.edges(data=True)}
    assert "supplies" in kinds
    assert watch.problems == []
    page.close()


def test_the_map_filters_sites_by_segment(browser, live_server, district):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, urlsplit(live_server.url).netloc)
    page.goto(f"{live_server.url}/en/network/map/")
    markers = page.locator("#district-map path.leaflet-interactive")
    expect(markers.first).to_be_visible()
    total = markers.count()
    page.get_by_label("Market segment").select_option(label="Cardiac surgery")
    dimmed = page.locator('#district-map path.leaflet-interactive[fill-opacity="0.12"]')
    expect(dimmed.first).to_be_attached()
    assert 0 < dimmed.count() < total
    assert watch.problems == []
    page.close()
