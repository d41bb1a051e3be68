"""Funding calls and the eligibility check of a consortium.

Handlers are thin: parse, call the calls queries and services, serialise.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.schemas import READ_ERRORS, WRITE_ERRORS
from distretto.calls import fit, queries, services
from distretto.calls.models import Call
from distretto.registry.models import Organisation

router = Router(tags=["funding calls"])


class CallOut(Schema):
    slug: str
    programme: str
    title: str
    identifier: str
    link: str
    budget: Decimal | None
    opens_on: date | None
    closes_on: date | None
    topics_it: str
    topics_en: str
    eligible_regions: list[str]
    codes: list[str]
    rules: dict[str, Any]
    status: str
    source: str


class ConsortiumIn(Schema):
    model_config = ConfigDict(extra="forbid")

    partners: list[str] = Field(description="Address names (slugs) of the partners.")
    coordinator: str = Field(description="Address name of the coordinator, one of the partners.")
    budgets: dict[str, Decimal] = Field(
        default_factory=dict, description="Budget in EUR per partner slug (optional)."
    )


class CheckOut(Schema):
    id: str
    status: str = Field(json_schema_extra={"enum": ["pass", "fail", "not_checked"]})
    binding: bool
    text: str
    text_it: str
    text_en: str


class EligibilityOut(Schema):
    eligible: bool
    checks: list[CheckOut]


def call_out(call: Call) -> dict[str, Any]:
    return {
        "slug": call.slug,
        "programme": call.programme,
        "title": call.title,
        "identifier": call.identifier,
        "link": call.link,
        "budget": call.budget,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "topics_it": call.topics_it,
        "topics_en": call.topics_en,
        "eligible_regions": services.region_codes(call),
        "codes": sorted(f"{c.taxonomy.slug}:{c.code}" for c in call.codes.all()),
        "rules": call.rules,
        "status": call.status,
        "source": call.source,
    }


@router.get(
    "/calls",
    response={200: list[CallOut], **READ_ERRORS},
    summary="List funding calls",
    openapi_extra=READ_SECURITY,
)
def list_calls(request: HttpRequest) -> Any:
    """Published and archived calls, by deadline (facilitators also see drafts)."""
    return [call_out(c) for c in queries.visible_calls(acting_user(request))]


class FitQuery(Schema):
    organisation: str = Field(description="Address name (slug) of the organisation (yours).")


class CallFitOut(Schema):
    slug: str
    title: str
    closes_on: date | None
    days_left: int | None
    opens_on: date | None = Field(description="Set when the call opens after today.")
    score: float = Field(ge=0, le=1, description="How well it fits, 0..1 (compare calls).")
    fit: str = Field(description="The score in words, in the request's language.")
    reasons: list[str]
    in_regions: bool | None = Field(
        description="In an eligible region; null: the call names none, or the place is unknown."
    )


@router.get(
    "/calls/fitting",
    response={200: list[CallFitOut], **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Open calls that fit one of my organisations",
)
def fitting_calls(request: HttpRequest, query: Query[FitQuery]) -> Any:
    """The open calls that fit the organisation, best first; those whose eligible regions
    leave it out come last, with a warning in ``reasons``. Members of the organisation
    (and facilitators) only: 403 for anyone else, 404 for an unknown organisation."""
    user = authenticated_user(request)
    organisation = Organisation.objects.filter(slug=query.organisation).first()
    if organisation is None:
        raise Http404(_("No such organisation."))
    return [
        {
            "slug": found.call.slug,
            "title": found.call.title,
            "closes_on": found.call.closes_on,
            "days_left": found.days_left,
            "opens_on": found.opens_on,
            "score": found.score,
            "fit": fit.fit_phrase(found.score),
            "reasons": found.reasons,
            "in_regions": found.in_regions,
        }
        for found in fit.fitting_calls(user, organisation)
    ]


@router.get(
    "/calls/{slug}",
    response={200: CallOut, **READ_ERRORS},
    summary="One funding call, with its rules",
    openapi_extra=READ_SECURITY,
)
def get_call(request: HttpRequest, slug: str) -> Any:
    return call_out(queries.get_call(acting_user(request), slug))


@router.post(
    "/calls/{slug}/eligibility",
    response={200: EligibilityOut, **READ_ERRORS},
    summary="Check a consortium against the call's rules",
    openapi_extra=READ_SECURITY,
)
def check_eligibility(request: HttpRequest, slug: str, payload: ConsortiumIn) -> Any:
    """Every rule of the call with pass, fail or not checked and why (``text`` in the
    language of the request). Changes nothing; anyone may ask."""
    call = queries.get_call(acting_user(request), slug)
    organisations = {
        o.slug: o for o in queries.consortium_candidates().filter(slug__in=payload.partners)
    }
    unknown = [s for s in payload.partners if s not in organisations]
    if unknown:
        raise ValidationError(
            {"partners": [_("Unknown organisations: %(slugs)s.") % {"slugs": ", ".join(unknown)}]}
        )
    if payload.coordinator not in organisations:
        raise ValidationError({"coordinator": [_("The coordinator must be one of the partners.")]})
    unknown_budgets = sorted(set(payload.budgets) - set(organisations))
    if unknown_budgets:
        raise ValidationError(
            {
                "budgets": [
                    _("Budgets only for the partners: %(slugs)s.")
                    % {"slugs": ", ".join(unknown_budgets)}
                ]
            }
        )
    checks = services.check_eligibility(
        call,
        list(organisations.values()),
        organisations[payload.coordinator],
        {organisations[s].pk: amount for s, amount in payload.budgets.items()},
    )
    return {
        "eligible": all(c.status != "fail" for c in checks),
        "checks": [
            {
                "id": c.id,
                "status": c.status,
                "binding": c.binding,
                "text": services.check_text(c),
                "text_it": c.text_it,
                "text_en": c.text_en,
            }
            for c in checks
        ],
    }


NEEDS_DESCRIPTION = (
    "Competences needed: each a segment or process step as `taxonomy:code`, or an object "
    '`{"code": "taxonomy:code", "weight": 2, "partners": 1}` (weight above 0, at most 10, '
    "default 1: how much it matters; partners 1 to 10, default 1: how many should bring it)."
)
NEEDS_EXAMPLE = ["segment:cardiac_surgery", {"code": "process_step:design_rd", "weight": 2}]


class IdeaIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lead: str = Field(description="Address name (slug) of the lead organisation (yours).")
    idea: str = Field(max_length=4000, description="The project idea, in Italian or English.")
    needs: list[Any] = Field(description=NEEDS_DESCRIPTION, examples=[NEEDS_EXAMPLE])
    must_include: list[str] = Field([], description="Address names that must be in.")
    must_exclude: list[str] = Field([], description="Address names that must not be in.")
    max_partners: int | None = Field(None, ge=1, le=50)
    alternatives: int = Field(3, ge=1, le=5)
    budgets: dict[str, float] = Field(
        {}, description="Budget in EUR per organisation (address name), for the share rules."
    )
    beyond_district: bool = Field(
        False, description="Candidates from the whole registry, not only the district."
    )


class PartnerWhyOut(Schema):
    organisation: str
    name: str
    covers: list[str]
    only_one_covering: list[str]
    relevance: float
    reasons: list[str]


class OutsideOut(Schema):
    organisation: str
    name: str
    relevance: float
    reasons: list[str]


class LackingOut(Schema):
    code: str
    missing: int
    outside: list[OutsideOut] = Field(description="Organisations outside the candidates.")


class ProposalOut(Schema):
    partners: list[PartnerWhyOut]
    coordinator: str
    objective: float
    bound: float
    gap: float
    optimal: bool
    binding_rules: list[str]
    lacking: list[LackingOut]


class BuildOut(Schema):
    consortia: list[ProposalOut]
    diagnosis: str
    candidates: int
    beyond_district: bool
    preselection: str
    solver: str
    seconds: float
    outside: dict[str, list[OutsideOut]] = Field(
        description="For each lacking need, organisations outside the candidates covering it."
    )


@router.post(
    "/calls/{slug}/consortia",
    response={200: BuildOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Propose the best eligible consortia for a project idea",
)
def build_consortia(request: HttpRequest, slug: str, payload: IdeaIn) -> Any:
    """The consortium builder over the district's published organisations: up to
    ``alternatives`` consortia that satisfy every rule of the call, each with why every
    partner is in, the rules at their limit, what the idea still lacks and which
    organisations outside the district could bring it; or a diagnosis naming the rule
    that cannot be met. Members build for their own organisations."""
    user = authenticated_user(request)
    call = queries.get_call(user, slug)
    idea = services.parse_idea(user, payload.model_dump())
    return services.consortia_data(services.build_consortia(user, call, idea))


# --- consortium drafts and invitations ----------------------------------------------------


class DraftIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lead: str = Field(description="Address name of the lead organisation (yours).")
    idea: str = Field(max_length=4000)
    needs: list[Any] = Field(description=NEEDS_DESCRIPTION, examples=[NEEDS_EXAMPLE])
    partners: list[str] = Field(description="Address names of the partners, the lead among them.")
    coordinator: str = Field(description="Address name of the coordinator, one of the partners.")


class PlaceOut(Schema):
    id: int
    organisation: str
    name: str
    role: str
    status: str
    answer_note: str
    answered_at: datetime | None


class DraftOut(Schema):
    id: int
    call: str
    lead: str
    title: str
    idea: str
    needs: list[dict[str, Any]]
    created_at: datetime
    partners: list[PlaceOut]


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    note: str = Field("", max_length=300)


class InvitedOut(Schema):
    invited: int


def place_out(place: Any) -> dict[str, Any]:
    return {
        "id": place.pk,
        "organisation": place.organisation.slug,
        "name": place.organisation.name,
        "role": place.role,
        "status": place.status,
        "answer_note": place.answer_note,
        "answered_at": place.answered_at,
    }


def draft_out(draft: Any) -> dict[str, Any]:
    return {
        "id": draft.pk,
        "call": draft.call.slug,
        "lead": draft.lead.slug,
        "title": draft.title,
        "idea": draft.idea,
        "needs": draft.needs,
        "created_at": draft.created_at,
        "partners": [
            place_out(place)
            for place in draft.partners.select_related("organisation").order_by("pk")
        ],
    }


@router.get(
    "/drafts",
    response={200: list[DraftOut], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="List the consortium drafts I lead or am invited to",
)
def list_drafts(request: HttpRequest) -> Any:
    """Drafts led by your organisations or naming them; every draft for facilitators."""
    user = authenticated_user(request)
    return [draft_out(d) for d in queries.visible_drafts(user).order_by("-created_at", "-pk")]


@router.post(
    "/calls/{slug}/drafts",
    response={201: DraftOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Keep a consortium as a draft",
)
def save_draft(request: HttpRequest, slug: str, payload: DraftIn) -> Any:
    """The lead keeps a consortium (usually one the builder proposed) as a draft; the
    partners start as proposed, the lead as accepted."""
    user = authenticated_user(request)
    call = queries.get_call(user, slug)
    data = payload.model_dump()
    partners = data.pop("partners")
    coordinator = data.pop("coordinator")
    idea = services.parse_idea(user, data)
    organisations = {
        o.slug: o
        for o in queries.draft_organisations(user).filter(slug__in=[*partners, coordinator])
    }
    missing = [name for name in partners if name not in organisations]
    if missing:
        raise ValidationError(
            {"partners": [_("Unknown organisations: %(names)s.") % {"names": ", ".join(missing)}]}
        )
    if coordinator not in organisations:
        raise ValidationError({"coordinator": [_("The coordinator must be one of the partners.")]})
    draft = services.save_draft(
        user, call, idea, [organisations[name] for name in partners], organisations[coordinator]
    )
    return Status(201, draft_out(draft))


@router.get(
    "/drafts/{draft_id}",
    response={200: DraftOut, **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="Read a consortium draft",
)
def get_draft(request: HttpRequest, draft_id: int) -> Any:
    return draft_out(queries.get_draft(authenticated_user(request), draft_id))


@router.post(
    "/drafts/{draft_id}/invitations",
    response={200: InvitedOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Invite the proposed partners of a draft",
)
def invite_partners(request: HttpRequest, draft_id: int) -> Any:
    """The lead invites every partner still only proposed; returns how many."""
    user = authenticated_user(request)
    draft = queries.get_draft(user, draft_id)
    return {"invited": services.invite_partners(user, draft)}


@router.post(
    "/drafts/{draft_id}/partners/{place_id}/answer",
    response={200: PlaceOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Accept or decline an invitation",
)
def answer_invitation(request: HttpRequest, draft_id: int, place_id: int, payload: AnswerIn) -> Any:
    """The invited organisation's members accept or decline its place in the draft."""
    user = authenticated_user(request)
    draft = queries.get_draft(user, draft_id)
    place = draft.partners.select_related("organisation").filter(pk=place_id).first()
    if place is None:
        raise Http404(_("No such partner."))
    return place_out(
        services.answer_invitation(user, place, accept=payload.accept, note=payload.note)
    )
