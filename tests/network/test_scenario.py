"""Disruption scenarios on hand-made networks with known answers (no database)."""

from __future__ import annotations

import json
import time

import pytest

from distretto.network.domain.graph import Edge, Network, Node
from distretto.network.domain.links import synthetic
from distretto.network.domain.scenario import (
    Area,
    ScenarioError,
    ScenarioResult,
    affected,
    check_area,
    compare,
    haversine_km,
    run,
)

MEDOLLA = (44.8447, 11.0706)
STERILISATION = "process_step:sterilisation"
EXTRUSION = "process_step:extrusion"

# Places and their distance from Medolla (km), checked in test_places.
MIRANDOLA = (44.8872, 11.0661, "036022")  # ~4.7
CAVEZZO = (44.8365, 11.0294, "036009")  # ~3.4
MEDOLLA_SITE = (44.8467, 11.0676, "036021")  # ~0.3
CARPI = (44.7836, 10.8855, "036005")  # ~16
FINALE = (44.8346, 11.2939, "036012")  # ~17.6
MODENA = (44.5385, 10.9360, "036023")  # ~35.6
BOLOGNA = (44.4949, 11.3426, "037006")  # ~44


def node(i, name, place=None, codes=(), in_district=True, sites=()):
    lat, lon, municipality = place if place else (None, None, "")
    return Node(
        id=i,
        name=name,
        kind="company",
        codes=frozenset(codes),
        lat=lat,
        lon=lon,
        municipality=municipality,
        in_district=in_district,
        sites=tuple(sites),
    )


S1, S2, C1, C2, F, G, U, X, Y, C3 = range(1, 11)


@pytest.fixture
def network():
    """S1 (Medolla) sterilises for C1 (Modena) and C2 (Carpi); C2 also uses S2 (Finale
    Emilia). G (two sites near Medolla) extrudes for C1; F has a site in Mirandola and one
    in Modena; U (outside the district) has no known location; X (Bologna, outside the
    district) sterilises; Y (Bologna, outside) extrudes; C3 (Carpi) buys sterilisation from
    X only."""
    nodes = [
        node(S1, "Steril Medolla", MEDOLLA_SITE, {STERILISATION, "segment:dialysis"}),
        node(S2, "Steril Finale", FINALE, {STERILISATION}),
        node(C1, "Customer Modena", MODENA, {"segment:dialysis"}),
        node(C2, "Customer Carpi", CARPI, {"segment:dialysis"}),
        node(
            F,
            "Two plants",
            MIRANDOLA,
            {"process_step:packaging"},
            sites=[MIRANDOLA, MODENA],
        ),
        node(G, "Extruder", MEDOLLA_SITE, {EXTRUSION}, sites=[MEDOLLA_SITE, CAVEZZO]),
        node(U, "Unknown place", None, {STERILISATION}, in_district=False),
        node(X, "Steril Bologna", BOLOGNA, {STERILISATION}, in_district=False),
        node(Y, "Extruder Bologna", BOLOGNA, {EXTRUSION}, in_district=False),
        node(C3, "Customer of Bologna", CARPI, {"segment:dialysis"}),
    ]
    edges = [
        Edge(S1, C1, "supplies", STERILISATION, 2015),
        Edge(S1, C2, "supplies", STERILISATION, 2016),
        Edge(S2, C2, "supplies", STERILISATION, 2018),
        Edge(G, C1, "supplies", EXTRUSION, 2012),
        Edge(X, C3, "supplies", STERILISATION, 2019),
        Edge(F, C2, "project_partner"),
        Edge(X, C1, "meeting_outcome"),
    ]
    return Network.of(nodes, edges)


def test_places():
    for place, km in (
        (MIRANDOLA, 4.7),
        (CAVEZZO, 3.4),
        (CARPI, 16.0),
        (FINALE, 17.6),
        (MODENA, 35.6),
        (BOLOGNA, 44.0),
    ):
        assert haversine_km(*MEDOLLA, place[0], place[1]) == pytest.approx(km, abs=1.0)


def circle(km=10.0):
    return Area.circle(MEDOLLA[0], MEDOLLA[1], km, label="Medolla")


def test_circle_removes_organisations_with_every_site_inside(network):
    assert affected(network, circle()) == {S1, G}


def test_circle_keeps_a_firm_with_a_site_outside(network):
    result = run(network, circle())
    assert F not in result.removed
    assert result.removed == (S1, G)


def test_location_unknown_is_reported_not_hit(network):
    result = run(network, circle())
    assert result.location_unknown == (U,)
    assert U not in result.removed


def test_customer_with_one_local_supplier_loses_it(network):
    result = run(network, circle())
    lost = {(x.customer, x.step): x for x in result.lost_supplies}
    assert lost[(C1, STERILISATION)].suppliers == (S1,)
    assert lost[(C1, EXTRUSION)].suppliers == (G,)


def test_customer_with_a_second_supplier_outside_the_circle_does_not(network):
    result = run(network, circle())
    assert (C2, STERILISATION) not in {(x.customer, x.step) for x in result.lost_supplies}


def test_customer_of_an_outside_supplier_loses_nothing(network):
    result = run(network, circle())
    assert C3 not in {x.customer for x in result.lost_supplies}


def test_replacement_candidates_are_outside_the_area_and_carry_the_step(network):
    result = run(network, circle())
    lost = {(x.customer, x.step): x for x in result.lost_supplies}
    candidates = lost[(C1, STERILISATION)].candidates
    # District first (S2), then outside the district (X); U's location is unknown.
    assert candidates == (S2, X)
    for c in candidates:
        assert c not in result.removed
        assert STERILISATION in network.nodes[c].codes
        place = network.nodes[c]
        assert haversine_km(*MEDOLLA, place.lat, place.lon) > 10
    assert lost[(C1, EXTRUSION)].candidates == (Y,)
    assert result.candidates_by_step() == {EXTRUSION: [Y], STERILISATION: [S2, X]}


def test_candidates_tied_to_the_customer_come_first_within_the_district_group():
    nodes = [
        node(1, "Lost", MEDOLLA_SITE, {STERILISATION}),
        node(2, "Customer", MODENA),
        node(3, "A stranger", FINALE, {STERILISATION}),
        node(4, "B known", FINALE, {STERILISATION}),
        node(5, "Outside known", BOLOGNA, {STERILISATION}, in_district=False),
    ]
    edges = [
        Edge(1, 2, "supplies", STERILISATION),
        Edge(4, 2, "project_partner"),
        Edge(5, 2, "meeting_outcome"),
        Edge(5, 3, "meeting_outcome"),
    ]
    result = run(Network.of(nodes, edges), circle())
    (lost,) = result.lost_supplies
    assert lost.candidates == (4, 3, 5)


def test_at_most_max_candidates():
    nodes = [node(1, "Lost", MEDOLLA_SITE, {STERILISATION}), node(2, "Customer", MODENA)]
    nodes += [node(i, f"Alt {i:02d}", FINALE, {STERILISATION}) for i in range(10, 30)]
    network = Network.of(nodes, [Edge(1, 2, "supplies", STERILISATION)])
    (lost,) = run(network, circle()).lost_supplies
    assert lost.candidates == tuple(range(10, 20))
    (lost,) = run(network, circle(), max_candidates=3).lost_supplies
    assert len(lost.candidates) == 3


def test_narrower_codes_count_as_the_step():
    nodes = [
        node(1, "Lost", MEDOLLA_SITE, {STERILISATION}),
        node(2, "Customer", MODENA),
        node(3, "EO only", FINALE, {"process_step:sterilisation_eo"}),
    ]
    network = Network.of(nodes, [Edge(1, 2, "supplies", STERILISATION)])
    (lost,) = run(network, circle()).lost_supplies
    assert lost.candidates == ()
    narrower = {STERILISATION: ["process_step:sterilisation_eo"]}
    (lost,) = run(network, circle(), narrower=narrower).lost_supplies
    assert lost.candidates == (3,)


def test_steps_lost_when_every_district_carrier_is_gone(network):
    result = run(network, circle())
    steps = {s.step: s for s in result.steps_lost}
    # G was the district's only extruder; S2 still sterilises.
    assert set(steps) == {EXTRUSION}
    assert steps[EXTRUSION].organisations == (G,)
    assert steps[EXTRUSION].outside == (Y,)


def test_connectivity(network):
    c = run(network, circle()).connectivity
    # Supply chain: S1, S2, C1, C2, G (one component) and X, C3 (another).
    assert c.supply_nodes == 7
    assert c.largest_before == 5
    assert c.share_before == pytest.approx(5 / 7)
    # After: S2 – C2 and X – C3.
    assert c.largest_after == 2
    assert c.share_after == pytest.approx(2 / 7)
    assert (c.supply_edges_before, c.supply_edges_after) == (5, 2)
    assert c.edges_share == pytest.approx(0.4)


def test_organisations_area(network):
    result = run(network, Area.of_organisations([S2]))
    assert result.removed == (S2,)
    # C2 still has S1 in the district: nothing lost.
    assert result.lost_supplies == ()


def test_municipalities_area(network):
    result = run(network, Area.of_municipalities(["036021", "036009"]))
    assert result.removed == (S1, G)
    assert result.location_unknown == (U,)


def test_radius_without_a_centre():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area(radius_km=10))
    (problem,) = caught.value.problems
    assert problem.field == "lat"
    assert problem.en == "A radius needs a centre: give its latitude and longitude."
    assert problem.it == "Il raggio richiede un centro: indicane latitudine e longitudine."
    assert caught.value.by_field("it") == {"lat": [problem.it]}
    assert "lat:" in str(caught.value)


def test_centre_without_a_radius():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area(centre=MEDOLLA))
    (problem,) = caught.value.problems
    assert problem.field == "radius_km"
    assert problem.en == "A centre needs a radius: give the radius in km."
    assert problem.it == "Il centro richiede un raggio: indica il raggio in km."


def test_centre_with_latitude_only():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area(centre=(44.8, None), radius_km=5))
    assert [p.field for p in caught.value.problems] == ["lon"]
    assert caught.value.messages_en == ["Give the longitude of the centre too."]
    assert caught.value.messages_it == ["Indica anche la longitudine del centro."]


@pytest.mark.parametrize("radius", [0, -3, 500.5, 1000, float("nan")])
def test_radius_out_of_range(radius):
    with pytest.raises(ScenarioError) as caught:
        check_area(Area.circle(*MEDOLLA, radius))
    (problem,) = caught.value.problems
    assert problem.field == "radius_km"
    assert problem.en.startswith("The radius must be more than 0 and at most 500 km (got ")
    assert problem.it.startswith("Il raggio deve essere maggiore di 0 e al massimo 500 km")


def test_radius_in_italian_uses_a_decimal_comma():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area.circle(*MEDOLLA, 600.5))
    assert caught.value.messages_it[0].endswith("(indicato: 600,5).")
    assert caught.value.messages_en[0].endswith("(got 600.5).")


def test_latitude_and_longitude_out_of_range():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area.circle(95, -181, 5))
    assert caught.value.by_field("en") == {
        "lat": ["The latitude must be between -90 and 90 (got 95)."],
        "lon": ["The longitude must be between -180 and 180 (got -181)."],
    }
    assert caught.value.messages("it") == [
        "La latitudine deve essere compresa tra -90 e 90 (indicata: 95).",
        "La longitudine deve essere compresa tra -180 e 180 (indicata: -181).",
    ]


def test_nothing_given():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area())
    (problem,) = caught.value.problems
    assert problem.field == "area"
    assert problem.en == (
        "Choose the area: organisations, a circle (centre and radius) or municipalities."
    )
    assert problem.it == "Indica l'area: organizzazioni, un cerchio (centro e raggio) o comuni."


def test_more_than_one_kind_of_area():
    with pytest.raises(ScenarioError) as caught:
        check_area(Area(organisations=frozenset({1}), municipalities=frozenset({"036021"})))
    assert caught.value.messages_en == [
        "Choose only one kind of area: organisations, a circle or municipalities."
    ]


def test_unknown_organisations(network):
    with pytest.raises(ScenarioError) as caught:
        run(network, Area.of_organisations([S1, 98, 99]))
    (problem,) = caught.value.problems
    assert problem.field == "organisations"
    assert problem.en == "Unknown organisations: 98, 99."
    assert problem.it == "Organizzazioni sconosciute: 98, 99."


def test_bad_municipality_codes(network):
    with pytest.raises(ScenarioError) as caught:
        run(network, Area.of_municipalities(["Medolla"]))
    assert caught.value.by_field() == {
        "municipalities": ["Give municipalities as 6-digit ISTAT codes (not valid: Medolla)."]
    }


def test_an_area_with_no_organisation(network):
    with pytest.raises(ScenarioError) as caught:
        run(network, Area.circle(40.0, 20.0, 5))
    (problem,) = caught.value.problems
    assert problem.field == "radius_km"
    # U has no known location: the message says it could not be placed.
    assert problem.en == (
        "No organisation is in this area (1 with an unknown location could not be placed)."
    )
    assert problem.it.startswith("Nessuna organizzazione si trova in quest'area")
    empty = Network.of([node(1, "Far", BOLOGNA)], [])
    with pytest.raises(ScenarioError) as caught:
        run(empty, Area.of_municipalities(["036021"]))
    assert caught.value.by_field("it") == {
        "municipalities": ["Nessuna organizzazione si trova in quest'area."]
    }


def test_json_round_trip(network):
    result = run(network, circle())
    text = result.to_json()
    data = json.loads(text)
    assert data["connectivity"]["share_after"] == pytest.approx(2 / 7)
    assert ScenarioResult.from_json(text) == result
    assert ScenarioResult.from_json(data) == result


def test_compare(network):
    a = run(network, circle())
    b = run(network, Area.of_organisations([S1, S2]))
    diff = compare(a, b)
    assert diff.removed_only_a == (G,)
    assert diff.removed_only_b == (S2,)
    assert diff.removed_both == (S1,)
    assert diff.steps_lost_only_a == (EXTRUSION,)
    assert diff.steps_lost_only_b == (STERILISATION,)
    assert (C2, STERILISATION) in diff.supplies_lost_only_b
    assert (C1, EXTRUSION) in diff.supplies_lost_only_a
    assert (C1, STERILISATION) in diff.supplies_lost_both
    assert diff.connected_share_difference == pytest.approx(
        b.connectivity.share_after - a.connectivity.share_after
    )
    assert not diff.same
    json.dumps(diff.to_dict())
    assert compare(a, ScenarioResult.from_json(a.to_json())).same


def test_run_is_fast_on_a_district():
    network = synthetic(400, seed=3)
    started = time.perf_counter()
    result = run(network, circle(10))
    elapsed = time.perf_counter() - started
    print(f"run on {len(network.nodes)} organisations, {len(network.edges)} ties: {elapsed:.3f} s")
    assert result.removed
    assert elapsed < 1.0
