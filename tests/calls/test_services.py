"""Funding calls through the services: rules validated on saving, eligibility on real records."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from distretto.calls import services
from tests import factories

pytestmark = pytest.mark.django_db

RULES = {
    "partners": {"min": 2, "max": 3},
    "counts": [{"what": "research", "min": 1}],
    "coordinator": ["enterprises"],
    "independence": {"max_per_group": 1},
}


def call_data(**overrides):
    data = {
        "programme": "Regional call",
        "title": "Biomedical R&D partnerships",
        "slug": "biomedical-rd",
        "opens_on": date(2027, 1, 10),
        "closes_on": date(2027, 3, 31),
        "rules": RULES,
        "status": "published",
    }
    data.update(overrides)
    return data


def test_only_facilitators_enter_calls(facilitator, member):
    with pytest.raises(PermissionDenied):
        services.save_call(member, call_data())
    call = services.save_call(facilitator, call_data())
    assert call.pk and call.rules == RULES


def test_bad_rules_are_refused_with_every_problem_in_the_users_language(facilitator):
    bad = {"partners": {"min": 5, "max": 2}, "counts": [{"what": "giants", "min": 1}]}
    with pytest.raises(ValidationError) as raised:
        services.save_call(facilitator, call_data(rules=bad))
    messages = raised.value.message_dict["rules"]
    assert any(m.startswith("counts[0].what") for m in messages)
    with translation.override("it"), pytest.raises(ValidationError) as italian:
        services.save_call(facilitator, call_data(rules={"partners": {"min": 5, "max": 2}}))
    (message,) = italian.value.message_dict["rules"]
    assert message.startswith("partners") and "massimo" in message.lower()
    assert not services.Call.objects.exists()


def test_dates_and_regions_are_checked(facilitator):
    with pytest.raises(ValidationError) as raised:
        services.save_call(
            facilitator,
            call_data(closes_on=date(2027, 1, 1), eligible_regions="ITH5, emilia"),
        )
    assert set(raised.value.message_dict) == {"closes_on", "eligible_regions"}


def test_eligibility_on_registry_records(facilitator):
    call = services.save_call(facilitator, call_data())
    group = factories.OrganisationFactory(name="Group Holding", kind="large_company")
    firm = factories.OrganisationFactory(name="Firm One", kind="sme", parent=group)
    sister = factories.OrganisationFactory(name="Firm Two", kind="sme", parent=group)
    lab = factories.OrganisationFactory(name="Lab", kind="university")
    checks = services.check_eligibility(call, [firm, lab], firm)
    assert all(c.status == "pass" for c in checks), [c.text_en for c in checks]
    failing = services.check_eligibility(call, [firm, sister, lab, group], lab)
    failed = {c.id for c in failing if c.status == "fail"}
    assert failed == {"partners.max", "coordinator", "independence"}
    with translation.override("en"):
        texts = [services.check_text(c) for c in failing if c.id == "independence"]
    assert "Firm One" in texts[0] and "Firm Two" in texts[0]
    with pytest.raises(ValidationError) as raised:
        services.check_eligibility(call, [firm], lab)
    assert list(raised.value.message_dict) == ["coordinator"]


def test_the_mirandola_dataset_brings_the_calls_of_the_facts_sheet():
    from distretto.calls.domain import rules
    from distretto.calls.models import Call
    from distretto.registry.dataset import load_dataset

    first = load_dataset("mirandola")
    assert first.tallies["calls.Call"].created == 2
    calls = {c.slug: c for c in Call.objects.all()}
    assert set(calls) == {"distretti-tecnologici-1", "distretti-tecnologici-2"}
    assert all(c.source and c.status == "archived" for c in calls.values())
    parsed = rules.parse_rules(calls["distretti-tecnologici-1"].rules)
    assert (parsed.min_partners, [c.id for c in parsed.custom]) == (2, ["enterprises-only"])
    again = load_dataset("mirandola")
    assert (again.tallies["calls.Call"].created, again.tallies["calls.Call"].unchanged) == (0, 2)
    Call.objects.filter(slug="distretti-tecnologici-2").update(title="Edited")
    third = load_dataset("mirandola")
    assert third.tallies["calls.Call"].kept == 1
    assert Call.objects.get(slug="distretti-tecnologici-2").title == "Edited"
