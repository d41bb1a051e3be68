"""Brokerage events: programme, registrations, meeting requests, agendas, scheduling runs.

Handlers are thin: parse, call the events queries and services (which check
permission and open the transaction), serialise. Errors go through ``api.errors``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.schemas import READ_ERRORS, WRITE_ERRORS, OrganisationRef, _enum
from distretto.events import queries, rules, services
from distretto.events.enums import Priority
from distretto.events.models import Event, Meeting, Registration, ScheduleRun
from distretto.opportunities.models import CooperationProfile
from distretto.registry import queries as registry_queries
from distretto.registry.models import Person

router = Router(tags=["brokerage events"])


# --- shapes -------------------------------------------------------------------------------


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime


class SessionOut(Schema):
    id: int
    name: str
    day: date
    slots: list[SlotOut]


class ParticipationTypeOut(Schema):
    id: int
    name: str
    kind: str
    limit: int | None


class EventSummary(Schema):
    slug: str
    name: str
    venue: str
    starts_on: date
    ends_on: date
    status: str


class EventDetail(EventSummary):
    description: str
    address: str
    meeting_minutes: int
    tables: int
    registration_opens: datetime
    registration_closes: datetime
    booking_opens: datetime
    booking_closes: datetime
    approval_required: bool
    request_expiry_days: int
    sessions: list[SessionOut]
    participation_types: list[ParticipationTypeOut]


class ParticipantOut(Schema):
    id: int
    organisation: OrganisationRef
    participation_type: str
    profiles: list[int]


class RegistrationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(description="Address name (slug) of the registering organisation.")
    participation_type: int = Field(description="Id of one of the event's participation types.")
    available_slots: list[int] = Field(description="Ids of the slots in which it can meet.")
    people: list[int] = Field(default_factory=list, description="Ids of its people attending.")
    profiles: list[int] = Field(
        default_factory=list, description="Ids of its offers and requests to show."
    )
    max_meetings: int | None = Field(None, description="Default: the event's.")


class RegistrationOut(Schema):
    id: int
    organisation: OrganisationRef
    participation_type: str
    status: str
    max_meetings: int
    available_slots: list[int]
    booth: int | None


class MeetingRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    requester: int = Field(description="Id of your registration.")
    recipient: int = Field(description="Id of the participant's registration.")
    reason: str = Field("", max_length=300)
    priority: int = Field(
        Priority.NORMAL,
        json_schema_extra={"enum": list(Priority.values)},
        description="1 normal, 2 high, 3 very high.",
    )


class MeetingAnswer(Schema):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(json_schema_extra=_enum(["accept", "decline"]))
    note: str = Field("", max_length=300)


class MeetingOut(Schema):
    id: int
    requester: OrganisationRef
    recipient: OrganisationRef
    reason: str
    priority: int
    status: str
    expires_at: datetime | None
    slot: SlotOut | None
    table: int | None


class RecommendationOut(Schema):
    registration: int
    organisation: OrganisationRef
    score: float
    record_type: str
    record_name: str
    matched_words: list[str]
    shared_codes: list[str]


class ScheduleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    time_limit: int = Field(30, ge=1, le=600, description="Seconds the scheduler may take.")


class RunOut(Schema):
    id: int
    status: str
    progress: float
    message: str
    requests: int
    scheduled: int
    objective: int
    upper_bound: float | None
    seconds: float | None
    changes: dict[str, Any]


# --- serialising ----------------------------------------------------------------------------


def _ref(registration: Registration) -> dict[str, str]:
    return {"slug": registration.organisation.slug, "name": registration.organisation.name}


def event_summary(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "name": event.name,
        "venue": event.venue,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "status": event.status,
    }


def event_detail(event: Event) -> dict[str, Any]:
    data = event_summary(event)
    for name in (
        "description",
        "address",
        "meeting_minutes",
        "tables",
        "registration_opens",
        "registration_closes",
        "booking_opens",
        "booking_closes",
        "approval_required",
        "request_expiry_days",
    ):
        data[name] = getattr(event, name)
    data["sessions"] = [
        {
            "id": s.pk,
            "name": s.name,
            "day": s.day,
            "slots": [
                {"id": slot.pk, "starts_at": slot.starts_at, "ends_at": slot.ends_at}
                for slot in s.slots.all()
            ],
        }
        for s in queries.sessions(event)
    ]
    data["participation_types"] = [
        {"id": t.pk, "name": t.name, "kind": t.kind, "limit": t.limit}
        for t in event.participation_types.all()
    ]
    return data


def registration_out(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "organisation": _ref(registration),
        "participation_type": registration.participation_type.name,
        "status": registration.status,
        "max_meetings": registration.max_meetings,
        "available_slots": sorted(s.pk for s in registration.available_slots.all()),
        "booth": registration.booth,
    }


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    slot = meeting.slot
    return {
        "id": meeting.pk,
        "requester": _ref(meeting.requester),
        "recipient": _ref(meeting.recipient),
        "reason": meeting.reason,
        "priority": meeting.priority,
        "status": meeting.status,
        "expires_at": meeting.expires_at,
        "slot": (
            {"id": slot.pk, "starts_at": slot.starts_at, "ends_at": slot.ends_at} if slot else None
        ),
        "table": meeting.table,
    }


def run_out(run: ScheduleRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "progress": run.progress,
        "message": run.message,
        "requests": run.requests,
        "scheduled": run.scheduled,
        "objective": run.objective,
        "upper_bound": run.upper_bound,
        "seconds": run.seconds,
        "changes": run.changes,
    }


def _by_ids(model: Any, ids: list[int], field: str) -> list[Any]:
    """Records by id (the service checks they belong to the organisation); an unknown id
    names the field."""
    found = list(model.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({field: [_("Unknown id in this list.")]})
    return found


# --- endpoints --------------------------------------------------------------------------------


@router.get(
    "/events",
    response={200: list[EventSummary], **READ_ERRORS},
    summary="List brokerage events",
    openapi_extra=READ_SECURITY,
)
def list_events(request: HttpRequest) -> Any:
    """Published and past events (organisers also see their drafts), newest first."""
    return [event_summary(e) for e in rules.visible_events(acting_user(request))]


@router.get(
    "/events/{slug}",
    response={200: EventDetail, **READ_ERRORS},
    summary="One brokerage event, with its sessions, slots and participation types",
    openapi_extra=READ_SECURITY,
)
def get_event(request: HttpRequest, slug: str) -> Any:
    return event_detail(queries.get_event(acting_user(request), slug))


@router.get(
    "/events/{slug}/participants",
    response={200: list[ParticipantOut], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="The approved participants and the offers and requests they show",
)
def participants(request: HttpRequest, slug: str) -> Any:
    user = authenticated_user(request)
    event = queries.get_event(user, slug)
    return [
        {
            "id": r.pk,
            "organisation": _ref(r),
            "participation_type": r.participation_type.name,
            "profiles": [p.pk for p in r.profiles.all()],
        }
        for r in queries.marketplace(user, event)
    ]


@router.post(
    "/events/{slug}/registrations",
    response={201: RegistrationOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Register an organisation",
)
def register(request: HttpRequest, slug: str, payload: RegistrationIn) -> Any:
    """A member registers its organisation while registration is open; approved at once
    unless the organiser approves registrations."""
    user = authenticated_user(request)
    event = queries.get_event(user, slug)
    organisation = registry_queries.get_organisation(user, payload.organisation)
    kind = event.participation_types.filter(pk=payload.participation_type).first()
    data = services.RegistrationData(
        participation_type=kind,
        people=_by_ids(Person, payload.people, "people"),
        slots=list(queries.slots(event).filter(pk__in=payload.available_slots)),
        profiles=_by_ids(CooperationProfile, payload.profiles, "profiles"),
        max_meetings=payload.max_meetings,
    )
    if len(data.slots) != len(set(payload.available_slots)):
        raise ValidationError({"available_slots": [_("Choose slots of this event's sessions.")]})
    registration = services.register(user, event, organisation, data, timezone.now())
    return Status(201, registration_out(registration))


@router.get(
    "/events/{slug}/registrations/{registration_id}/meetings",
    response={200: list[MeetingOut], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="A participant's requests and meetings",
)
def registration_meetings(request: HttpRequest, slug: str, registration_id: int) -> Any:
    user = authenticated_user(request)
    event = queries.get_event(user, slug)
    registration = queries.registration_for(user, event, registration_id)
    return [meeting_out(m) for m in queries.meetings_of(registration)]


@router.get(
    "/events/{slug}/registrations/{registration_id}/recommendations",
    response={200: list[RecommendationOut], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="The participants that fit this one best, with the reasons",
)
def recommendations(request: HttpRequest, slug: str, registration_id: int) -> Any:
    user = authenticated_user(request)
    event = queries.get_event(user, slug)
    registration = queries.registration_for(user, event, registration_id)
    return [
        {
            "registration": item.registration.pk,
            "organisation": _ref(item.registration),
            "score": item.result.score,
            "record_type": item.result.type,
            "record_name": item.result.name,
            "matched_words": item.result.reasons.terms,
            "shared_codes": [f"{c.taxonomy}:{c.code}" for c in item.result.reasons.codes],
        }
        for item in services.recommendations(user, registration)
    ]


@router.post(
    "/events/{slug}/meetings",
    response={201: MeetingOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Ask a participant for a meeting",
)
def request_meeting(request: HttpRequest, slug: str, payload: MeetingRequestIn) -> Any:
    user = authenticated_user(request)
    event = queries.get_event(user, slug)
    requester = queries.registration_for(user, event, payload.requester)
    recipient = queries.participant(user, event, payload.recipient)
    meeting = services.request_meeting(
        user,
        requester,
        recipient,
        reason=payload.reason,
        priority=payload.priority,
        now=timezone.now(),
    )
    return Status(201, meeting_out(meeting))


@router.post(
    "/event-meetings/{meeting_id}/answer",
    response={200: MeetingOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Accept or decline a meeting request",
)
def answer_meeting(request: HttpRequest, meeting_id: int, payload: MeetingAnswer) -> Any:
    user = authenticated_user(request)
    meeting = queries.get_meeting(user, meeting_id)
    services.answer_meeting(
        user, meeting, accept=payload.answer == "accept", note=payload.note, now=timezone.now()
    )
    return meeting_out(meeting)


@router.post(
    "/event-meetings/{meeting_id}/cancel",
    response={200: MeetingOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Cancel a meeting or withdraw a request",
)
def cancel_meeting(request: HttpRequest, meeting_id: int) -> Any:
    user = authenticated_user(request)
    meeting = queries.get_meeting(user, meeting_id)
    services.cancel_meeting(user, meeting)
    return meeting_out(meeting)


@router.post(
    "/events/{slug}/schedule",
    response={202: RunOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Schedule the accepted meetings (organisers)",
)
def schedule(request: HttpRequest, slug: str, payload: ScheduleIn) -> Any:
    """Queues a scheduling run; follow it at ``/events/{slug}/runs/{id}``."""
    user = authenticated_user(request)
    event = queries.organised_event(user, slug)
    run = services.start_schedule(user, event, payload.time_limit)
    return Status(202, run_out(run))


@router.get(
    "/events/{slug}/runs/{run_id}",
    response={200: RunOut, **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="A scheduling run: progress, then result (organisers)",
)
def get_run(request: HttpRequest, slug: str, run_id: int) -> Any:
    user = authenticated_user(request)
    event = queries.organised_event(user, slug)
    return run_out(queries.get_run(event, run_id))


@router.get(
    "/events/{slug}/statistics",
    response={200: dict[str, Any], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="The organiser's figures",
)
def statistics(request: HttpRequest, slug: str) -> Any:
    user = authenticated_user(request)
    event = queries.organised_event(user, slug)
    return services.statistics(user, event, timezone.now())
