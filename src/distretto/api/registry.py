"""Organisations: the directory, one record, and the writes (create, change, status).

Handlers are thin: parse, call the registry services (which check permission and
open the transaction), serialise. Errors go through ``api.errors``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.pagination import paginate
from distretto.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    OrganisationChange,
    OrganisationCreate,
    OrganisationDetail,
    OrganisationPage,
    OrganisationQuery,
    StatusChange,
)
from distretto.api.versions import IF_MATCH, seen_version
from distretto.registry import queries, services
from distretto.registry.models import (
    Organisation,
    ProgrammeParticipant,
    ProjectPartner,
    Site,
    Tie,
)
from distretto.taxonomy import queries as taxonomy_queries
from distretto.taxonomy.models import Code, Municipality

router = Router(tags=["organisations"])

# The query parameters that filter by the codes of one taxonomy, and that taxonomy's slug.
CODE_FILTERS = {
    "segment": "segment",
    "process_step": "process_step",
    "certification": "certification",
    "value_chain": "value_chain",
}


# --- serialising --------------------------------------------------------------------


def organisation_ref(organisation: Organisation) -> dict[str, Any]:
    return {"slug": organisation.slug, "name": organisation.name}


def municipality_ref(municipality: Municipality) -> dict[str, Any]:
    return {
        "istat_code": municipality.istat_code,
        "name": municipality.name,
        "province": municipality.province,
    }


def code_out(code: Code) -> dict[str, Any]:
    return {
        "code": code.code,
        "reference": f"{code.taxonomy.slug}:{code.code}",
        "label_it": code.label_it,
        "label_en": code.label_en,
    }


def organisation_summary(organisation: Organisation) -> dict[str, Any]:
    """A directory entry; reads only what ``queries.directory`` prefetches."""
    municipalities: dict[str, Municipality] = {}
    for site in organisation.sites.all():
        municipalities.setdefault(site.municipality.istat_code, site.municipality)
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "kind_label": str(organisation.get_kind_display()),
        "summary_it": organisation.summary_it,
        "summary_en": organisation.summary_en,
        "website": organisation.website,
        "status": organisation.status,
        "municipalities": [municipality_ref(m) for m in municipalities.values()],
        "codes": sorted(f"{c.taxonomy.slug}:{c.code}" for c in organisation.codes.all()),
        "updated_at": organisation.updated_at,
    }


def site_out(site: Site) -> dict[str, Any]:
    latitude, longitude = site.point
    return {
        "name": site.name,
        "address": site.address,
        "municipality": municipality_ref(site.municipality),
        "latitude": latitude,
        "longitude": longitude,
        "exact_position": site.has_exact_position,
        "is_headquarters": site.is_headquarters,
        "activities_it": site.activities_it,
        "activities_en": site.activities_en,
        "source": site.source,
    }


def tie_out(tie: Tie, organisation: Organisation) -> dict[str, Any]:
    outgoing = tie.from_organisation_id == organisation.pk
    other = tie.to_organisation if outgoing else tie.from_organisation
    step = tie.process_step
    return {
        "kind": tie.kind,
        "kind_label": str(tie.get_kind_display()),
        "direction": "outgoing" if outgoing else "incoming",
        "organisation": organisation_ref(other),
        "process_step": code_out(step) if step is not None else None,
        "year_from": tie.year_from,
        "year_to": tie.year_to,
        "note_it": tie.note_it,
        "note_en": tie.note_en,
        "source": tie.source,
    }


def organisation_detail(page: queries.OrganisationPage) -> dict[str, Any]:
    """Everything the caller may see about one organisation (``queries.organisation_page``)."""
    org = page.organisation
    return {
        "slug": org.slug,
        "name": org.name,
        "legal_name": org.legal_name,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "summary_it": org.summary_it,
        "summary_en": org.summary_en,
        "description_it": org.description_it,
        "description_en": org.description_en,
        "website": org.website,
        "founded": org.founded,
        "staff_band": org.staff_band,
        "staff_year": org.staff_year,
        "turnover_band": org.turnover_band,
        "turnover_year": org.turnover_year,
        "vat_number": org.vat_number,
        "status": org.status,
        "status_label": str(org.get_status_display()),
        "version": org.version,
        "parent": organisation_ref(page.parent) if page.parent is not None else None,
        "group_companies": [organisation_ref(o) for o in page.group_companies],
        "sites": [site_out(site) for site in page.sites],
        "codes": [
            {
                "taxonomy": taxonomy.slug,
                "name_it": taxonomy.name_it,
                "name_en": taxonomy.name_en,
                "codes": [code_out(code) for code in codes],
            }
            for taxonomy, codes in page.code_groups
        ],
        "facts": [
            {"text_it": f.text_it, "text_en": f.text_en, "period": f.period, "source": f.source}
            for f in org.facts.all()
        ],
        "ties": [tie_out(tie, org) for tie in page.ties],
        "people": [
            {
                "full_name": contact.person.full_name,
                "role": contact.person.role,
                "email": contact.person.email if contact.show_contact_details else None,
                "phone": contact.person.phone if contact.show_contact_details else None,
            }
            for contact in page.people
        ],
        "projects": [
            {
                "slug": p.record.project.slug,
                "name": str(p.record.project),
                "role": str(p.record.get_role_display()),
                "partners": [organisation_ref(o) for o in p.others],
            }
            for p in page.projects
            if isinstance(p.record, ProjectPartner)
        ],
        "programmes": [
            {
                "slug": p.record.programme.slug,
                "name": str(p.record.programme),
                "role": p.record.tr("role"),
                "partners": [organisation_ref(o) for o in p.others],
            }
            for p in page.programmes
            if isinstance(p.record, ProgrammeParticipant)
        ],
        "source": org.source,
        "may_edit": page.can_edit,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


# --- parsing ------------------------------------------------------------------------


def directory_filters(query: OrganisationQuery) -> queries.DirectoryFilters:
    codes: dict[str, list[str]] = {}
    for parameter, taxonomy_slug in CODE_FILTERS.items():
        if getattr(query, parameter):
            codes.setdefault(taxonomy_slug, []).extend(getattr(query, parameter))
    for reference in query.code:
        taxonomy_slug, _colon, code = reference.strip().partition(":")
        codes.setdefault(taxonomy_slug, []).append(code)
    return queries.DirectoryFilters(
        text=query.q,
        kinds=tuple(query.kind),
        municipalities=tuple(query.municipality),
        codes={slug: tuple(values) for slug, values in codes.items()},
        statuses=tuple(query.status),
    )


def _fields(payload: OrganisationCreate | OrganisationChange, only_given: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=only_given)
    data.pop("codes", None)
    data.pop("version", None)
    return data


# --- endpoints ----------------------------------------------------------------------


@router.get(
    "/organisations",
    response={200: OrganisationPage, **READ_ERRORS},
    summary="List organisations",
    openapi_extra=READ_SECURITY,
)
def list_organisations(request: HttpRequest, query: Query[OrganisationQuery]) -> Any:
    """The directory: published organisations (facilitators see all, and may filter by
    ``status``). Within one filter the values are alternatives; different filters all apply.
    Ordered by name; paginated by ``limit`` (default 50, at most 200) and ``offset``.
    """
    organisations = queries.directory(acting_user(request), directory_filters(query))
    return paginate(organisations, query.limit, query.offset, organisation_summary)


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationDetail, **READ_ERRORS},
    summary="One organisation",
    openapi_extra=READ_SECURITY,
)
def get_organisation(request: HttpRequest, slug: str) -> Any:
    """Everything the caller may see about one organisation. Drafts answer 404 except to
    facilitators and the organisation's own members; ties and partners are limited to
    visible organisations; contact people appear only as far as each consented.
    """
    return organisation_detail(queries.organisation_page(acting_user(request), slug))


@router.post(
    "/organisations",
    response={201: OrganisationDetail, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Add an organisation",
)
def create_organisation(request: HttpRequest, payload: OrganisationCreate) -> Any:
    """Add an organisation as a draft (facilitators only). Codes are given as
    ``taxonomy:code``; an unknown code, an invalid VAT number, a founding year in the
    future or a VAT number already registered answer 422 naming the field.
    """
    user = authenticated_user(request)
    codes = taxonomy_queries.resolve_codes(payload.codes)
    organisation = services.create_organisation(user, _fields(payload, False), codes)
    return Status(201, organisation_detail(queries.organisation_page(user, organisation.slug)))


@router.patch(
    "/organisations/{slug}",
    response={200: OrganisationDetail, **WRITE_ERRORS, 409: ErrorOut},
    auth=WRITE_AUTH,
    summary="Change an organisation",
    openapi_extra=IF_MATCH,
)
def update_organisation(request: HttpRequest, slug: str, payload: OrganisationChange) -> Any:
    """Change the fields given in the body, leaving the others as they are (facilitators,
    or an administrator of that organisation). ``codes``, when given, replaces all codes.
    With the ``version`` read (in the body or as ``If-Match``), a change made after someone
    else saved the organisation is refused with 409 and nothing changes: read it again.
    """
    user = authenticated_user(request)
    organisation = queries.get_organisation(user, slug)
    version = seen_version(request, payload.version)
    given = payload.model_fields_set
    codes = taxonomy_queries.resolve_codes(payload.codes) if "codes" in given else None
    services.update_organisation(user, organisation, _fields(payload, True), codes, version=version)
    return organisation_detail(queries.organisation_page(user, slug))


@router.post(
    "/organisations/{slug}/status",
    response={200: OrganisationDetail, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Change an organisation's publication status",
)
def set_status(request: HttpRequest, slug: str, payload: StatusChange) -> Any:
    """Move a record between draft, review, published and archived. Facilitators move it
    anywhere; an organisation's administrator may only submit its draft for review.
    """
    user = authenticated_user(request)
    organisation = queries.get_organisation(user, slug)
    services.set_status(user, organisation, payload.status)
    return organisation_detail(queries.organisation_page(user, slug))
