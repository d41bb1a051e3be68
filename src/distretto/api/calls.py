"""Funding calls and the eligibility check of a consortium.

Handlers are thin: parse, call the calls queries and services, serialise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.schemas import READ_ERRORS, WRITE_ERRORS
from distretto.calls import queries, services
from distretto.calls.domain import builder
from distretto.calls.forms import need_choices
from distretto.calls.models import Call

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


class IdeaIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lead: str = Field(description="Address name (slug) of the lead organisation (yours).")
    idea: str = Field(max_length=4000, description="The project idea, in Italian or English.")
    needs: list[str] = Field(
        description="Competences needed, as `taxonomy:code` (segments, process steps)."
    )
    max_partners: int | None = Field(None, ge=1, le=50)
    alternatives: int = Field(3, ge=1, le=5)


class PartnerWhyOut(Schema):
    organisation: str
    name: str
    covers: list[str]
    only_one_covering: list[str]
    relevance: float
    reasons: list[str]


class ProposalOut(Schema):
    partners: list[PartnerWhyOut]
    coordinator: str
    objective: float
    bound: float
    gap: float
    optimal: bool
    binding_rules: list[str]
    lacking: list[dict[str, Any]]


class BuildOut(Schema):
    consortia: list[ProposalOut]
    diagnosis: str


@router.post(
    "/calls/{slug}/consortia",
    response={200: BuildOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Propose the best eligible consortia for a project idea",
)
def build_consortia(request: HttpRequest, slug: str, payload: IdeaIn) -> Any:
    """The consortium builder over the district's published organisations: up to
    ``alternatives`` consortia that satisfy every rule of the call, each with why every
    partner is in, the rules at their limit and what the idea still lacks; or a diagnosis
    naming the rule that cannot be met. Members build for their own organisations."""
    user = authenticated_user(request)
    call = queries.get_call(user, slug)
    lead = queries.lead_organisations(user).filter(slug=payload.lead).first()
    if lead is None:
        raise ValidationError({"lead": [_("Choose one of your organisations.")]})
    known = {code for code, _label in need_choices()}
    unknown = [code for code in payload.needs if code not in known]
    if unknown:
        raise ValidationError(
            {"needs": [_("Unknown competences: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    result = services.build_consortia(
        user,
        call,
        services.Idea(
            lead=lead,
            text=payload.idea,
            needs=tuple(builder.Need(code) for code in payload.needs),
            max_partners=payload.max_partners,
            alternatives=payload.alternatives,
        ),
    )
    slugs = {
        str(o.pk): o
        for o in queries.consortium_candidates().filter(
            pk__in={int(p) for c in result.consortia for p in c.partners}
        )
    }
    return {
        "diagnosis": services.in_language(result.diagnosis_it, result.diagnosis_en),
        "consortia": [
            {
                "partners": [
                    {
                        "organisation": slugs[why.id].slug if why.id in slugs else why.id,
                        "name": why.name,
                        "covers": list(why.covers),
                        "only_one_covering": list(why.only),
                        "relevance": why.relevance,
                        "reasons": list(why.reasons),
                    }
                    for why in proposal.why
                ],
                "coordinator": slugs[proposal.coordinator].slug
                if proposal.coordinator in slugs
                else proposal.coordinator,
                "objective": proposal.objective,
                "bound": proposal.bound,
                "gap": proposal.gap,
                "optimal": proposal.optimal,
                "binding_rules": [
                    services.in_language(n.text_it, n.text_en) for n in proposal.binding
                ],
                "lacking": [{"code": n.code, "missing": n.missing} for n in proposal.lacking],
            }
            for proposal in result.consortia
        ],
    }
