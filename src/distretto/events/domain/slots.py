"""Meeting slots of a session: consecutive meetings of one length, none through a break."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


def N_(message: str) -> str:
    """Mark a message for translation without translating it (extracted by makemessages)."""
    return message


@dataclass(frozen=True)
class Interval:
    start: time
    end: time


def slot_times(
    day: date, session: Interval, breaks: list[Interval], minutes: int
) -> list[tuple[datetime, datetime]]:
    """Naive (start, end) datetimes of the slots of a session on ``day``.

    Slots follow each other from the session's start; a slot that would overlap
    a break starts again at the break's end; the last slot ends by the session's end.
    """
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    length = timedelta(minutes=minutes)
    end = datetime.combine(day, session.end)
    pauses = sorted(
        (datetime.combine(day, b.start), datetime.combine(day, b.end))
        for b in breaks
        if b.end > b.start
    )
    slots: list[tuple[datetime, datetime]] = []
    current = datetime.combine(day, session.start)
    while current + length <= end:
        clash = next((p for p in pauses if current < p[1] and current + length > p[0]), None)
        if clash is not None:
            current = clash[1]
            continue
        slots.append((current, current + length))
        current += length
    return slots


def problems(session: Interval, breaks: list[Interval], minutes: int) -> list[tuple[str, str]]:
    """(field, message) for a session that cannot hold meetings as described."""
    found: list[tuple[str, str]] = []
    if session.end <= session.start:
        found.append(("end", N_("The session must end after it starts.")))
        return found
    for pause in breaks:
        if pause.end <= pause.start:
            found.append(("breaks", N_("A break must end after it starts.")))
        elif pause.start < session.start or pause.end > session.end:
            found.append(("breaks", N_("A break must lie inside the session.")))
    if not found and not slot_times(date(2000, 1, 3), session, breaks, minutes):
        found.append(("end", N_("The session is too short for one meeting.")))
    return found
