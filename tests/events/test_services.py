"""Services of brokerage events: set-up, registration, meeting requests, scheduling, what
follows the event, figures and recommendations. The acting user and the clock are explicit."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from distretto.events import rules, services
from distretto.events.domain.slots import Interval, slot_times
from distretto.events.enums import (
    EventStatus,
    MeetingStatus,
    Outcome,
    ParticipantKind,
    Priority,
    RegistrationStatus,
    RunStatus,
)
from distretto.events.models import (
    Event,
    FollowUpPrompt,
    Meeting,
    MeetingReport,
    Registration,
    ScheduleRun,
    Slot,
)
from distretto.registry.enums import TieKind
from distretto.registry.models import Tie
from tests import factories
from tests.events.conftest import EVENT_DAY, NOW, ROME, all_slots, event_data, join, rome


def invalid(function, *args, **kwargs) -> dict[str, list[str]]:
    """The fields named by the ValidationError that ``function`` raises."""
    with pytest.raises(ValidationError) as raised:
        function(*args, **kwargs)
    return raised.value.message_dict


def registration_data(event: Event, **overrides) -> services.RegistrationData:
    values = {
        "participation_type": event.participation_types.get(name="Companies"),
        "people": [],
        "slots": all_slots(event),
        "profiles": [],
        "max_meetings": None,
    }
    values.update(overrides)
    return services.RegistrationData(**values)


def ask(user, requester, recipient, now=NOW, priority=Priority.NORMAL) -> Meeting:
    return services.request_meeting(
        user, requester, recipient, reason="Let us talk", priority=priority, now=now
    )


def participant(event: Event, facilitator, name: str, **join_options) -> Registration:
    return join(event, factories.OrganisationFactory(name=name), facilitator, **join_options)


# --- set-up -------------------------------------------------------------------------------------


def test_a_facilitator_creates_a_draft_event(facilitator, host):
    event = services.create_event(facilitator, event_data(organiser=host))
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT
    assert event.created_by == facilitator
    assert event.organiser == host
    assert event.meeting_minutes == 20


@pytest.mark.parametrize("who", ["member", "org_admin"])
def test_only_facilitators_create_events(db, request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.create_event(user, event_data())
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ends_on", EVENT_DAY - timedelta(days=1)),
        ("registration_closes", rome(date(2026, 3, 31), 9)),
        ("registration_closes", rome(date(2026, 4, 1), 9)),
        ("booking_closes", rome(date(2026, 4, 14), 9)),
    ],
)
def test_bad_dates_name_the_field(facilitator, field, value):
    assert field in invalid(services.create_event, facilitator, event_data(**{field: value}))
    assert not Event.objects.exists()


@pytest.mark.parametrize("field", ["name", "starts_on", "registration_opens", "booking_closes"])
def test_a_missing_field_is_named(facilitator, field):
    data = event_data()
    del data[field]
    assert field in invalid(services.create_event, facilitator, data)


def test_a_field_that_cannot_be_set_is_named(facilitator):
    assert "status" in invalid(
        services.create_event, facilitator, event_data(status=EventStatus.PUBLISHED)
    )


def test_two_events_cannot_share_an_address_name(facilitator, draft_event):
    assert "slug" in invalid(services.create_event, facilitator, event_data(name="Again"))


def test_a_session_gets_the_slots_of_slot_times_in_the_event_time_zone(draft_event):
    session = draft_event.sessions.get()
    expected = slot_times(
        EVENT_DAY, Interval(time(9), time(11)), [Interval(time(10), time(10, 20))], 20
    )
    slots = all_slots(draft_event)
    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (start.replace(tzinfo=ROME), end.replace(tzinfo=ROME)) for start, end in expected
    ]
    assert all(s.session == session for s in slots)
    # 09:00 in Rome in June (summer time) is 07:00 UTC.
    assert slots[0].starts_at.astimezone(UTC).time() == time(7, 0)


def test_slots_are_in_the_event_time_zone_whatever_zone_is_active(facilitator, draft_event):
    with timezone.override("America/New_York"):
        services.save_session(
            facilitator, draft_event, name="Afternoon", day=EVENT_DAY, start=time(14), end=time(15)
        )
    starts = [s.starts_at.astimezone(ROME).strftime("%H:%M") for s in all_slots(draft_event)]
    assert starts[-3:] == ["14:00", "14:20", "14:40"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day": EVENT_DAY + timedelta(days=1)}, "day"),
        ({"end": time(8, 0)}, "end"),
        ({"end": time(9, 10)}, "end"),
        ({"breaks": [(time(10, 50), time(11, 30))]}, "breaks"),
    ],
)
def test_a_bad_session_names_the_field_and_changes_nothing(
    facilitator, draft_event, changes, field
):
    values = {
        "name": "Afternoon",
        "day": EVENT_DAY,
        "start": time(9),
        "end": time(11),
        "breaks": [],
    }
    values.update(changes)
    assert field in invalid(services.save_session, facilitator, draft_event, **values)
    assert draft_event.sessions.count() == 1
    assert len(all_slots(draft_event)) == 5


def test_only_organisers_add_sessions(draft_event, org_admin, host_admin):
    values = {"name": "Afternoon", "day": EVENT_DAY, "start": time(14), "end": time(15)}
    with pytest.raises(PermissionDenied):
        services.save_session(org_admin, draft_event, **values)
    services.save_session(host_admin, draft_event, **values)
    assert len(all_slots(draft_event)) == 5 + 3


def test_a_session_of_another_event_cannot_be_changed_through_this_one(facilitator, draft_event):
    elsewhere = services.create_event(facilitator, event_data(slug="elsewhere"))
    session = draft_event.sessions.get()
    with pytest.raises(PermissionDenied):
        services.save_session(
            facilitator,
            elsewhere,
            name="Hijacked",
            day=EVENT_DAY,
            start=time(9),
            end=time(10),
            session=session,
        )
    session.refresh_from_db()
    assert (session.name, session.event) == ("Morning", draft_event)


def test_changing_a_session_keeps_the_slots_that_stay_and_frees_the_meetings_of_the_others(
    facilitator, event, acme, other, third
):
    session = event.sessions.get()
    before = all_slots(event)
    first, last = before[0], before[-1]
    kept = services.organiser_meeting(facilitator, acme, other, slot=first, table=1, now=NOW)
    lost = services.organiser_meeting(facilitator, acme, third, slot=last, table=2, now=NOW)

    # The session now ends at 10:40: the 10:40-11:00 slot goes, the other four stay.
    services.save_session(
        facilitator,
        event,
        name="Morning",
        day=EVENT_DAY,
        start=time(9),
        end=time(10, 40),
        breaks=[(time(10), time(10, 20))],
        session=session,
    )

    after = all_slots(event)
    assert [s.pk for s in after] == [s.pk for s in before[:-1]]
    assert not Slot.objects.filter(pk=last.pk).exists()
    assert set(acme.available_slots.values_list("pk", flat=True)) == {s.pk for s in after}
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert (kept.slot_id, kept.table, kept.pinned) == (first.pk, 1, True)
    assert (lost.slot, lost.table, lost.pinned) == (None, None, False)
    assert lost.status == MeetingStatus.ACCEPTED
    assert lost.unscheduled_reason == "Its slot was removed."


def test_a_new_meeting_length_recuts_the_slots(facilitator, draft_event):
    services.update_event(facilitator, draft_event, {"meeting_minutes": 30})
    starts = [s.starts_at.astimezone(ROME).strftime("%H:%M") for s in all_slots(draft_event)]
    assert starts == ["09:00", "09:30", "10:20"]


def test_publishing_needs_slots(facilitator):
    event = services.create_event(facilitator, event_data())
    assert "status" in invalid(services.set_event_status, facilitator, event, EventStatus.PUBLISHED)
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_an_event_with_slots_is_published_by_its_organiser_only(draft_event, host_admin, member):
    with pytest.raises(PermissionDenied):
        services.set_event_status(member, draft_event, EventStatus.PUBLISHED)
    assert "status" in invalid(services.set_event_status, host_admin, draft_event, "bogus")
    services.set_event_status(host_admin, draft_event, EventStatus.PUBLISHED)
    draft_event.refresh_from_db()
    assert draft_event.status == EventStatus.PUBLISHED


# --- registration -------------------------------------------------------------------------------


def test_a_member_registers_its_organisation_and_waits_for_approval(event, member, organisation):
    person = factories.PersonFactory(organisation=organisation)
    slots = all_slots(event)[:2]
    registration = services.register(
        member, event, organisation, registration_data(event, people=[person], slots=slots), NOW
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert registration.created_by == member
    assert registration.max_meetings == event.default_max_meetings
    assert list(registration.people.all()) == [person]
    assert set(registration.available_slots.all()) == set(slots)


def test_without_approval_a_registration_is_approved_at_once(
    event, facilitator, member, organisation
):
    services.update_event(facilitator, event, {"approval_required": False})
    registration = services.register(member, event, organisation, registration_data(event), NOW)
    assert registration.status == RegistrationStatus.APPROVED


def test_a_member_cannot_register_another_organisation(event, member, other_organisation):
    with pytest.raises(PermissionDenied):
        services.register(member, event, other_organisation, registration_data(event), NOW)
    assert not Registration.objects.exists()


def test_a_member_cannot_register_for_a_draft_event(draft_event, member, organisation):
    with pytest.raises(PermissionDenied):
        services.register(member, draft_event, organisation, registration_data(draft_event), NOW)


@pytest.mark.parametrize(
    "now", [rome(date(2026, 3, 31), 23, 59), rome(date(2026, 6, 1), 18, 1), rome(EVENT_DAY, 9)]
)
def test_registration_outside_its_window_is_refused(event, member, organisation, now):
    assert "event" in invalid(
        services.register, member, event, organisation, registration_data(event), now
    )
    assert not Registration.objects.exists()


def test_the_window_edges_are_inside(event, member, organisation, other_member, other_organisation):
    services.register(
        member, event, organisation, registration_data(event), event.registration_opens
    )
    services.register(
        other_member,
        event,
        other_organisation,
        registration_data(event),
        event.registration_closes,
    )
    assert Registration.objects.count() == 2


def test_a_participation_type_holds_at_most_its_limit(
    event, facilitator, member, organisation, other_organisation
):
    investors = services.save_participation_type(
        facilitator, event, name="Investors", kind=ParticipantKind.INVESTOR, limit=1
    )
    taken = join(event, other_organisation, facilitator)
    services.update_registration(
        facilitator, taken, registration_data(event, participation_type=investors)
    )
    data = registration_data(event, participation_type=investors)
    assert "participation_type" in invalid(
        services.register, member, event, organisation, data, NOW
    )
    # A rejected registration frees its place.
    services.decide_registration(facilitator, taken, approve=False)
    registration = services.register(member, event, organisation, data, NOW)
    assert registration.participation_type == investors


def test_a_participation_type_of_another_event_is_refused(event, facilitator, member, organisation):
    elsewhere = services.create_event(facilitator, event_data(slug="elsewhere"))
    kind = services.save_participation_type(
        facilitator, elsewhere, name="Companies", kind=ParticipantKind.COMPANY, limit=None
    )
    data = registration_data(event, participation_type=kind)
    assert "participation_type" in invalid(
        services.register, member, event, organisation, data, NOW
    )


def test_people_and_profiles_must_be_of_the_registering_organisation(
    event, member, organisation, other_organisation
):
    stranger = factories.PersonFactory(organisation=other_organisation)
    foreign = factories.CooperationProfileFactory(owner=other_organisation)
    own = factories.CooperationProfileFactory(owner=organisation)
    data = registration_data(
        event,
        people=[factories.PersonFactory(organisation=organisation), stranger],
        profiles=[own, foreign],
    )
    errors = invalid(services.register, member, event, organisation, data, NOW)
    assert set(errors) == {"people", "profiles"}
    assert not Registration.objects.exists()


def test_slots_must_be_given_and_of_this_event(event, facilitator, member, organisation):
    assert "available_slots" in invalid(
        services.register, member, event, organisation, registration_data(event, slots=[]), NOW
    )
    elsewhere = services.create_event(facilitator, event_data(slug="elsewhere"))
    services.save_session(
        facilitator, elsewhere, name="Morning", day=EVENT_DAY, start=time(9), end=time(10)
    )
    data = registration_data(event, slots=all_slots(elsewhere))
    assert "available_slots" in invalid(services.register, member, event, organisation, data, NOW)


def test_a_meeting_limit_out_of_range_is_refused(event, member, organisation):
    data = registration_data(event, max_meetings=0)
    assert "max_meetings" in invalid(services.register, member, event, organisation, data, NOW)


def test_an_organisation_registers_once(event, member, organisation):
    services.register(member, event, organisation, registration_data(event), NOW)
    assert "organisation" in invalid(
        services.register, member, event, organisation, registration_data(event), NOW
    )
    assert Registration.objects.count() == 1


def test_only_organisers_decide_registrations(event, member, org_admin, host_admin, organisation):
    registration = services.register(member, event, organisation, registration_data(event), NOW)
    for user in (member, org_admin):
        with pytest.raises(PermissionDenied):
            services.decide_registration(user, registration, approve=True)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    services.decide_registration(host_admin, registration, approve=True)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED


def test_rejecting_a_registration_cancels_its_open_meetings(facilitator, acme, other, third):
    open_request = ask(facilitator, acme, other)
    accepted = services.organiser_meeting(facilitator, third, acme, now=NOW)
    services.decide_registration(facilitator, acme, approve=False)
    for meeting in (open_request, accepted):
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CANCELLED
        assert meeting.unscheduled_reason == "The registration was rejected."


def test_cancelling_a_registration_cancels_its_open_meetings_only(
    facilitator, member, other_member, acme, other, third
):
    slot = all_slots(acme.event)[0]
    scheduled = services.organiser_meeting(facilitator, acme, other, slot=slot, table=3, now=NOW)
    declined = ask(other_member, other, third)
    services.answer_meeting(facilitator, declined, accept=False, now=NOW)
    waiting = ask(member, acme, third)

    services.cancel_registration(member, acme)

    acme.refresh_from_db()
    assert acme.status == RegistrationStatus.CANCELLED
    for meeting in (scheduled, waiting):
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CANCELLED
        assert (meeting.slot, meeting.table) == (None, None)
        assert meeting.unscheduled_reason == "The participant withdrew."
    declined.refresh_from_db()
    assert declined.status == MeetingStatus.DECLINED


def test_a_third_organisation_cannot_cancel_a_registration(acme, outsider):
    with pytest.raises(PermissionDenied):
        services.cancel_registration(outsider, acme)
    acme.refresh_from_db()
    assert acme.status == RegistrationStatus.APPROVED


# --- meeting requests ---------------------------------------------------------------------------


def test_a_member_requests_a_meeting_that_waits_for_an_answer(member, acme, other):
    meeting = ask(member, acme, other, priority=Priority.HIGH)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
    assert (meeting.requester, meeting.recipient) == (acme, other)
    assert meeting.priority == Priority.HIGH
    assert meeting.expires_at == NOW + timedelta(days=5)
    assert meeting.created_by == member
    assert not meeting.by_organiser


def test_a_meeting_with_oneself_is_refused(member, acme):
    assert "recipient" in invalid(ask, member, acme, acme)


def test_a_request_for_another_organisation_is_refused(member, other, third):
    with pytest.raises(PermissionDenied):
        ask(member, other, third)


def test_a_participant_not_approved_cannot_be_requested_nor_request(event, member, outsider, acme):
    third_org = outsider.memberships.get().organisation
    pending = services.register(outsider, event, third_org, registration_data(event), NOW)
    assert pending.status == RegistrationStatus.PENDING
    assert "recipient" in invalid(ask, member, acme, pending)
    assert "requester" in invalid(ask, outsider, pending, acme)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("reverse", [False, True])
def test_a_second_open_request_for_a_pair_is_refused(member, other_member, acme, other, reverse):
    ask(member, acme, other)
    if reverse:
        assert "recipient" in invalid(ask, other_member, other, acme)
    else:
        assert "recipient" in invalid(ask, member, acme, other)
    assert Meeting.objects.count() == 1


def test_an_accepted_meeting_blocks_a_new_request_but_a_declined_one_does_not(
    member, other_member, acme, other, third, outsider
):
    accepted = ask(member, acme, other)
    services.answer_meeting(other_member, accepted, accept=True, now=NOW)
    assert "recipient" in invalid(ask, other_member, other, acme)
    declined = ask(member, acme, third)
    services.answer_meeting(outsider, declined, accept=False, now=NOW)
    again = ask(member, acme, third)
    assert again.status == MeetingStatus.REQUESTED


@pytest.mark.parametrize(
    "now", [rome(date(2026, 4, 15), 8, 59), rome(date(2026, 6, 9), 18, 1), rome(EVENT_DAY, 9)]
)
def test_requests_outside_the_booking_window_are_refused(member, acme, other, now):
    assert "recipient" in invalid(ask, member, acme, other, now=now)
    assert not Meeting.objects.exists()


def test_the_recipient_answers_and_the_requester_cannot_accept_its_own_request(
    member, org_admin, other_member, acme, other
):
    meeting = ask(member, acme, other)
    for user in (member, org_admin):
        with pytest.raises(PermissionDenied):
            services.answer_meeting(user, meeting, accept=True, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
    later = NOW + timedelta(hours=3)
    services.answer_meeting(other_member, meeting, accept=True, note="Gladly", now=later)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ACCEPTED
    assert (meeting.answer_note, meeting.answered_at) == ("Gladly", later)


def test_an_organiser_may_answer_for_the_recipient(host_admin, member, acme, other):
    meeting = ask(member, acme, other)
    services.answer_meeting(host_admin, meeting, accept=False, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DECLINED


def test_an_answered_request_cannot_be_answered_again(member, other_member, acme, other):
    meeting = ask(member, acme, other)
    services.answer_meeting(other_member, meeting, accept=False, now=NOW)
    assert "status" in invalid(services.answer_meeting, other_member, meeting, accept=True, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DECLINED


def test_old_requests_expire_and_then_a_new_request_for_the_pair_is_allowed(
    member, other_member, acme, other
):
    meeting = ask(member, acme, other)
    assert services.expire_requests(NOW + timedelta(days=4)) == 0
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
    later = NOW + timedelta(days=6)
    assert services.expire_requests(later) == 1
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.EXPIRED
    assert "status" in invalid(
        services.answer_meeting, other_member, meeting, accept=True, now=later
    )
    again = ask(other_member, other, acme, now=later)
    assert again.status == MeetingStatus.REQUESTED


def test_a_request_past_its_date_cannot_be_accepted_before_the_sweep(
    member, other_member, acme, other
):
    meeting = ask(member, acme, other)
    late = NOW + timedelta(days=5, minutes=1)
    assert "status" in invalid(
        services.answer_meeting, other_member, meeting, accept=True, now=late
    )
    meeting.refresh_from_db()
    assert meeting.status != MeetingStatus.ACCEPTED


def test_the_organiser_adds_an_accepted_meeting(host_admin, member, acme, other):
    with pytest.raises(PermissionDenied):
        services.organiser_meeting(member, acme, other, now=NOW)
    meeting = services.organiser_meeting(host_admin, acme, other, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ACCEPTED
    assert meeting.by_organiser
    assert meeting.priority == Priority.HIGH
    assert meeting.answered_at == NOW
    assert (meeting.slot, meeting.table, meeting.pinned) == (None, None, False)
    assert "recipient" in invalid(services.organiser_meeting, host_admin, other, acme, now=NOW)


def test_the_organiser_may_place_a_new_meeting(facilitator, acme, other):
    slot = all_slots(acme.event)[2]
    meeting = services.organiser_meeting(facilitator, acme, other, slot=slot, table=4, now=NOW)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.pinned) == (slot, 4, True)


def test_pinning_refuses_a_taken_table_and_a_busy_party(event, facilitator, acme, other, third):
    fourth = participant(event, facilitator, "Fourth Co")
    slot, later = all_slots(event)[:2]
    services.organiser_meeting(facilitator, acme, other, slot=slot, table=1, now=NOW)
    free_pair = services.organiser_meeting(facilitator, third, fourth, now=NOW)
    busy_pair = services.organiser_meeting(facilitator, acme, third, now=NOW)
    busy_recipient = services.organiser_meeting(facilitator, third, other, now=NOW)

    assert set(invalid(services.pin_meeting, facilitator, free_pair, slot, 1)) == {"table"}
    assert set(invalid(services.pin_meeting, facilitator, busy_pair, slot, 2)) == {"slot"}
    assert set(invalid(services.pin_meeting, facilitator, busy_recipient, slot, 2)) == {"slot"}
    services.pin_meeting(facilitator, free_pair, slot, 2)
    services.pin_meeting(facilitator, busy_pair, later, 1)
    free_pair.refresh_from_db()
    busy_pair.refresh_from_db()
    assert (free_pair.slot, free_pair.table, free_pair.pinned) == (slot, 2, True)
    assert (busy_pair.slot, busy_pair.table, busy_pair.pinned) == (later, 1, True)


def test_pinning_checks_the_meeting_the_slot_and_the_table(event, facilitator, member, acme, other):
    slot = all_slots(event)[0]
    waiting = ask(member, acme, other)
    assert "status" in invalid(services.pin_meeting, facilitator, waiting, slot, 1)
    services.cancel_meeting(member, waiting)
    meeting = services.organiser_meeting(facilitator, acme, other, now=NOW)
    assert "table" in invalid(services.pin_meeting, facilitator, meeting, slot, event.tables + 1)
    assert "table" in invalid(services.pin_meeting, facilitator, meeting, slot, 0)
    elsewhere = services.create_event(facilitator, event_data(slug="elsewhere"))
    services.save_session(
        facilitator, elsewhere, name="Morning", day=EVENT_DAY, start=time(9), end=time(10)
    )
    assert "slot" in invalid(services.pin_meeting, facilitator, meeting, all_slots(elsewhere)[0], 1)
    with pytest.raises(PermissionDenied):
        services.pin_meeting(member, meeting, slot, 1)


def test_a_third_organisation_cannot_view_answer_or_cancel_a_meeting(
    member, other_member, outsider, acme, other, third
):
    meeting = ask(member, acme, other)
    assert rules.can_view_meeting(member, meeting)
    assert rules.can_view_meeting(other_member, meeting)
    assert not rules.can_view_meeting(outsider, meeting)
    with pytest.raises(PermissionDenied):
        services.answer_meeting(outsider, meeting, accept=True, now=NOW)
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(outsider, meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_either_party_cancels_a_meeting_once(facilitator, other_member, acme, other):
    slot = all_slots(acme.event)[0]
    meeting = services.organiser_meeting(facilitator, acme, other, slot=slot, table=1, now=NOW)
    services.cancel_meeting(other_member, meeting, note="Sorry")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert (meeting.slot, meeting.table, meeting.pinned, meeting.answer_note) == (
        None,
        None,
        False,
        "Sorry",
    )
    assert "status" in invalid(services.cancel_meeting, other_member, meeting)


# --- scheduling -------------------------------------------------------------------------------


def run_schedule(user, event, capture) -> ScheduleRun:
    """Start a run; the task runs when the transaction commits (immediate backend in tests)."""
    with capture(execute=True):
        run = services.start_schedule(user, event, time_limit=10)
    run.refresh_from_db()
    return run


def placements(event: Event) -> dict[int, tuple[int | None, int | None]]:
    return {
        m.pk: (m.slot_id, m.table)
        for m in Meeting.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
    }


def assert_schedule_is_valid(event: Event) -> None:
    event.refresh_from_db()
    placed = list(
        Meeting.objects.filter(event=event, slot__isnull=False).select_related(
            "requester", "recipient"
        )
    )
    people: dict[int, list[int]] = defaultdict(list)
    tables: dict[int, list[int]] = defaultdict(list)
    for meeting in placed:
        assert meeting.status == MeetingStatus.ACCEPTED
        assert meeting.table is not None and 1 <= meeting.table <= event.tables
        for side in (meeting.requester, meeting.recipient):
            assert side.status == RegistrationStatus.APPROVED
            assert side.available_slots.filter(pk=meeting.slot_id).exists()
            people[meeting.slot_id].append(side.pk)
        tables[meeting.slot_id].append(meeting.table)
    for slot_id, who in people.items():
        assert len(who) == len(set(who)), f"someone meets twice in slot {slot_id}"
    for slot_id, used in tables.items():
        assert len(used) == len(set(used)), f"a table is used twice in slot {slot_id}"
        assert len(used) <= event.tables
    counts = Counter(pk for who in people.values() for pk in who)
    for registration in Registration.objects.filter(pk__in=counts):
        assert counts[registration.pk] <= registration.max_meetings


@pytest.fixture
def round_robin(event, facilitator, acme, other, third):
    """Four approved participants that all meet each other (six accepted meetings); Fourth Co
    is not available in the first slot. A fifth participant's request waits unanswered."""
    slots = all_slots(event)
    fourth = participant(event, facilitator, "Fourth Co", slots=slots[1:])
    fifth = participant(event, facilitator, "Fifth Co")
    parties = [acme, other, third, fourth]
    meetings = [
        services.organiser_meeting(facilitator, a, b, priority=Priority.NORMAL, now=NOW)
        for i, a in enumerate(parties)
        for b in parties[i + 1 :]
    ]
    waiting = ask(facilitator, fifth, acme)
    return {"meetings": meetings, "waiting": waiting, "fourth": fourth}


def test_a_run_places_every_accepted_meeting_when_there_is_room(
    event, facilitator, round_robin, django_capture_on_commit_callbacks
):
    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.message
    assert run.started_by == facilitator
    assert (run.requests, run.scheduled) == (6, 6)
    assert run.objective == 6 * Priority.NORMAL
    assert run.upper_bound is not None and run.upper_bound >= run.objective
    assert run.finished_at is not None and run.progress == 1.0
    assert all(slot is not None for slot, _table in placements(event).values())
    assert_schedule_is_valid(event)
    waiting = round_robin["waiting"]
    waiting.refresh_from_db()
    assert waiting.slot is None


def test_a_re_run_after_a_cancellation_keeps_the_other_meetings_in_place(
    event, facilitator, member, round_robin, django_capture_on_commit_callbacks
):
    run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    before = placements(event)
    gone = round_robin["meetings"][0]
    services.cancel_meeting(member, gone)

    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.DONE, run.message
    assert run.scheduled == 5
    assert run.changes["moved"] == []
    assert run.changes["dropped"] == []
    assert run.changes["kept"] == 5
    after = placements(event)
    del before[gone.pk]
    assert after == before
    assert_schedule_is_valid(event)


def test_a_re_run_with_fewer_tables_lists_what_moved_and_dropped(
    event, facilitator, round_robin, django_capture_on_commit_callbacks
):
    run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    before = placements(event)
    services.update_event(facilitator, event, {"tables": 1})

    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.DONE, run.message
    assert_schedule_is_valid(event)
    after = placements(event)
    # Five slots, one table: at most five of the six meetings are held.
    assert run.scheduled == sum(slot is not None for slot, _ in after.values()) <= 5
    assert run.upper_bound >= run.objective
    moved = {item["meeting"]: item for item in run.changes["moved"]}
    dropped = set(run.changes["dropped"])
    assert dropped, "one meeting at least cannot be held"
    for pk in dropped:
        assert after[pk] == (None, None)
        assert Meeting.objects.get(pk=pk).unscheduled_reason
    for pk, item in moved.items():
        assert item["from"] == list(before[pk])
        assert item["to"] == list(after[pk])
        assert before[pk] != after[pk]
    kept = [pk for pk in before if pk not in moved and pk not in dropped]
    assert len(kept) == run.changes["kept"]
    assert all(after[pk] == before[pk] for pk in kept)
    assert len(kept) + len(moved) == run.scheduled


def test_a_pinned_meeting_stays_where_the_organiser_put_it(
    event, facilitator, round_robin, django_capture_on_commit_callbacks
):
    meeting = round_robin["meetings"][-1]  # Third Party - Fourth Co
    slot = all_slots(event)[3]
    services.pin_meeting(facilitator, meeting, slot, 7)
    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.message
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.pinned) == (slot, 7, True)
    assert_schedule_is_valid(event)


def test_a_finished_run_leaves_the_event_free_for_the_next(
    event, facilitator, round_robin, django_capture_on_commit_callbacks
):
    first = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert first.status in (RunStatus.DONE, RunStatus.FAILED)
    assert first.finished_at is not None
    second = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    assert second.status == RunStatus.DONE, second.message


def test_a_pinned_meeting_the_scheduler_moves_is_no_longer_marked_pinned(
    event, facilitator, acme, other, third, django_capture_on_commit_callbacks
):
    slots = all_slots(event)
    meeting = services.organiser_meeting(facilitator, acme, other, slot=slots[0], table=3, now=NOW)
    services.organiser_meeting(facilitator, acme, third, now=NOW)
    # The other side is no longer available at the fixed time: the meeting must move.
    services.update_registration(facilitator, other, registration_data(event, slots=slots[1:]))

    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.DONE, run.message
    meeting.refresh_from_db()
    assert meeting.slot is not None and meeting.slot != slots[0]
    assert meeting.pinned is False


def test_pinning_refuses_a_slot_in_which_a_party_is_not_available(event, facilitator, acme):
    slots = all_slots(event)
    late = participant(event, facilitator, "Late Co", slots=slots[1:])
    meeting = services.organiser_meeting(facilitator, acme, late, now=NOW)
    assert "slot" in invalid(services.pin_meeting, facilitator, meeting, slots[0], 1)


def test_fewer_tables_than_a_booth_number_are_refused(
    event, facilitator, acme, other, django_capture_on_commit_callbacks
):
    services.set_booth(facilitator, acme, 8)
    services.organiser_meeting(facilitator, acme, other, now=NOW)
    try:
        services.update_event(facilitator, event, {"tables": 5})
    except ValidationError as error:
        assert "tables" in error.message_dict
        return
    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.message


def test_a_run_is_started_by_an_organiser_once_at_a_time(event, facilitator, member, round_robin):
    with pytest.raises(PermissionDenied):
        services.start_schedule(member, event)
    assert "time_limit" in invalid(services.start_schedule, facilitator, event, time_limit=0)
    first = services.start_schedule(facilitator, event, time_limit=5)
    assert first.status == RunStatus.QUEUED  # its task waits for the commit
    assert "event" in invalid(services.start_schedule, facilitator, event, time_limit=5)
    ScheduleRun.objects.filter(pk=first.pk).update(status=RunStatus.RUNNING)
    assert "event" in invalid(services.start_schedule, facilitator, event, time_limit=5)
    assert ScheduleRun.objects.count() == 1


# --- after the event -------------------------------------------------------------------------


@pytest.fixture
def held(facilitator, acme, other):
    """A scheduled meeting of Acme Medical (requester) and Other Firm."""
    slot = all_slots(acme.event)[0]
    return services.organiser_meeting(facilitator, acme, other, slot=slot, table=1, now=NOW)


def report(user, meeting, registration, **fields) -> MeetingReport:
    return services.report_meeting(user, meeting, registration, **fields)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"took_place": True}, "outcome"),
        ({"took_place": False, "outcome": Outcome.FURTHER_CONTACT}, "outcome"),
        ({"took_place": True, "outcome": "married"}, "outcome"),
        ({"took_place": True, "outcome": Outcome.SIGNED}, "agreement_type"),
        (
            {"took_place": True, "outcome": Outcome.SIGNED, "agreement_type": "bogus"},
            "agreement_type",
        ),
        (
            {"took_place": True, "outcome": Outcome.NEGOTIATION, "agreement_type": "licence"},
            "agreement_type",
        ),
        ({"took_place": False, "agreement_type": "licence"}, "agreement_type"),
        ({"took_place": False, "note": "x" * 501}, "note"),
    ],
)
def test_a_report_is_checked(member, held, acme, fields, named):
    assert named in invalid(report, member, held, acme, **fields)
    assert not MeetingReport.objects.exists()


def test_only_scheduled_meetings_are_reported_on(facilitator, member, acme, other, third):
    unplaced = services.organiser_meeting(facilitator, acme, other, now=NOW)
    waiting = ask(member, acme, third)
    for meeting in (unplaced, waiting):
        assert "meeting" in invalid(report, member, meeting, acme, took_place=False)


def test_a_third_organisation_cannot_report(outsider, held, acme, third):
    with pytest.raises(PermissionDenied):
        report(outsider, held, acme, took_place=False)
    assert "registration" in invalid(report, outsider, held, third, took_place=False)
    assert not MeetingReport.objects.exists()


def test_a_positive_outcome_becomes_a_tie_that_goes_when_both_say_no_follow_up(
    member, other_member, held, acme, other
):
    saved = report(member, held, acme, took_place=True, outcome=Outcome.FURTHER_CONTACT)
    assert saved.reported_by == member
    tie = Tie.objects.get()
    assert tie.kind == TieKind.MEETING_OUTCOME
    assert (tie.from_organisation, tie.to_organisation) == (acme.organisation, other.organisation)
    assert tie.year_from == EVENT_DAY.year
    assert "Further contact" in tie.note_en
    held.refresh_from_db()
    assert held.tie == tie

    # The other side's better outcome updates the same tie.
    report(
        other_member,
        held,
        other,
        took_place=True,
        outcome=Outcome.SIGNED,
        agreement_type="licence",
    )
    assert Tie.objects.get().pk == tie.pk
    assert "Agreement signed (Licence)" in Tie.objects.get().note_en

    report(member, held, acme, took_place=True, outcome=Outcome.NO_FOLLOW_UP)
    assert Tie.objects.count() == 1  # Other Firm still reports an agreement
    report(other_member, held, other, took_place=True, outcome=Outcome.NO_FOLLOW_UP)
    assert not Tie.objects.exists()
    held.refresh_from_db()
    assert held.tie is None
    assert MeetingReport.objects.count() == 2


def test_a_meeting_that_did_not_take_place_makes_no_tie(member, held, acme):
    report(member, held, acme, took_place=False, note="They did not come")
    assert not Tie.objects.exists()
    assert MeetingReport.objects.get().took_place is False


@pytest.fixture
def met(event, facilitator, member, organisation, other, third, held):
    """Acme Medical (registered by ``member``, with two people) met Other Firm; Third Party
    met nobody."""
    acme = Registration.objects.get(event=event, organisation=organisation)
    Registration.objects.filter(pk=acme.pk).update(created_by=member)
    acme.people.set(
        [
            factories.PersonFactory(
                organisation=organisation, email="ada@acme.example", consent_contact=True
            ),
            factories.PersonFactory(
                organisation=organisation, email="bob@acme.example", consent_contact=False
            ),
        ]
    )
    return acme


def test_follow_ups_go_out_three_and_six_months_on_once(met, other, mailoutbox):
    three = EVENT_DAY + timedelta(days=91)
    six = EVENT_DAY + timedelta(days=183)
    assert services.send_follow_ups(rome(three - timedelta(days=1), 12)) == 0
    assert mailoutbox == []

    assert services.send_follow_ups(rome(three, 12)) == 2
    assert sorted(tuple(m.to) for m in mailoutbox) == [
        ("ada@acme.example", "member@example.org"),
        ("facilitator@example.org",),
    ]
    assert all("/events/medtech-brokerage-day/outcomes/" in m.body for m in mailoutbox)
    assert all("MedTech Brokerage Day" in m.subject for m in mailoutbox)
    assert services.send_follow_ups(rome(three + timedelta(days=10), 12)) == 0
    assert len(mailoutbox) == 2

    assert services.send_follow_ups(rome(six - timedelta(days=1), 12)) == 0
    assert services.send_follow_ups(rome(six, 12)) == 2
    assert len(mailoutbox) == 4
    assert "6" in mailoutbox[2].body and "6" in mailoutbox[3].body
    assert services.send_follow_ups(rome(six + timedelta(days=30), 12)) == 0
    assert len(mail.outbox) == 4
    assert sorted(FollowUpPrompt.objects.values_list("registration_id", "months")) == sorted(
        [(met.pk, 3), (other.pk, 3), (met.pk, 6), (other.pk, 6)]
    )


def test_no_follow_up_without_a_scheduled_meeting(event, facilitator, acme, other, mailoutbox):
    services.organiser_meeting(facilitator, acme, other, now=NOW)  # accepted, never placed
    assert services.send_follow_ups(rome(EVENT_DAY + timedelta(days=200), 12)) == 0
    assert mailoutbox == []


# --- figures ------------------------------------------------------------------------------------


def test_statistics_count_a_constructed_event(
    event, facilitator, member, other_member, outsider, host_admin, acme, other, third
):
    slots = all_slots(event)
    fourth = participant(event, facilitator, "Fourth Co")
    fifth = participant(event, facilitator, "Fifth Co")
    sixth = factories.OrganisationFactory(name="Sixth Co")
    sixth_user = factories.UserFactory(username="sixth")
    factories.MembershipFactory(user=sixth_user, organisation=sixth, role="member")
    services.register(sixth_user, event, sixth, registration_data(event), NOW)  # pending
    later = NOW + timedelta(days=6)

    accepted = ask(member, acme, other)
    services.answer_meeting(other_member, accepted, accept=True, now=NOW)
    services.pin_meeting(facilitator, accepted, slots[0], 1)
    declined = ask(member, acme, third)
    services.answer_meeting(outsider, declined, accept=False, now=NOW)
    ask(other_member, other, third)  # expires, swept below
    services.expire_requests(later)
    ask(outsider, third, fourth)  # past its date but not swept yet
    ask(other_member, other, fourth, now=later)  # still waiting
    services.organiser_meeting(facilitator, acme, fourth, slot=slots[1], table=1, now=NOW)
    services.cancel_meeting(facilitator, ask(facilitator, fifth, acme))
    services.check_in(facilitator, acme, now=rome(EVENT_DAY, 8, 45))
    services.mark_no_show(facilitator, third)
    report(member, accepted, acme, took_place=True, outcome=Outcome.FURTHER_CONTACT)
    report(other_member, accepted, other, took_place=True, outcome=Outcome.FURTHER_CONTACT)

    figures = services.statistics(host_admin, event, later)

    assert figures["registrations"] == [{"type": "Companies", "approved": 5, "pending": 1}]
    assert figures["checked_in"] == 1
    assert figures["no_shows"] == 1
    assert figures["requests_sent"] == 6
    assert figures["accepted"] == 2
    assert figures["declined"] == 1
    assert figures["expired"] == 2
    assert figures["waiting"] == 1
    assert figures["cancelled"] == 1
    assert figures["scheduled"] == 2
    assert figures["held"] == 1
    assert figures["outcomes"][Outcome.FURTHER_CONTACT] == 1
    assert sum(figures["outcomes"].values()) == 1
    assert sum(figures["agreements"].values()) == 0
    rows = services.statistics_rows(figures)
    assert ("Meetings", "Held", 1) in [(str(a), str(b), c) for a, b, c in rows]


@pytest.mark.parametrize("who", ["member", "org_admin", "outsider"])
def test_only_organisers_see_the_statistics(request, event, who):
    with pytest.raises(PermissionDenied):
        services.statistics(request.getfixturevalue(who), event, NOW)


# --- recommendations --------------------------------------------------------------------------


@pytest.fixture
def marketplace(event, facilitator, settings):
    """A seeker offering ECMO oxygenators, and three other participants (one not approved)."""
    settings.SEARCH_EMBEDDER = "none"

    def org(name, summary):
        return factories.OrganisationFactory(name=name, summary_en=summary, summary_it="")

    seeker_org = org("Seeker", "Engineering services")
    offer = factories.CooperationProfileFactory(
        owner=seeker_org,
        title="Hollow fibre oxygenators",
        summary="Oxygenators for ECMO circuits, ready for licensing",
        description="Hollow fibre oxygenators.",
    )
    seeker = join(event, seeker_org, facilitator)
    services.update_registration(facilitator, seeker, registration_data(event, profiles=[offer]))
    circuits = join(event, org("Circuit Makers", "We assemble ECMO circuits"), facilitator)
    oxygen = join(
        event, org("Oxy Labs", "We buy hollow fibre oxygenators for ECMO circuits"), facilitator
    )
    software = join(event, org("Soft Co", "Hospital software and billing"), facilitator)
    pending_org = org("Pending Oxygen", "Hollow fibre oxygenators for ECMO circuits")
    pending = join(event, pending_org, facilitator)
    Registration.objects.filter(pk=pending.pk).update(status=RegistrationStatus.PENDING)
    return {
        "seeker": seeker,
        "oxygen": oxygen,
        "circuits": circuits,
        "software": software,
        "pending": pending,
    }


def test_recommendations_put_the_best_fitting_participant_first_with_reasons(
    facilitator, marketplace
):
    found = services.recommendations(facilitator, marketplace["seeker"])
    who = [r.registration for r in found]
    assert who[0] == marketplace["oxygen"]
    assert marketplace["circuits"] in who
    assert marketplace["pending"] not in who
    assert marketplace["seeker"] not in who
    reasons = found[0].result.reasons
    assert {"oxygenators", "hollow", "fibre", "ecmo"} <= {t.lower() for t in reasons.terms}


def test_participants_already_requested_are_left_out(facilitator, marketplace):
    ask(facilitator, marketplace["oxygen"], marketplace["seeker"])
    who = [r.registration for r in services.recommendations(facilitator, marketplace["seeker"])]
    assert marketplace["oxygen"] not in who
    assert who[0] == marketplace["circuits"]


def test_a_third_party_cannot_ask_for_recommendations(member, marketplace):
    with pytest.raises(PermissionDenied):
        services.recommendations(member, marketplace["seeker"])
