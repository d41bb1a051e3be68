"""Meeting slots of a session (pure domain): cutting a session, and what makes it unusable."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distretto.events.domain.slots import Interval, problems, slot_times

DAY = date(2026, 6, 10)


def hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def cut(start: str, end: str, breaks: list[tuple[str, str]], minutes: int) -> list[str]:
    slots = slot_times(
        DAY, Interval(hm(start), hm(end)), [Interval(hm(a), hm(b)) for a, b in breaks], minutes
    )
    return [f"{a:%H:%M}-{b:%H:%M}" for a, b in slots]


def fields(start: str, end: str, breaks: list[tuple[str, str]], minutes: int) -> list[str]:
    found = problems(
        Interval(hm(start), hm(end)), [Interval(hm(a), hm(b)) for a, b in breaks], minutes
    )
    return [field for field, _message in found]


# --- slot_times -------------------------------------------------------------------------------


def test_a_session_without_breaks_is_cut_into_consecutive_slots():
    assert cut("09:00", "10:00", [], 20) == ["09:00-09:20", "09:20-09:40", "09:40-10:00"]


def test_the_last_slot_ends_by_the_session_end_and_a_remainder_is_left_unused():
    assert cut("09:00", "10:10", [], 20) == ["09:00-09:20", "09:20-09:40", "09:40-10:00"]


def test_slots_resume_at_the_end_of_a_break():
    assert cut("09:00", "11:00", [("10:00", "10:20")], 20) == [
        "09:00-09:20",
        "09:20-09:40",
        "09:40-10:00",
        "10:20-10:40",
        "10:40-11:00",
    ]


def test_a_slot_that_would_run_into_a_break_is_not_made():
    # 09:30-09:55 would overlap the break at 09:50: the next slot starts at 10:00.
    assert cut("09:05", "10:30", [("09:50", "10:00")], 25) == [
        "09:05-09:30",
        "10:00-10:25",
    ]


def test_a_break_at_the_session_start_delays_the_first_slot():
    assert cut("09:00", "10:00", [("09:00", "09:15")], 15) == [
        "09:15-09:30",
        "09:30-09:45",
        "09:45-10:00",
    ]


def test_overlapping_and_unordered_breaks_are_all_respected():
    assert cut("09:00", "11:00", [("10:10", "10:20"), ("09:30", "10:15")], 30) == [
        "09:00-09:30",
        "10:20-10:50",
    ]


def test_a_break_that_ends_before_it_starts_is_ignored_when_cutting():
    assert cut("09:00", "10:00", [("09:40", "09:20")], 30) == ["09:00-09:30", "09:30-10:00"]


def test_slots_are_naive_datetimes_on_the_given_day():
    slots = slot_times(DAY, Interval(hm("09:00"), hm("09:30")), [], 30)
    assert slots == [(datetime(2026, 6, 10, 9, 0), datetime(2026, 6, 10, 9, 30))]
    assert slots[0][0].tzinfo is None


def test_a_session_shorter_than_one_meeting_has_no_slots():
    assert cut("09:00", "09:15", [], 20) == []


@pytest.mark.parametrize("minutes", [0, -5])
def test_the_meeting_length_must_be_positive(minutes):
    with pytest.raises(ValueError, match="positive"):
        slot_times(DAY, Interval(hm("09:00"), hm("10:00")), [], minutes)


quarter_hours = st.integers(min_value=0, max_value=4 * 22).map(lambda q: time(q // 4, q % 4 * 15))
five_minutes = st.integers(min_value=0, max_value=12 * 22).map(lambda f: time(f // 12, f % 12 * 5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=quarter_hours,
    end=quarter_hours,
    breaks=st.lists(st.tuples(five_minutes, five_minutes), max_size=4),
    minutes=st.integers(min_value=5, max_value=90),
)
def test_slots_never_overlap_a_break_follow_each_other_and_fill_the_session(
    start, end, breaks, minutes
):
    length = timedelta(minutes=minutes)
    session_start, session_end = datetime.combine(DAY, start), datetime.combine(DAY, end)
    pauses = [(datetime.combine(DAY, a), datetime.combine(DAY, b)) for a, b in breaks if b > a]
    slots = slot_times(DAY, Interval(start, end), [Interval(a, b) for a, b in breaks], minutes)

    def clashes(begin: datetime) -> bool:
        return any(begin < p_end and begin + length > p_start for p_start, p_end in pauses)

    for begin, finish in slots:
        assert finish - begin == length
        assert session_start <= begin and finish <= session_end
        assert not clashes(begin)
    for (_, previous_end), (begin, _) in pairwise(slots):
        assert begin >= previous_end
        if begin != previous_end:
            # a jump only over a break, landing at a break's end
            assert clashes(previous_end)
            assert begin in {p_end for _, p_end in pauses}
    # Maximal: from the end of the last slot (or the session start) no further slot fits.
    resume = [slots[-1][1]] if slots else [session_start]
    resume += [p_end for _, p_end in pauses if p_end >= resume[0]]
    for begin in resume:
        assert begin + length > session_end or clashes(begin)


# --- problems ---------------------------------------------------------------------------------


def test_a_well_formed_session_has_no_problems():
    assert fields("09:00", "11:00", [("10:00", "10:20")], 20) == []


@pytest.mark.parametrize("end", ["08:00", "09:00"])
def test_a_session_must_end_after_it_starts(end):
    found = problems(Interval(hm("09:00"), hm(end)), [], 20)
    assert found == [("end", "The session must end after it starts.")]


@pytest.mark.parametrize(
    "pause", [("08:30", "09:10"), ("10:50", "11:10"), ("12:00", "12:30"), ("07:00", "08:00")]
)
def test_a_break_must_lie_inside_the_session(pause):
    found = problems(Interval(hm("09:00"), hm("11:00")), [Interval(hm(pause[0]), hm(pause[1]))], 20)
    assert found == [("breaks", "A break must lie inside the session.")]


def test_a_break_touching_the_session_edges_is_inside():
    assert fields("09:00", "11:00", [("09:00", "09:20"), ("10:40", "11:00")], 20) == []


def test_a_break_must_end_after_it_starts():
    assert fields("09:00", "11:00", [("10:20", "10:00")], 20) == ["breaks"]


def test_a_session_too_short_for_one_meeting_is_a_problem_of_its_end():
    found = problems(Interval(hm("09:00"), hm("09:15")), [], 20)
    assert found == [("end", "The session is too short for one meeting.")]


def test_a_session_filled_by_its_breaks_is_too_short():
    assert fields("09:00", "10:00", [("09:00", "09:30"), ("09:30", "10:00")], 20) == ["end"]


def test_a_session_with_room_between_breaks_is_long_enough():
    assert fields("09:00", "10:00", [("09:00", "09:20"), ("09:40", "10:00")], 20) == []
