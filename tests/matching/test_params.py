"""The search as query parameters and back (search page, API, saved searches)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from distretto.matching.params import query_from_params, query_to_params
from distretto.matching.services import RECORD_TYPES, SearchQuery
from tests.api.conftest import problems
from tests.matching.conftest import organisation
from tests.matching.test_profiles import profile


def errors_of(params) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        query_from_params(params)
    return raised.value.message_dict


def test_a_query_string_becomes_a_query():
    params = QueryDict(
        "q=ossigenatori&type=profile&profile_type=technology_offer&kind=sme&kind=startup"
        "&municipality=036022&segment=ecmo&process_step=sterilisation&certification=iso13485"
        "&value_chain=cardio&code=segment:dialysis&lat=44.88&lon=11,06&distance_km=10&limit=5"
    )
    assert query_from_params(params) == SearchQuery(
        text="ossigenatori",
        kinds=("sme", "startup"),
        municipalities=("036022",),
        code_filters={
            "segment": ("ecmo",),
            "process_step": ("sterilisation",),
            "certification": ("iso13485",),
            "value_chain": ("cardio",),
        },
        codes=("segment:dialysis",),
        latitude=44.88,
        longitude=11.06,
        distance_km=10.0,
        limit=5,
        types=("profile",),
        profile_types=("technology_offer",),
    )


def test_defaults_and_all_types():
    assert query_from_params({}) == SearchQuery("")
    assert query_from_params({"q": "x", "type": "all"}).types == RECORD_TYPES
    assert query_from_params({"q": ["x"], "type": ["organisation", ""]}).types == ("organisation",)
    assert query_from_params({"q": "x", "limit": ""}).limit == 10


def test_bad_values_are_refused_naming_each_field():
    assert errors_of(
        {"q": "x", "lat": "north", "lon": "nan", "distance_km": "inf", "limit": "many"}
    ) == {
        "lat": ["Enter a number."],
        "lon": ["Enter a number."],
        "distance_km": ["Enter a number."],
        "limit": ["Enter a whole number."],
    }
    assert errors_of({"q": "x", "type": ["profile", "castle"]}) == {
        "type": ["Unknown type: castle. Choose among: organisation, profile, all."]
    }


def test_params_round_trip():
    query = query_from_params(
        {"q": "filters", "type": "profile", "segment": ["ecmo"], "lat": "44.5", "lon": "11"}
    )
    assert query_to_params(query) == {
        "q": ["filters"],
        "type": ["profile"],
        "segment": ["ecmo"],
        "lat": ["44.5"],
        "lon": ["11"],
    }
    assert query_from_params(query_to_params(query)) == query


words = st.text(alphabet="abcdefgh_:", min_size=1, max_size=8)


@given(
    text=st.text(max_size=30).map(str.strip),
    types=st.sampled_from([RECORD_TYPES, ("organisation",), ("profile",)]),
    kinds=st.lists(words, max_size=3, unique=True).map(tuple),
    segments=st.lists(words, max_size=3, unique=True).map(tuple),
    point=st.one_of(
        st.none(),
        st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)),
    ),
    limit=st.integers(1, 100),
)
def test_any_query_survives_the_round_trip(text, types, kinds, segments, point, limit):
    query = SearchQuery(
        text=text,
        kinds=kinds,
        code_filters={"segment": segments} if segments else {},
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        limit=limit,
        types=types,
    )
    assert query_from_params(query_to_params(query)) == query


# --- the API door ----------------------------------------------------------------------


@pytest.fixture
def api():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def api_registry(lexical_only):
    owner = organisation("Alpha", "Oxygenators and blood filters", slug="alpha")
    profile(owner, "Oxygenator offer", "Oxygenators to license")


def test_api_returns_profiles_with_type_owner_and_url(api_registry, api):
    body = api.get("/api/v1/search", {"q": "oxygenators", "type": "profile"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("type", "name", "subtype", "summary", "owner")} == {
        "type": "profile",
        "name": "Oxygenator offer",
        "subtype": "technology_offer",
        "summary": "Oxygenators to license",
        "owner": "Alpha",
    }
    assert item["url"] == f"/en/profiles/{item['id']}/"
    assert item["reasons"]["complementary"] == []
    both = api.get("/api/v1/search", {"q": "oxygenators", "type": "all"}).json()
    assert sorted(i["type"] for i in both["items"]) == ["organisation", "profile"]


def test_api_refuses_bad_parameters_with_422_naming_them(api_registry, api):
    cases = [
        ({"type": "castle"}, "type"),
        ({"profile_type": "gift"}, "profile_type"),
        ({"lat": "nan", "lon": "11"}, "lat"),
        ({"lat": "44", "lon": "11", "distance_km": "-1"}, "distance_km"),
        ({"lat": "95", "lon": "11"}, "lat"),
        ({"limit": "100000000000000000000000"}, "limit"),
        ({"segment": "nope"}, "segment"),
        ({"code": "nonsense"}, "codes"),
    ]
    for params, field in cases:
        response = api.get("/api/v1/search", {"q": "filters", **params})
        assert response.status_code == 422, params
        assert [d["field"] for d in response.json()["detail"]] == [field], params


def test_api_number_errors_name_the_field(api_registry, api):
    response = api.get("/api/v1/search", {"q": "filters", "lat": "north", "lon": "11"})
    assert (response.status_code, response.json()) == (422, problems(("lat", "Enter a number.")))
    response = api.get("/api/v1/search", {"q": "filters", "limit": "many"})
    assert (response.status_code, response.json()) == (
        422,
        problems(("limit", "Enter a whole number.")),
    )
