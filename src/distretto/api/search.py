"""Search: organisations and offers/requests ranked for a need, with reasons. Public, read-only.

The handler parses the query string with ``matching.params.query_from_params`` (the
parser the search page and saved searches use) and calls ``matching.services.search``;
bad input comes back as a 422 naming the parameter (``q``, ``type``, ``limit``...).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from distretto.api.schemas import ErrorOut
from distretto.matching import services
from distretto.matching.params import query_from_params

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    type: list[str] = []
    profile_type: list[str] = []
    kind: list[str] = []
    municipality: list[str] = []
    segment: list[str] = []
    process_step: list[str] = []
    certification: list[str] = []
    value_chain: list[str] = []
    code: list[str] = []
    # Numbers, read by the shared parser (a decimal comma is accepted, as on the search page).
    lat: str | None = Field(None, description="latitude, a number", examples=["44.887"])
    lon: str | None = Field(None, description="longitude, a number", examples=["11.066"])
    distance_km: str | None = Field(None, description="distance in km, a number", examples=["10"])
    limit: int = 10


class SharedCodeOut(Schema):
    taxonomy: str
    code: str
    label: str
    exact: bool


class ReasonsOut(Schema):
    terms: list[str]
    phrases: list[str]
    codes: list[SharedCodeOut]
    distance_km: float | None
    shares: dict[str, float]
    complementary: list[SharedCodeOut]


class SearchResultOut(Schema):
    type: str
    id: int
    name: str
    slug: str
    subtype: str
    summary: str
    url: str
    owner: str
    score: float
    reasons: ReasonsOut


class SearchOut(Schema):
    count: int
    items: list[SearchResultOut]


@router.get(
    "/search",
    response={200: SearchOut, 422: ErrorOut},
    summary="Search organisations and offers/requests",
    description=(
        "Published organisations and public cooperation profiles (offers and requests) "
        "ranked for the text `q` (Italian or English), fusing lexical, semantic and code "
        "relevance. `type`: organisation, profile, or all (default; repeatable). Filters: "
        "`profile_type`, `kind` (a profile: its owner's kind), `municipality` (ISTAT code), "
        "`segment`, `process_step`, `certification`, `value_chain` (codes; a code accepts "
        "its sub-codes), `lat`+`lon`+`distance_km`. `code` (taxonomy:code) ranks without "
        "filtering. `limit` 1–100 (default 10). Each item carries its `type`, `subtype` "
        "(kind or profile type), `summary`, page `url`, `owner` (a profile's organisation) "
        "and its `reasons`."
    ),
)
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    # ``params`` documents and type-checks the parameters; the shared parser reads them.
    query = query_from_params(request.GET)
    results = services.search(request.user, query)
    return {"count": len(results), "items": [r.as_dict() for r in results]}
