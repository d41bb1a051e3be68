"""Reading brokerage events for the acting user: what pages, the API and the CLI show.

Every function returns only what the user may see (``rules.py``); a record the
user may not see is "not found" (Http404), so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.accounts.roles import member_organisation_ids
from distretto.events import rules
from distretto.events.enums import MeetingStatus, RegistrationStatus
from distretto.events.models import Event, Meeting, Registration, ScheduleRun, Session, Slot
from distretto.registry.models import Organisation


def get_event(user: Any, slug: str) -> Event:
    event = rules.visible_events(user).filter(slug=slug).select_related("organiser").first()
    if event is None:
        raise Http404(_("No such event."))
    return event


def organised_event(user: Any, slug: str) -> Event:
    """The event, for its organisers only (others get "not found")."""
    event = get_event(user, slug)
    if not rules.is_organiser(user, event):
        raise Http404(_("No such event."))
    return event


def sessions(event: Event) -> QuerySet[Session]:
    return event.sessions.prefetch_related("breaks", "slots")


def slots(event: Event) -> QuerySet[Slot]:
    return Slot.objects.filter(session__event=event).select_related("session")


def registration_for(user: Any, event: Event, pk: int) -> Registration:
    """A registration the user acts for (its organisation's members, organisers)."""
    registration = (
        Registration.objects.filter(event=event, pk=pk)
        .select_related("organisation", "participation_type", "event")
        .first()
    )
    if registration is None or not rules.acts_for(user, registration):
        raise Http404(_("No such registration."))
    return registration


def registrable_organisations(user: Any, event: Event) -> QuerySet[Organisation]:
    """The user's organisations not yet registered at the event."""
    return Organisation.objects.filter(pk__in=member_organisation_ids(user)).exclude(
        event_registrations__event=event
    )


def marketplace(user: Any, event: Event) -> QuerySet[Registration]:
    """Approved participants with the offers and requests they show (signed-in users).

    Only the offers and requests ``user`` may open: a participant may have chosen a draft
    to show, and a draft stays hidden from other organisations here too.
    """
    from django.utils import timezone

    from distretto.opportunities.rules import visible_profiles

    if not rules.can_see_participants(user, event):
        return Registration.objects.none()
    shown = visible_profiles(user, timezone.localdate())
    return (
        event.registrations.filter(status=RegistrationStatus.APPROVED)
        .select_related("organisation", "participation_type")
        .prefetch_related(Prefetch("profiles", queryset=shown))
    )


def participant(user: Any, event: Event, pk: int) -> Registration:
    found = marketplace(user, event).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such participant."))
    return found


def meetings_of(registration: Registration) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(Q(requester=registration) | Q(recipient=registration))
        .select_related(
            "requester__organisation", "recipient__organisation", "slot__session", "event"
        )
        .order_by("slot__starts_at", "-created_at")
    )


def agenda(registration: Registration) -> QuerySet[Meeting]:
    """The participant's scheduled meetings in time order."""
    return (
        meetings_of(registration)
        .filter(status=MeetingStatus.ACCEPTED, slot__isnull=False)
        .order_by("slot__starts_at")
    )


def get_meeting(user: Any, pk: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(pk=pk)
        .select_related("event", "requester__organisation", "recipient__organisation", "slot")
        .first()
    )
    if meeting is None or not rules.can_view_meeting(user, meeting):
        raise Http404(_("No such meeting."))
    return meeting


def organiser_registrations(event: Event) -> QuerySet[Registration]:
    return event.registrations.select_related(
        "organisation", "participation_type"
    ).prefetch_related("people")


def organiser_meetings(event: Event) -> QuerySet[Meeting]:
    return event.meetings.select_related(
        "requester__organisation", "recipient__organisation", "slot__session"
    ).order_by("status", "slot__starts_at", "table", "pk")


def latest_run(event: Event) -> ScheduleRun | None:
    return event.schedule_runs.first()


def get_run(event: Event, pk: int) -> ScheduleRun:
    run = event.schedule_runs.filter(pk=pk).first()
    if run is None:
        raise Http404(_("No such scheduling run."))
    return run


def scheduled(event: Event) -> QuerySet[Meeting]:
    return (
        event.meetings.filter(status=MeetingStatus.ACCEPTED, slot__isnull=False)
        .select_related("requester__organisation", "recipient__organisation", "slot__session")
        .order_by("slot__starts_at", "table")
    )


def with_people(queryset: QuerySet[Registration]) -> QuerySet[Registration]:
    return queryset.prefetch_related(Prefetch("people"))
