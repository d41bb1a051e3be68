"""The consortium builder's JSON file format (docs/consortium-file-format.md): problem in,
consortia out. ``run_file`` is the file mode; the ``consortium_build`` command wraps it."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from distretto.calls.domain.builder import (
    BuildInputError,
    BuildResult,
    Need,
    Problem,
    Proposal,
    TrustKey,
    Weights,
    build,
)
from distretto.calls.domain.model import Candidate, RuleSet
from distretto.calls.domain.rules import RulesError, parse_rules

TOP_KEYS = (
    "candidates",
    "rules",
    "needs",
    "lead",
    "must_include",
    "must_exclude",
    "max_partners",
    "budgets",
    "trust",
    "weights",
    "alternatives",
    "differ_by",
    "time_limit",
    "solver",
)
CANDIDATE_KEYS = (
    "id",
    "name",
    "kind",
    "is_sme",
    "nuts",
    "group",
    "competences",
    "relevance",
    "reasons",
    "fields",
)
SOLVERS = ("highs", "cp-sat")
DEFAULT_TIME_LIMIT = 10.0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _records(data: dict[str, Any], key: str, problems: list[str]) -> list[tuple[str, Any]]:
    """The list under ``key`` as (label, record) pairs; non-objects are reported."""
    value = data.get(key)
    if value is None:
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
        elif _text(record.get("code")):
            label += f" (code {record['code']!r})"
        out.append((label, record))
    return out


def _candidate(label: str, record: dict[str, Any], problems: list[str]) -> Candidate | None:
    before = len(problems)
    for key in record:
        if key not in CANDIDATE_KEYS:
            problems.append(f"{label}: unknown field {key!r}")
    cid, kind = record.get("id"), record.get("kind")
    if not _text(cid):
        problems.append(f"{label}: id must be a non-empty string, got {cid!r}")
    if not _text(kind):
        problems.append(f"{label}: kind must be an organisation kind (e.g. 'sme'), got {kind!r}")
    is_sme = record.get("is_sme", kind in ("sme", "startup"))
    if not isinstance(is_sme, bool):
        problems.append(f"{label}: is_sme must be true or false, got {is_sme!r}")
    for key in ("name", "nuts", "group"):
        if not isinstance(record.get(key, ""), str):
            problems.append(f"{label}: {key} must be a string, got {record[key]!r}")
    competences = record.get("competences", [])
    if not _strings(competences):
        problems.append(f"{label}: competences must be a list of taxonomy codes (strings)")
    reasons = record.get("reasons", [])
    if not _strings(reasons):
        problems.append(f"{label}: reasons must be a list of strings")
    relevance = record.get("relevance", 0.0)
    if not _is_number(relevance) or not 0 <= relevance <= 1:
        problems.append(f"{label}: relevance must be a number between 0 and 1, got {relevance!r}")
    fields = record.get("fields", {})
    if not isinstance(fields, dict):
        problems.append(f"{label}: fields must be an object, got {type(fields).__name__}")
    if len(problems) > before:
        return None
    return Candidate(
        id=str(cid),
        name=str(record.get("name", "") or cid),
        kind=str(kind),
        is_sme=is_sme,
        nuts=record.get("nuts", ""),
        group=record.get("group", ""),
        competences=frozenset(competences),
        relevance=float(relevance),
        reasons=tuple(reasons),
        fields=dict(fields),
    )


def _ids(data: dict[str, Any], key: str, known: set[str], problems: list[str]) -> list[str]:
    value = data.get(key, [])
    if not _strings(value):
        problems.append(f"{key}: must be a list of candidate ids")
        return []
    for cid in value:
        if cid not in known:
            problems.append(f"{key}: {cid!r} is not the id of a candidate")
    return list(value)


def _positive_int(data: dict[str, Any], key: str, default: int, problems: list[str]) -> int:
    value = data.get(key, default)
    if not _is_int(value) or value < 1:
        problems.append(f"{key}: must be an integer ≥ 1, got {value!r}")
        return default
    return int(value)


def parse_problem(data: Any) -> Problem:
    """The problem described by the decoded JSON ``data``; BuildInputError lists every problem."""
    if not isinstance(data, dict):
        raise BuildInputError(
            ["the file must hold a JSON object with candidates, rules, needs, ..."]
        )
    problems: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"{key}: unknown field (expected one of {', '.join(TOP_KEYS)})")
    if "candidates" not in data:
        problems.append("candidates: missing (a list of objects)")
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for label, record in _records(data, "candidates", problems):
        candidate = _candidate(label, record, problems)
        if candidate is None:
            continue
        if candidate.id in seen:
            problems.append(f"{label}: id {candidate.id!r} is used by another candidate")
            continue
        seen.add(candidate.id)
        candidates.append(candidate)
    rules = RuleSet()
    if data.get("rules") is not None:
        try:
            rules = parse_rules(data["rules"])
        except RulesError as exc:
            for problem in exc.problems:
                problems.append(
                    f"rules.{problem.path}: {problem.message_en}"
                    if problem.path
                    else f"rules: {problem.message_en}"
                )
    needs: list[Need] = []
    codes: set[str] = set()
    if "needs" not in data:
        problems.append("needs: missing (a list of objects with code, weight, partners)")
    for label, record in _records(data, "needs", problems):
        code, weight, wanted = (
            record.get("code"),
            record.get("weight", 1.0),
            record.get("partners", 1),
        )
        bad = False
        for key in record:
            if key not in ("code", "weight", "partners"):
                problems.append(f"{label}: unknown field {key!r}")
        if not _text(code):
            problems.append(f"{label}: code must be a taxonomy code (a string), got {code!r}")
            bad = True
        elif code in codes:
            problems.append(f"{label}: code {code!r} is listed twice")
            bad = True
        if not _is_number(weight) or weight <= 0:
            problems.append(f"{label}: weight must be a number > 0, got {weight!r}")
            bad = True
        if not _is_int(wanted) or wanted < 1:
            problems.append(f"{label}: partners must be an integer ≥ 1, got {wanted!r}")
            bad = True
        if not bad:
            codes.add(code)
            needs.append(Need(code, float(weight), int(wanted)))
    lead = data.get("lead")
    if lead is not None and (not isinstance(lead, str) or lead not in seen):
        problems.append(f"lead: must be the id of a candidate, got {lead!r}")
    include = _ids(data, "must_include", seen, problems)
    exclude = _ids(data, "must_exclude", seen, problems)
    max_partners = data.get("max_partners")
    if max_partners is not None and (not _is_int(max_partners) or max_partners < 1):
        problems.append(f"max_partners: must be an integer ≥ 1, got {max_partners!r}")
    budgets: dict[str, float] = {}
    raw_budgets = data.get("budgets", {})
    if not isinstance(raw_budgets, dict):
        problems.append("budgets: must be an object mapping candidate ids to EUR amounts")
    else:
        for cid, amount in raw_budgets.items():
            if cid not in seen:
                problems.append(f"budgets[{cid!r}]: not the id of a candidate")
            elif not _is_number(amount) or amount < 0:
                problems.append(f"budgets[{cid!r}]: must be an amount in EUR ≥ 0, got {amount!r}")
            else:
                budgets[cid] = float(amount)
    trust: dict[TrustKey, float] = {}
    for label, record in _records(data, "trust", problems):
        ends, strength = (record.get("a"), record.get("b")), record.get("strength")
        bad = False
        for key, end in zip(("a", "b"), ends, strict=True):
            if not isinstance(end, str) or end not in seen:
                problems.append(f"{label}: {key} must be the id of a candidate, got {end!r}")
                bad = True
        if not bad and ends[0] == ends[1]:
            problems.append(f"{label}: a and b must be two different candidates")
            bad = True
        if not _is_number(strength) or not 0 <= strength <= 1:
            problems.append(f"{label}: strength must be a number between 0 and 1, got {strength!r}")
            bad = True
        if not bad:
            trust[frozenset({ends[0], ends[1]})] = float(strength)
    weights = Weights()
    raw_weights = data.get("weights", {})
    if not isinstance(raw_weights, dict):
        problems.append("weights: must be an object")
    else:
        values = {}
        for key, value in raw_weights.items():
            if key not in ("coverage", "relevance", "complementarity", "trust"):
                problems.append(f"weights.{key}: unknown weight")
            elif not _is_number(value) or value < 0:
                problems.append(f"weights.{key}: must be a number ≥ 0, got {value!r}")
            else:
                values[key] = float(value)
        weights = Weights(**values)
    alternatives = _positive_int(data, "alternatives", 3, problems)
    differ_by = _positive_int(data, "differ_by", 2, problems)
    limit = data.get("time_limit", DEFAULT_TIME_LIMIT)
    if not _is_number(limit) or limit <= 0:
        problems.append(f"time_limit: must be a number of seconds > 0, got {limit!r}")
        limit = DEFAULT_TIME_LIMIT
    solver = data.get("solver", "highs")
    if solver not in SOLVERS:
        problems.append(f"solver: must be one of {', '.join(SOLVERS)}, got {solver!r}")
    if problems:
        raise BuildInputError(problems)
    return Problem(
        candidates=candidates,
        rules=rules,
        needs=needs,
        lead=lead,
        must_include=include,
        must_exclude=exclude,
        max_partners=max_partners,
        budgets=budgets,
        trust=trust,
        weights=weights,
        alternatives=alternatives,
        differ_by=differ_by,
        time_limit=float(limit),
    )


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "partners": list(p.partners),
        "coordinator": p.coordinator,
        "objective": _number(p.objective),
        "parts": {
            "coverage": _number(p.coverage),
            "relevance": _number(p.relevance),
            "trust": _number(p.trust),
            "penalty": _number(p.penalty),
        },
        "bound": _number(p.bound),
        "gap": _number(p.gap),
        "optimal": p.optimal,
        "bound_scope": p.bound_scope,
        "why": [
            {
                "id": w.id,
                "name": w.name,
                "covers": list(w.covers),
                "only": list(w.only),
                "relevance": w.relevance,
                "reasons": list(w.reasons),
            }
            for w in p.why
        ],
        "lacking": [
            {
                "code": n.code,
                "weight": n.weight,
                "wanted": n.wanted,
                "covered": n.covered,
                "missing": n.missing,
            }
            for n in p.lacking
        ],
        "binding": [{"id": r.id, "it": r.text_it, "en": r.text_en} for r in p.binding],
        "notes": {"it": list(p.notes_it), "en": list(p.notes_en)},
    }


def result_to_json(result: BuildResult) -> dict[str, Any]:
    """The output document of a build (docs/consortium-file-format.md)."""
    return {
        "status": result.status,
        "solver": result.solver,
        "seconds": round(result.seconds, 3),
        "pool": result.pool,
        "preselected": result.preselected,
        "preselection": (
            {"it": result.preselection_it, "en": result.preselection_en}
            if result.preselection_en
            else None
        ),
        "whole_pool_bound": _number(result.whole_pool_bound),
        "whole_pool_bound_method": result.whole_pool_bound_method,
        "diagnosis": (
            {"it": result.diagnosis_it, "en": result.diagnosis_en} if result.diagnosis_en else None
        ),
        "not_checked": [{"id": r.id, "it": r.text_it, "en": r.text_en} for r in result.not_checked],
        "consortia": [_proposal(p) for p in result.consortia],
    }


def run_file(
    input_path: str | Path, output_path: str | Path, time_limit: float | None = None
) -> BuildResult:
    """Read the problem at ``input_path``, build the consortia and write them to
    ``output_path`` (atomically). BuildInputError lists what is wrong with the input (or why
    it cannot be read or written); nothing is written then."""
    source, target = Path(input_path), Path(output_path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildInputError([f"cannot read {source}: {exc}"]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildInputError(
            [f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from exc
    except RecursionError as exc:  # "[[[[..." thousands deep: not a file to read
        raise BuildInputError([f"{source} is not valid JSON: it is nested too deeply"]) from exc
    problem = parse_problem(data)
    if time_limit is not None:
        if not time_limit > 0:
            raise BuildInputError(["the time limit must be a positive number of seconds"])
        problem.time_limit = float(time_limit)
    result = build(problem, solver=data.get("solver", "highs"))
    output = json.dumps(result_to_json(result), indent=2, ensure_ascii=False) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(output)
        os.replace(temporary, target)
    except OSError as exc:
        raise BuildInputError([f"cannot write {target}: {exc}"]) from exc
    return result
