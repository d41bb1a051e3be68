"""Saved-search fixtures: lexical-only search (rankings the tests can state), a site address."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def lexical_only(db, settings):
    """No embedding model in the way: a result matches by its words and codes."""
    settings.SEARCH_EMBEDDER = "none"
    settings.SITE_URL = "https://district.example"


def organisation(name: str, summary_en: str, **fields):
    return factories.OrganisationFactory(
        name=name, summary_en=summary_en, summary_it=fields.pop("summary_it", ""), **fields
    )


@pytest.fixture
def alice(db):
    return factories.UserFactory(username="alice", email="alice@example.org", language="en")


@pytest.fixture
def bob(db):
    return factories.UserFactory(username="bob", email="bob@example.org", language="en")


def params(q: str, **more: list[str]) -> dict[str, list[str]]:
    return {"q": [q], **more}
