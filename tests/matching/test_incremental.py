"""Incremental updates: a few saved changes update those records, with a full build's results."""

from __future__ import annotations

import pytest
from django.db import transaction

from distretto.accounts.services import SYSTEM
from distretto.matching import index as search_index
from distretto.matching.services import SearchQuery, search
from tests import factories
from tests.matching.conftest import organisation
from tests.matching.test_profiles import profile

QUERIES = ["oxygenators", "blood filters", "dialisi", "Bologna", "pumps offer", "software"]


def answers():
    return {
        q: [(r.type, r.id, r.score, r.reasons.distance_km) for r in search(SYSTEM, SearchQuery(q))]
        for q in QUERIES
    }


def tokenizer():
    parts = search_index.get_index().parts
    assert parts is not None
    return parts.tokenizer


def test_a_few_changes_update_the_index_as_a_full_build_would(lexical_only, segments, bologna):
    alpha = organisation("Alpha", "Oxygenators and blood filters")
    beta = organisation("Beta", "Blood filters")
    gamma = organisation("Gamma", "Software for hospitals")
    offer = profile(beta, "Pumps offer", "Blood pumps")
    profile(gamma, "Software offer", "Hospital software")
    before = answers()
    built = tokenizer()

    alpha.summary_en = "Dialysis machines"
    alpha.save()
    beta.codes.add(segments["dialysis"])
    factories.SiteFactory(organisation=beta, municipality=bologna)  # its offer is placed too
    gamma.status = "archived"
    gamma.save()
    offer.summary = "Oxygenators and pumps"
    offer.save()
    organisation("Delta", "Oxygenators")
    profile(alpha, "Filters request", "Blood filters wanted", profile_type="technology_request")

    updated = answers()
    assert tokenizer() is built  # updated, not built afresh
    assert updated != before
    search_index.rebuild()
    assert tokenizer() is not built
    assert answers() == updated


def test_deleting_records_updates_the_index(lexical_only):
    alpha = organisation("Alpha", "Oxygenators")
    offer = profile(alpha, "Oxygenator offer", "Oxygenators")
    assert len(search(SYSTEM, SearchQuery("oxygenators"))) == 2
    built = tokenizer()
    offer.delete()
    assert [r.name for r in search(SYSTEM, SearchQuery("oxygenators"))] == ["Alpha"]
    alpha.delete()
    assert search(SYSTEM, SearchQuery("oxygenators")) == []
    assert tokenizer() is built


def test_a_code_label_change_builds_afresh(lexical_only, segments):
    organisation("Coded", "Devices").codes.add(segments["dialysis"])
    assert search(SYSTEM, SearchQuery("hemodialysis")) == []
    built = tokenizer()
    segments["dialysis"].label_en = "Hemodialysis"
    segments["dialysis"].save()
    assert [r.name for r in search(SYSTEM, SearchQuery("hemodialysis"))] == ["Coded"]
    assert tokenizer() is not built


def test_a_rolled_back_change_leaves_the_index(lexical_only):
    organisation("Alpha", "Software")
    assert search(SYSTEM, SearchQuery("oxygenators")) == []

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        organisation("Beta", "Oxygenators")
        # Seen inside its transaction, by an update...
        assert [r.name for r in search(SYSTEM, SearchQuery("oxygenators"))] == ["Beta"]
        raise Undo
    # ...and gone with it: the index notices that its last change is no more.
    assert search(SYSTEM, SearchQuery("oxygenators")) == []


def test_many_changes_build_afresh(lexical_only, settings, monkeypatch):
    monkeypatch.setattr(search_index, "INCREMENTAL_MAX", 2)
    organisation("Alpha", "Oxygenators")
    search(SYSTEM, SearchQuery("oxygenators"))
    built = tokenizer()
    for n in range(3):
        organisation(f"Firm {n}", "Oxygenators")
    assert len(search(SYSTEM, SearchQuery("oxygenators"))) == 4
    assert tokenizer() is not built


def test_old_changes_are_forgotten(lexical_only):
    from datetime import timedelta

    from django.utils import timezone

    from distretto.matching.models import IndexChange

    organisation("Alpha", "Oxygenators")
    organisation("Beta", "Oxygenators")
    old, recent = IndexChange.objects.order_by("id")[:2]
    IndexChange.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert search_index.prune_changes() == 1
    assert list(IndexChange.objects.values_list("pk", flat=True)) == [recent.pk]
