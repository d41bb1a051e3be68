"""`distretto network metrics`: the network's figures at the terminal, and as JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from distretto import cli
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    """A chain: Steril Lab supplies sterilisation to Filter Maker, which sells to Dialysis
    Centre; Assembly Lab supplies Filter Maker with an unnamed step; a draft firm too."""
    steps = factories.TaxonomyFactory(slug="process_step")
    step = factories.CodeFactory(taxonomy=steps, code="sterilisation", label_en="Sterilisation")
    town = factories.MunicipalityFactory(name="Medolla", istat_code="036021")
    steril = factories.OrganisationFactory(name="Steril Lab")
    maker = factories.OrganisationFactory(name="Filter Maker")
    centre = factories.OrganisationFactory(name="Dialysis Centre")
    assembly = factories.OrganisationFactory(name="Assembly Lab")
    draft = factories.OrganisationFactory(name="Secret Draft", status="draft")
    for organisation in (steril, maker, centre, assembly, draft):
        factories.SiteFactory(organisation=organisation, municipality=town)
    steril.codes.add(step)
    factories.TieFactory(from_organisation=steril, to_organisation=maker, process_step=step)
    factories.TieFactory(from_organisation=maker, to_organisation=centre)
    factories.TieFactory(from_organisation=assembly, to_organisation=maker)
    factories.TieFactory(from_organisation=draft, to_organisation=assembly)
    return {"steril": steril, "maker": maker}


def test_the_cli_maps_network_metrics():
    assert cli.translate(["network", "metrics", "--json"]) == ["network_metrics", "--json"]


def test_metrics_print_the_figures_and_the_weak_spots(chain):
    out = io.StringIO()
    call_command("network_metrics", stdout=out)
    text = out.getvalue()

    # The system operator sees every organisation, the draft one included.
    assert text.splitlines()[0] == "Organisations: 5; ties: 4; connected parts: 1"
    assert "Largest connected part: 100.0% of the organisations" in text
    lines = text.splitlines()
    between = lines.index("Most between others (betweenness, exact):")
    assert lines[between + 1].startswith("  Filter Maker (")
    assert lines[between + 2].startswith("  Assembly Lab (")
    assert "  Filter Maker (2 cut off)" in lines
    assert "  Assembly Lab (1 cut off)" in lines
    assert "  Filter Maker depends on Steril Lab alone for Sterilisation" in lines
    assert "  Sterilisation: Steril Lab" in lines


def test_metrics_as_json(chain):
    out = io.StringIO()
    call_command("network_metrics", json=True, stdout=out)
    found = json.loads(out.getvalue())

    assert (found["figures"]["nodes"], found["figures"]["edges"]) == (5, 4)
    assert found["betweenness_method"] == "exact"
    assert [
        (d["customer"]["name"], d["supplier"]["name"], d["step"]) for d in found["single_supplier"]
    ] == [("Filter Maker", "Steril Lab", "process_step:sterilisation")]
    assert found["single_source_steps"] == [
        {
            "step": "process_step:sterilisation",
            "step_label": "Sterilisation",
            "organisation": {
                "id": chain["steril"].pk,
                "name": "Steril Lab",
                "slug": "steril-lab",
                "in_district": True,
            },
        }
    ]
    assert found["articulation"][0]["name"] == "Filter Maker"


def test_metrics_of_an_empty_registry_still_print(db):
    out = io.StringIO()
    call_command("network_metrics", stdout=out)
    text = out.getvalue()

    assert text.splitlines()[0] == "Organisations: 0; ties: 0; connected parts: 0"
    assert "Brokers:\n  -" in text
