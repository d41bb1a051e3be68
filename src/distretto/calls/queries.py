"""Reading funding calls for the acting user: published calls for everyone, drafts for
facilitators; a call the user may not see is "not found"."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.calls.enums import CallStatus, InvitationStatus
from distretto.calls.models import Call, ConsortiumDraft, ConsortiumPartner
from distretto.registry.enums import Status
from distretto.registry.models import Organisation


def visible_calls(user: Any) -> QuerySet[Call]:
    # By deadline, calls with no deadline last (on every database).
    calls = Call.objects.prefetch_related("codes__taxonomy").order_by(
        F("closes_on").asc(nulls_last=True), "title"
    )
    if is_facilitator(user):
        return calls
    return calls.filter(status__in=[CallStatus.PUBLISHED, CallStatus.ARCHIVED])


def get_call(user: Any, slug: str) -> Call:
    call = visible_calls(user).filter(slug=slug).first()
    if call is None:
        raise Http404(_("No such call."))
    return call


def consortium_candidates() -> QuerySet[Organisation]:
    """The organisations a consortium may be checked with: the published registry."""
    return Organisation.objects.filter(status=Status.PUBLISHED).order_by("name")


def draft_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations a draft of ``user`` may hold: the published registry and its own."""
    from django.db.models import Q

    from distretto.accounts.roles import member_organisation_ids

    return Organisation.objects.filter(
        Q(status=Status.PUBLISHED) | Q(pk__in=member_organisation_ids(user))
    ).order_by("name")


def lead_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations ``user`` may build a consortium for: its own; any for facilitators."""
    from distretto.accounts.roles import member_organisation_ids

    if is_facilitator(user):
        return consortium_candidates()
    return Organisation.objects.filter(pk__in=member_organisation_ids(user)).order_by("name")


def visible_drafts(user: Any) -> QuerySet[ConsortiumDraft]:
    """Drafts led by the user's organisations or inviting them (a partner only proposed does
    not see the draft until the lead invites it); every draft for facilitators."""
    from django.db.models import Q

    from distretto.accounts.roles import member_organisation_ids

    drafts = ConsortiumDraft.objects.select_related("call", "lead")
    if is_facilitator(user):
        return drafts
    mine = member_organisation_ids(user)
    told = ConsortiumPartner.objects.filter(organisation_id__in=mine).exclude(
        status=InvitationStatus.PROPOSED
    )
    return drafts.filter(Q(lead_id__in=mine) | Q(pk__in=told.values("draft_id")))


def get_draft(user: Any, pk: int) -> ConsortiumDraft:
    draft = visible_drafts(user).filter(pk=pk).first()
    if draft is None:
        raise Http404(_("No such consortium draft."))
    return draft
