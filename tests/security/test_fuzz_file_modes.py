"""Fuzzing the JSON files the platform reads, with hypothesis.

- the event file of ``distretto events schedule`` (docs/scheduler-file-format.md);
- the problem file of ``distretto consortium build --input`` (docs/consortium-file-format.md);
- the idea file of ``distretto consortium build --call --idea``;
- a call's rules document (docs/call-rules-format.md), through the call service.

The documents are the documented examples with a few random changes (a key dropped, a
value replaced by any JSON value or by a wrong type), random JSON, and broken text. The
properties: nothing raises but the command's ``CommandError`` (or the format's own error)
with a message; on an error no output file is written (nor a temporary one left), and the
database is unchanged; a document that is accepted gives a well-formed answer.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from distretto.calls import services as call_services
from distretto.calls.domain.builder import BuildInputError
from distretto.calls.domain.problem_io import run_file
from distretto.calls.domain.rules import RulesError, parse_rules, rules_to_json
from distretto.calls.models import Call, ConsortiumDraft
from tests import factories

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DOCS = Path(__file__).resolve().parents[2] / "docs"


def json_block(document: str, section: str = "") -> Any:
    text = (DOCS / document).read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text[text.index(section) :] if section else text, re.S)
    assert block is not None
    return json.loads(block.group(1))


SCHEDULE_EXAMPLE = json_block("scheduler-file-format.md")
PROBLEM_EXAMPLE = json_block("consortium-file-format.md", "## File mode")
IDEA_EXAMPLE = json_block("consortium-file-format.md", "## Over the registry")
RULES_EXAMPLE = json_block("call-rules-format.md", "## A complete example")

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1, 2**31, 1e308, "", "x", "09:00", "\x00", "<script>", "∞"]),
    st.text(max_size=12),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (the root is ``()``)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def strings(value: Any) -> list[str]:
    """Every text in a JSON document (ids, codes), to swap one for another."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in strings(item)] + (
        list(value) if isinstance(value, dict) else []
    )


def like(draw: st.DrawFn, value: Any, texts: list[str]) -> Any:
    """A value of the same kind as ``value``: another number, another of the file's texts,
    a shorter list. Such changes often leave the document valid, and so reach the solver."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.integers(-2, 60))
    if isinstance(value, float):
        return draw(st.floats(-1, 100, allow_nan=False))
    if isinstance(value, str):
        return draw(st.sampled_from(texts))
    if isinstance(value, list) and value:
        return draw(st.lists(st.sampled_from(value), max_size=len(value) + 1))
    return value


@st.composite
def mutated(draw: st.DrawFn, example: Any) -> Any:
    """``example`` with up to three changes: a key dropped, a value replaced by one of the
    same kind, or by any JSON value."""
    document = json.loads(json.dumps(example))
    texts = strings(document) or ["x"]
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(paths(document)))
        if not where:
            return draw(JSON)
        parent = document
        for step in where[:-1]:
            parent = parent[step]
        key = where[-1]
        how = draw(st.sampled_from(["drop", "like", "like", "any"]))
        if how == "drop" and isinstance(parent, dict):
            del parent[key]
        elif how == "like":
            parent[key] = like(draw, parent[key], texts)
        else:
            parent[key] = draw(JSON)
    return document


def documents(example: Any) -> st.SearchStrategy[str]:
    """The text of a file: a changed example (mostly), any JSON value, or broken JSON."""
    as_text = st.one_of(
        mutated(example).map(json.dumps),
        JSON.map(json.dumps),
        st.just(json.dumps(example)).flatmap(
            lambda text: st.integers(0, len(text) - 1).map(lambda n: text[:n])
        ),
        st.text(max_size=40),
        st.sampled_from(["NaN", '{"tables": Infinity}', "[" * 5000, "\ufeff{}"]),
    )
    return as_text


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def no_output(tmp_path: Path, name: str) -> None:
    assert not (tmp_path / name).exists()
    assert list(tmp_path.glob(f".{name}.*")) == []  # no temporary file left either


# --- the scheduler's file ---------------------------------------------------------------------


@FUZZ
@given(text=documents(SCHEDULE_EXAMPLE))
def test_schedule_file_answers_a_schedule_or_a_command_error(tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("schedule")
    source = write(tmp_path, "event.json", text)
    target = tmp_path / "schedule.json"
    try:
        call_command(
            "events_schedule", input=str(source), output=str(target), time_limit=0.5, stdout=None
        )
    except CommandError as exc:
        event("refused")
        assert str(exc).strip()
        no_output(tmp_path, "schedule.json")
        return
    event("scheduled")
    output = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(output, dict)


# --- the consortium builder's files -----------------------------------------------------------


@FUZZ
@given(text=documents(PROBLEM_EXAMPLE))
def test_problem_file_answers_consortia_or_its_own_error(tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("problem")
    source = write(tmp_path, "problem.json", text)
    target = tmp_path / "consortia.json"
    try:
        run_file(source, target, time_limit=0.5)
    except BuildInputError as exc:
        event("refused")
        assert exc.messages
        assert all(message.strip() for message in exc.messages)
        no_output(tmp_path, "consortia.json")
        return
    event("built")
    assert isinstance(json.loads(target.read_text(encoding="utf-8")), dict)


@pytest.fixture
def call(db):
    """A small registry and a call to build consortia for."""
    segment = factories.TaxonomyFactory(slug="segment")
    codes = [factories.CodeFactory(taxonomy=segment, code=c) for c in ("dialysis", "sensors")]
    municipality = factories.MunicipalityFactory()
    for n in range(4):
        org = factories.OrganisationFactory(name=f"Firm {n}", slug=f"firm-{n}")
        factories.SiteFactory(organisation=org, municipality=municipality)
        org.codes.add(codes[n % 2])
    facilitator = factories.UserFactory(username="fuzz-facilitator", is_facilitator=True)
    from datetime import timedelta

    from django.utils import timezone

    return call_services.save_call(
        facilitator,
        {
            "programme": "Fuzz programme",
            "title": "Fuzz call",
            "slug": "fuzz-call",
            "closes_on": timezone.localdate() + timedelta(days=30),
            "rules": {"partners": {"min": 2}},
            "status": "published",
        },
    )


@FUZZ
@given(text=documents(IDEA_EXAMPLE))
def test_idea_file_answers_consortia_or_a_command_error(call, tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("idea")
    idea = write(tmp_path, "idea.json", text)
    before = (Call.objects.count(), ConsortiumDraft.objects.count())
    out = io.StringIO()
    try:
        call_command(
            "consortium_build",
            call=call.slug,
            idea=str(idea),
            json=True,
            time_limit=0.5,
            stdout=out,
        )
    except CommandError as exc:
        event("refused")
        assert str(exc).strip()
    else:
        event("built")
        assert isinstance(json.loads(out.getvalue()), dict)
    assert (Call.objects.count(), ConsortiumDraft.objects.count()) == before


# --- a call's rules ---------------------------------------------------------------------------


@settings(FUZZ, max_examples=150)
@given(document=st.one_of(mutated(RULES_EXAMPLE), JSON))
def test_rules_parse_or_list_their_problems(document):
    try:
        rules = parse_rules(document)
    except RulesError as exc:
        event("refused")
        assert exc.problems
        assert all(problem.describe("en").strip() for problem in exc.problems)
        assert all(problem.describe("it").strip() for problem in exc.problems)
        return
    event("accepted")
    assert parse_rules(rules_to_json(rules)) == rules  # the documented round trip


@FUZZ
@given(document=st.one_of(mutated(RULES_EXAMPLE), JSON))
# A NUL in a custom rule was a server error on PostgreSQL (it cannot store NUL in JSON).
@example(document={"custom": [{"id": "a", "field": "f\x00", "op": "==", "value": "x\x00"}]})
def test_saving_a_call_with_any_rules_saves_all_or_nothing(call, document):
    facilitator = factories.UserFactory.build(is_facilitator=True)
    facilitator.save()
    before = list(Call.objects.values_list("pk", "rules"))
    try:
        saved = call_services.save_call(
            facilitator,
            {
                "programme": "P",
                "title": "Rules fuzz",
                "slug": "rules-fuzz",
                "closes_on": call.closes_on,
                "rules": document,
                "status": "draft",
            },
        )
    except ValidationError as exc:
        event("refused")
        assert exc.message_dict.get("rules") or exc.messages
        assert list(Call.objects.values_list("pk", "rules")) == before
        return
    event("saved")
    assert Call.objects.count() == len(before) + 1
    saved.delete()
