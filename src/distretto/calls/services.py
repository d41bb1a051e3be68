"""Actions on funding calls and consortium drafts.

One function per user action: each takes the acting user explicitly (the CLI
passes ``accounts.services.SYSTEM``), checks permission and runs in one
transaction. Bad input raises ValidationError naming the field; a "no" raises
PermissionDenied. The rules and the eligibility check are ``domain/rules.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from distretto.accounts import audit
from distretto.accounts.enums import AuditAction
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
    if "\\u0000" in json.dumps(call.rules):  # PostgreSQL cannot store NUL in JSON
        errors["rules"] = [_("Null characters are not allowed.")]
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
    budgets: Mapping[int, float] = field(default_factory=dict)  # organisation pk -> EUR
    beyond_district: bool = False  # candidates from the whole registry, not the district only


@dataclass(frozen=True)
class Suggestion:
    """An organisation outside the candidates that covers a need the consortia lack."""

    organisation: Organisation
    relevance: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Consortia:
    """The builder's result, and for each lacking need who outside the candidates covers it."""

    result: builder.BuildResult
    outside: Mapping[str, tuple[Suggestion, ...]]
    beyond_district: bool
    candidates: int


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
    for need in idea.needs:
        if not 0 < need.weight <= 10 or not 1 <= need.partners <= 10:
            errors["needs"] = [
                _("%(code)s: the weight is above 0 and at most 10; the partners from 1 to 10.")
                % {"code": need.code}
            ]
    if len({n.code for n in idea.needs}) < len(idea.needs):
        errors["needs"] = [_("Name each competence once.")]
    bad_budgets = [pk for pk, amount in idea.budgets.items() if not 0 <= amount <= 1e10]
    if bad_budgets:
        errors["budgets"] = [_("A budget is an amount in euros from 0 to 10 billion.")]
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


def _reasons(result: Any) -> tuple[str, ...]:
    if result is None:
        return ()
    return tuple(result.reasons.phrases or result.reasons.terms) + tuple(
        c.label for c in result.reasons.codes
    )


OUTSIDE_SUGGESTIONS = 3  # organisations suggested outside the candidates, per lacking need


def build_consortia(user: Any, call: Call, idea: Idea, time_limit: float = 10.0) -> Consortia:
    """The best eligible consortia of published district organisations for the idea.

    Candidates are the published organisations with a site in the district (all of the
    registry with ``idea.beyond_district``), plus the lead and the must-includes; they
    are ranked for the idea by the matchmaking engine (their relevance and reasons); the
    builder maximises coverage of the needs, relevance, complementarity and trust under
    every rule of the call. For each need the consortia still lack, the published
    organisations outside the candidates that cover it are suggested, best fit first.
    Members build for their own organisations, facilitators for any.
    """
    from distretto.matching.services import rank_organisations
    from distretto.registry.queries import district_organisation_ids

    _require(is_facilitator(user) or idea.lead.pk in member_organisation_ids(user))
    check_idea(idea)
    rule_set = parse_call_rules(call.rules)
    published = list(
        Organisation.objects.filter(status=Status.PUBLISHED).prefetch_related(
            "sites__municipality", "codes__taxonomy"
        )
    )
    inside = None if idea.beyond_district else district_organisation_ids()
    required = [idea.lead, *idea.must_include]
    pool = [o for o in published if inside is None or o.pk in inside]
    pool += [o for o in required if o not in pool]
    excluded = {o.pk for o in idea.must_exclude}
    outside = [o for o in published if o not in pool and o.pk not in excluded]
    codes = list(
        Code.objects.filter(
            taxonomy__slug__in={n.code.partition(":")[0] for n in idea.needs}
        ).values_list("taxonomy__slug", "code", "pk")
    )
    code_ids = [pk for slug, code, pk in codes if f"{slug}:{code}" in {n.code for n in idea.needs}]
    ranked = rank_organisations(idea.text, code_ids, [o.pk for o in published], limit=100)
    top = max((r.score for _, r in ranked), default=0.0) or 1.0
    scores: dict[int, tuple[float, Any]] = {
        org_id: (round(r.score / top, 4), r) for org_id, r in ranked
    }
    candidates = []
    for organisation in pool:
        relevance, result = scores.get(organisation.pk, (0.0, None))
        candidates.append(
            replace(candidate(organisation), relevance=relevance, reasons=_reasons(result))
        )
    unknown = [pk for pk in idea.budgets if pk not in {o.pk for o in pool}]
    if unknown:
        raise ValidationError(
            {"budgets": [_("A budget is given for an organisation that is not a candidate.")]}
        )
    problem = builder.Problem(
        candidates=candidates,
        rules=rule_set,
        needs=idea.needs,
        lead=str(idea.lead.pk),
        must_include=[str(o.pk) for o in idea.must_include],
        must_exclude=[str(o.pk) for o in idea.must_exclude],
        max_partners=idea.max_partners,
        budgets={str(pk): float(amount) for pk, amount in idea.budgets.items()},
        trust=trust_between(o.pk for o in pool),
        alternatives=idea.alternatives,
        time_limit=time_limit,
    )
    try:
        result = builder.build(problem)
    except builder.BuildInputError as error:
        raise ValidationError({"needs": [str(error)]}) from None
    lacking = {n.code for p in result.consortia for n in p.lacking}
    if not result.consortia:
        lacking = {n.code for n in idea.needs}
    suggestions: dict[str, tuple[Suggestion, ...]] = {}
    competences = {o.pk: candidate(o).competences for o in outside} if lacking else {}
    for code in sorted(lacking):
        covering = [o for o in outside if code in competences[o.pk]]
        fits = sorted(
            ((scores.get(o.pk, (0.0, None)), o) for o in covering),
            key=lambda fit: (-fit[0][0], fit[1].name),
        )
        suggestions[code] = tuple(
            Suggestion(o, relevance, _reasons(found))
            for (relevance, found), o in fits[:OUTSIDE_SUGGESTIONS]
        )
    return Consortia(
        result=result,
        outside=suggestions,
        beyond_district=inside is None,
        candidates=len(pool),
    )


def describe_proposals(built: Consortia) -> list[dict[str, Any]]:
    """The builder's consortia as pages show them: organisations named, texts in the active
    language, the score's parts, and who outside the candidates could fill what is lacking."""
    result = built.result
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
                    {
                        "label": labels.get(need.code, need.code),
                        "missing": need.missing,
                        "outside": built.outside.get(need.code, ()),
                    }
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


def describe_outside(built: Consortia) -> list[dict[str, Any]]:
    """Each need with the organisations outside the candidates that cover it (pages)."""
    codes = Code.objects.filter(
        code__in={c.partition(":")[2] for c in built.outside}
    ).select_related("taxonomy")
    labels = {f"{c.taxonomy.slug}:{c.code}": c.label for c in codes}
    return [
        {"label": labels.get(code, code), "suggestions": suggestions}
        for code, suggestions in built.outside.items()
    ]


def consortia_data(built: Consortia) -> dict[str, Any]:
    """The builder's result as JSON for the API and the CLI: organisations by address name,
    texts in the active language and in both languages where the domain words them."""
    result = built.result
    ids = {int(p) for c in result.consortia for p in c.partners}
    slugs = {str(o.pk): o.slug for o in Organisation.objects.filter(pk__in=ids)}

    def slug(pk: str) -> str:
        return slugs.get(pk, pk)

    def outside(code: str) -> list[dict[str, Any]]:
        return [
            {
                "organisation": s.organisation.slug,
                "name": s.organisation.name,
                "relevance": s.relevance,
                "reasons": list(s.reasons),
            }
            for s in built.outside.get(code, ())
        ]

    return {
        "diagnosis": in_language(result.diagnosis_it, result.diagnosis_en),
        "candidates": built.candidates,
        "beyond_district": built.beyond_district,
        "preselection": in_language(result.preselection_it, result.preselection_en),
        "solver": result.solver,
        "seconds": round(result.seconds, 3),
        "consortia": [
            {
                "partners": [
                    {
                        "organisation": slug(why.id),
                        "name": why.name,
                        "covers": list(why.covers),
                        "only_one_covering": list(why.only),
                        "relevance": why.relevance,
                        "reasons": list(why.reasons),
                    }
                    for why in proposal.why
                ],
                "coordinator": slug(proposal.coordinator),
                "objective": proposal.objective,
                "bound": proposal.bound,
                "gap": proposal.gap,
                "optimal": proposal.optimal,
                "binding_rules": [in_language(n.text_it, n.text_en) for n in proposal.binding],
                "lacking": [
                    {"code": n.code, "missing": n.missing, "outside": outside(n.code)}
                    for n in proposal.lacking
                ],
            }
            for proposal in result.consortia
        ],
        "outside": {code: outside(code) for code in built.outside},
    }


def parse_idea(user: Any, data: Mapping[str, Any]) -> Idea:
    """An idea from JSON (the API, the CLI's idea file): organisations by address name,
    needs as ``taxonomy:code`` or ``{"code", "weight", "partners"}``. Raises ValidationError
    naming each field in error; the lead must be one of the user's organisations."""
    from distretto.calls.forms import need_choices
    from distretto.calls.queries import consortium_candidates, lead_organisations

    errors: dict[str, list[str]] = {}
    allowed = {
        "lead",
        "idea",
        "needs",
        "must_include",
        "must_exclude",
        "max_partners",
        "alternatives",
        "budgets",
        "beyond_district",
    }
    for name in sorted(set(data) - allowed):
        errors[name] = [_("Unknown field.")]
    lead = None
    if not isinstance(data.get("lead"), str):
        errors["lead"] = [_("Give the address name of the lead organisation.")]
    else:
        lead = lead_organisations(user).filter(slug=data["lead"]).first()
        if lead is None:
            errors["lead"] = [_("Choose one of your organisations.")]
    known = {code for code, _label in need_choices()}
    needs: list[builder.Need] = []
    raw_needs = data.get("needs")
    if not isinstance(raw_needs, list):
        errors["needs"] = [_("Give the competences as a list.")]
        raw_needs = []
    for n, item in enumerate(raw_needs):
        item = {"code": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            errors[f"needs[{n}]"] = [_("Give a code as taxonomy:code.")]
            continue
        if set(item) - {"code", "weight", "partners"}:
            errors[f"needs[{n}]"] = [_("Only code, weight and partners may be given.")]
            continue
        if item["code"] not in known:
            errors[f"needs[{n}]"] = [_("Unknown competence: %(code)s.") % {"code": item["code"]}]
            continue
        weight, partners = item.get("weight", 1), item.get("partners", 1)
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or isinstance(partners, bool)
            or not isinstance(partners, int)
        ):
            errors[f"needs[{n}]"] = [_("The weight and the partners are numbers.")]
            continue
        needs.append(builder.Need(item["code"], float(weight), partners))
    organisations = {o.slug: o for o in consortium_candidates()}

    def named(key: str) -> tuple[Organisation, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[key] = [_("Give a list of address names.")]
            return ()
        missing = [v for v in value if v not in organisations]
        if missing:
            errors[key] = [_("Unknown organisations: %(names)s.") % {"names": ", ".join(missing)}]
        return tuple(organisations[v] for v in value if v in organisations)

    must_include, must_exclude = named("must_include"), named("must_exclude")
    budgets: dict[int, float] = {}
    raw_budgets = data.get("budgets", {})
    if not isinstance(raw_budgets, dict):
        errors["budgets"] = [_("Give the budgets as address name: euros.")]
        raw_budgets = {}
    for name, amount in raw_budgets.items():
        if name not in organisations:
            errors["budgets"] = [_("Unknown organisations: %(names)s.") % {"names": name}]
        elif isinstance(amount, bool) or not isinstance(amount, int | float):
            errors["budgets"] = [_("A budget is an amount in euros from 0 to 10 billion.")]
        else:
            budgets[organisations[name].pk] = float(amount)
    numbers: dict[str, int | None] = {}
    for key, default in (("max_partners", None), ("alternatives", 3)):
        value = data.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            errors[key] = [_("Give a whole number.")]
            value = default
        numbers[key] = value
    beyond = data.get("beyond_district", False)
    if not isinstance(beyond, bool):
        errors["beyond_district"] = [_("Give true or false.")]
    text = data.get("idea", "")
    if not isinstance(text, str):
        errors["idea"] = [_("Describe the project idea.")]
        text = ""
    if errors or lead is None:
        raise ValidationError(errors)
    idea = Idea(
        lead=lead,
        text=text,
        needs=tuple(needs),
        must_include=must_include,
        must_exclude=must_exclude,
        max_partners=numbers["max_partners"],
        alternatives=numbers["alternatives"] or 3,
        budgets=budgets,
        beyond_district=bool(beyond),
    )
    check_idea(idea)
    return idea


# --- consortium drafts and invitations -----------------------------------------------------------


def can_edit_draft(user: Any, draft: ConsortiumDraft) -> bool:
    return is_facilitator(user) or draft.lead_id in member_organisation_ids(user)


@transaction.atomic
def save_draft(
    user: Any, call: Call, idea: Idea, partners: list[Organisation], coordinator: Organisation
) -> ConsortiumDraft:
    """Keep a proposed consortium as the lead's draft: its partners start as "proposed"."""
    _require(is_facilitator(user) or idea.lead.pk in member_organisation_ids(user))
    check_idea(idea)
    if len({o.pk for o in partners}) < len(partners):
        raise ValidationError({"partners": [_("Name each partner once.")]})
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
    created = ConsortiumPartner.objects.bulk_create(
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
    audit.record_bulk(AuditAction.CREATE, created)
    return draft


@transaction.atomic
def invite_partners(user: Any, draft: ConsortiumDraft) -> int:
    """Invite every proposed partner; returns how many were invited."""
    _require(can_edit_draft(user, draft))
    return audit.update_recorded(
        draft.partners.filter(status=InvitationStatus.PROPOSED), status=InvitationStatus.INVITED
    )


@transaction.atomic
def answer_invitation(
    user: Any, place: ConsortiumPartner, *, accept: bool, note: str = "", now: Any = None
) -> ConsortiumPartner:
    """The invited organisation's members accept or decline its place."""
    from django.utils import timezone

    _require(place.organisation_id in member_organisation_ids(user) or is_facilitator(user))
    if place.status == InvitationStatus.PROPOSED:
        raise ValidationError({"status": [_("The lead has not sent this invitation yet.")]})
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
