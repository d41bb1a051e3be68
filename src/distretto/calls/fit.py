"""Which open calls fit an organisation: the calls list's section, the calls alert, the API.

A service over the calls queries and the matchmaking engine: each open call is
described by its words (title and topics in both languages) and its codes, and
the engine ranks the organisation (its own record and its public offers and
requests) against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator, member_organisation_ids
from distretto.calls import queries, services
from distretto.calls.enums import CallStatus
from distretto.calls.models import Call
from distretto.matching import services as matching
from distretto.registry.models import Organisation

# How many words or phrases in common a reason names.
MAX_WORDS = 8
# How many organisations are ranked for a call: an organisation further down does not fit.
MAX_RANKED = 100
# From which score a fit is called strong, good (below: some fit).
STRONG_FIT = 0.7
GOOD_FIT = 0.4


@dataclass(frozen=True)
class CallFit:
    """One open call that fits an organisation.

    ``score``: 0..1, see ``fitting_calls``. ``reasons``: sentences in the active
    language (words and codes in common, the region, when it opens).
    ``in_regions``: whether the organisation is in one of the call's eligible
    regions; None when the call names none or the organisation's place is
    unknown. ``days_left``: days to the deadline (None: no deadline).
    ``opens_on``: the opening date when the call opens after today, else None.
    """

    call: Call
    score: float
    reasons: list[str]
    in_regions: bool | None
    days_left: int | None
    opens_on: date | None = None


def can_ask(user: Any, organisation: Organisation) -> bool:
    """The organisation's members, and facilitators."""
    return is_facilitator(user) or organisation.pk in member_organisation_ids(user)


def open_calls(user: Any, today: date) -> list[Call]:
    """Published calls the user sees that are not past their deadline (coming ones too)."""
    return list(
        queries.visible_calls(user)
        .filter(status=CallStatus.PUBLISHED)
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
    )


def call_text(call: Call) -> str:
    """What the engine matches: the title and the topics in both languages."""
    return "\n".join(part for part in (call.title, call.topics_it, call.topics_en) if part.strip())


def fit_phrase(score: float) -> str:
    """The score as a short phrase: strong, good or some fit."""
    if score >= STRONG_FIT:
        return _("strong fit")
    if score >= GOOD_FIT:
        return _("good fit")
    return _("some fit")


def in_regions(call: Call, nuts: str) -> bool | None:
    """Whether ``nuts`` lies in one of the call's regions (a NUTS code and its sub-regions)."""
    regions = services.region_codes(call)
    if not regions or not nuts:
        return None
    return any(nuts.upper().startswith(region) for region in regions)


def _reasons(result: matching.SearchResult) -> list[str]:
    reasons: list[str] = []
    phrases = list(result.reasons.phrases)
    in_phrases = {word for phrase in phrases for word in phrase.casefold().split()}
    terms = [t for t in result.reasons.terms if t.casefold() not in in_phrases]
    words = (phrases + terms)[:MAX_WORDS]
    if words:
        reasons.append(_("In common: %(words)s") % {"words": ", ".join(words)})
    exact = [c.label for c in result.reasons.codes if c.exact]
    related = [c.label for c in result.reasons.codes if not c.exact]
    if exact:
        reasons.append(_("Shared codes: %(codes)s") % {"codes": ", ".join(exact)})
    if related:
        reasons.append(_("Related codes: %(codes)s") % {"codes": ", ".join(related)})
    if not reasons:
        reasons.append(_("Close in meaning to the call's topics."))
    return reasons


def _region_reason(call: Call, inside: bool | None) -> list[str]:
    if inside is True:
        return [_("Your organisation is in an eligible region.")]
    if inside is False:
        return [
            _("Warning: your organisation is not in the call's eligible regions (%(regions)s).")
            % {"regions": ", ".join(services.region_codes(call))}
        ]
    return []


def fitting_calls(
    user: Any, organisation: Organisation, today: date | None = None
) -> list[CallFit]:
    """The open calls that fit ``organisation``, best first; for its members and facilitators.

    Open: published, visible to ``user``, not past its deadline (no deadline is
    open; a call that opens later is listed too, with its opening date).

    For each open call the engine ranks the district's published organisations
    (and this one) against the call's text and codes (``rank_organisations``,
    the ranking the consortium builder uses): the call fits when the
    organisation comes back, that is it has words, phrases or codes in common
    with the call, or a meaning that stands out, and is among the
    ``MAX_RANKED`` organisations that fit the call best.

    ``score``, 0..1: the organisation's fused score divided by the best fused
    score for the call, rounded to 3 places: 1 means no organisation of the
    district fits the call better. The engine's fused score itself is a
    weighted mean of signals normalised over the organisations ranked (the share
    of the call's words covered, the shared codes, the similarity of meaning),
    so it only compares records ranked together: ranking this organisation alone
    would spread the similarity over its own records and say nothing of the call.

    Order: calls whose eligible regions leave the organisation out come last
    (still listed, with a warning); within each group by score, then deadline,
    then title. Raises PermissionDenied for anyone but the organisation's
    members and facilitators.
    """
    if not can_ask(user, organisation):
        raise PermissionDenied(_("Only the organisation's members can see which calls fit it."))
    today = today or timezone.localdate()
    nuts = services.candidate(organisation).nuts
    pool = {*queries.consortium_candidates().values_list("pk", flat=True), organisation.pk}
    fits: list[CallFit] = []
    for call in open_calls(user, today):
        code_ids = [code.pk for code in call.codes.all()]
        ranked = matching.rank_organisations(call_text(call), code_ids, pool, limit=MAX_RANKED)
        result = next((found for owner, found in ranked if owner == organisation.pk), None)
        if result is None or result.score <= 0:
            continue
        top = ranked[0][1].score
        inside = in_regions(call, nuts)
        reasons = _reasons(result) + _region_reason(call, inside)
        opens_on = call.opens_on if call.opens_on and call.opens_on > today else None
        if opens_on:
            reasons.append(_("Opens on %(date)s.") % {"date": date_format(opens_on)})
        fits.append(
            CallFit(
                call=call,
                score=round(min(1.0, float(result.score) / top), 3),
                reasons=reasons,
                in_regions=inside,
                days_left=(call.closes_on - today).days if call.closes_on else None,
                opens_on=opens_on,
            )
        )
    fits.sort(
        key=lambda fit: (
            fit.in_regions is False,
            -fit.score,
            fit.call.closes_on is None,
            fit.call.closes_on or today,
            fit.call.title,
        )
    )
    return fits
