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

from distretto.api.auth import READ_SECURITY, acting_user
from distretto.api.schemas import READ_ERRORS
from distretto.calls import queries, services
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
