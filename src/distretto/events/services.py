"""Actions of brokerage events: set-up, registration, meeting requests, scheduling, the day
itself and what follows it.

One function per user action: each takes the acting user explicitly (the CLI
passes ``accounts.services.SYSTEM``) and the current time where windows matter,
checks permission (``rules.py``), and runs in one transaction. Bad input raises
ValidationError naming the field; a "no" raises PermissionDenied.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from distretto.accounts import audit
from distretto.accounts.enums import AuditAction
from distretto.accounts.roles import is_facilitator
from distretto.events import rules
from distretto.events.domain import scheduler
from distretto.events.domain.slots import Interval, problems, slot_times
from distretto.events.enums import (
    AgreementType,
    EventStatus,
    MeetingStatus,
    Outcome,
    Priority,
    RegistrationStatus,
    RunStatus,
)
from distretto.events.models import (
    Break,
    Event,
    FollowUpPrompt,
    Meeting,
    MeetingReport,
    ParticipationType,
    Registration,
    ScheduleRun,
    Session,
    Slot,
)
from distretto.opportunities.models import CooperationProfile
from distretto.registry.enums import TieKind
from distretto.registry.models import Organisation, Person, Tie

logger = logging.getLogger(__name__)

# Months after the event at which participants are asked what became of their meetings.
FOLLOW_UP_MONTHS = (3, 6)
# Requests that are still open: they wait for an answer and block a second request.
OPEN = (MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _lock_event(event: Event) -> None:
    """Hold the event's row until the transaction ends.

    Every action that checks the event's state and then writes (a registration
    against the limit of its type, a request against the open one of the pair, a
    placement against the participants' other meetings in the slot, a scheduling
    run against the one under way) takes this lock first: the event's writers take
    turns, so each check still holds when it writes. On PostgreSQL it is a row lock
    (``SELECT ... FOR UPDATE``); on SQLite writers are serialised anyway (transactions
    begin IMMEDIATE) and this is a no-op.
    """
    list(Event.objects.select_for_update().filter(pk=event.pk).values_list("pk", flat=True))


def _full_clean(instance: Any, exclude: Iterable[str] = ()) -> None:
    """Django's field checks (lengths, choices, ranges), raising with the fields named."""
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


# --- set-up -------------------------------------------------------------------------------

EVENT_FIELDS = (
    "name",
    "slug",
    "description",
    "venue",
    "address",
    "starts_on",
    "ends_on",
    "meeting_minutes",
    "tables",
    "registration_opens",
    "registration_closes",
    "booking_opens",
    "booking_closes",
    "approval_required",
    "request_expiry_days",
    "default_max_meetings",
    "organiser",
)


def _check_event(event: Event) -> None:
    _full_clean(event, exclude=["created_by"])
    errors: dict[str, list[str]] = {}
    if event.ends_on < event.starts_on:
        errors["ends_on"] = [_("The last day cannot come before the first.")]
    if event.registration_closes <= event.registration_opens:
        errors["registration_closes"] = [_("Registration must close after it opens.")]
    if event.booking_closes <= event.booking_opens:
        errors["booking_closes"] = [_("Meeting requests must close after they open.")]
    if Event.objects.filter(slug=event.slug).exclude(pk=event.pk).exists():
        errors["slug"] = [_("Another event already has this address name.")]
    if event.pk:
        _check_event_against_its_content(event, errors)
    if errors:
        raise ValidationError(errors)


def _check_event_against_its_content(event: Event, errors: dict[str, list[str]]) -> None:
    """A change of the event must leave its booths, pinned meetings and sessions possible."""
    booths = [b for b in event.registrations.values_list("booth", flat=True) if b is not None]
    if len(booths) > event.tables:
        errors["tables"] = [
            _("There are %(booths)d fixed booths: the event needs at least as many tables.")
            % {"booths": len(booths)}
        ]
    elif booths and max(booths) > event.tables:
        errors["tables"] = [
            _("A participant has the fixed booth %(booth)d: keep at least that many tables.")
            % {"booth": max(booths)}
        ]
    pinned = event.meetings.filter(pinned=True, table__gt=event.tables).exists()
    if pinned and "tables" not in errors:
        errors["tables"] = [_("A meeting is fixed at a table beyond this number.")]
    sessions = list(event.sessions.prefetch_related("breaks"))
    if any(not event.starts_on <= s.day <= event.ends_on for s in sessions):
        errors.setdefault("starts_on", []).append(
            _("A session falls outside these days: move or remove it first.")
        )
    for session in sessions:
        pauses = [Interval(b.start, b.end) for b in session.breaks.all()]
        if not slot_times(
            session.day, Interval(session.start, session.end), pauses, event.meeting_minutes
        ):
            errors.setdefault("meeting_minutes", []).append(
                _("The session %(name)s is too short for one meeting of this length.")
                % {"name": session.name}
            )
            break


def _set(instance: Any, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def create_event(user: Any, data: Mapping[str, Any]) -> Event:
    _require(rules.can_create_event(user))
    event = Event(created_by=user if getattr(user, "pk", None) else None)
    _set(event, data, EVENT_FIELDS)
    _check_event(event)
    event.save()
    return event


@transaction.atomic
def update_event(user: Any, event: Event, data: Mapping[str, Any]) -> Event:
    _require(rules.is_organiser(user, event))
    if "organiser" in data and data["organiser"] != event.organiser and not is_facilitator(user):
        raise _invalid("organiser", _("Only facilitators change the organiser of an event."))
    minutes_before = event.meeting_minutes
    _set(event, data, EVENT_FIELDS)
    _check_event(event)
    event.save()
    if event.meeting_minutes != minutes_before:
        for session in event.sessions.all():
            _refresh_slots(session)
    return event


@transaction.atomic
def set_event_status(user: Any, event: Event, status: str) -> Event:
    _require(rules.is_organiser(user, event))
    if status not in EventStatus.values:
        raise _invalid("status", _("Choose a valid status."))
    if status == EventStatus.PUBLISHED and not Slot.objects.filter(session__event=event).exists():
        raise _invalid("status", _("Add at least one session with meeting slots first."))
    event.status = status
    event.save(update_fields=["status"])
    return event


def _aware(naive: datetime) -> datetime:
    """A session's local time in the site's time zone (``TIME_ZONE``), whatever zone is active."""
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _refresh_slots(session: Session) -> None:
    """Make the session's slots match its times: slots whose times stay keep their meetings
    and availabilities; meetings in slots that go are left to the next scheduling run."""
    breaks = [Interval(b.start, b.end) for b in session.breaks.all()]
    wanted = [
        (_aware(start), _aware(end))
        for start, end in slot_times(
            session.day,
            Interval(session.start, session.end),
            breaks,
            session.event.meeting_minutes,
        )
    ]
    existing = {(slot.starts_at, slot.ends_at): slot for slot in session.slots.all()}
    for times, slot in existing.items():
        if times not in wanted:
            audit.update_recorded(
                Meeting.objects.filter(slot=slot),
                slot=None,
                table=None,
                pinned=False,
                unscheduled_reason=_("Its slot was removed."),
            )
            slot.delete()
    Slot.objects.bulk_create(
        [Slot(session=session, starts_at=s, ends_at=e) for s, e in wanted if (s, e) not in existing]
    )


def _check_session(
    event: Event, day: Any, start: Any, end: Any, breaks: list[tuple[Any, Any]]
) -> None:
    errors: dict[str, list[str]] = {}
    if day is None or start is None or end is None:
        raise ValidationError({"day": [_("Give the day, the start and the end.")]})
    if not event.starts_on <= day <= event.ends_on:
        errors["day"] = [_("The session must fall within the event's days.")]
    for field, message in problems(
        Interval(start, end), [Interval(a, b) for a, b in breaks], event.meeting_minutes
    ):
        errors.setdefault(field, []).append(_(message))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_session(
    user: Any,
    event: Event,
    *,
    name: str,
    day: Any,
    start: Any,
    end: Any,
    breaks: list[tuple[Any, Any]] | None = None,
    session: Session | None = None,
) -> Session:
    """Add a session (or change one) with its breaks; its slots follow."""
    _require(rules.is_organiser(user, event))
    pauses = breaks or []
    _check_session(event, day, start, end, pauses)
    session = session or Session(event=event)
    if session.event_id != event.pk:
        raise PermissionDenied(_("You are not allowed to do this."))
    session.name, session.day, session.start, session.end = name, day, start, end
    _full_clean(session, exclude=["event"])
    session.save()
    session.breaks.all().delete()
    audit.record_bulk(
        AuditAction.CREATE,
        Break.objects.bulk_create([Break(session=session, start=a, end=b) for a, b in pauses]),
    )
    _refresh_slots(session)
    return session


@transaction.atomic
def delete_session(user: Any, session: Session) -> None:
    _require(rules.is_organiser(user, session.event))
    audit.update_recorded(
        Meeting.objects.filter(slot__session=session),
        slot=None,
        table=None,
        pinned=False,
        unscheduled_reason=_("Its slot was removed."),
    )
    session.delete()


@transaction.atomic
def save_participation_type(
    user: Any,
    event: Event,
    *,
    name: str,
    kind: str,
    limit: int | None,
    participation_type: ParticipationType | None = None,
) -> ParticipationType:
    _require(rules.is_organiser(user, event))
    _lock_event(event)
    item = participation_type or ParticipationType(event=event)
    if item.event_id != event.pk:
        raise PermissionDenied(_("You are not allowed to do this."))
    item.name, item.kind, item.limit = name, kind, limit
    _full_clean(item, exclude=["event"])
    clash = ParticipationType.objects.filter(event=event, name=name).exclude(pk=item.pk)
    if clash.exists():
        raise _invalid("name", _("This event already has a participation type of this name."))
    item.save()
    return item


# --- registration ---------------------------------------------------------------------------


def _window(now: datetime, opens: datetime, closes: datetime) -> bool:
    return opens <= now <= closes


@dataclass
class RegistrationData:
    participation_type: ParticipationType | None
    people: list[Person]
    slots: list[Slot]
    profiles: list[CooperationProfile]
    max_meetings: int | None


def _check_registration(
    event: Event, organisation: Organisation, data: RegistrationData, current: Registration | None
) -> None:
    errors: dict[str, list[str]] = {}
    kind = data.participation_type
    if kind is None or kind.event_id != event.pk:
        errors["participation_type"] = [_("Choose one of this event's participation types.")]
    elif kind.limit is not None:
        taken = Registration.objects.filter(
            participation_type=kind,
            status__in=[RegistrationStatus.PENDING, RegistrationStatus.APPROVED],
        )
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.count() >= kind.limit:
            errors["participation_type"] = [
                _("The places for %(type)s are all taken.") % {"type": kind.name}
            ]
    if any(person.organisation_id != organisation.pk for person in data.people):
        errors["people"] = [_("Choose people of the registering organisation.")]
    if any(slot.session.event_id != event.pk for slot in data.slots):
        errors["available_slots"] = [_("Choose slots of this event's sessions.")]
    if not data.slots:
        errors["available_slots"] = [_("Choose at least one slot in which you can meet.")]
    if any(profile.owner_id != organisation.pk for profile in data.profiles):
        errors["profiles"] = [_("Choose offers and requests of the registering organisation.")]
    if data.max_meetings is not None and not 1 <= data.max_meetings <= 100:
        errors["max_meetings"] = [_("Give a number from 1 to 100.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def register(
    user: Any, event: Event, organisation: Organisation, data: RegistrationData, now: datetime
) -> Registration:
    """Register ``organisation`` at ``event``; approved at once unless the organiser approves."""
    _require(rules.can_register_for(user, organisation.pk) and rules.can_view_event(user, event))
    organiser = rules.is_organiser(user, event)
    if not organiser:
        if event.status != EventStatus.PUBLISHED:
            raise _invalid("event", _("This event does not take registrations."))
        if not _window(now, event.registration_opens, event.registration_closes):
            raise _invalid("event", _("Registration for this event is closed."))
    _lock_event(event)
    if Registration.objects.filter(event=event, organisation=organisation).exists():
        raise _invalid("organisation", _("This organisation is already registered."))
    _check_registration(event, organisation, data, None)
    assert data.participation_type is not None
    registration = Registration.objects.create(
        event=event,
        organisation=organisation,
        participation_type=data.participation_type,
        max_meetings=data.max_meetings or event.default_max_meetings,
        status=(
            RegistrationStatus.PENDING
            if event.approval_required and not organiser
            else RegistrationStatus.APPROVED
        ),
        created_by=user if getattr(user, "pk", None) else None,
    )
    registration.people.set(data.people)
    registration.available_slots.set(data.slots)
    registration.profiles.set(data.profiles)
    return registration


@transaction.atomic
def update_registration(user: Any, registration: Registration, data: RegistrationData) -> None:
    _require(rules.acts_for(user, registration))
    _lock_event(registration.event)
    _check_registration(registration.event, registration.organisation, data, registration)
    assert data.participation_type is not None
    registration.participation_type = data.participation_type
    if data.max_meetings is not None:
        registration.max_meetings = data.max_meetings
    registration.save(update_fields=["participation_type", "max_meetings"])
    registration.people.set(data.people)
    registration.available_slots.set(data.slots)
    registration.profiles.set(data.profiles)


@transaction.atomic
def decide_registration(user: Any, registration: Registration, approve: bool) -> Registration:
    _require(rules.is_organiser(user, registration.event))
    _lock_event(registration.event)
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    registration.save(update_fields=["status"])
    if not approve:
        _cancel_open_meetings(registration, _("The registration was rejected."))
    return registration


@transaction.atomic
def cancel_registration(user: Any, registration: Registration) -> Registration:
    _require(rules.acts_for(user, registration))
    _lock_event(registration.event)
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status"])
    _cancel_open_meetings(registration, _("The participant withdrew."))
    return registration


def _cancel_open_meetings(registration: Registration, why: str) -> None:
    audit.update_recorded(
        Meeting.objects.filter(
            Q(requester=registration) | Q(recipient=registration), status__in=OPEN
        ),
        status=MeetingStatus.CANCELLED,
        slot=None,
        table=None,
        pinned=False,
        unscheduled_reason=why,
    )


@transaction.atomic
def set_booth(user: Any, registration: Registration, booth: int | None) -> Registration:
    """Give a participant a fixed booth (a table it hosts every meeting at), or take it away."""
    event = registration.event
    _require(rules.is_organiser(user, event))
    _lock_event(event)
    if booth is not None:
        if not 1 <= booth <= event.tables:
            raise _invalid(
                "booth", _("Give a table number from 1 to %(tables)d.") % {"tables": event.tables}
            )
        taken = Registration.objects.filter(event=event, booth=booth).exclude(pk=registration.pk)
        if taken.exists():
            raise _invalid("booth", _("Another participant already has this booth."))
    registration.booth = booth
    registration.save(update_fields=["booth"])
    return registration


@transaction.atomic
def check_in(user: Any, registration: Registration, now: datetime, present: bool = True) -> None:
    """Check a participant in on the day (or undo it); checking in clears a no-show mark."""
    _require(rules.is_organiser(user, registration.event))
    registration.checked_in_at = now if present else None
    if present:
        registration.no_show = False
    registration.save(update_fields=["checked_in_at", "no_show"])


@transaction.atomic
def mark_no_show(user: Any, registration: Registration, no_show: bool = True) -> None:
    _require(rules.is_organiser(user, registration.event))
    registration.no_show = no_show
    if no_show:
        registration.checked_in_at = None
    registration.save(update_fields=["checked_in_at", "no_show"])


# --- meeting requests -----------------------------------------------------------------------


def _pair_has_open_meeting(a: Registration, b: Registration) -> bool:
    return Meeting.objects.filter(
        Q(requester=a, recipient=b) | Q(requester=b, recipient=a), status__in=OPEN
    ).exists()


def _check_request(
    requester: Registration, recipient: Registration, reason: str, priority: int
) -> None:
    errors: dict[str, list[str]] = {}
    if requester.event_id != recipient.event_id:
        errors["recipient"] = [_("Choose a participant of the same event.")]
    elif requester.pk == recipient.pk or requester.organisation_id == recipient.organisation_id:
        errors["recipient"] = [_("You cannot request a meeting with yourself.")]
    elif not rules.is_approved(recipient):
        errors["recipient"] = [_("This participant's registration is not approved.")]
    elif _pair_has_open_meeting(requester, recipient):
        errors["recipient"] = [_("There is already a request or a meeting with this participant.")]
    if not rules.is_approved(requester):
        errors["requester"] = [_("Your registration is not approved yet.")]
    if len(reason) > 300:
        errors["reason"] = [_("Write at most 300 characters.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Choose a valid priority.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def request_meeting(
    user: Any,
    requester: Registration,
    recipient: Registration,
    *,
    reason: str,
    priority: int,
    now: datetime,
) -> Meeting:
    """Ask another participant for a meeting; it waits for an answer until it expires."""
    event = requester.event
    _require(rules.acts_for(user, requester))
    if not rules.is_organiser(user, event) and not _window(
        now, event.booking_opens, event.booking_closes
    ):
        raise _invalid("recipient", _("Meeting requests for this event are closed."))
    # The pair's open request is checked and the new one written under the event's lock.
    _lock_event(event)
    _check_request(requester, recipient, reason, priority)
    return Meeting.objects.create(
        event=event,
        requester=requester,
        recipient=recipient,
        reason=reason,
        priority=priority,
        # Unanswered requests expire after the set days, and at the latest when booking closes.
        expires_at=min(now + timedelta(days=event.request_expiry_days), event.booking_closes),
        created_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def answer_meeting(
    user: Any, meeting: Meeting, *, accept: bool, note: str = "", now: datetime
) -> Meeting:
    _require(rules.can_answer(user, meeting))
    _lock_event(meeting.event)
    # Read afresh: the other side may have cancelled, or a second answer come in, meanwhile.
    meeting.refresh_from_db(fields=["status", "expires_at"])
    if meeting.status != MeetingStatus.REQUESTED:
        raise _invalid("status", _("This request has already been answered or has expired."))
    if meeting.expires_at is not None and meeting.expires_at < now:
        # Past its date: it is expired (``expire_requests`` records it so).
        raise _invalid("status", _("This request has already been answered or has expired."))
    if len(note) > 300:
        raise _invalid("answer_note", _("Write at most 300 characters."))
    meeting.status = MeetingStatus.ACCEPTED if accept else MeetingStatus.DECLINED
    meeting.answer_note = note
    meeting.answered_at = now
    meeting.save(update_fields=["status", "answer_note", "answered_at"])
    return meeting


@transaction.atomic
def cancel_meeting(user: Any, meeting: Meeting, note: str = "") -> Meeting:
    """Either party or the organiser cancels; the slot frees for the next scheduling run."""
    _require(rules.can_view_meeting(user, meeting))
    _lock_event(meeting.event)
    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in OPEN:
        raise _invalid("status", _("Only open requests and accepted meetings can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.answer_note = note[:300]
    meeting.slot, meeting.table, meeting.pinned = None, None, False
    meeting.save(update_fields=["status", "answer_note", "slot", "table", "pinned"])
    return meeting


@transaction.atomic
def organiser_meeting(
    user: Any,
    first: Registration,
    second: Registration,
    *,
    priority: int = Priority.HIGH,
    slot: Slot | None = None,
    table: int | None = None,
    now: datetime,
) -> Meeting:
    """The organiser adds an accepted meeting, and may force it to a slot and table."""
    event = first.event
    _require(rules.is_organiser(user, event))
    _lock_event(event)
    _check_request(first, second, "", priority)
    meeting = Meeting(
        event=event,
        requester=first,
        recipient=second,
        priority=priority,
        status=MeetingStatus.ACCEPTED,
        answered_at=now,
        by_organiser=True,
        created_by=user if getattr(user, "pk", None) else None,
    )
    if slot is not None or table is not None:
        _check_pin(meeting, slot, table)
        meeting.slot, meeting.table, meeting.pinned = slot, table, True
    meeting.save()
    return meeting


def _check_pin(meeting: Meeting, slot: Slot | None, table: int | None) -> None:
    event = meeting.event
    errors: dict[str, list[str]] = {}
    if slot is None or slot.session.event_id != event.pk:
        errors["slot"] = [_("Choose a slot of this event.")]
    if table is None or not 1 <= table <= event.tables:
        errors["table"] = [
            _("Give a table number from 1 to %(tables)d.") % {"tables": event.tables}
        ]
    if errors:
        raise ValidationError(errors)
    busy = Meeting.objects.filter(event=event, slot=slot, status=MeetingStatus.ACCEPTED).exclude(
        pk=meeting.pk
    )
    if busy.filter(table=table).exists():
        errors["table"] = [_("Another meeting already takes this table in this slot.")]
    parties = [meeting.requester_id, meeting.recipient_id]
    if busy.filter(Q(requester_id__in=parties) | Q(recipient_id__in=parties)).exists():
        errors["slot"] = [_("One of the two already has a meeting in this slot.")]
    available = Registration.objects.filter(pk__in=parties, available_slots=slot).count()
    if available < 2:
        errors["slot"] = [_("One of the two is not available in this slot.")]
    booth_owner = event.registrations.filter(booth=table).exclude(pk__in=parties).first()
    if booth_owner is not None:
        errors["table"] = [
            _("Table %(table)d is the fixed booth of %(name)s.")
            % {"table": table, "name": booth_owner.organisation.name}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pin_meeting(user: Any, meeting: Meeting, slot: Slot | None, table: int | None) -> Meeting:
    """Force an accepted meeting to a slot and table (the scheduler keeps it there)."""
    _require(rules.is_organiser(user, meeting.event))
    # The participants' other meetings in the slot are checked under the event's lock.
    _lock_event(meeting.event)
    meeting.refresh_from_db(fields=["status"])
    if meeting.status != MeetingStatus.ACCEPTED:
        raise _invalid("status", _("Only accepted meetings can be placed."))
    _check_pin(meeting, slot, table)
    meeting.slot, meeting.table, meeting.pinned = slot, table, True
    meeting.unscheduled_reason = ""
    meeting.save(update_fields=["slot", "table", "pinned", "unscheduled_reason"])
    return meeting


def expire_requests(now: datetime) -> int:
    """Requests left unanswered past their date expire: they stop blocking a new request."""
    return audit.update_recorded(
        Meeting.objects.filter(status=MeetingStatus.REQUESTED, expires_at__lt=now),
        status=MeetingStatus.EXPIRED,
    )


# --- scheduling -------------------------------------------------------------------------------


def _scheduled_meetings(event: Event) -> Any:
    """Accepted meetings between two approved participants: what the scheduler places."""
    return Meeting.objects.filter(
        event=event,
        status=MeetingStatus.ACCEPTED,
        requester__status=RegistrationStatus.APPROVED,
        recipient__status=RegistrationStatus.APPROVED,
    )


def scheduling_problem(event: Event) -> scheduler.Event:
    """The event as the scheduler reads it: slots, tables, participants, meetings, placements."""
    slots = list(Slot.objects.filter(session__event=event).order_by("starts_at", "pk"))
    meetings = list(_scheduled_meetings(event).order_by("pk"))
    involved = {m.requester_id for m in meetings} | {m.recipient_id for m in meetings}
    registrations = Registration.objects.filter(pk__in=involved).prefetch_related("available_slots")
    participants = [
        scheduler.Participant(
            id=str(r.pk),
            available_slots=frozenset(str(s.pk) for s in r.available_slots.all()),
            max_meetings=r.max_meetings,
            booth=r.booth,
        )
        for r in registrations
    ]
    return scheduler.Event(
        slots=[scheduler.Slot(id=str(s.pk), session=str(s.session_id)) for s in slots],
        tables=event.tables,
        participants=participants,
        meetings=[
            scheduler.Meeting(
                id=str(m.pk),
                from_id=str(m.requester_id),
                to_id=str(m.recipient_id),
                priority=m.priority,
                fixed=(str(m.slot_id), int(m.table))
                if m.pinned and m.slot_id and m.table
                else None,
            )
            for m in meetings
        ],
        previous={
            str(m.pk): (str(m.slot_id), int(m.table)) for m in meetings if m.slot_id and m.table
        },
    )


@transaction.atomic
def start_schedule(
    user: Any, event: Event, time_limit: int = 30, *, queue: bool = True
) -> ScheduleRun:
    """Queue a scheduling run of the event's accepted meetings; a worker carries it out.

    ``queue=False`` only records the run, for a caller that carries it out itself
    (``execute_schedule``), as the CLI does.
    """
    _require(rules.is_organiser(user, event))
    if not 1 <= time_limit <= 600:
        raise _invalid("time_limit", _("Give a time limit from 1 to 600 seconds."))
    # One run at a time: checked under the event's lock (and by a constraint).
    _lock_event(event)
    abandon_stale_runs(event)
    if ScheduleRun.objects.filter(
        event=event, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).exists():
        raise _invalid("event", _("A scheduling run of this event is already under way."))
    run = ScheduleRun.objects.create(
        event=event,
        time_limit=time_limit,
        started_by=user if getattr(user, "pk", None) else None,
    )
    if queue:
        from distretto.events import tasks

        transaction.on_commit(lambda: tasks.schedule_event_task.enqueue(run.pk))
    return run


# A run still queued or running this long after its time limit was lost (no worker, a
# crash): it no longer blocks a new run.
STALE_AFTER = timedelta(minutes=10)
# A running run's process records itself (``changes["worker"]``): the run is lost at once
# when that process is gone from this machine, and in any case this long after its time
# limit counted from when it started (reading the event and saving take the rest).
RUNNING_GRACE = timedelta(minutes=5)


def this_machine() -> str:
    """This machine and its process-id namespace: where a process id names one process.

    Two containers may share a host name; they do not share a namespace.
    """
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()} {namespace}".strip()


def _worker_stamp() -> dict[str, Any]:
    """Who carries out a run: this machine and process, and since when."""
    return {"host": this_machine(), "pid": os.getpid(), "since": timezone.now().isoformat()}


def _process_gone(worker: Mapping[str, Any]) -> bool:
    """True when the run's process was on this machine and no longer exists."""
    pid = worker.get("pid")
    if worker.get("host") != this_machine() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def stale_reason(run: ScheduleRun, now: datetime) -> str | None:
    """Why a queued or running run will never finish (its process died, no worker), or None."""
    worker = (run.changes or {}).get("worker") if run.status == RunStatus.RUNNING else None
    if isinstance(worker, Mapping):
        since = parse_datetime(str(worker.get("since", "")))
        if _process_gone(worker) or (
            since is not None and since + timedelta(seconds=run.time_limit) + RUNNING_GRACE < now
        ):
            return gettext_noop("Abandoned: the process running it stopped before it finished.")
        return None  # its process is at work (however long it waited in the queue)
    if run.created_at + timedelta(seconds=run.time_limit) + STALE_AFTER < now:
        return gettext_noop("Abandoned: no worker carried it out.")
    return None


def abandon_stale_runs(event: Event) -> None:
    """Mark the event's runs that will never finish as failed: they block no new run."""
    now = timezone.now()
    for run in ScheduleRun.objects.filter(
        event=event, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ):
        reason = stale_reason(run, now)
        if reason:
            ScheduleRun.objects.filter(
                pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
            ).update(status=RunStatus.FAILED, message=reason, finished_at=now)


def _progress(run_id: int) -> scheduler.ProgressCallback:
    def report(fraction: float, message: str) -> None:
        # Kept in English (the domain marks them for translation); the page translates them
        # into its reader's language.
        ScheduleRun.objects.filter(pk=run_id).update(progress=fraction, message=message[:300])

    return report


def execute_schedule(run_id: int) -> ScheduleRun:
    """Carry out a queued run: solve outside any transaction, then apply in one."""
    run = ScheduleRun.objects.select_related("event").get(pk=run_id)
    # Taken once: a second worker (or the shell) finds it no longer queued.
    taken = ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, changes={"worker": _worker_stamp()}
    )
    if not taken:
        return run
    try:
        problem = scheduling_problem(run.event)
        result = scheduler.schedule(problem, float(run.time_limit), progress=_progress(run.pk))
        _apply_schedule(run, problem, result)
    except scheduler.ScheduleInputError as error:
        ScheduleRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, message=str(error)[:300], finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    except Exception:
        logger.exception("Scheduling run %s failed.", run.pk)
        ScheduleRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, message="internal error", finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


@transaction.atomic
def _apply_schedule(
    run: ScheduleRun, problem: scheduler.Event, result: scheduler.ScheduleResult
) -> None:
    # Solved outside any transaction: the organiser may have placed or added meetings
    # meanwhile. Under the event's lock, the placements are checked against those.
    _lock_event(run.event)
    slots = {str(s.pk): s for s in Slot.objects.filter(session__event=run.event)}
    still = {
        str(m.pk): m
        for m in _scheduled_meetings(run.event)
        .filter(pk__in=[int(m.id) for m in problem.meetings])
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    placed: set[str] = set()
    # Meetings outside the run that hold a slot: their tables and participants are taken.
    others = (
        Meeting.objects.filter(event=run.event, slot__isnull=False)
        .exclude(pk__in=[m.pk for m in still.values()])
        .values_list("slot_id", "table", "requester_id", "recipient_id")
    )
    taken_tables = {(slot_id, table) for slot_id, table, _a, _b in others}
    taken_parties = {(slot_id, p) for slot_id, _t, a, b in others for p in (a, b)}
    clashed: set[str] = set()
    for placement in result.placements:
        meeting = still.get(placement.meeting_id)
        slot = slots.get(placement.slot_id)
        if meeting is None or slot is None:
            continue  # cancelled (or its slot removed) while the run was solving
        if (slot.pk, placement.table) in taken_tables or any(
            (slot.pk, p) in taken_parties for p in (meeting.requester_id, meeting.recipient_id)
        ):
            clashed.add(placement.meeting_id)
            continue  # the organiser placed another meeting there while the run was solving
        if meeting.pinned and (meeting.slot_id != slot.pk or meeting.table != placement.table):
            meeting.pinned = False  # it could not stay where the organiser fixed it
        meeting.slot, meeting.table, meeting.unscheduled_reason = slot, placement.table, ""
        placed.add(placement.meeting_id)
    names = dict(
        Registration.objects.filter(event=run.event).values_list("pk", "organisation__name")
    )
    reasons = {u.meeting_id: _reason(u, names) for u in result.unscheduled}
    for key in clashed:
        reasons[key] = _(
            "Another meeting was placed in its slot while the schedule was being computed: "
            "run the scheduler again."
        )
    for key, meeting in still.items():
        if key not in placed:
            meeting.slot, meeting.table, meeting.pinned = None, None, False
            meeting.unscheduled_reason = reasons.get(key, "")[:300]
    # Two steps, so that meetings trading tables never meet the one-per-table constraint
    # half-way: free every seat of the run, then take the new ones.
    seat_fields = ["slot", "table", "pinned", "unscheduled_reason"]
    stored = audit.stored_values(list(still.values()), seat_fields)
    Meeting.objects.filter(pk__in=[m.pk for m in still.values()]).update(slot=None, table=None)
    Meeting.objects.bulk_update(list(still.values()), seat_fields)
    audit.record_bulk(AuditAction.UPDATE, list(still.values()), before=stored, fields=seat_fields)
    run.status = RunStatus.DONE
    run.progress = 1.0
    run.requests = len(problem.meetings)
    run.scheduled = len(placed)
    run.objective = result.objective
    run.upper_bound = result.upper_bound
    run.seconds = round(result.seconds, 2)
    run.finished_at = timezone.now()
    run.changes = {
        "moved": [
            {
                "meeting": int(m.meeting_id),
                "from": [int(m.old_slot_id), m.old_table],
                "to": [int(m.new_slot_id), m.new_table],
            }
            for m in result.moved
        ],
        "added": [int(x) for x in result.added],
        "dropped": [int(x) for x in result.dropped],
        "kept": len(result.kept),
        "unscheduled": [
            {"meeting": int(u.meeting_id), "reason": reasons[u.meeting_id]}
            for u in result.unscheduled
        ]
        + [{"meeting": int(key), "reason": reasons[key]} for key in sorted(clashed)],
        "idle_gaps": result.idle_gaps,
        "method": result.method,
    }
    run.save()


def _reason(unscheduled: scheduler.Unscheduled, names: Mapping[int, str]) -> str:
    """Why a meeting is not scheduled, in the user's language, with the organisation named."""
    who = names.get(int(unscheduled.participant), "") if unscheduled.participant else ""
    worded = {
        scheduler.NO_COMMON_SLOT: _("The two have no available slot in common."),
        scheduler.NO_TABLE: _("No table is free for it in the slots both are available."),
        scheduler.AT_MAXIMUM: _("%(name)s has reached its maximum number of meetings.")
        % {"name": who},
        scheduler.NO_SLOT_LEFT: _(
            "Every slot in which both are available is taken by their other meetings."
        ),
        scheduler.NO_TABLE_LEFT: _("No table is left in the slots free for both."),
    }
    return str(worded.get(unscheduled.code, unscheduled.reason))[:300]


# --- after the event -------------------------------------------------------------------------


@transaction.atomic
def report_meeting(
    user: Any,
    meeting: Meeting,
    registration: Registration,
    *,
    took_place: bool,
    outcome: str = "",
    agreement_type: str = "",
    note: str = "",
    now: datetime | None = None,
) -> MeetingReport:
    """One side records whether a meeting took place and what came of it.

    A positive outcome (further contact, negotiation, agreement) becomes a tie
    in the district's network, sourced to this report.
    """
    if registration.pk not in (meeting.requester_id, meeting.recipient_id):
        raise _invalid("registration", _("Only the two participants report on a meeting."))
    _require(rules.acts_for(user, registration))
    errors: dict[str, list[str]] = {}
    if meeting.status != MeetingStatus.ACCEPTED or meeting.slot is None:
        errors["meeting"] = [_("Only scheduled meetings can be reported on.")]
    elif meeting.slot.starts_at > (now or timezone.now()):
        errors["meeting"] = [_("A meeting can be reported on once its time has come.")]
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = [_("Choose a valid outcome.")]
    if took_place and not outcome:
        errors["outcome"] = [_("Say what came of the meeting.")]
    if not took_place and outcome:
        errors["outcome"] = [_("A meeting that did not take place has no outcome.")]
    if outcome == Outcome.SIGNED and agreement_type not in AgreementType.values:
        errors["agreement_type"] = [_("Choose the type of the agreement signed.")]
    if outcome != Outcome.SIGNED and agreement_type:
        errors["agreement_type"] = [_("Give a type only for an agreement signed.")]
    if len(note) > 500:
        errors["note"] = [_("Write at most 500 characters.")]
    if errors:
        raise ValidationError(errors)
    report, _created = MeetingReport.objects.update_or_create(
        meeting=meeting,
        registration=registration,
        defaults={
            "took_place": took_place,
            "outcome": outcome,
            "agreement_type": agreement_type,
            "note": note,
            "reported_by": user if getattr(user, "pk", None) else None,
        },
    )
    _sync_tie(meeting)
    return report


# Outcomes that make a tie, best first: the best outcome either side reports wins.
TIE_OUTCOMES = (Outcome.SIGNED, Outcome.NEGOTIATION, Outcome.FURTHER_CONTACT)


def _sync_tie(meeting: Meeting) -> None:
    # Both sides may report at once: the meeting row is the lock, its tie read afresh.
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("event").get(pk=meeting.pk)
    )
    outcomes = {r.outcome: r for r in meeting.reports.filter(took_place=True)}
    best = next((o for o in TIE_OUTCOMES if o in outcomes), None)
    source = f"Distretto: meeting report, {meeting.event.name}, {meeting.slot or ''}"
    existing = Tie.objects.filter(pk=meeting.tie_id).first() if meeting.tie_id else None
    if best is None:
        if existing is not None:
            meeting.tie = None
            meeting.save(update_fields=["tie"])
            existing.delete()
        return
    chosen = outcomes[best]
    with translation.override("it"):
        note_it = _outcome_note(chosen)
    with translation.override("en"):
        note_en = _outcome_note(chosen)
    tie = existing or Tie(
        from_organisation_id=meeting.requester.organisation_id,
        to_organisation_id=meeting.recipient.organisation_id,
        kind=TieKind.MEETING_OUTCOME,
    )
    tie.year_from = meeting.event.starts_on.year
    tie.note_it, tie.note_en, tie.source = note_it[:300], note_en[:300], source
    tie.save()
    if meeting.tie_id != tie.pk:
        meeting.tie = tie
        meeting.save(update_fields=["tie"])


def _outcome_note(report: MeetingReport) -> str:
    text = str(report.get_outcome_display())
    if report.agreement_type:
        text += f" ({report.get_agreement_type_display()})"
    return f"{report.meeting.event.name}: {text}"


def send_follow_ups(now: datetime) -> int:
    """E-mail each participant of a past event, 3 and 6 months on, to report its meetings.

    Each prompt is recorded so that it is sent once; a participant with several
    prompts due at once (the command did not run for months) gets one e-mail,
    the latest. Sent to the registered people who may be contacted and to the
    person who registered; returns how many e-mails went out.
    """
    sent = 0
    today = timezone.localdate(now)
    earliest = today - timedelta(days=round(min(FOLLOW_UP_MONTHS) * 30.44))
    due = (
        Registration.objects.filter(
            status=RegistrationStatus.APPROVED, event__ends_on__lte=earliest
        )
        .filter(Q(requests_sent__slot__isnull=False) | Q(requests_received__slot__isnull=False))
        .distinct()
        .select_related("event", "organisation", "created_by")
        .prefetch_related("people", "follow_ups")
    )
    for registration in due:
        elapsed = (today - registration.event.ends_on).days
        done = {f.months for f in registration.follow_ups.all()}
        months = [m for m in FOLLOW_UP_MONTHS if round(m * 30.44) <= elapsed and m not in done]
        if not months:
            continue
        with transaction.atomic():
            created = [
                FollowUpPrompt.objects.get_or_create(registration=registration, months=m)[1]
                for m in months
            ]
            if not any(created):
                continue  # another process sent them meanwhile
            recipients = _follow_up_recipients(registration)
            if recipients:
                _send_follow_up(registration, max(months), recipients)
                sent += 1
    return sent


def _follow_up_recipients(registration: Registration) -> list[str]:
    found = [p.email for p in registration.people.all() if p.email and p.consent_contact]
    if registration.created_by and registration.created_by.email:
        found.append(registration.created_by.email)
    return sorted(set(found))


def _send_follow_up(registration: Registration, months: int, recipients: list[str]) -> None:
    from django.urls import reverse

    link = settings.SITE_URL.rstrip("/") + reverse(
        "events:outcomes", kwargs={"slug": registration.event.slug}
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(event)s: what came of your meetings?") % {"event": registration.event.name}
        body = _(
            "%(months)d months ago %(organisation)s met other participants at %(event)s.\n"
            "Tell us what came of each meeting (a further contact, an agreement under "
            "negotiation, an agreement signed): %(link)s\n"
        ) % {
            "months": months,
            "organisation": registration.organisation.name,
            "event": registration.event.name,
            "link": link,
        }
    send_mail(subject, body, None, recipients)


# --- figures -----------------------------------------------------------------------------------


def statistics(user: Any, event: Event, now: datetime) -> dict[str, Any]:
    """The organiser's figures: registrations by type and status, requests, meetings, outcomes."""
    _require(rules.is_organiser(user, event))
    registrations = event.registrations.all()
    by_type = [
        {
            "type": kind.name,
            "approved": registrations.filter(
                participation_type=kind, status=RegistrationStatus.APPROVED
            ).count(),
            "pending": registrations.filter(
                participation_type=kind, status=RegistrationStatus.PENDING
            ).count(),
        }
        for kind in event.participation_types.all()
    ]
    meetings = event.meetings.all()
    reports = MeetingReport.objects.filter(meeting__event=event)
    outcomes = {
        value: reports.filter(outcome=value).values("meeting").distinct().count()
        for value in Outcome.values
    }
    agreements = {
        value: reports.filter(outcome=Outcome.SIGNED, agreement_type=value)
        .values("meeting")
        .distinct()
        .count()
        for value in AgreementType.values
    }
    return {
        "registrations": by_type,
        "checked_in": registrations.exclude(checked_in_at=None).count(),
        "no_shows": registrations.filter(no_show=True).count(),
        "requests_sent": meetings.exclude(by_organiser=True).count(),
        "accepted": meetings.filter(status=MeetingStatus.ACCEPTED).count(),
        "declined": meetings.filter(status=MeetingStatus.DECLINED).count(),
        "expired": meetings.filter(status=MeetingStatus.EXPIRED).count()
        + meetings.filter(status=MeetingStatus.REQUESTED, expires_at__lt=now).count(),
        "waiting": meetings.filter(status=MeetingStatus.REQUESTED, expires_at__gte=now).count(),
        "cancelled": meetings.filter(status=MeetingStatus.CANCELLED).count(),
        "scheduled": meetings.filter(status=MeetingStatus.ACCEPTED, slot__isnull=False).count(),
        "held": reports.filter(took_place=True).values("meeting").distinct().count(),
        "outcomes": outcomes,
        "agreements": agreements,
    }


def statistics_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """The figures as (group, item, number) rows for CSV and XLSX."""
    rows: list[tuple[str, str, int]] = []
    for item in figures["registrations"]:
        rows.append((_("Registrations approved"), item["type"], item["approved"]))
        rows.append((_("Registrations waiting"), item["type"], item["pending"]))
    simple = [
        ("checked_in", _("Checked in")),
        ("no_shows", _("Did not come")),
        ("requests_sent", _("Requests sent")),
        ("accepted", _("Accepted")),
        ("declined", _("Declined")),
        ("expired", _("Expired")),
        ("waiting", _("Waiting for an answer")),
        ("cancelled", _("Cancelled")),
        ("scheduled", _("Scheduled")),
        ("held", _("Held")),
    ]
    rows.extend((_("Meetings"), label, figures[key]) for key, label in simple)
    rows.extend((_("Outcomes"), str(Outcome(k).label), v) for k, v in figures["outcomes"].items())
    rows.extend(
        (_("Agreements signed"), str(AgreementType(k).label), v)
        for k, v in figures["agreements"].items()
    )
    return rows


# --- recommendations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    registration: Registration
    result: Any  # matching.services.SearchResult: the record that fits best, with its reasons


def registration_text(registration: Registration) -> tuple[str, list[int]]:
    """What a participant looks for: its offers and requests shown at the event, else its
    organisation's own description; and their codes."""
    from distretto.matching.services import profile_text

    profiles = list(registration.profiles.all())
    if profiles:
        text = "\n".join(profile_text(p) or p.title for p in profiles)
        codes = [c for p in profiles for c in p.codes.values_list("pk", flat=True)]
        return text, codes
    org = registration.organisation
    parts = [org.summary_it, org.summary_en, org.description_it, org.description_en]
    return "\n".join(p for p in parts if p), list(org.codes.values_list("pk", flat=True))


def recommendations(user: Any, registration: Registration, limit: int = 10) -> list[Recommendation]:
    """The other approved participants that fit this one best (matchmaking engine), with reasons;
    those already asked, met or declined are left out."""
    from distretto.matching.services import rank_organisations

    _require(rules.acts_for(user, registration))
    others = Registration.objects.filter(
        event=registration.event, status=RegistrationStatus.APPROVED
    ).exclude(organisation_id=registration.organisation_id)
    # Left out: those already asked or met, and those who declined (or were declined).
    taken = set(
        Meeting.objects.filter(
            Q(requester=registration) | Q(recipient=registration),
            status__in=[*OPEN, MeetingStatus.DECLINED],
        ).values_list("requester_id", "recipient_id")
    )
    busy = {pk for pair in taken for pk in pair}
    by_org = {
        r.organisation_id: r for r in others.select_related("organisation") if r.pk not in busy
    }
    text, codes = registration_text(registration)
    ranked = rank_organisations(text, codes, by_org, limit)
    return [Recommendation(by_org[org_id], result) for org_id, result in ranked]
