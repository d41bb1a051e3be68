"""The scheduler's JSON file format (docs/scheduler-file-format.md): event in, schedule out."""

from __future__ import annotations

from typing import Any

from distretto.events.domain.scheduler import (
    Event,
    Meeting,
    Participant,
    ScheduleInputError,
    ScheduleResult,
    Slot,
    validate,
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _records(data: dict[str, Any], key: str, problems: list[str]) -> list[tuple[str, Any]]:
    """The list under ``key`` as (label, record) pairs; non-objects are reported."""
    value = data.get(key)
    if value is None:
        problems.append(f"{key}: missing (a list of objects)")
        return []
    if not isinstance(value, list):
        problems.append(f"{key}: must be a list of objects, got {type(value).__name__}")
        return []
    out = []
    for n, record in enumerate(value):
        label = f"{key}[{n}]"
        if not isinstance(record, dict):
            problems.append(f"{label}: must be an object, got {type(record).__name__}")
            continue
        if _text(record.get("id")):
            label += f" (id {record['id']!r})"
        out.append((label, record))
    return out


def parse_event(data: Any) -> Event:
    """The event described by the decoded JSON ``data``; ScheduleInputError lists every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ScheduleInputError(["the file must hold a JSON object with slots, tables, ..."])
    tables = data.get("tables")
    if tables is None:
        problems.append("tables: missing (the number of tables)")
    elif not _is_int(tables) or tables < 0:
        problems.append(f"tables: must be a non-negative integer, got {tables!r}")
    slots = []
    for label, record in _records(data, "slots", problems):
        slot_id = record.get("id")
        session = record.get("session", "")
        slot_tables = record.get("tables")
        bad = False
        if not _text(slot_id):
            problems.append(f"{label}: id must be a non-empty string, got {slot_id!r}")
            bad = True
        if not isinstance(session, str):
            problems.append(f"{label}: session must be a string, got {session!r}")
            bad = True
        if slot_tables is not None and (not _is_int(slot_tables) or slot_tables < 0):
            problems.append(f"{label}: tables must be a non-negative integer, got {slot_tables!r}")
            bad = True
        for key in ("start", "end"):
            if record.get(key) is not None and not isinstance(record[key], str):
                problems.append(f"{label}: {key} must be a string, got {record[key]!r}")
        if not bad:
            slots.append(Slot(slot_id, session, slot_tables))
    participants = []
    for label, record in _records(data, "participants", problems):
        person_id = record.get("id")
        available = record.get("available_slots")
        most = record.get("max_meetings")
        booth = record.get("booth")
        bad = False
        if not _text(person_id):
            problems.append(f"{label}: id must be a non-empty string, got {person_id!r}")
            bad = True
        if not isinstance(available, list) or not all(_text(s) for s in available):
            problems.append(f"{label}: available_slots must be a list of slot ids")
            bad = True
        if not _is_int(most) or most < 0:
            problems.append(f"{label}: max_meetings must be a non-negative integer, got {most!r}")
            bad = True
        if booth is not None and (not _is_int(booth) or booth < 1):
            problems.append(f"{label}: booth must be a table number (integer ≥ 1), got {booth!r}")
            bad = True
        if not bad:
            participants.append(Participant(person_id, frozenset(available), most, booth))
    meetings = []
    for label, record in _records(data, "meetings", problems):
        ends = record.get("from"), record.get("to")
        priority = record.get("priority", 1)
        meeting_id = record.get("id")
        fixed = record.get("fixed")
        bad = False
        for key, end in zip(("from", "to"), ends, strict=True):
            if not _text(end):
                problems.append(f"{label}: {key} must be a participant id, got {end!r}")
                bad = True
        if meeting_id is not None and not _text(meeting_id):
            problems.append(f"{label}: id must be a non-empty string, got {meeting_id!r}")
            bad = True
        if not _is_int(priority) or priority < 1:
            problems.append(f"{label}: priority must be a positive integer, got {priority!r}")
            bad = True
        placement = None
        if fixed is not None:
            placement = _placement(fixed)
            if placement is None:
                problems.append(
                    f"{label}: fixed must be an object with slot (a slot id) and table "
                    f"(an integer ≥ 1), got {fixed!r}"
                )
                bad = True
        if not bad:
            meetings.append(
                Meeting(
                    meeting_id or f"{ends[0]}->{ends[1]}", ends[0], ends[1], priority, placement
                )
            )
    previous = _previous(data.get("previous"), problems)
    if problems:
        raise ScheduleInputError(problems)
    assert isinstance(tables, int)
    event = Event(slots, tables, participants, meetings, previous)
    validate(event)
    return event


def _placement(value: Any) -> tuple[str, int] | None:
    if not isinstance(value, dict):
        return None
    slot: Any = value.get("slot")
    table: Any = value.get("table")
    if not _text(slot) or not _is_int(table) or table < 1:
        return None
    return str(slot), int(table)


def _previous(value: Any, problems: list[str]) -> dict[str, tuple[str, int]] | None:
    """``previous``: a list of {id, slot, table} (an output's meetings) or {id: {slot, table}}."""
    if value is None:
        return None
    items: list[tuple[str, Any, Any]] = []
    if isinstance(value, dict):
        items = [(f"previous[{key!r}]", key, record) for key, record in value.items()]
    elif isinstance(value, list):
        for n, record in enumerate(value):
            key = record.get("id") if isinstance(record, dict) else None
            items.append((f"previous[{n}]", key, record))
    else:
        problems.append("previous: must be a list of {id, slot, table} objects")
        return {}
    out: dict[str, tuple[str, int]] = {}
    for label, key, record in items:
        placement = _placement(record)
        if not _text(key) or placement is None:
            problems.append(f"{label}: must have a meeting id, a slot id and a table (integer ≥ 1)")
        elif key in out:
            problems.append(f"{label}: meeting {key!r} appears twice")
        else:
            out[key] = placement
    return out


def result_to_json(event: Event, result: ScheduleResult) -> dict[str, Any]:
    """The schedule as the output file's object, meetings in slot and table order."""
    order = {slot.id: n for n, slot in enumerate(event.slots)}
    placements = sorted(result.placements, key=lambda p: (order[p.slot_id], p.table))
    out: dict[str, Any] = {
        "objective": result.objective,
        "upper_bound": result.upper_bound,
        "gap": result.gap,
        "seconds": result.seconds,
        "idle_gaps": result.idle_gaps,
        "method": result.method,
        "meetings": [
            {
                "id": p.meeting_id,
                "from": p.from_id,
                "to": p.to_id,
                "priority": p.priority,
                "slot": p.slot_id,
                "table": p.table,
            }
            for p in placements
        ],
        "unscheduled": [
            {
                "id": u.meeting_id,
                "from": u.from_id,
                "to": u.to_id,
                "priority": u.priority,
                "reason": u.reason,
            }
            for u in result.unscheduled
        ],
    }
    if event.previous is not None:
        out["moved"] = [
            {
                "id": m.meeting_id,
                "old_slot": m.old_slot_id,
                "old_table": m.old_table,
                "new_slot": m.new_slot_id,
                "new_table": m.new_table,
            }
            for m in result.moved
        ]
        out["kept"] = result.kept
        out["dropped"] = result.dropped
        out["added"] = result.added
        out["cancelled"] = result.cancelled
    if result.notes:
        out["notes"] = result.notes
    return out
