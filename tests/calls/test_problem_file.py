"""File mode: ``run_file(PROBLEM.json, CONSORTIA.json)`` (the ``consortium_build`` command)."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from distretto.calls.domain.builder import BuildInputError
from distretto.calls.domain.problem_io import parse_problem, run_file

DOC = Path(__file__).resolve().parents[2] / "docs" / "consortium-file-format.md"


def doc_example(section: str = "## File mode") -> dict[str, Any]:
    """The first JSON block of a section of docs/consortium-file-format.md: the complete
    input example of the file mode, or the idea file's example."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text[text.index(section) :], re.S)
    assert block is not None
    data: dict[str, Any] = json.loads(block.group(1))
    return data


def run(tmp_path: Path, data: Any) -> dict[str, Any]:
    source = tmp_path / "problem.json"
    source.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    target = tmp_path / "consortia.json"
    run_file(source, target, time_limit=5)
    output: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return output


def problems_of(tmp_path: Path, data: Any) -> list[str]:
    source = tmp_path / "bad.json"
    source.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    target = tmp_path / "out.json"
    with pytest.raises(BuildInputError) as error:
        run_file(source, target, time_limit=5)
    assert not target.exists()
    assert list(tmp_path.glob(".out.json*")) == []
    return error.value.messages


def test_the_documented_example_round_trips(tmp_path):
    data = doc_example()
    output = run(tmp_path, data)
    assert output["status"] == "optimal"
    assert output["diagnosis"] is None and output["preselection"] is None
    assert output["pool"] == 5  # tecnopolo excluded, berlin-gmbh outside ITH5
    consortia = output["consortia"]
    assert 1 <= len(consortia) <= 2
    kinds = {c["id"]: c["kind"] for c in data["candidates"]}
    for consortium in consortia:
        partners = consortium["partners"]
        assert consortium["coordinator"] == "biomed-srl" == partners[0]
        assert 3 <= len(partners) <= 5
        assert "tecnopolo" not in partners and "berlin-gmbh" not in partners
        assert not {"steril-spa", "steril-lab"} <= set(partners)
        assert sum(kinds[p] in ("sme", "large_company") for p in partners) >= 2
        assert "unimore" in partners
        total = sum(data["budgets"][p] for p in partners)
        assert max(data["budgets"][p] for p in partners) <= 0.5 * total
        assert consortium["bound"] >= consortium["objective"]
        parts = consortium["parts"]
        assert consortium["objective"] == pytest.approx(
            parts["coverage"] + parts["relevance"] + parts["trust"] - parts["penalty"], abs=1e-5
        )
        assert {w["id"] for w in consortium["why"]} == set(partners)
    best = consortia[0]
    assert best["optimal"] is True and best["bound_scope"] == "whole pool"
    why = {w["id"]: w for w in best["why"]}
    assert why["biomed-srl"]["covers"] == ["process_step:extrusion"]
    assert why["biomed-srl"]["only"] == ["process_step:extrusion"]
    assert why["biomed-srl"]["reasons"] == ["extrudes dialysis lines"]
    assert {b["id"] for b in best["binding"]} >= {"regions[0]", "max_per_group"}
    if len(consortia) == 2:
        a, b = (set(c["partners"]) for c in consortia)
        assert max(len(a - b), len(b - a)) >= 2


def test_an_infeasible_problem_writes_the_diagnosis(tmp_path):
    data = doc_example()
    data["rules"]["counts"].append({"what": "kind:research_centre", "min": 1})
    output = run(tmp_path, data)
    assert output["consortia"] == []
    assert output["status"] == "infeasible"
    assert output["diagnosis"]["it"].startswith("Nessun consorzio ammissibile")
    assert "research centre" in output["diagnosis"]["en"]


def test_bad_records_are_named_with_their_field_and_nothing_is_written(tmp_path):
    data = doc_example()
    data["candidates"][1]["relevance"] = 1.5
    data["candidates"][2]["kind"] = ""
    data["candidates"][3]["id"] = "biomed-srl"
    data["needs"][0]["weight"] = 0
    data["needs"][1]["partners"] = "two"
    data["trust"].append({"a": "biomed-srl", "b": "nobody", "strength": 0.5})
    data["must_include"] = ["ghost"]
    data["budgets"]["plastica"] = -1
    data["rules"]["partners"]["min"] = "three"
    data["colour"] = "blue"
    messages = problems_of(tmp_path, data)
    expected = [
        "colour: unknown field",
        "candidates[1] (id 'steril-spa'): relevance must be a number between 0 and 1, got 1.5",
        "candidates[2] (id 'steril-lab'): kind must be an organisation kind",
        "candidates[3] (id 'biomed-srl'): id 'biomed-srl' is used by another candidate",
        "rules.partners.min:",
        "needs[0] (code 'process_step:extrusion'): weight must be a number > 0, got 0",
        "needs[1] (code 'process_step:sterilisation'): partners must be an integer ≥ 1",
        "must_include: 'ghost' is not the id of a candidate",
        "budgets['plastica']: must be an amount in EUR ≥ 0, got -1",
        "trust[1]: b must be the id of a candidate, got 'nobody'",
    ]
    for start in expected:
        assert any(m.startswith(start) for m in messages), (start, messages)


def test_unreadable_and_invalid_json_files_are_reported(tmp_path):
    assert problems_of(tmp_path, "{not json")[0].startswith(f"{tmp_path / 'bad.json'} is not valid")
    with pytest.raises(BuildInputError, match="cannot read"):
        run_file(tmp_path / "missing.json", tmp_path / "out.json")
    assert problems_of(tmp_path, "[]") == [
        "the file must hold a JSON object with candidates, rules, needs, ..."
    ]


def test_the_file_time_limit_is_overridden_and_defaults_apply():
    data = doc_example()
    minimal = {"candidates": copy.deepcopy(data["candidates"][:2]), "needs": [{"code": "x"}]}
    problem = parse_problem(minimal)
    assert problem.time_limit == 10.0 and problem.alternatives == 3 and problem.differ_by == 2
    assert problem.candidates[0].is_sme is True and problem.candidates[1].is_sme is False
    assert problem.needs[0].weight == 1.0 and problem.needs[0].partners == 1


def test_the_command_writes_the_consortia_and_reports_bad_input(tmp_path):
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(doc_example()), encoding="utf-8")
    target = tmp_path / "consortia.json"
    out = io.StringIO()
    call_command(
        "consortium_build", input=str(source), output=str(target), time_limit=5, stdout=out
    )
    assert "proven optimal" in out.getvalue()
    assert json.loads(target.read_text(encoding="utf-8"))["consortia"]
    source.write_text(json.dumps({"candidates": [], "needs": [{"code": ""}]}), encoding="utf-8")
    other = tmp_path / "other.json"
    with pytest.raises(CommandError, match=r"(?s)cannot be used:.*needs\[0\]: code must be"):
        call_command("consortium_build", input=str(source), output=str(other))
    assert not other.exists()


@pytest.mark.django_db
def test_the_documented_idea_file_builds_over_the_mirandola_dataset(tmp_path):
    from django.core.management import call_command

    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    idea = tmp_path / "idea.json"
    idea.write_text(json.dumps(doc_example("## Over the registry")), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "consortium_build", call="distretti-tecnologici-2", idea=str(idea), json=True, stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["consortia"], result["diagnosis"]
    best = result["consortia"][0]
    partners = {p["organisation"] for p in best["partners"]}
    assert {"eurosets", "tecnopolo-mirandola"} <= partners
    assert len(partners) <= 5
