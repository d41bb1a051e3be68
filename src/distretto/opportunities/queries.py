"""Reading profiles and expressions of interest: what lists and pages show, for the acting user.

Every function takes the acting user (and today's date, so expiry is explicit)
and returns only what that user may see (``rules.py``). Changes go through
``services.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.accounts.roles import (
    administered_organisation_ids,
    is_facilitator,
    member_organisation_ids,
)
from distretto.opportunities.enums import InterestStatus
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
from distretto.opportunities.rules import (
    can_see_pipeline,
    can_view_profile,
    public_profiles,
    visible_interests,
)
from distretto.registry.models import Organisation, Person
from distretto.taxonomy.models import Code


@dataclass(frozen=True)
class ProfileFilters:
    """What a visitor filters the list of offers and requests by. Codes as ``taxonomy:code``."""

    types: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()


def _with_relations(qs: QuerySet[CooperationProfile]) -> QuerySet[CooperationProfile]:
    return qs.select_related("owner", "contact").prefetch_related(
        Prefetch("codes", queryset=Code.objects.select_related("taxonomy"))
    )


def published_profiles(
    user: Any, filters: ProfileFilters, today: date
) -> QuerySet[CooperationProfile]:
    """Public (published, unexpired) profiles matching ``filters``, newest first.

    Within one filter the choices are alternatives (OR); the two filters both apply.
    """
    qs = public_profiles(today)
    if filters.types:
        qs = qs.filter(profile_type__in=filters.types)
    if filters.codes:
        carriers = CooperationProfile.codes.through.objects.none()
        for reference in filters.codes:
            taxonomy_slug, _colon, code = reference.partition(":")
            carriers = carriers | CooperationProfile.codes.through.objects.filter(
                code__taxonomy__slug=taxonomy_slug, code__code=code
            )
        qs = qs.filter(pk__in=carriers.values("cooperationprofile_id"))
    return _with_relations(qs).order_by("-updated_at", "-pk")


def get_profile(user: Any, pk: int, today: date) -> CooperationProfile:
    """One profile for its page; 404 when missing or hidden from ``user`` (drafts stay secret)."""
    profile = _with_relations(CooperationProfile.objects.filter(pk=pk)).first()
    if profile is None or not can_view_profile(user, profile, today):
        raise Http404(_("No such offer or request."))
    return profile


def own_profiles(user: Any) -> QuerySet[CooperationProfile]:
    """Profiles of the organisations ``user`` belongs to, whatever their status."""
    qs = CooperationProfile.objects.filter(owner_id__in=member_organisation_ids(user))
    return (
        _with_relations(qs)
        .annotate(interest_count=Count("interests"))
        .order_by("-updated_at", "-pk")
    )


def administered_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations for which ``user`` may write profiles (facilitators: all)."""
    if is_facilitator(user):
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=administered_organisation_ids(user)).order_by("name")


def sender_organisations(user: Any, profile: CooperationProfile) -> QuerySet[Organisation]:
    """Organisations on whose behalf ``user`` may express interest in ``profile``."""
    own = member_organisation_ids(user) - {profile.owner_id}
    return Organisation.objects.filter(pk__in=own).order_by("name")


def _interests(qs: QuerySet[ExpressionOfInterest]) -> QuerySet[ExpressionOfInterest]:
    return qs.select_related("profile", "profile__owner", "from_organisation", "from_user")


def incoming_interests(user: Any) -> QuerySet[ExpressionOfInterest]:
    """Interests in the profiles of ``user``'s organisations."""
    qs = visible_interests(user).filter(profile__owner_id__in=member_organisation_ids(user))
    return _interests(qs)


def outgoing_interests(user: Any) -> QuerySet[ExpressionOfInterest]:
    """Interests sent on behalf of ``user``'s organisations."""
    qs = visible_interests(user).filter(from_organisation_id__in=member_organisation_ids(user))
    return _interests(qs)


def get_interest(user: Any, pk: int) -> ExpressionOfInterest:
    """One interest ``user`` may read; 404 otherwise."""
    interest = _interests(visible_interests(user).filter(pk=pk)).first()
    if interest is None:
        raise Http404(_("No such expression of interest."))
    return interest


@dataclass(frozen=True)
class PipelineRow:
    """The expressions of interest of one profile, counted by status."""

    profile: CooperationProfile
    counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class Pipeline:
    rows: list[PipelineRow]
    totals: dict[str, int]
    total: int


def pipeline(user: Any) -> Pipeline:
    """Facilitators: expressions of interest per profile and in all, counted by status."""
    if not can_see_pipeline(user):
        raise PermissionDenied(_("Only facilitators see the pipeline."))
    counted = (
        ExpressionOfInterest.objects.values("profile_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_profile: dict[int, dict[str, int]] = {}
    for row in counted:
        per_profile.setdefault(row["profile_id"], {})[row["status"]] = row["n"]
    profiles = CooperationProfile.objects.filter(pk__in=per_profile).select_related("owner")
    statuses = list(InterestStatus.values)
    rows = []
    for profile in profiles.order_by("title", "pk"):
        counts = {s: per_profile[profile.pk].get(s, 0) for s in statuses}
        rows.append(PipelineRow(profile, counts, sum(counts.values())))
    totals = {s: sum(r.counts[s] for r in rows) for s in statuses}
    return Pipeline(rows, totals, sum(totals.values()))


def filter_codes() -> list[Code]:
    """The codes of the filter taxonomies, offered as filters and on the profile form."""
    return list(
        Code.objects.filter(taxonomy__is_filter=True)
        .select_related("taxonomy")
        .order_by("taxonomy__sort_order", "taxonomy__slug", "sort_order", "code")
    )


def contact_of(owner: Organisation, person_id: int | None) -> Person | None:
    """The contact person ``person_id`` of ``owner``; a ValidationError on ``contact`` if not."""
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id, organisation=owner).first()
    if person is None:
        raise ValidationError({"contact": _("No such contact person in this organisation.")})
    return person


def sent_to_profile(user: Any, profile: CooperationProfile) -> list[ExpressionOfInterest]:
    """The interests ``user``'s organisations have sent to ``profile``, newest first."""
    return list(outgoing_interests(user).filter(profile=profile))
