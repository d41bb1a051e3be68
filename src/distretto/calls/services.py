"""Actions on funding calls and consortium drafts.

One function per user action: each takes the acting user explicitly (the CLI
passes ``accounts.services.SYSTEM``), checks permission and runs in one
transaction. Bad input raises ValidationError naming the field; a "no" raises
PermissionDenied. The rules and the eligibility check are ``domain/rules.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.calls.domain import model, rules
from distretto.calls.models import Call
from distretto.registry.enums import StaffBand
from distretto.registry.models import Organisation

SME_BANDS = frozenset({StaffBand.MICRO, StaffBand.SMALL, StaffBand.MEDIUM})

CALL_FIELDS = (
    "programme",
    "title",
    "slug",
    "identifier",
    "link",
    "budget",
    "opens_on",
    "closes_on",
    "topics_it",
    "topics_en",
    "eligible_regions",
    "rules",
    "status",
    "source",
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def _in_language(message_it: str, message_en: str) -> str:
    return message_it if (get_language() or "it").startswith("it") else message_en


def parse_call_rules(data: Any) -> model.RuleSet:
    """The call's rules, or a ValidationError on ``rules`` listing every problem with its place."""
    try:
        return rules.parse_rules(data)
    except rules.RulesError as error:
        raise ValidationError(
            {
                "rules": [
                    f"{p.path}: {_in_language(p.message_it, p.message_en)}"
                    if p.path
                    else _in_language(p.message_it, p.message_en)
                    for p in error.problems
                ]
            }
        ) from None


def check_call(call: Call) -> None:
    """Field limits (named by Django's validators), dates, regions and the rules."""
    call.full_clean(validate_unique=False, validate_constraints=False)
    errors: dict[str, list[str]] = {}
    if call.opens_on and call.closes_on and call.closes_on < call.opens_on:
        errors["closes_on"] = [check_call_dates_message()]
    bad = [code for code in region_codes(call) if not rules.is_nuts_code(code)]
    if bad:
        errors["eligible_regions"] = [_("Not NUTS codes: %(codes)s.") % {"codes": ", ".join(bad)}]
    if Call.objects.filter(slug=call.slug).exclude(pk=call.pk).exists():
        errors["slug"] = [_("Another call already has this address name.")]
    if errors:
        raise ValidationError(errors)
    parse_call_rules(call.rules)


def check_call_dates_message() -> str:
    return _("The call cannot close before it opens.")


def region_codes(call: Call) -> list[str]:
    return [c.strip().upper() for c in call.eligible_regions.split(",") if c.strip()]


@transaction.atomic
def save_call(
    user: Any, data: Mapping[str, Any], call: Call | None = None, codes: Iterable[Any] = ()
) -> Call:
    """Add a call (or change one): facilitators only; its rules are validated."""
    _require(is_facilitator(user))
    call = call or Call()
    unknown = set(data) - set(CALL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name, value in data.items():
        setattr(call, name, value)
    check_call(call)
    call.save()
    if codes:
        call.codes.set(list(codes))
    return call


# --- candidates and eligibility -------------------------------------------------------------


def candidate(organisation: Organisation) -> model.Candidate:
    """An organisation as the rules and the builder see it."""
    site = next(
        (s for s in organisation.sites.all() if s.is_headquarters),
        next(iter(organisation.sites.all()), None),
    )
    nuts = site.municipality.nuts3 if site is not None and site.municipality else ""
    band = organisation.staff_band
    is_sme = band in SME_BANDS if band else organisation.kind in {"sme", "startup"}
    codes = frozenset(f"{c.taxonomy.slug}:{c.code}" for c in organisation.codes.all())
    return model.Candidate(
        id=str(organisation.pk),
        name=organisation.name,
        kind=organisation.kind,
        is_sme=is_sme,
        nuts=nuts,
        group=str(organisation.parent_id or organisation.pk),
        competences=codes,
        fields={
            "kind": organisation.kind,
            "founded": organisation.founded,
            "staff_band": organisation.staff_band,
            "turnover_band": organisation.turnover_band,
            "country": "IT" if nuts.startswith("IT") else "",
        },
    )


def candidates(organisations: Iterable[Organisation]) -> dict[str, model.Candidate]:
    ids = [o.pk for o in organisations]
    found = Organisation.objects.filter(pk__in=ids).prefetch_related(
        "sites__municipality", "codes__taxonomy"
    )
    return {str(o.pk): candidate(o) for o in found}


def check_eligibility(
    call: Call,
    organisations: list[Organisation],
    coordinator: Organisation,
    budgets: Mapping[int, Decimal | float] | None = None,
) -> list[rules.RuleCheck]:
    """Every rule of the call with pass, fail or not checked, and why (the same check for the
    web, the API and the CLI). Raises ValidationError naming the field for a bad consortium."""
    if not organisations:
        raise ValidationError({"partners": [_("Choose at least one partner.")]})
    if coordinator not in organisations:
        raise ValidationError({"coordinator": [_("The coordinator must be one of the partners.")]})
    pool = candidates(organisations)
    consortium = model.Consortium(
        partners=tuple(str(o.pk) for o in organisations),
        coordinator=str(coordinator.pk),
        budgets={str(k): float(v) for k, v in (budgets or {}).items()},
    )
    try:
        return rules.check_eligibility(consortium, pool, parse_call_rules(call.rules))
    except ValueError as error:
        raise ValidationError({"partners": [str(error)]}) from None


def check_text(check: rules.RuleCheck) -> str:
    """A check's sentence in the active language."""
    return _in_language(check.text_it, check.text_en)
