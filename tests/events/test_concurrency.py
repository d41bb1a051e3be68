"""Brokerage events under concurrent use: the invariants hold whatever the interleaving.

Each race is run with real threads, each on its own database connection (on
PostgreSQL the event's row lock makes them take turns; on SQLite the writers are
serialised): a participant never has two meetings in one slot, a table holds one
meeting per slot, a pair has one open request, a participation type holds at most
its limit, a request is answered once, one scheduling run at a time.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from distretto.events import services
from distretto.events.domain import scheduler
from distretto.events.enums import MeetingStatus, ParticipantKind, RegistrationStatus, RunStatus
from distretto.events.models import Meeting, Registration, ScheduleRun
from tests import factories
from tests.events.conftest import NOW, all_slots, join
from tests.events.test_services import ask, participant, registration_data
from tests.threads import run_together


def double_bookings(event) -> list[tuple[int, int]]:
    """(slot, registration) pairs that hold more than one meeting."""
    seats: Counter[tuple[int, int]] = Counter()
    for slot, a, b in Meeting.objects.filter(event=event, slot__isnull=False).values_list(
        "slot_id", "requester_id", "recipient_id"
    ):
        seats[(slot, a)] += 1
        seats[(slot, b)] += 1
    return [key for key, n in seats.items() if n > 1]


def outcomes(results) -> Counter[str]:
    kinds = Counter()
    for result in results:
        if isinstance(result, ValidationError):
            kinds["refused"] += 1
        elif isinstance(result, BaseException):
            raise result
        else:
            kinds["done"] += 1
    return kinds


def test_placing_one_participant_twice_in_a_slot_at_once_places_one(
    transactional_db, event, facilitator, acme
):
    others = [participant(event, facilitator, f"Partner {n}") for n in range(5)]
    meetings = [services.organiser_meeting(facilitator, acme, o, now=NOW) for o in others]
    slot = all_slots(event)[0]

    results = run_together(
        [
            (lambda m=m, table=table: services.pin_meeting(facilitator, m, slot, table))
            for table, m in enumerate(meetings, start=1)
        ]
    )

    assert outcomes(results) == {"done": 1, "refused": 4}
    assert double_bookings(event) == []
    assert Meeting.objects.filter(slot=slot).count() == 1


def test_placing_two_meetings_at_one_table_at_once_places_one(transactional_db, event, facilitator):
    parties = [participant(event, facilitator, f"Party {n}") for n in range(8)]
    meetings = [
        services.organiser_meeting(facilitator, parties[i], parties[i + 1], now=NOW)
        for i in range(0, 8, 2)
    ]
    slot = all_slots(event)[1]

    results = run_together(
        [(lambda m=m: services.pin_meeting(facilitator, m, slot, 3)) for m in meetings]
    )

    assert outcomes(results) == {"done": 1, "refused": 3}
    assert Meeting.objects.filter(slot=slot, table=3).count() == 1


def test_organiser_meetings_placed_at_once_never_double_book(transactional_db, event, facilitator):
    hub = participant(event, facilitator, "Hub Co")
    others = [participant(event, facilitator, f"Spoke {n}") for n in range(4)]
    slot = all_slots(event)[2]

    results = run_together(
        [
            (
                lambda o=o, table=table: services.organiser_meeting(
                    facilitator, hub, o, slot=slot, table=table, now=NOW
                )
            )
            for table, o in enumerate(others, start=1)
        ]
    )

    assert outcomes(results) == {"done": 1, "refused": 3}
    assert double_bookings(event) == []


def test_a_pair_asking_each_other_at_once_gets_one_open_request(
    transactional_db, event, member, other_member, acme, other
):
    calls = [lambda: ask(member, acme, other), lambda: ask(other_member, other, acme)] * 3

    results = run_together(calls)

    assert outcomes(results) == {"done": 1, "refused": 5}
    assert Meeting.objects.filter(status__in=services.OPEN).count() == 1


def test_a_request_answered_at_once_is_answered_once(
    transactional_db, event, member, other_member, host_admin, acme, other
):
    meeting = ask(member, acme, other)

    def answer(user, accept):
        return lambda: services.answer_meeting(
            user, Meeting.objects.get(pk=meeting.pk), accept=accept, now=NOW
        )

    results = run_together([answer(other_member, True), answer(host_admin, False)] * 2)

    assert outcomes(results) == {"done": 1, "refused": 3}
    meeting.refresh_from_db()
    assert meeting.status in (MeetingStatus.ACCEPTED, MeetingStatus.DECLINED)


def test_registrations_at_once_respect_the_limit_of_their_type(
    transactional_db, event, facilitator
):
    investors = services.save_participation_type(
        facilitator, event, name="Investors", kind=ParticipantKind.INVESTOR, limit=2
    )
    organisations = [factories.OrganisationFactory(name=f"Fund {n}") for n in range(5)]
    data = registration_data(event, participation_type=investors)

    results = run_together(
        [(lambda o=o: services.register(facilitator, event, o, data, NOW)) for o in organisations]
    )

    assert outcomes(results) == {"done": 2, "refused": 3}
    assert Registration.objects.filter(participation_type=investors).count() == 2


def test_one_organisation_registering_twice_at_once_is_registered_once(
    transactional_db, event, facilitator, organisation
):
    results = run_together([lambda: join(event, organisation, facilitator)] * 4)

    assert outcomes(results) == {"done": 1, "refused": 3}
    assert Registration.objects.filter(organisation=organisation).count() == 1


def test_scheduling_runs_started_at_once_start_one(transactional_db, event, facilitator):
    results = run_together(
        [lambda: services.start_schedule(facilitator, event, time_limit=5, queue=False)] * 4
    )

    assert outcomes(results) == {"done": 1, "refused": 3}
    assert ScheduleRun.objects.filter(event=event, status=RunStatus.QUEUED).count() == 1


def test_the_database_refuses_a_second_run_under_way(db, event):
    ScheduleRun.objects.create(event=event, status=RunStatus.RUNNING)
    with pytest.raises(IntegrityError):
        ScheduleRun.objects.create(event=event, status=RunStatus.QUEUED)


def test_the_database_refuses_two_meetings_at_one_table_in_a_slot(db, event, facilitator):
    a, b, c, d = (participant(event, facilitator, f"Co {n}") for n in range(4))
    slot = all_slots(event)[0]
    services.organiser_meeting(facilitator, a, b, slot=slot, table=1, now=NOW)
    clash = services.organiser_meeting(facilitator, c, d, now=NOW)
    with pytest.raises(IntegrityError):
        Meeting.objects.filter(pk=clash.pk).update(slot=slot, table=1)


def test_a_schedule_applied_after_the_organiser_placed_a_meeting_meanwhile_keeps_it(
    db, event, facilitator, acme, other, third
):
    """The solver works outside any transaction: a meeting the organiser places while it
    solves must not end up sharing a slot with a participant's meeting from the run."""
    fourth = participant(event, facilitator, "Fourth Co")
    solved = services.organiser_meeting(facilitator, acme, other, now=NOW)
    run = services.start_schedule(facilitator, event, time_limit=5, queue=False)
    problem = services.scheduling_problem(event)
    result = scheduler.schedule(problem, 5.0)
    placement = next(p for p in result.placements if p.meeting_id == str(solved.pk))
    slot = next(s for s in all_slots(event) if str(s.pk) == placement.slot_id)
    # Meanwhile the organiser adds and places a meeting of Acme's in that very slot.
    services.organiser_meeting(facilitator, acme, third, slot=slot, table=placement.table, now=NOW)
    services.organiser_meeting(facilitator, fourth, other, now=NOW)

    services._apply_schedule(run, problem, result)

    assert double_bookings(event) == []
    solved.refresh_from_db()
    assert solved.slot is None
    assert "while the schedule was being computed" in solved.unscheduled_reason
    assert all(r.status == RegistrationStatus.APPROVED for r in (acme, other, third))
