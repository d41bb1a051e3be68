"""Who may see and change which cooperation profiles and expressions of interest.

Pure questions (no writes); the services raise PermissionDenied or Http404 on a "no".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from distretto.accounts.roles import (
    administered_organisation_ids,
    is_facilitator,
    member_organisation_ids,
)
from distretto.opportunities.domain import workflow
from distretto.opportunities.enums import InterestStatus, ProfileStatus
from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest


def is_public(profile: CooperationProfile, today: date) -> bool:
    """Published and not past its expiry date: what every visitor may see and search."""
    return profile.status == ProfileStatus.PUBLISHED and profile.expires_on >= today


def public_profiles(today: date) -> QuerySet[CooperationProfile]:
    return CooperationProfile.objects.filter(status=ProfileStatus.PUBLISHED, expires_on__gte=today)


def can_view_profile(user: Any, profile: CooperationProfile, today: date) -> bool:
    """Public profiles for anyone; the rest for facilitators and the owner's members."""
    if is_public(profile, today):
        return True
    return is_facilitator(user) or profile.owner_id in member_organisation_ids(user)


def visible_profiles(user: Any, today: date) -> QuerySet[CooperationProfile]:
    """The profiles ``user`` may open: public ones, plus own or all for facilitators."""
    qs = CooperationProfile.objects.all()
    if is_facilitator(user):
        return qs
    public = Q(status=ProfileStatus.PUBLISHED, expires_on__gte=today)
    return qs.filter(public | Q(owner_id__in=member_organisation_ids(user)))


def can_create_profile_for(user: Any, organisation_id: int) -> bool:
    """An organisation's administrators (and facilitators) write its profiles."""
    return is_facilitator(user) or organisation_id in administered_organisation_ids(user)


def can_edit_profile(user: Any, profile: CooperationProfile) -> bool:
    """Facilitators edit any profile; the owner's administrators edit drafts and expired ones."""
    if is_facilitator(user):
        return True
    return profile.owner_id in administered_organisation_ids(user) and workflow.owner_may_edit(
        profile.status
    )


def actor_for(user: Any, profile: CooperationProfile) -> workflow.Actor | None:
    """The role in which ``user`` moves ``profile`` through the workflow, if any."""
    if is_facilitator(user):
        return workflow.Actor.FACILITATOR
    if profile.owner_id in administered_organisation_ids(user):
        return workflow.Actor.OWNER
    return None


def can_move_profile(user: Any, profile: CooperationProfile, status: str) -> bool:
    actor = actor_for(user, profile)
    return actor is not None and workflow.may_move(profile.status, status, actor)


def can_send_interest(
    user: Any, profile: CooperationProfile, organisation_id: int, today: date
) -> bool:
    """A member of another organisation, for that organisation, to a public profile."""
    return (
        is_public(profile, today)
        and organisation_id != profile.owner_id
        and organisation_id in member_organisation_ids(user)
    )


def can_answer_interest(user: Any, interest: ExpressionOfInterest) -> bool:
    """The profile owner's administrators answer; only while the interest is open."""
    return (
        interest.status == InterestStatus.SENT
        and interest.profile.owner_id in administered_organisation_ids(user)
    )


def visible_interests(user: Any) -> QuerySet[ExpressionOfInterest]:
    """Interests ``user`` may read: sent by or to their organisations; all for facilitators."""
    qs = ExpressionOfInterest.objects.all()
    if is_facilitator(user):
        return qs
    own = member_organisation_ids(user)
    return qs.filter(Q(from_organisation_id__in=own) | Q(profile__owner_id__in=own))


def can_see_pipeline(user: Any) -> bool:
    return is_facilitator(user)
