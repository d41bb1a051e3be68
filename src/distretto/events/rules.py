"""Who may see and change what at a brokerage event. Pure questions, no writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from distretto.accounts.roles import (
    administered_organisation_ids,
    is_facilitator,
    member_organisation_ids,
)
from distretto.events.enums import EventStatus, RegistrationStatus
from distretto.events.models import Event, Meeting, Registration


def is_organiser(user: Any, event: Event) -> bool:
    """Facilitators, and the administrators of the organisation that runs the event."""
    if is_facilitator(user):
        return True
    return event.organiser_id is not None and event.organiser_id in administered_organisation_ids(
        user
    )


def can_create_event(user: Any) -> bool:
    return is_facilitator(user)


def visible_events(user: Any) -> QuerySet[Event]:
    """Published and closed events for everyone; drafts for their organisers."""
    qs = Event.objects.all()
    if is_facilitator(user):
        return qs
    shown = Q(status__in=[EventStatus.PUBLISHED, EventStatus.CLOSED])
    organised = Q(organiser_id__in=administered_organisation_ids(user))
    return qs.filter(shown | organised)


def can_view_event(user: Any, event: Event) -> bool:
    return event.status != EventStatus.DRAFT or is_organiser(user, event)


def can_register_for(user: Any, organisation_id: int) -> bool:
    """Members register their own organisation; facilitators any."""
    return is_facilitator(user) or organisation_id in member_organisation_ids(user)


def acts_for(user: Any, registration: Registration) -> bool:
    """A member of the registered organisation (or an organiser) acts for a registration."""
    return registration.organisation_id in member_organisation_ids(user) or is_organiser(
        user, registration.event
    )


def own_registrations(user: Any, event: Event) -> QuerySet[Registration]:
    return Registration.objects.filter(
        event=event, organisation_id__in=member_organisation_ids(user)
    ).select_related("organisation", "participation_type")


def can_see_participants(user: Any, event: Event) -> bool:
    """The marketplace (who takes part, with their offers and requests) is for signed-in users."""
    return bool(getattr(user, "is_authenticated", False)) and can_view_event(user, event)


def is_party(user: Any, meeting: Meeting) -> bool:
    orgs = member_organisation_ids(user)
    return meeting.requester.organisation_id in orgs or meeting.recipient.organisation_id in orgs


def can_view_meeting(user: Any, meeting: Meeting) -> bool:
    return is_party(user, meeting) or is_organiser(user, meeting.event)


def can_answer(user: Any, meeting: Meeting) -> bool:
    """The recipient's members answer a request (organisers may answer for them)."""
    return meeting.recipient.organisation_id in member_organisation_ids(user) or is_organiser(
        user, meeting.event
    )


def is_approved(registration: Registration) -> bool:
    return registration.status == RegistrationStatus.APPROVED
