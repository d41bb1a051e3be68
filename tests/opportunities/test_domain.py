"""The pure rules of profiles: the workflow graph and the field checks."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from distretto.opportunities.domain import validation, workflow
from distretto.opportunities.domain.workflow import Actor
from distretto.opportunities.enums import ProfileStatus, ProfileType

ALLOWED = {
    ("draft", "review"),
    ("review", "draft"),
    ("review", "published"),
    ("published", "on_hold"),
    ("on_hold", "published"),
    ("published", "expired"),
    ("on_hold", "expired"),
    ("draft", "archived"),
    ("review", "archived"),
    ("published", "archived"),
    ("on_hold", "archived"),
    ("expired", "archived"),
    ("expired", "review"),
}

statuses = st.sampled_from(workflow.STATUSES)
actors = st.sampled_from(list(Actor))


def test_domain_statuses_are_the_model_choices():
    assert list(workflow.STATUSES) == list(ProfileStatus.values)
    assert validation.RD_PARTNER_REQUEST in ProfileType.values


@given(statuses, statuses, actors)
def test_no_move_outside_the_allowed_graph(current, target, actor):
    if workflow.may_move(current, target, actor):
        assert (current, target) in ALLOWED


@given(st.lists(st.tuples(statuses, actors), max_size=20))
def test_any_sequence_of_moves_stays_on_the_graph(attempts):
    status = workflow.DRAFT
    for target, actor in attempts:
        if workflow.may_move(status, target, actor):
            assert (status, target) in ALLOWED
            status = target
    assert status in workflow.STATUSES


@given(statuses)
def test_only_facilitators_publish_and_only_the_clock_expires(current):
    assert workflow.may_move(current, "published", Actor.OWNER) is False
    assert workflow.may_move(current, "expired", Actor.FACILITATOR) is False
    assert workflow.may_move(current, "expired", Actor.OWNER) is False


def test_owner_targets_from_each_status():
    assert {s: workflow.targets(s, Actor.OWNER) for s in workflow.STATUSES} == {
        "draft": ["review"],
        "review": ["draft"],
        "published": [],
        "on_hold": [],
        "expired": ["review"],
        "archived": [],
    }


def test_archived_is_final():
    assert [workflow.targets("archived", actor) for actor in Actor] == [[], [], []]


def test_call_fields_refused_on_other_types_naming_each_field():
    problems = validation.check_call_fields(
        "technology_offer", {"call_programme": "Horizon Europe", "call_budget": 10, "call_link": ""}
    )
    assert [p.field for p in problems] == ["call_programme", "call_budget"]


def test_rd_request_needs_a_call_deadline_after_the_interest_deadline():
    assert validation.check_call_fields("rd_partner_request", {}) == [
        validation.Problem("call_deadline", "An R&D partner request needs the call's deadline.")
    ]
    problems = validation.check_call_fields(
        "rd_partner_request",
        {"call_deadline": date(2027, 1, 10), "call_interest_deadline": date(2027, 2, 1)},
    )
    assert [p.field for p in problems] == ["call_interest_deadline"]


def test_expiry_in_the_past_is_refused_today_is_fine():
    today = date(2026, 11, 22)
    assert [p.field for p in validation.check_expiry(date(2026, 11, 21), today)] == ["expires_on"]
    assert validation.check_expiry(today, today) == []
    assert [p.field for p in validation.check_expiry(None, today)] == ["expires_on"]


@given(st.lists(st.sampled_from(["a", "b", "x", "y"])))
def test_unknown_choices_are_exactly_those_not_allowed(values):
    unknown = validation.unknown_choices(values, ["a", "b"])
    assert set(unknown) == set(values) - {"a", "b"}
    assert len(unknown) == len(set(unknown))


def test_domain_imports_nothing_from_django():
    import ast
    from pathlib import Path

    import distretto.opportunities.domain as package

    imported = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert "distretto" not in imported
