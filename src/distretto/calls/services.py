"""Actions on funding calls and consortium drafts.

One function per user action: each takes the acting user explicitly (the CLI
passes ``accounts.services.SYSTEM``), checks permission and runs in one
transaction. Bad input raises ValidationError naming the field; a "no" raises
PermissionDenied. The rules and the eligibility check are ``domain/rules.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator, member_organisation_ids
from distretto.calls.domain import builder, model, rules
from distretto.calls.enums import InvitationStatus, PartnerRole
from distretto.calls.models import Call, ConsortiumDraft, ConsortiumPartner
from distretto.registry.enums import StaffBand, Status
from distretto.registry.models import Organisation, ProjectPartner, Tie
from distretto.taxonomy.models import Code

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


def in_language(message_it: Any, message_en: Any) -> Any:
    """The Italian or the English of a pair the domain words itself, by the active language."""
    return message_it if (get_language() or "it").startswith("it") else message_en


def parse_call_rules(data: Any) -> model.RuleSet:
    """The call's rules, or a ValidationError on ``rules`` listing every problem with its place."""
    try:
        return rules.parse_rules(data)
    except rules.RulesError as error:
        raise ValidationError(
            {
                "rules": [
                    f"{p.path}: {in_language(p.message_it, p.message_en)}"
                    if p.path
                    else in_language(p.message_it, p.message_en)
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
    return in_language(check.text_it, check.text_en)


# --- the consortium builder --------------------------------------------------------------------

# Trust between two organisations, by what ties them (the strongest tie counts).
TRUST_TIE = 1.0  # a tie in the registry: supplies, group, membership, a meeting's outcome...
TRUST_PROJECT = 0.6  # partners in the same past project


@dataclass(frozen=True)
class Idea:
    """What a lead organisation wants to build a consortium for."""

    lead: Organisation
    text: str
    needs: tuple[builder.Need, ...]
    must_include: tuple[Organisation, ...] = ()
    must_exclude: tuple[Organisation, ...] = ()
    max_partners: int | None = None
    alternatives: int = 3


def check_idea(idea: Idea) -> None:
    errors: dict[str, list[str]] = {}
    if not idea.text.strip():
        errors["idea"] = [_("Describe the project idea.")]
    elif len(idea.text) > 4000:
        errors["idea"] = [_("Write at most 4,000 characters.")]
    if not idea.needs:
        errors["needs"] = [_("Name at least one competence the idea needs.")]
    if idea.max_partners is not None and not 1 <= idea.max_partners <= 50:
        errors["max_partners"] = [_("Give a number from 1 to 50.")]
    if not 1 <= idea.alternatives <= 5:
        errors["alternatives"] = [_("Give a number from 1 to 5.")]
    clash = {o.pk for o in idea.must_include} & {o.pk for o in idea.must_exclude}
    if idea.lead.pk in {o.pk for o in idea.must_exclude}:
        errors["must_exclude"] = [_("The lead cannot be left out.")]
    elif clash:
        errors["must_exclude"] = [_("An organisation cannot be both required and left out.")]
    if errors:
        raise ValidationError(errors)


def trust_between(organisation_ids: Iterable[int]) -> dict[builder.TrustKey, float]:
    """How much each pair has worked together: registry ties and shared past projects."""
    ids = set(organisation_ids)
    strength: dict[builder.TrustKey, float] = {}
    for a, b in Tie.objects.filter(
        from_organisation_id__in=ids, to_organisation_id__in=ids
    ).values_list("from_organisation_id", "to_organisation_id"):
        strength[frozenset({str(a), str(b)})] = TRUST_TIE
    members: dict[int, set[int]] = {}
    for project, organisation in ProjectPartner.objects.filter(organisation_id__in=ids).values_list(
        "project_id", "organisation_id"
    ):
        members.setdefault(project, set()).add(organisation)
    for group in members.values():
        for a in group:
            for b in group:
                if a < b:
                    key = frozenset({str(a), str(b)})
                    strength[key] = max(strength.get(key, 0.0), TRUST_PROJECT)
    return strength


def build_consortia(user: Any, call: Call, idea: Idea, time_limit: float = 10.0) -> Any:
    """The best eligible consortia of published district organisations for the idea.

    Candidates are ranked for the idea by the matchmaking engine (their relevance
    and reasons); the builder maximises coverage of the needs, relevance,
    complementarity and trust under every rule of the call. Members build for
    their own organisations, facilitators for any.
    """
    from distretto.matching.services import rank_organisations

    _require(is_facilitator(user) or idea.lead.pk in member_organisation_ids(user))
    check_idea(idea)
    rule_set = parse_call_rules(call.rules)
    pool = list(
        Organisation.objects.filter(status=Status.PUBLISHED).prefetch_related(
            "sites__municipality", "codes__taxonomy"
        )
    )
    if idea.lead not in pool:
        pool.append(idea.lead)
    codes = list(
        Code.objects.filter(
            taxonomy__slug__in={n.code.partition(":")[0] for n in idea.needs}
        ).values_list("taxonomy__slug", "code", "pk")
    )
    code_ids = [pk for slug, code, pk in codes if f"{slug}:{code}" in {n.code for n in idea.needs}]
    ranked = rank_organisations(idea.text, code_ids, [o.pk for o in pool], limit=100)
    top = max((r.score for _, r in ranked), default=0.0) or 1.0
    scores = {org_id: (r.score / top, r) for org_id, r in ranked}
    candidates = []
    for organisation in pool:
        base = candidate(organisation)
        relevance, result = scores.get(organisation.pk, (0.0, None))
        reasons: tuple[str, ...] = ()
        if result is not None:
            reasons = tuple(result.reasons.phrases or result.reasons.terms) + tuple(
                c.label for c in result.reasons.codes
            )
        candidates.append(replace(base, relevance=round(relevance, 4), reasons=reasons))
    problem = builder.Problem(
        candidates=candidates,
        rules=rule_set,
        needs=idea.needs,
        lead=str(idea.lead.pk),
        must_include=[str(o.pk) for o in idea.must_include],
        must_exclude=[str(o.pk) for o in idea.must_exclude],
        max_partners=idea.max_partners,
        trust=trust_between(o.pk for o in pool),
        alternatives=idea.alternatives,
        time_limit=time_limit,
    )
    try:
        return builder.build(problem)
    except builder.BuildInputError as error:
        raise ValidationError({"needs": [str(error)]}) from None


def describe_proposals(result: Any) -> list[dict[str, Any]]:
    """The builder's consortia as pages show them: organisations named, texts in the active
    language, the score's parts."""
    ids = {int(p) for proposal in result.consortia for p in proposal.partners}
    names = {str(o.pk): o for o in Organisation.objects.filter(pk__in=ids)}
    wanted = {code for proposal in result.consortia for why in proposal.why for code in why.covers}
    wanted |= {need.code for proposal in result.consortia for need in proposal.lacking}
    labels = {
        f"{c.taxonomy.slug}:{c.code}": c.label
        for c in Code.objects.filter(code__in={c.partition(":")[2] for c in wanted}).select_related(
            "taxonomy"
        )
    }
    shown = []
    for proposal in result.consortia:
        shown.append(
            {
                "proposal": proposal,
                "coordinator": names.get(proposal.coordinator),
                "partners": [
                    {
                        "organisation": names.get(why.id),
                        "why": why,
                        "covers": [
                            {"label": labels.get(code, code), "only": code in why.only}
                            for code in why.covers
                        ],
                    }
                    for why in proposal.why
                ],
                "lacking": [
                    {"label": labels.get(need.code, need.code), "missing": need.missing}
                    for need in proposal.lacking
                ],
                "binding": [in_language(n.text_it, n.text_en) for n in proposal.binding],
                "notes": list(in_language(proposal.notes_it, proposal.notes_en)),
                "percent_of_bound": round(100 * proposal.objective / proposal.bound, 2)
                if proposal.bound
                else None,
            }
        )
    return shown


# --- consortium drafts and invitations -----------------------------------------------------------


def can_see_draft(user: Any, draft: ConsortiumDraft) -> bool:
    """The lead's members, the members of an organisation in it, and facilitators."""
    if is_facilitator(user):
        return True
    mine = member_organisation_ids(user)
    return draft.lead_id in mine or draft.partners.filter(organisation_id__in=mine).exists()


def can_edit_draft(user: Any, draft: ConsortiumDraft) -> bool:
    return is_facilitator(user) or draft.lead_id in member_organisation_ids(user)


@transaction.atomic
def save_draft(
    user: Any, call: Call, idea: Idea, partners: list[Organisation], coordinator: Organisation
) -> ConsortiumDraft:
    """Keep a proposed consortium as the lead's draft: its partners start as "proposed"."""
    _require(is_facilitator(user) or idea.lead.pk in member_organisation_ids(user))
    check_idea(idea)
    if idea.lead not in partners:
        raise ValidationError({"partners": [_("The lead must be one of the partners.")]})
    if coordinator not in partners:
        raise ValidationError({"coordinator": [_("The coordinator must be one of the partners.")]})
    draft = ConsortiumDraft.objects.create(
        call=call,
        lead=idea.lead,
        title=idea.text.strip().splitlines()[0][:200],
        idea=idea.text,
        needs=[{"code": n.code, "weight": n.weight, "partners": n.partners} for n in idea.needs],
        created_by=user if getattr(user, "pk", None) else None,
    )
    ConsortiumPartner.objects.bulk_create(
        [
            ConsortiumPartner(
                draft=draft,
                organisation=o,
                role=PartnerRole.COORDINATOR if o == coordinator else PartnerRole.PARTNER,
                status=InvitationStatus.ACCEPTED if o == idea.lead else InvitationStatus.PROPOSED,
            )
            for o in partners
        ]
    )
    return draft


@transaction.atomic
def invite_partners(user: Any, draft: ConsortiumDraft) -> int:
    """Invite every proposed partner; returns how many were invited."""
    _require(can_edit_draft(user, draft))
    return draft.partners.filter(status=InvitationStatus.PROPOSED).update(
        status=InvitationStatus.INVITED
    )


@transaction.atomic
def answer_invitation(
    user: Any, place: ConsortiumPartner, *, accept: bool, note: str = "", now: Any = None
) -> ConsortiumPartner:
    """The invited organisation's members accept or decline its place."""
    from django.utils import timezone

    _require(place.organisation_id in member_organisation_ids(user) or is_facilitator(user))
    if place.status != InvitationStatus.INVITED:
        raise ValidationError({"status": [_("This invitation has already been answered.")]})
    if len(note) > 300:
        raise ValidationError({"answer_note": [_("Write at most 300 characters.")]})
    place.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    place.answer_note = note
    place.answered_at = now or timezone.now()
    place.save(update_fields=["status", "answer_note", "answered_at"])
    return place


def partner_table(draft: ConsortiumDraft) -> tuple[list[str], list[list[str]]]:
    """The draft's partner table for the proposal: header and rows (CSV, XLSX)."""
    header = [_("Organisation"), _("Role"), _("Kind"), _("Region"), _("Invitation")]
    rows = []
    for place in draft.partners.select_related("organisation").prefetch_related(
        "organisation__sites__municipality"
    ):
        base = candidate(place.organisation)
        rows.append(
            [
                place.organisation.name,
                str(place.get_role_display()),
                str(place.organisation.get_kind_display()),
                base.nuts,
                str(place.get_status_display()),
            ]
        )
    return header, rows
