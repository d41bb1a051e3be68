"""Cooperation profiles in the search: indexed beside organisations, filtered by type."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from distretto.accounts.services import SYSTEM
from distretto.matching.services import SearchQuery, SharedCode, search
from distretto.opportunities.models import CooperationProfile
from tests import factories
from tests.matching.conftest import organisation


def found(results):
    return [(r.type, r.name) for r in results]


def profile(owner, title, summary="", **fields):
    fields.setdefault("description", "")
    return factories.CooperationProfileFactory(owner=owner, title=title, summary=summary, **fields)


def test_profiles_are_found_beside_organisations_with_their_page_and_owner(lexical_only):
    owner = organisation("Eurosets-like", "Cardiac surgery devices", slug="eurosets-like")
    offer = profile(owner, "Membrane oxygenator for licensing", "A hollow-fibre oxygenator")
    organisation("Other", "Oxygenators for ECMO", slug="other")
    results = search(SYSTEM, SearchQuery("oxygenator"))
    assert sorted(found(results)) == [
        ("organisation", "Other"),
        ("profile", "Membrane oxygenator for licensing"),
    ]
    item = next(r for r in results if r.type == "profile")
    assert (item.id, item.subtype, item.owner, item.slug, item.summary, item.url) == (
        offer.pk,
        "technology_offer",
        "Eurosets-like",
        "",
        "A hollow-fibre oxygenator",
        f"/en/profiles/{offer.pk}/",
    )
    firm = next(r for r in results if r.type == "organisation")
    assert (firm.subtype, firm.owner, firm.url) == ("sme", "", "/en/organisations/other/")


def test_types_and_profile_types_filter(lexical_only):
    owner = organisation("Owner", "Filters", kind="research_centre")
    profile(owner, "Filter offer", "Blood filters", profile_type="technology_offer")
    profile(owner, "Filter request", "Blood filters wanted", profile_type="technology_request")
    only_profiles = search(SYSTEM, SearchQuery("filters", types=("profile",)))
    assert sorted(r.name for r in only_profiles) == ["Filter offer", "Filter request"]
    only_orgs = search(SYSTEM, SearchQuery("filters", types=("organisation",)))
    assert found(only_orgs) == [("organisation", "Owner")]
    requests = search(
        SYSTEM,
        SearchQuery("filters", types=("profile",), profile_types=("technology_request",)),
    )
    assert found(requests) == [("profile", "Filter request")]
    # The organisation kind filter reaches profiles through their owner.
    by_kind = search(SYSTEM, SearchQuery("filters", kinds=("research_centre",)))
    assert len(by_kind) == 3
    assert search(SYSTEM, SearchQuery("filters", kinds=("university",))) == []


def test_unknown_types_are_refused_naming_the_field(lexical_only):
    with pytest.raises(ValidationError) as raised:
        search(SYSTEM, SearchQuery("filters", types=("castle",), profile_types=("gift",)))
    errors = raised.value.message_dict
    assert errors["type"] == ["Unknown type: castle. Choose among: organisation, profile."]
    assert errors["profile_type"][0].startswith("Unknown profile type: gift.")
    with pytest.raises(ValidationError) as raised:
        search(SYSTEM, SearchQuery("filters", types=()))
    assert list(raised.value.message_dict) == ["type"]


def test_only_public_profiles_are_searched_and_expired_ones_stay_in_the_database(lexical_only):
    owner = organisation("Owner", "Software")
    profile(owner, "Live oxygenator offer")
    profile(owner, "Draft oxygenator offer", status="draft")
    expired = profile(owner, "Old oxygenator offer", expires_on=date.today() - timedelta(days=1))
    assert found(search(SYSTEM, SearchQuery("oxygenator"))) == [
        ("profile", "Live oxygenator offer")
    ]
    assert CooperationProfile.objects.filter(pk=expired.pk).exists()


def test_a_profile_expiring_today_leaves_the_search_tomorrow(lexical_only, monkeypatch):
    from distretto.matching import index as search_index

    owner = organisation("Owner", "Software")
    profile(owner, "Oxygenator offer", expires_on=date.today())
    assert found(search(SYSTEM, SearchQuery("oxygenator"))) == [("profile", "Oxygenator offer")]
    # Nothing was saved since: only the day moved on.
    monkeypatch.setattr(search_index, "today", lambda: date.today() + timedelta(days=1))
    assert search(SYSTEM, SearchQuery("oxygenator")) == []


def test_profile_text_fields_are_stemmed_in_the_profile_language(lexical_only):
    owner = organisation("Owner", "Software")
    profile(
        owner,
        "Cerchiamo partner",
        "Sviluppo congiunto",
        description="Cerchiamo un produttore di ossigenatori",
        advantages="Brevetto depositato",
        partner_role="Il partner fornirà la sterilizzazione",
        language="it",
    )
    for word in ("ossigenatore", "brevetti", "sterilizzazioni"):
        assert found(search(SYSTEM, SearchQuery(word))) == [("profile", "Cerchiamo partner")]


def test_profile_codes_rank_and_filter_like_organisation_codes(lexical_only, segments):
    owner = organisation("Owner", "Software")
    coded = profile(owner, "Coded devices offer", "Devices")
    coded.codes.add(segments["ecmo"])
    profile(owner, "Plain devices offer", "Devices")
    results = search(SYSTEM, SearchQuery("devices", codes=("segment:ecmo",), types=("profile",)))
    assert [r.name for r in results] == ["Coded devices offer", "Plain devices offer"]
    assert results[0].reasons.codes == [SharedCode("segment", "ecmo", "ECMO", True)]
    filtered = SearchQuery("devices", code_filters={"segment": ("cardiac",)})
    assert found(search(SYSTEM, filtered)) == [("profile", "Coded devices offer")]


def test_profiles_take_their_place_from_the_owner_sites(lexical_only, bologna):
    near = organisation("Near owner", "Software")
    factories.SiteFactory(organisation=near)  # Mirandola
    far = organisation("Far owner", "Software")
    factories.SiteFactory(organisation=far, municipality=bologna)
    profile(near, "Near filter offer", "Filters")
    profile(far, "Far filter offer", "Filters")
    point = {"latitude": 44.887207, "longitude": 11.066106}
    results = search(SYSTEM, SearchQuery("filter offer", distance_km=10, **point))
    assert [(r.name, r.reasons.distance_km) for r in results] == [("Near filter offer", 0.0)]
    in_bologna = search(SYSTEM, SearchQuery("filter offer", municipalities=("037006",)))
    assert [r.name for r in in_bologna] == ["Far filter offer"]


def test_summary_follows_the_active_language_with_fallback(lexical_only):
    organisation("Both", "Blood filters", "Filtri per il sangue")
    organisation("Italian only", summary_it="Filtri per dialisi")
    with translation.override("it"):
        italian = {r.name: r.summary for r in search(SYSTEM, SearchQuery("filtri"))}
    english = {r.name: r.summary for r in search(SYSTEM, SearchQuery("filtri"))}
    assert italian == {"Both": "Filtri per il sangue", "Italian only": "Filtri per dialisi"}
    assert english == {"Both": "Blood filters", "Italian only": "Filtri per dialisi"}


def test_saving_and_deleting_a_profile_or_its_codes_reaches_the_index(lexical_only, segments):
    owner = organisation("Owner", "Software")
    offer = profile(owner, "Devices offer", "Devices")
    assert search(SYSTEM, SearchQuery("dialisi")) == []
    offer.codes.add(segments["dialysis"])
    assert found(search(SYSTEM, SearchQuery("dialisi"))) == [("profile", "Devices offer")]
    offer.summary = "Oxygenators"
    offer.save()
    assert found(search(SYSTEM, SearchQuery("oxygenators"))) == [("profile", "Devices offer")]
    offer.delete()
    assert search(SYSTEM, SearchQuery("oxygenators")) == []
