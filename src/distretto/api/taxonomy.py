"""Reference data: taxonomies with their codes, and municipalities. Public, read-only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from distretto.api.pagination import paginate
from distretto.api.schemas import (
    CodePage,
    CodeQuery,
    ErrorOut,
    MunicipalityPage,
    MunicipalityQuery,
    TaxonomyOut,
)
from distretto.taxonomy import queries as taxonomy_queries
from distretto.taxonomy.models import Code, Municipality, Taxonomy

router = Router(tags=["taxonomies"])


def taxonomy_out(taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "slug": taxonomy.slug,
        "name_it": taxonomy.name_it,
        "name_en": taxonomy.name_en,
        "description_it": taxonomy.description_it,
        "description_en": taxonomy.description_en,
        "hierarchical": taxonomy.hierarchical,
        "is_filter": taxonomy.is_filter,
        "code_count": getattr(taxonomy, "code_count", 0),
    }


def code_item(taxonomy_slug: str) -> Any:
    def serialise(code: Code) -> dict[str, Any]:
        return {
            "code": code.code,
            "reference": f"{taxonomy_slug}:{code.code}",
            "label_it": code.label_it,
            "label_en": code.label_en,
            "parent": code.parent.code if code.parent is not None else None,
            "level": code.level,
        }

    return serialise


def municipality_out(municipality: Municipality) -> dict[str, Any]:
    return {
        "istat_code": municipality.istat_code,
        "name": municipality.name,
        "province": municipality.province,
        "nuts3": municipality.nuts3,
        "latitude": float(municipality.latitude),
        "longitude": float(municipality.longitude),
    }


@router.get("/taxonomies", response=list[TaxonomyOut], summary="List taxonomies")
def list_taxonomies(request: HttpRequest) -> Any:
    """Every code list (segments, process steps, certifications, ATECO, EMDN, ...) with
    its number of codes. ``is_filter`` marks those the directory filters by.
    """
    return [taxonomy_out(t) for t in taxonomy_queries.taxonomy_list()]


@router.get(
    "/taxonomies/{slug}/codes",
    response={200: CodePage, 404: ErrorOut, 422: ErrorOut},
    summary="List the codes of a taxonomy",
)
def list_codes(request: HttpRequest, slug: str, query: Query[CodeQuery]) -> Any:
    """The codes of one taxonomy with Italian and English labels, in the taxonomy's order;
    ``parent`` lists only that code's children. Paginated by ``limit`` and ``offset``.
    """
    codes = taxonomy_queries.taxonomy_codes(slug, query.parent)
    return paginate(codes, query.limit, query.offset, code_item(slug))


@router.get(
    "/municipalities",
    response={200: MunicipalityPage, 422: ErrorOut},
    summary="List municipalities",
)
def list_municipalities(request: HttpRequest, query: Query[MunicipalityQuery]) -> Any:
    """Municipalities by ISTAT code, with their centre (where sites without coordinates
    are drawn). ``q`` matches part of the name or the exact ISTAT code.
    """
    municipalities = taxonomy_queries.municipality_list(query.q, query.province)
    return paginate(municipalities, query.limit, query.offset, municipality_out)
