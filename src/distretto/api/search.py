"""Search: organisations ranked for a need, each with the reasons it fits. Public, read-only.

The handler parses the query string and calls ``matching.services.search``; bad
input comes back as a 422 naming the parameter (``q``, ``limit``, ``distance_km``...).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from distretto.api.schemas import ErrorOut
from distretto.matching import services

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    kind: list[str] = []
    municipality: list[str] = []
    segment: list[str] = []
    process_step: list[str] = []
    certification: list[str] = []
    value_chain: list[str] = []
    code: list[str] = []
    lat: float | None = None
    lon: float | None = None
    distance_km: float | None = None
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


class SearchResultOut(Schema):
    type: str
    id: int
    name: str
    slug: str
    score: float
    reasons: ReasonsOut


class SearchOut(Schema):
    count: int
    items: list[SearchResultOut]


@router.get(
    "/search",
    response={200: SearchOut, 422: ErrorOut},
    summary="Search organisations",
    description=(
        "Published organisations ranked for the text `q` (Italian or English), fusing "
        "lexical, semantic and code relevance. Filters: `kind`, `municipality` (ISTAT code), "
        "`segment`, `process_step`, `certification`, `value_chain` (codes; a code accepts "
        "its sub-codes), `lat`+`lon`+`distance_km`. `code` (taxonomy:code) ranks without "
        "filtering. `limit` 1–100 (default 10). Each item carries its `reasons`."
    ),
)
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    query = services.SearchQuery(
        text=params.q,
        kinds=tuple(params.kind),
        municipalities=tuple(params.municipality),
        code_filters={name: tuple(getattr(params, name)) for name in services.CODE_FILTERS},
        codes=tuple(params.code),
        latitude=params.lat,
        longitude=params.lon,
        distance_km=params.distance_km,
        limit=params.limit,
    )
    results = services.search(request.user, query)
    return {"count": len(results), "items": [r.as_dict() for r in results]}
