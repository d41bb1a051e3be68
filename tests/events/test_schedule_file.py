"""File mode: ``distretto events schedule --input EVENT.json --output SCHEDULE.json``."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduler-file-format.md"


def doc_example() -> dict[str, Any]:
    """The complete input example of docs/scheduler-file-format.md (its first JSON block)."""
    block = re.search(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    data: dict[str, Any] = json.loads(block.group(1))
    return data


def run(tmp_path: Path, data: Any, name: str = "event.json") -> dict[str, Any]:
    source = tmp_path / name
    source.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    target = tmp_path / "schedule.json"
    call_command("events_schedule", input=str(source), output=str(target), time_limit=5)
    output: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return output


def test_the_documented_example_is_scheduled_and_written(tmp_path):
    data = doc_example()
    output = run(tmp_path, data)
    people = {p["id"]: p for p in data["participants"]}
    held = output["meetings"]
    busy = Counter((m["from"], m["slot"]) for m in held) + Counter(
        (m["to"], m["slot"]) for m in held
    )
    assert max(busy.values()) == 1
    assert len({(m["slot"], m["table"]) for m in held}) == len(held)
    for meeting in held:
        for person in (meeting["from"], meeting["to"]):
            assert meeting["slot"] in people[person]["available_slots"]
        if "acme" in (meeting["from"], meeting["to"]):
            assert meeting["table"] == 1
        else:
            assert meeting["table"] in (2, 3)
    assert {"id": "m5", "slot": "pm-1", "table": 2}.items() <= next(
        m for m in held if m["id"] == "m5"
    ).items()
    assert output["objective"] == sum(m["priority"] for m in held) == 11
    assert output["upper_bound"] == 11
    assert output["gap"] == 0.0
    assert output["seconds"] >= 0
    assert output["unscheduled"] == [
        {
            "id": "m6",
            "from": "biolab",
            "to": "dialysis-srl",
            "priority": 2,
            "reason": "no common available slot for biolab and dialysis-srl",
        }
    ]
    assert "moved" not in output


def test_a_previous_output_reschedules_with_the_moves_listed(tmp_path):
    data = doc_example()
    first = run(tmp_path, data)
    changed = copy.deepcopy(data)
    changed["meetings"] = [m for m in changed["meetings"] if m["id"] != "m3"]
    changed["previous"] = first["meetings"]
    again = run(tmp_path, changed, "changed.json")
    assert again["cancelled"] == ["m3"]
    assert again["moved"] == []
    assert again["dropped"] == []
    assert sorted(again["kept"]) == sorted(m["id"] for m in first["meetings"] if m["id"] != "m3")
    # Fewer tables: the meeting at table 3, if any, has to move; the moves name both places.
    fewer = copy.deepcopy(data)
    fewer["tables"] = 2
    fewer["previous"] = {
        m["id"]: {"slot": m["slot"], "table": m["table"]} for m in first["meetings"]
    }
    third = run(tmp_path, fewer, "fewer.json")
    before = {m["id"]: (m["slot"], m["table"]) for m in first["meetings"]}
    after = {m["id"]: (m["slot"], m["table"]) for m in third["meetings"]}
    assert {m["id"] for m in third["moved"]} == {
        k for k in before if k in after and after[k] != before[k]
    }
    for move in third["moved"]:
        assert (move["old_slot"], move["old_table"]) == before[move["id"]]
        assert (move["new_slot"], move["new_table"]) == after[move["id"]]
    assert all(table <= 2 for _, table in after.values())


def mutate(change: Any) -> dict[str, Any]:
    data = doc_example()
    change(data)
    return data


BAD_INPUTS = [
    ("{not json", "is not valid JSON"),
    (mutate(lambda d: d.pop("slots")), "slots: missing"),
    (mutate(lambda d: d.update(tables="three")), "tables: must be a non-negative integer"),
    (
        mutate(lambda d: d["meetings"][0].update(to="nobody")),
        "meeting 'm1': unknown participant 'nobody'",
    ),
    (
        mutate(lambda d: d["participants"][1].update(available_slots=["am-1", "noon"])),
        "participant 'biolab': unknown slot ids in available_slots: 'noon'",
    ),
    (
        mutate(lambda d: d["meetings"][3].update(to="univ-mo")),
        "meeting 'm4': a participant cannot meet itself ('univ-mo')",
    ),
    (
        mutate(lambda d: d["participants"].append(dict(d["participants"][1]))),
        "participants: duplicated id 'biolab'",
    ),
    (mutate(lambda d: d["meetings"][1].update(id="m1")), "meetings: duplicated id 'm1'"),
    (mutate(lambda d: d["slots"][1].update(id="am-1")), "slots: duplicated id 'am-1'"),
    (
        mutate(lambda d: d["meetings"][2].update(priority=0)),
        "meetings[2] (id 'm3'): priority must be a positive integer, got 0",
    ),
    (
        mutate(lambda d: d["meetings"][2].update(priority=1.5)),
        "meetings[2] (id 'm3'): priority must be a positive integer, got 1.5",
    ),
    (
        mutate(lambda d: d["meetings"][2].update(priority="high")),
        "meetings[2] (id 'm3'): priority must be a positive integer, got 'high'",
    ),
    (
        mutate(lambda d: d["participants"][4].update(max_meetings=-1)),
        "participants[4] (id 'univ-mo'): max_meetings must be a non-negative integer",
    ),
    (
        mutate(lambda d: (d["participants"][1].update(booth=2), d.update(tables=1))),
        "1 tables are fewer than the 2 fixed booths",
    ),
    (
        mutate(lambda d: d["participants"][1].update(booth=1)),
        "participant 'biolab': booth 1 is already the booth of 'acme'",
    ),
    (
        mutate(lambda d: d["meetings"][0].update(fixed={"slot": "am-1"})),
        "meetings[0] (id 'm1'): fixed must be an object with slot",
    ),
    (
        mutate(lambda d: d.update(previous=[{"id": "m1", "slot": "am-1"}])),
        "previous[0]: must have a meeting id, a slot id and a table",
    ),
    ([1, 2, 3], "the file must hold a JSON object"),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS)
def test_bad_input_names_the_problem_and_writes_nothing(tmp_path, data, message):
    with pytest.raises(CommandError) as caught:
        run(tmp_path, data)
    assert message in str(caught.value)
    assert not (tmp_path / "schedule.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["event.json"]


def test_a_missing_input_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "events_schedule",
            input=str(tmp_path / "absent.json"),
            output=str(tmp_path / "schedule.json"),
        )
    assert list(tmp_path.iterdir()) == []


def test_a_non_positive_time_limit_is_refused(tmp_path):
    source = tmp_path / "event.json"
    source.write_text(json.dumps(doc_example()), encoding="utf-8")
    with pytest.raises(CommandError, match="--time-limit must be a positive number"):
        call_command(
            "events_schedule",
            input=str(source),
            output=str(tmp_path / "schedule.json"),
            time_limit=0,
        )
    assert not (tmp_path / "schedule.json").exists()
