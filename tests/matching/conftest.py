"""Search fixtures: a small hand-made registry, and lexical-only search unless a test embeds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def lexical_only(db, settings):
    """Rankings that the test can state exactly: no embedding model in the way."""
    settings.SEARCH_EMBEDDER = "none"


@pytest.fixture
def bologna(db):
    return factories.MunicipalityFactory(
        istat_code="037006",
        name="Bologna",
        province="BO",
        latitude=Decimal("44.494887"),
        longitude=Decimal("11.342616"),
    )


@pytest.fixture
def segments(db):
    """A two-level segment hierarchy: cardiac > ecmo, and a separate dialysis segment."""
    taxonomy = factories.TaxonomyFactory(slug="segment")
    cardiac = factories.CodeFactory(
        taxonomy=taxonomy, code="cardiac", label_it="Cardiochirurgia", label_en="Cardiac surgery"
    )
    ecmo = factories.CodeFactory(
        taxonomy=taxonomy, code="ecmo", label_it="ECMO", label_en="ECMO", parent=cardiac, level=2
    )
    dialysis = factories.CodeFactory(
        taxonomy=taxonomy, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    return {"cardiac": cardiac, "ecmo": ecmo, "dialysis": dialysis}


def organisation(name: str, summary_en: str = "", summary_it: str = "", **fields):
    return factories.OrganisationFactory(
        name=name, summary_en=summary_en, summary_it=summary_it, **fields
    )
