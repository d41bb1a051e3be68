"""GET /api/v1/taxonomies, /taxonomies/{slug}/codes and /municipalities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories
from tests.api.conftest import problems


@pytest.fixture
def steps(db):
    taxonomy = factories.TaxonomyFactory(
        slug="process_step",
        name_it="Fasi",
        name_en="Process steps",
        hierarchical=True,
        sort_order=20,
    )
    sterilisation = factories.CodeFactory(
        taxonomy=taxonomy,
        code="sterilisation",
        label_it="Sterilizzazione",
        label_en="Sterilisation",
        sort_order=1,
    )
    for n, (code, it, en) in enumerate(
        [("eto", "Ossido di etilene", "Ethylene oxide"), ("gamma", "Raggi gamma", "Gamma")]
    ):
        factories.CodeFactory(
            taxonomy=taxonomy,
            code=code,
            label_it=it,
            label_en=en,
            parent=sterilisation,
            level=2,
            sort_order=2 + n,
        )
    return taxonomy


def test_list_taxonomies_with_code_counts(api, steps):
    factories.TaxonomyFactory(slug="ateco", name_it="ATECO", name_en="ATECO", is_filter=False)

    response = api.get("/api/v1/taxonomies")

    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "process_step",
            "name_it": "Fasi",
            "name_en": "Process steps",
            "description_it": "",
            "description_en": "",
            "hierarchical": True,
            "is_filter": True,
            "code_count": 3,
        },
        {
            "slug": "ateco",
            "name_it": "ATECO",
            "name_en": "ATECO",
            "description_it": "",
            "description_en": "",
            "hierarchical": False,
            "is_filter": False,
            "code_count": 0,
        },
    ]


def test_list_codes_in_taxonomy_order_with_both_labels(api, steps):
    response = api.get("/api/v1/taxonomies/process_step/codes", {"limit": 2})

    assert response.json() == {
        "count": 3,
        "items": [
            {
                "code": "sterilisation",
                "reference": "process_step:sterilisation",
                "label_it": "Sterilizzazione",
                "label_en": "Sterilisation",
                "parent": None,
                "level": 1,
            },
            {
                "code": "eto",
                "reference": "process_step:eto",
                "label_it": "Ossido di etilene",
                "label_en": "Ethylene oxide",
                "parent": "sterilisation",
                "level": 2,
            },
        ],
        "next_offset": 2,
    }


def test_list_codes_parent_filter_gives_children(api, steps):
    response = api.get("/api/v1/taxonomies/process_step/codes", {"parent": "sterilisation"})

    assert [item["code"] for item in response.json()["items"]] == ["eto", "gamma"]
    assert response.json()["count"] == 2


def test_list_codes_unknown_parent_is_422(api, steps):
    response = api.get("/api/v1/taxonomies/process_step/codes", {"parent": "nope"})

    assert response.status_code == 422
    assert response.json() == problems(("parent", "Unknown code nope in this taxonomy."))


def test_list_codes_unknown_taxonomy_is_404(api, db):
    response = api.get("/api/v1/taxonomies/nothing/codes")

    assert response.status_code == 404
    assert response.json() == problems((None, "No such taxonomy."))


def test_list_codes_query_count_does_not_grow_with_rows(api, db, django_assert_num_queries):
    # taxonomy, parent code, count, page
    parent = factories.CodeFactory(code="root")
    factories.CodeFactory(code="c1", parent=parent)
    with django_assert_num_queries(4):
        one = api.get("/api/v1/taxonomies/segment/codes", {"parent": "root"})
    factories.CodeFactory(code="c2", parent=parent)
    factories.CodeFactory(code="c3", parent=parent)
    with django_assert_num_queries(4):
        three = api.get("/api/v1/taxonomies/segment/codes", {"parent": "root"})

    assert (one.json()["count"], three.json()["count"]) == (1, 3)


def test_list_municipalities_filters_by_name_code_and_province(api, db):
    factories.MunicipalityFactory()
    factories.MunicipalityFactory(
        istat_code="036021",
        name="Medolla",
        latitude=Decimal("44.849000"),
        longitude=Decimal("11.071000"),
    )
    factories.MunicipalityFactory(istat_code="038001", name="Argenta", province="FE")

    everything = api.get("/api/v1/municipalities")
    by_name = api.get("/api/v1/municipalities", {"q": "medo"})
    by_code = api.get("/api/v1/municipalities", {"q": "036022"})
    by_province = api.get("/api/v1/municipalities", {"province": "fe"})

    assert [m["name"] for m in everything.json()["items"]] == ["Argenta", "Medolla", "Mirandola"]
    assert by_name.json() == {
        "count": 1,
        "items": [
            {
                "istat_code": "036021",
                "name": "Medolla",
                "province": "MO",
                "nuts3": "ITH54",
                "latitude": 44.849,
                "longitude": 11.071,
            }
        ],
        "next_offset": None,
    }
    assert [m["name"] for m in by_code.json()["items"]] == ["Mirandola"]
    assert [m["name"] for m in by_province.json()["items"]] == ["Argenta"]


def test_list_municipalities_query_count_does_not_grow_with_rows(
    api, db, django_assert_num_queries
):
    factories.MunicipalityFactory()
    with django_assert_num_queries(2):
        one = api.get("/api/v1/municipalities")
    factories.MunicipalityFactory(istat_code="036021", name="Medolla")
    factories.MunicipalityFactory(istat_code="036023", name="Mirabello")
    with django_assert_num_queries(2):
        three = api.get("/api/v1/municipalities")

    assert (one.json()["count"], three.json()["count"]) == (1, 3)


def test_list_taxonomies_query_count_does_not_grow_with_rows(api, db, django_assert_num_queries):
    factories.TaxonomyFactory(slug="segment")
    with django_assert_num_queries(1):
        one = api.get("/api/v1/taxonomies")
    factories.TaxonomyFactory(slug="process_step")
    factories.TaxonomyFactory(slug="certification")
    with django_assert_num_queries(1):
        three = api.get("/api/v1/taxonomies")

    assert (len(one.json()), len(three.json())) == (1, 3)
