"""The JSON shapes of the API. Texts come in both languages (``*_it``, ``*_en``);
``*_label`` fields are in the request's language (``Accept-Language``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from distretto.api.versions import VERSION_DESCRIPTION
from distretto.registry.enums import OrganisationKind, StaffBand, Status, TurnoverBand

MAX_PAGE = 200
DEFAULT_PAGE = 50


# --- errors -------------------------------------------------------------------------


class Problem(Schema):
    field: str | None = Field(description="The request field at fault; null for the whole request.")
    message: str = Field(description="What is wrong and how to fix it, in the request's language.")


class ErrorOut(Schema):
    detail: list[Problem]


# The error answers an endpoint documents: reading, and writing (which adds 400 and 403).
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


# --- reference data -----------------------------------------------------------------


class MunicipalityRef(Schema):
    istat_code: str
    name: str
    province: str


class MunicipalityOut(MunicipalityRef):
    nuts3: str
    latitude: float
    longitude: float


class TaxonomyOut(Schema):
    slug: str
    name_it: str
    name_en: str
    description_it: str
    description_en: str
    hierarchical: bool
    is_filter: bool = Field(description="Offered as a directory filter.")
    code_count: int


class CodeOut(Schema):
    code: str
    reference: str = Field(description="`taxonomy:code`, the form writes and filters use.")
    label_it: str
    label_en: str


class CodeListItem(CodeOut):
    parent: str | None = Field(description="The parent's code in a hierarchical taxonomy.")
    level: int


class CodeGroup(Schema):
    taxonomy: str
    name_it: str
    name_en: str
    codes: list[CodeOut]


# --- organisations ------------------------------------------------------------------


class OrganisationRef(Schema):
    slug: str
    name: str


class SiteOut(Schema):
    name: str
    address: str
    municipality: MunicipalityRef
    latitude: float
    longitude: float
    exact_position: bool = Field(
        description="False when the site has no coordinates of its own and the "
        "municipality's centre stands in."
    )
    is_headquarters: bool
    activities_it: str
    activities_en: str
    source: str


class FactOut(Schema):
    text_it: str
    text_en: str
    period: str
    source: str


class TieOut(Schema):
    kind: str
    kind_label: str
    direction: str = Field(
        description="`outgoing`: this organisation → other; `incoming`: other → this."
    )
    organisation: OrganisationRef = Field(description="The organisation at the other end.")
    process_step: CodeOut | None
    year_from: int | None
    year_to: int | None
    note_it: str
    note_en: str
    source: str


class PersonOut(Schema):
    full_name: str
    role: str
    email: str | None = Field(description="Null unless the person agreed to be contacted.")
    phone: str | None = Field(description="Null unless the person agreed to be contacted.")


class ParticipationOut(Schema):
    slug: str
    name: str
    role: str
    partners: list[OrganisationRef]


class OrganisationSummary(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    summary_it: str
    summary_en: str
    website: str
    status: str
    municipalities: list[MunicipalityRef]
    codes: list[str] = Field(description="The organisation's codes as `taxonomy:code`.")
    updated_at: datetime


class OrganisationPage(Schema):
    count: int = Field(description="How many organisations match, over all pages.")
    items: list[OrganisationSummary]
    next_offset: int | None = Field(description="The `offset` of the next page; null on the last.")


class CodePage(Schema):
    count: int
    items: list[CodeListItem]
    next_offset: int | None


class MunicipalityPage(Schema):
    count: int
    items: list[MunicipalityOut]
    next_offset: int | None


class OrganisationDetail(Schema):
    slug: str
    name: str
    legal_name: str
    kind: str
    kind_label: str
    summary_it: str
    summary_en: str
    description_it: str
    description_en: str
    website: str
    founded: int | None
    staff_band: str
    staff_year: int | None
    turnover_band: str
    turnover_year: int | None
    vat_number: str
    status: str
    status_label: str
    version: int = Field(
        description="Bumped by every change; send it back with a change (or as If-Match)."
    )
    parent: OrganisationRef | None
    group_companies: list[OrganisationRef]
    sites: list[SiteOut]
    codes: list[CodeGroup]
    facts: list[FactOut]
    ties: list[TieOut]
    people: list[PersonOut]
    projects: list[ParticipationOut]
    programmes: list[ParticipationOut]
    source: str = Field(description="Where the facts of this record come from.")
    may_edit: bool = Field(description="Whether the caller may change this record.")
    created_at: datetime
    updated_at: datetime


# --- query parameters ---------------------------------------------------------------


def _check_choices(values: list[str], choices: list[str], what: str) -> list[str]:
    unknown = [v for v in values if v not in choices]
    if unknown:
        raise ValueError(
            _("Unknown %(what)s: %(values)s. Choose from: %(choices)s.")
            % {"what": what, "values": ", ".join(unknown), "choices": ", ".join(choices)}
        )
    return values


MAX_OFFSET = 1_000_000_000


class PageQuery(Schema):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Page size (at most 200).")
    # Bounded so that no database is asked for a row number it cannot hold.
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


class OrganisationQuery(PageQuery):
    q: str = Field(
        "", description="Words that must all appear (name, descriptions, codes, places)."
    )
    kind: list[str] = Field(
        default_factory=list,
        description="Organisation kinds (repeatable).",
        json_schema_extra={"items": {"type": "string", "enum": list(OrganisationKind.values)}},
    )
    municipality: list[str] = Field(
        default_factory=list, description="ISTAT codes of the sites' municipalities (repeatable)."
    )
    segment: list[str] = Field(default_factory=list, description="Market segment codes.")
    process_step: list[str] = Field(default_factory=list, description="Process step codes.")
    certification: list[str] = Field(default_factory=list, description="Certification codes.")
    value_chain: list[str] = Field(default_factory=list, description="Value chain codes.")
    code: list[str] = Field(
        default_factory=list,
        description="Codes of any taxonomy as `taxonomy:code`, e.g. `ateco:32.50.11`.",
    )
    status: list[str] = Field(
        default_factory=list,
        description="Publication statuses; facilitators only (others see published records).",
        json_schema_extra={"items": {"type": "string", "enum": list(Status.values)}},
    )

    @field_validator("kind")
    @classmethod
    def known_kinds(cls, value: list[str]) -> list[str]:
        return _check_choices(value, list(OrganisationKind.values), _("kind"))

    @field_validator("status")
    @classmethod
    def known_statuses(cls, value: list[str]) -> list[str]:
        return _check_choices(value, list(Status.values), _("status"))

    @field_validator("code")
    @classmethod
    def code_references(cls, value: list[str]) -> list[str]:
        malformed = [v for v in value if not all(v.strip().partition(":")[0::2])]
        if malformed:
            raise ValueError(
                _("Write codes as taxonomy:code, e.g. segment:dialysis (got: %(refs)s).")
                % {"refs": ", ".join(malformed)}
            )
        return value


class CodeQuery(PageQuery):
    parent: str = Field("", description="Only the children of this code.")


class MunicipalityQuery(PageQuery):
    q: str = Field("", description="Part of the name, or the ISTAT code.")
    province: str = Field("", description="Province abbreviation, e.g. MO.")


# --- writes -------------------------------------------------------------------------


def _enum(values: list[str], allow_empty: bool = False) -> dict[str, Any]:
    return {"enum": ([""] if allow_empty else []) + values}


class OrganisationFields(Schema):
    """The editable fields; validated by the registry's rules, which name the field at fault."""

    model_config = ConfigDict(extra="forbid")

    legal_name: str = ""
    summary_it: str = Field("", max_length=300)
    summary_en: str = Field("", max_length=300)
    description_it: str = ""
    description_en: str = ""
    website: str = ""
    founded: int | None = Field(None, description="Year; not in the future.")
    staff_band: str = Field("", json_schema_extra=_enum(list(StaffBand.values), True))
    staff_year: int | None = None
    turnover_band: str = Field("", json_schema_extra=_enum(list(TurnoverBand.values), True))
    turnover_year: int | None = None
    vat_number: str = Field(
        "", description="Italian (11 digits with check digit) or EU VAT number with country prefix."
    )
    source: str = Field("", description="Where the facts come from.")
    codes: list[str] = Field(
        default_factory=list, description="Codes as `taxonomy:code`, e.g. `segment:dialysis`."
    )


class OrganisationCreate(OrganisationFields):
    name: str
    kind: str = Field(json_schema_extra=_enum(list(OrganisationKind.values)))


class OrganisationChange(OrganisationFields):
    """Only the fields present in the body change; ``codes``, when given, replaces all codes."""

    name: str = ""
    kind: str = Field("", json_schema_extra=_enum(list(OrganisationKind.values)))
    codes: list[str] = Field(
        default_factory=list,
        description="When given, replaces all codes; as `taxonomy:code`.",
    )
    version: int | None = Field(None, ge=1, description=VERSION_DESCRIPTION)


class StatusChange(Schema):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(json_schema_extra=_enum(list(Status.values)))
