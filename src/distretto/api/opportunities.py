"""Cooperation profiles (offers and requests) and expressions of interest.

Handlers are thin: parse, call the opportunities queries and services (which check
permission and open the transaction), serialise. Errors go through ``api.errors``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, field_validator

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.pagination import paginate
from distretto.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    OrganisationRef,
    PageQuery,
    _check_choices,
    _enum,
)
from distretto.api.versions import IF_MATCH, VERSION_DESCRIPTION, seen_version
from distretto.opportunities import queries, services
from distretto.opportunities.domain import validation
from distretto.opportunities.enums import (
    DeclineReason,
    DevelopmentStage,
    IprStatus,
    PartnershipType,
    ProfileLanguage,
    ProfileStatus,
    ProfileType,
)
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from distretto.registry import queries as registry_queries
from distretto.registry.enums import OrganisationKind, StaffBand
from distretto.taxonomy import queries as taxonomy_queries

router = Router(tags=["offers and requests"])


# --- shapes -------------------------------------------------------------------------


class ProfileSummary(Schema):
    id: int
    profile_type: str
    profile_type_label: str
    title: str
    summary: str
    language: str
    owner: OrganisationRef
    codes: list[str]
    expires_on: date
    status: str
    updated_at: datetime


class ProfilePage(Schema):
    count: int
    items: list[ProfileSummary]
    next_offset: int | None


class ProfileDetail(ProfileSummary):
    version: int = Field(
        description="Bumped by every change; send it back with a change (or as If-Match)."
    )
    description: str
    advantages: str
    stage: str
    ipr_status: str
    partner_role: str
    partnership_types: list[str]
    partner_kinds: list[str]
    partner_sizes: list[str]
    target_countries: str
    target_regions: str
    contact: str | None
    call_programme: str
    call_identifier: str
    call_link: str
    call_interest_deadline: date | None
    call_deadline: date | None
    call_coordinator_required: bool
    call_budget: Decimal | None
    call_duration_months: int | None
    call_acronym: str
    status_label: str
    created_at: datetime


class ProfileQuery(PageQuery):
    type: list[str] = Field(
        default_factory=list,
        description="Profile types (repeatable).",
        json_schema_extra={"items": {"type": "string", "enum": list(ProfileType.values)}},
    )
    code: list[str] = Field(
        default_factory=list, description="Codes as `taxonomy:code`, e.g. `segment:dialysis`."
    )

    @field_validator("type")
    @classmethod
    def known_types(cls, value: list[str]) -> list[str]:
        return _check_choices(value, list(ProfileType.values), _("type"))

    @field_validator("code")
    @classmethod
    def code_references(cls, value: list[str]) -> list[str]:
        malformed = [v for v in value if not all(v.strip().partition(":")[0::2])]
        if malformed:
            raise ValueError(
                _("Write codes as taxonomy:code, e.g. segment:dialysis (got: %(refs)s).")
                % {"refs": ", ".join(malformed)}
            )
        return [v.strip() for v in value]


class ProfileFields(Schema):
    """Editable fields; limits and rules are checked by the services, which name the field."""

    model_config = ConfigDict(extra="forbid")

    title: str = ""
    summary: str = ""
    description: str = ""
    advantages: str = ""
    stage: str = Field("", json_schema_extra=_enum(list(DevelopmentStage.values), True))
    ipr_status: str = Field("", json_schema_extra=_enum(list(IprStatus.values), True))
    partner_role: str = ""
    partnership_types: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "enum": list(PartnershipType.values)}},
    )
    partner_kinds: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "enum": list(OrganisationKind.values)}},
    )
    partner_sizes: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "enum": list(StaffBand.values)}},
    )
    target_countries: str = ""
    target_regions: str = ""
    language: str = Field("it", json_schema_extra=_enum(list(ProfileLanguage.values)))
    expires_on: date | None = Field(None, description="Not in the past.")
    contact: int | None = Field(None, description="Id of a contact person of the owner.")
    call_programme: str = ""
    call_identifier: str = ""
    call_link: str = ""
    call_interest_deadline: date | None = None
    call_deadline: date | None = None
    call_coordinator_required: bool = False
    call_budget: Decimal | None = None
    call_duration_months: int | None = None
    call_acronym: str = ""
    codes: list[str] = Field(
        default_factory=list, description="Codes as `taxonomy:code`, e.g. `segment:dialysis`."
    )


class ProfileCreate(ProfileFields):
    owner: str = Field(description="Address name (slug) of the owner organisation.")
    profile_type: str = Field(json_schema_extra=_enum(list(ProfileType.values)))
    title: str
    summary: str
    description: str
    expires_on: date | None = Field(description="Not in the past.")


class ProfileChange(ProfileFields):
    """Only the fields present in the body change; ``codes``, when given, replaces all codes."""

    profile_type: str = Field("", json_schema_extra=_enum(list(ProfileType.values)))
    version: int | None = Field(None, ge=1, description=VERSION_DESCRIPTION)


class ProfileStatusChange(Schema):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(json_schema_extra=_enum(list(ProfileStatus.values)))


class InterestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(description="Address name (slug) of the sending organisation.")
    message: str = Field(max_length=validation.MESSAGE_MAX)


class InterestAnswer(Schema):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(json_schema_extra=_enum(["accept", "decline"]))
    reason: str = Field("", json_schema_extra=_enum(list(DeclineReason.values), True))
    text: str = ""


class InterestOut(Schema):
    id: int
    profile: int
    from_organisation: OrganisationRef
    message: str
    status: str
    decline_reason: str
    decline_text: str
    created_at: datetime
    answered_at: datetime | None


# --- serialising --------------------------------------------------------------------


def profile_summary(profile: CooperationProfile) -> dict[str, Any]:
    """A list entry; reads only what ``queries.published_profiles`` fetches."""
    return {
        "id": profile.pk,
        "profile_type": profile.profile_type,
        "profile_type_label": str(profile.get_profile_type_display()),
        "title": profile.title,
        "summary": profile.summary,
        "language": profile.language,
        "owner": {"slug": profile.owner.slug, "name": profile.owner.name},
        "codes": sorted(f"{c.taxonomy.slug}:{c.code}" for c in profile.codes.all()),
        "expires_on": profile.expires_on,
        "status": profile.status,
        "updated_at": profile.updated_at,
    }


def profile_detail(profile: CooperationProfile) -> dict[str, Any]:
    data = profile_summary(profile)
    for name in (
        "description",
        "advantages",
        "stage",
        "ipr_status",
        "partner_role",
        "partnership_types",
        "partner_kinds",
        "partner_sizes",
        "target_countries",
        "target_regions",
        *validation.CALL_FIELDS,
        "created_at",
        "version",
    ):
        data[name] = getattr(profile, name)
    data["contact"] = profile.contact.full_name if profile.contact is not None else None
    data["status_label"] = str(profile.get_status_display())
    return data


def interest_out(interest: ExpressionOfInterest) -> dict[str, Any]:
    return {
        "id": interest.pk,
        "profile": interest.profile_id,
        "from_organisation": {
            "slug": interest.from_organisation.slug,
            "name": interest.from_organisation.name,
        },
        "message": interest.message,
        "status": interest.status,
        "decline_reason": interest.decline_reason,
        "decline_text": interest.decline_text,
        "created_at": interest.created_at,
        "answered_at": interest.answered_at,
    }


def _fields(payload: ProfileFields, only_given: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=only_given)
    for name in ("codes", "owner", "contact", "version"):
        data.pop(name, None)
    return data


# --- endpoints ----------------------------------------------------------------------


@router.get(
    "/profiles",
    response={200: ProfilePage, **READ_ERRORS},
    summary="List offers and requests",
    openapi_extra=READ_SECURITY,
)
def list_profiles(request: HttpRequest, query: Query[ProfileQuery]) -> Any:
    """Published, unexpired profiles, newest first; filtered by ``type`` and ``code`` (within
    one filter the values are alternatives). Paginated by ``limit`` and ``offset``.
    """
    filters = queries.ProfileFilters(types=tuple(query.type), codes=tuple(query.code))
    profiles = queries.published_profiles(acting_user(request), filters, timezone.localdate())
    return paginate(profiles, query.limit, query.offset, profile_summary)


@router.get(
    "/profiles/{profile_id}",
    response={200: ProfileDetail, **READ_ERRORS},
    summary="One offer or request",
    openapi_extra=READ_SECURITY,
)
def get_profile(request: HttpRequest, profile_id: int) -> Any:
    """A profile; drafts and other non-public profiles answer 404 except to facilitators and
    the owner's members.
    """
    return profile_detail(
        queries.get_profile(acting_user(request), profile_id, timezone.localdate())
    )


@router.post(
    "/profiles",
    response={201: ProfileDetail, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Write an offer or request",
)
def create_profile(request: HttpRequest, payload: ProfileCreate) -> Any:
    """Write a profile as a draft of ``owner`` (its administrators, or facilitators). Fields
    over their limits, call fields on a type other than R&D partner request and an expiry
    date in the past answer 422 naming the field.
    """
    user = authenticated_user(request)
    owner = registry_queries.get_organisation(user, payload.owner)
    codes = taxonomy_queries.resolve_codes(payload.codes)
    data = _fields(payload, False)
    data["contact"] = queries.contact_of(owner, payload.contact)
    today = timezone.localdate()
    profile = services.create_profile(user, owner, data, codes, today=today)
    return Status(201, profile_detail(queries.get_profile(user, profile.pk, today)))


@router.patch(
    "/profiles/{profile_id}",
    response={200: ProfileDetail, **WRITE_ERRORS, 409: ErrorOut},
    auth=WRITE_AUTH,
    summary="Change an offer or request",
    openapi_extra=IF_MATCH,
)
def update_profile(request: HttpRequest, profile_id: int, payload: ProfileChange) -> Any:
    """Change the fields given in the body (owners: drafts and expired profiles;
    facilitators: any). ``codes``, when given, replaces all codes. With the ``version``
    read (in the body or as ``If-Match``), a change made after someone else saved the
    profile is refused with 409 and nothing changes: read it again.
    """
    version = seen_version(request, payload.version)
    user = authenticated_user(request)
    today = timezone.localdate()
    profile = queries.get_profile(user, profile_id, today)
    given = payload.model_fields_set
    codes = taxonomy_queries.resolve_codes(payload.codes) if "codes" in given else None
    data = _fields(payload, True)
    if "contact" in given:
        data["contact"] = queries.contact_of(profile.owner, payload.contact)
    services.update_profile(user, profile, data, codes, today=today, version=version)
    return profile_detail(queries.get_profile(user, profile_id, today))


@router.post(
    "/profiles/{profile_id}/status",
    response={200: ProfileDetail, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Move an offer or request through its workflow",
)
def move_profile(request: HttpRequest, profile_id: int, payload: ProfileStatusChange) -> Any:
    """The owner's administrators submit a draft (``review``) or withdraw it (``draft``);
    facilitators publish, put on hold and archive. Other moves answer 403.
    """
    user = authenticated_user(request)
    today = timezone.localdate()
    profile = queries.get_profile(user, profile_id, today)
    services.move_profile(user, profile, payload.status)
    return profile_detail(queries.get_profile(user, profile_id, today))


@router.post(
    "/profiles/{profile_id}/interests",
    response={201: InterestOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Express interest in an offer or request",
)
def send_interest(request: HttpRequest, profile_id: int, payload: InterestIn) -> Any:
    """A member of another organisation expresses its interest in a published profile; a
    second one while the first is unanswered answers 422.
    """
    user = authenticated_user(request)
    today = timezone.localdate()
    profile = queries.get_profile(user, profile_id, today)
    organisation = registry_queries.get_organisation(user, payload.organisation)
    interest = services.send_interest(user, profile, organisation, payload.message, today=today)
    return Status(201, interest_out(interest))


@router.post(
    "/interests/{interest_id}/answer",
    response={200: InterestOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Accept or decline an expression of interest",
)
def answer_interest(request: HttpRequest, interest_id: int, payload: InterestAnswer) -> Any:
    """The profile owner's administrators accept, or decline with a ``reason`` (and a
    ``text``, needed when the reason is ``other``).
    """
    user = authenticated_user(request)
    interest = queries.get_interest(user, interest_id)
    if payload.answer == "accept":
        services.accept_interest(user, interest)
    else:
        services.decline_interest(user, interest, payload.reason, payload.text)
    return interest_out(interest)
