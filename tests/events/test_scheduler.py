"""The meeting scheduler: its guarantees on random events, optimality, re-scheduling."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distretto.events.domain.scheduler import (
    Event,
    Meeting,
    Participant,
    ScheduleInputError,
    ScheduleResult,
    Slot,
    schedule,
)

# --------------------------------------------------------------------------- helpers


def booth_table(event: Event, meeting: Meeting) -> int | None:
    people = {p.id: p for p in event.participants}
    return people[meeting.from_id].booth or people[meeting.to_id].booth


def check_schedule(event: Event, result: ScheduleResult) -> None:
    """Every guarantee of the scheduler, checked from the event and the result alone."""
    people = {p.id: p for p in event.participants}
    meetings = {m.id: m for m in event.meetings}
    slots = {s.id: s for s in event.slots}
    booths = {p.booth for p in event.participants if p.booth is not None}
    placed = [p.meeting_id for p in result.placements]
    left = [u.meeting_id for u in result.unscheduled]
    assert len(placed) == len(set(placed))
    assert sorted(placed + left) == sorted(meetings)
    seen: set[tuple[str, str]] = set()
    tables_used: set[tuple[str, int]] = set()
    count: Counter[str] = Counter()
    for placement in result.placements:
        meeting = meetings[placement.meeting_id]
        assert (placement.from_id, placement.to_id) == (meeting.from_id, meeting.to_id)
        slot = slots[placement.slot_id]
        for person in (meeting.from_id, meeting.to_id):
            assert (person, slot.id) not in seen, f"{person} twice in {slot.id}"
            seen.add((person, slot.id))
            assert slot.id in people[person].available_slots
            count[person] += 1
        tables = slot.tables if slot.tables is not None else event.tables
        assert 1 <= placement.table <= tables
        assert (slot.id, placement.table) not in tables_used
        tables_used.add((slot.id, placement.table))
        booth = booth_table(event, meeting)
        if booth is not None:
            assert placement.table == booth
        else:
            assert placement.table not in booths
    for person, held in count.items():
        assert held <= people[person].max_meetings
    assert result.objective == sum(meetings[m].priority for m in placed)
    assert result.objective <= result.upper_bound
    assert 0.0 <= result.gap <= 1.0
    for unscheduled in result.unscheduled:
        assert unscheduled.reason


def brute_force(event: Event) -> tuple[int, int]:
    """The best (weight, previous placements kept), by trying every slot for every meeting."""
    people = {p.id: p for p in event.participants}
    booths = {p.booth for p in event.participants if p.booth is not None}
    best = (0, 0)
    choices = [None, *event.slots]
    for assignment in itertools.product(choices, repeat=len(event.meetings)):
        busy: set[tuple[str, str]] = set()
        count: Counter[str] = Counter()
        free: Counter[str] = Counter()
        weight = keeps = 0
        feasible = True
        for meeting, slot in zip(event.meetings, assignment, strict=True):
            if slot is None:
                continue
            tables = slot.tables if slot.tables is not None else event.tables
            booth = booth_table(event, meeting)
            for person in (meeting.from_id, meeting.to_id):
                if (person, slot.id) in busy or slot.id not in people[person].available_slots:
                    feasible = False
                busy.add((person, slot.id))
                count[person] += 1
            if booth is None:
                free[slot.id] += 1
                if free[slot.id] > len([t for t in range(1, tables + 1) if t not in booths]):
                    feasible = False
            elif booth > tables:
                feasible = False
            weight += meeting.priority
            previous = (event.previous or {}).get(meeting.id)
            if previous is not None and previous[0] == slot.id:
                valid = previous[1] == booth if booth is not None else previous[1] not in booths
                keeps += valid and previous[1] <= tables
        if feasible and all(count[p] <= people[p].max_meetings for p in count):
            best = max(best, (weight, keeps))
    return best


@st.composite
def events(
    draw: st.DrawFn, max_slots: int = 4, max_people: int = 6, max_meetings: int = 9
) -> Event:
    slot_count = draw(st.integers(1, max_slots))
    two_sessions = draw(st.booleans())
    slots = [
        Slot(
            f"s{n}",
            "pm" if two_sessions and n >= slot_count // 2 else "am",
            draw(st.sampled_from([None, None, None, 0, 1, 2])),
        )
        for n in range(slot_count)
    ]
    tables = draw(st.integers(0, 3))
    people_count = draw(st.integers(2, max_people))
    booth_numbers = list(range(1, tables + 1))
    people = []
    for n in range(people_count):
        available = {s.id for s in slots if draw(st.integers(0, 3)) > 0}
        booth = None
        if booth_numbers and draw(st.integers(0, 4)) == 0:
            booth = booth_numbers.pop(0)
        people.append(Participant(f"p{n}", frozenset(available), draw(st.integers(0, 3)), booth))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, people_count - 1), st.integers(0, people_count - 1)).filter(
                lambda pair: pair[0] != pair[1]
            ),
            max_size=max_meetings,
        )
    )
    meetings = [
        Meeting(f"m{n}", f"p{a}", f"p{b}", draw(st.integers(1, 3)))
        for n, (a, b) in enumerate(pairs)
    ]
    return Event(slots, tables, people, meetings)


# --------------------------------------------------------------------------- guarantees


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_exact_schedules_keep_every_guarantee(event):
    check_schedule(event, schedule(event, time_limit=5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(max_slots=5, max_people=8, max_meetings=14))
def test_heuristic_schedules_keep_every_guarantee(event):
    result = schedule(event, time_limit=1, exact_pairs_limit=-1)
    assert result.method == "heuristic"
    check_schedule(event, result)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(max_slots=3, max_people=4, max_meetings=5))
def test_the_weight_is_the_best_possible(event):
    result = schedule(event, time_limit=5)
    assert result.objective == brute_force(event)[0]
    assert result.upper_bound >= result.objective


def medium_event(previous: dict[str, tuple[str, int]] | None = None, skip: str = "") -> Event:
    """60 participants (three with a booth, a third only in the morning), 230 requests."""
    slots = [Slot(f"s{n}", "am" if n < 6 else "pm") for n in range(12)]
    people = [
        Participant(
            f"p{n}",
            frozenset(s.id for s in slots if n % 3 or s.session == "am"),
            4 + n % 5,
            n + 1 if n < 3 else None,
        )
        for n in range(60)
    ]
    meetings = [
        Meeting(f"m{a}-{b}", f"p{a}", f"p{b}", 1 + (a + b) % 3)
        for a in range(60)
        for b in ((a * 7 + 1) % 60, (a * 11 + 3) % 60, a % 5, (a + 1) % 60)
        if a != b
    ]
    unique = [m for m in {m.id: m for m in meetings}.values() if m.id != skip]
    return Event(slots, 8, people, unique, previous)


def test_a_medium_event_through_the_heuristic_keeps_every_guarantee():
    event = medium_event()
    result = schedule(event, time_limit=3, exact_pairs_limit=-1)
    check_schedule(event, result)
    assert result.objective >= 0.9 * result.upper_bound


def test_the_heuristic_reschedules_without_losing_weight_and_reports_every_change():
    first = schedule(medium_event(), time_limit=3, exact_pairs_limit=-1)
    cancelled = first.placements[0]
    previous = previous_of(first)
    event = medium_event(previous, skip=cancelled.meeting_id)
    again = schedule(event, time_limit=3, exact_pairs_limit=-1)
    check_schedule(event, again)
    assert again.objective >= first.objective - cancelled.priority
    assert again.cancelled == [cancelled.meeting_id]
    now = previous_of(again)
    assert set(again.kept) == {m for m in previous if now.get(m) == previous[m]}
    assert {m.meeting_id for m in again.moved} == {
        m for m in previous if m in now and now[m] != previous[m]
    }
    assert set(again.dropped) == {m for m in previous if m not in now} - {cancelled.meeting_id}
    assert set(again.added) == set(now) - set(previous)
    # Keeping is worth more than anything but weight: at most a handful move.
    assert len(again.kept) >= len(previous) - 1 - 5


# --------------------------------------------------------------------------- details


def small_event(**changes: object) -> Event:
    slots = [Slot("a1", "am"), Slot("a2", "am"), Slot("a3", "am"), Slot("p1", "pm")]
    everywhere = frozenset(s.id for s in slots)
    people = [
        Participant("acme", everywhere, 3, booth=1),
        Participant("bio", frozenset({"a1", "a2", "a3"}), 2),
        Participant("cardio", everywhere, 3),
        Participant("late", frozenset({"p1"}), 1),
    ]
    meetings = [
        Meeting("m1", "bio", "acme", 3),
        Meeting("m2", "cardio", "acme", 2),
        Meeting("m3", "cardio", "bio", 1),
        Meeting("m4", "bio", "late", 2),
    ]
    fields: dict[str, object] = {
        "slots": slots,
        "tables": 2,
        "participants": people,
        "meetings": meetings,
    }
    fields.update(changes)
    return Event(**fields)  # type: ignore[arg-type]


def test_booth_meetings_are_held_at_the_booth_and_others_elsewhere():
    event = small_event()
    result = schedule(event, time_limit=5)
    check_schedule(event, result)
    tables = {p.meeting_id: p.table for p in result.placements}
    assert tables["m1"] == tables["m2"] == 1
    assert tables["m3"] == 2


def test_unscheduled_meetings_say_why():
    event = small_event()
    result = schedule(event, time_limit=5)
    reasons = {u.meeting_id: u.reason for u in result.unscheduled}
    assert reasons == {"m4": "no common available slot for bio and late"}
    full = small_event(
        participants=[
            Participant("acme", frozenset({"a1", "a2"}), 1, booth=1),
            Participant("bio", frozenset({"a1", "a2"}), 2),
            Participant("cardio", frozenset({"a1", "a2"}), 3),
            Participant("late", frozenset({"p1"}), 1),
        ]
    )
    result = schedule(full, time_limit=5)
    reasons = {u.meeting_id: u.reason for u in result.unscheduled}
    assert reasons["m2"] == "participant acme at its maximum of 1 meeting"
    codes = {u.meeting_id: (u.code, u.participant) for u in result.unscheduled}
    assert codes["m2"] == ("at_maximum", "acme")


def test_no_table_left_is_a_reason():
    slots = [Slot("s1")]
    people = [Participant(f"p{n}", frozenset({"s1"}), 1) for n in range(4)]
    meetings = [Meeting("m1", "p0", "p1", 2), Meeting("m2", "p2", "p3", 1)]
    result = schedule(Event(slots, 1, people, meetings), time_limit=5)
    assert [p.meeting_id for p in result.placements] == ["m1"]
    assert result.unscheduled[0].reason == (
        "no free table left in the slots free for both participants"
    )
    assert result.upper_bound == 2


def test_a_fixed_meeting_is_held_where_the_organiser_put_it():
    event = small_event(
        meetings=[
            Meeting("m1", "bio", "acme", 3),
            Meeting("m3", "cardio", "bio", 1, fixed=("a2", 2)),
        ]
    )
    result = schedule(event, time_limit=5)
    check_schedule(event, result)
    where = {p.meeting_id: (p.slot_id, p.table) for p in result.placements}
    assert where["m3"] == ("a2", 2)
    assert result.notes == []


def test_an_impossible_fixed_placement_is_noted_and_scheduled_normally():
    event = small_event(meetings=[Meeting("m3", "cardio", "bio", 1, fixed=("p1", 2))])
    result = schedule(event, time_limit=5)
    assert [p.meeting_id for p in result.placements] == ["m3"]
    assert result.placements[0].slot_id != "p1"
    assert "fixed placement (p1, table 2)" in result.notes[0]


def test_idle_gaps_are_closed_when_the_meetings_allow():
    slots = [Slot(f"s{n}", "day") for n in range(6)]
    everywhere = frozenset(s.id for s in slots)
    people = [Participant("host", everywhere, 3)] + [
        Participant(f"guest{n}", everywhere, 1) for n in range(3)
    ]
    meetings = [Meeting(f"m{n}", f"guest{n}", "host", 1) for n in range(3)]
    result = schedule(Event(slots, 1, people, meetings), time_limit=5)
    assert result.idle_gaps == 0
    used = sorted(int(p.slot_id[1:]) for p in result.placements)
    assert used == list(range(used[0], used[0] + 3))


def test_progress_is_reported_from_zero_to_one():
    seen: list[float] = []
    schedule(small_event(), time_limit=5, progress=lambda fraction, message: seen.append(fraction))
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"meetings": [Meeting("m1", "bio", "nobody", 1)]}, "unknown participant 'nobody'"),
        ({"meetings": [Meeting("m1", "bio", "bio", 1)]}, "cannot meet itself"),
        ({"meetings": [Meeting("m1", "bio", "acme", 0)]}, "priority must be a positive integer"),
        (
            {"meetings": [Meeting("m1", "bio", "acme", 1), Meeting("m1", "cardio", "acme", 1)]},
            "meetings: duplicated id 'm1'",
        ),
        (
            {"participants": [Participant("x", frozenset({"zz"}), 1)], "meetings": []},
            "unknown slot ids in available_slots: 'zz'",
        ),
        (
            {
                "participants": [
                    Participant("x", frozenset(), 1, booth=1),
                    Participant("y", frozenset(), 1, booth=2),
                ],
                "meetings": [],
                "tables": 1,
            },
            "1 tables are fewer than the 2 fixed booths",
        ),
    ],
)
def test_invalid_events_are_refused_with_a_message_naming_the_problem(change, message):
    with pytest.raises(ScheduleInputError) as caught:
        schedule(small_event(**change), time_limit=5)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- re-scheduling


def previous_of(result: ScheduleResult) -> dict[str, tuple[str, int]]:
    return {p.meeting_id: (p.slot_id, p.table) for p in result.placements}


def roomy_event(tables: int = 3, extra: list[Meeting] | None = None) -> Event:
    """Six slots, twelve participants, every request fits: nothing has to move."""
    slots = [Slot(f"s{n}", "day") for n in range(6)]
    everywhere = frozenset(s.id for s in slots)
    people = [Participant(f"p{n}", everywhere, 4) for n in range(12)]
    meetings = [Meeting(f"m{n}", f"p{n}", f"p{(n + 1) % 12}", 1 + n % 3) for n in range(12)] + (
        extra or []
    )
    return Event(slots, tables, people, meetings)


def test_cancelling_a_meeting_moves_nothing():
    first = schedule(roomy_event(), time_limit=5)
    assert first.unscheduled == []
    event = roomy_event()
    event = Event(
        event.slots,
        event.tables,
        event.participants,
        [m for m in event.meetings if m.id != "m5"],
        previous_of(first),
    )
    again = schedule(event, time_limit=5)
    check_schedule(event, again)
    assert again.cancelled == ["m5"]
    assert again.moved == []
    assert again.dropped == []
    assert again.added == []
    assert sorted(again.kept) == sorted(m.id for m in event.meetings)
    assert previous_of(again) == {k: v for k, v in previous_of(first).items() if k != "m5"}


def test_a_late_request_is_added_without_moving_the_others():
    first = schedule(roomy_event(), time_limit=5)
    late = Meeting("late", "p0", "p6", 3)
    base = roomy_event(extra=[late])
    event = Event(base.slots, base.tables, base.participants, base.meetings, previous_of(first))
    again = schedule(event, time_limit=5)
    check_schedule(event, again)
    assert again.added == ["late"]
    assert again.moved == []
    assert sorted(again.kept) == sorted(previous_of(first))


def test_fewer_tables_moves_only_the_meetings_at_the_removed_tables():
    first = schedule(roomy_event(tables=3), time_limit=5)
    at_table_three = {p.meeting_id for p in first.placements if p.table == 3}
    base = roomy_event(tables=2)
    event = Event(base.slots, 2, base.participants, base.meetings, previous_of(first))
    again = schedule(event, time_limit=5)
    check_schedule(event, again)
    assert again.objective == first.objective
    assert {m.meeting_id for m in again.moved} == at_table_three
    assert sorted(again.kept) == sorted(set(previous_of(first)) - at_table_three)
    for move in again.moved:
        assert (move.old_slot_id, move.old_table) == previous_of(first)[move.meeting_id]
        assert (move.new_slot_id, move.new_table) == previous_of(again)[move.meeting_id]


@st.composite
def rescheduling_cases(draw: st.DrawFn) -> tuple[Event, Event]:
    event = draw(events(max_slots=3, max_people=4, max_meetings=5))
    change = draw(st.sampled_from(["cancel", "tables", "late"]))
    meetings = list(event.meetings)
    tables = event.tables
    if change == "cancel" and meetings:
        meetings.pop(draw(st.integers(0, len(meetings) - 1)))
    elif change == "tables":
        tables = max(0, tables - 1)
    else:
        a, b = draw(
            st.sampled_from(list(itertools.permutations(range(len(event.participants)), 2)))
        )
        meetings.append(Meeting("late", f"p{a}", f"p{b}", draw(st.integers(1, 3))))
    booths_ok = all(p.booth is None or p.booth <= tables for p in event.participants)
    if not booths_ok:
        tables = event.tables
    return event, Event(event.slots, tables, event.participants, meetings)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rescheduling_cases())
def test_rescheduling_keeps_every_meeting_that_can_stay(case):
    before, after = case
    first = schedule(before, time_limit=5)
    previous = previous_of(first)
    event = Event(after.slots, after.tables, after.participants, after.meetings, previous)
    again = schedule(event, time_limit=5)
    check_schedule(event, again)
    weight, keeps = brute_force(event)
    assert again.objective == weight
    assert len(again.kept) == keeps
    now = previous_of(again)
    assert {m.meeting_id for m in again.moved} == {
        m for m in previous if m in now and now[m] != previous[m]
    }
    assert set(again.kept) == {m for m in previous if now.get(m) == previous[m]}
    assert set(again.dropped) == {
        m for m in previous if m not in now and m in {x.id for x in after.meetings}
    }
    assert set(again.added) == set(now) - set(previous)
