"""The rules of a funding call: the JSON document, its problems and contradictions, eligibility."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distretto.calls.domain.model import (
    Candidate,
    CofundingRate,
    Consortium,
    CountRule,
    CustomRule,
    RegionRule,
    RuleSet,
    ShareRule,
)
from distretto.calls.domain.rules import (
    KINDS,
    Problem,
    RuleCheck,
    RulesError,
    check_eligibility,
    is_eligible,
    parse_rules,
    rules_to_json,
    validate_rules,
)

FULL = {
    "partners": {"min": 3, "max": 10},
    "counts": [
        {"what": "enterprises", "min": 2},
        {"what": "smes", "min": 1},
        {"what": "research", "min": 1, "max": 3},
    ],
    "coordinator": ["enterprises"],
    "regions": [{"nuts": ["ITH5"], "all": True}],
    "independence": {"max_per_group": 1},
    "shares": [
        {"what": "all", "max_share": 0.5, "per_partner": True},
        {"what": "research", "max_share": 0.3, "per_partner": False},
    ],
    "cofunding": [{"what": "smes", "rate": 0.5}, {"what": "research", "rate": 0.8}],
    "custom": [
        {
            "id": "founded-before-2020",
            "field": "founded",
            "op": "<=",
            "value": 2020,
            "applies_to": "all",
            "text_it": "Fondata entro il 2020",
            "text_en": "Founded by 2020",
        }
    ],
}


def cand(
    id: str,
    kind: str,
    nuts: str = "ITH54",
    *,
    name: str | None = None,
    group: str = "",
    sme: bool | None = None,
    **fields: Any,
) -> Candidate:
    return Candidate(
        id=id,
        name=name or id.capitalize(),
        kind=kind,
        is_sme=kind in ("sme", "startup") if sme is None else sme,
        nuts=nuts,
        group=group,
        fields=fields,
    )


POOL = {
    c.id: c
    for c in [
        cand("eurosets", "sme", name="Eurosets", founded=1991),
        cand("bellco", "large_company", name="Bellco", group="medtronic", founded=1972),
        cand("unimore", "university", name="Unimore", founded=1175),
        cand("acme", "sme", "DE21", name="Acme GmbH", group="medtronic", founded=2021),
        cand("policlinico", "hospital", "ITH55", name="Policlinico"),
        cand("nowhere", "startup", "", name="Nowhere", founded=2022),
    ]
}


def check(rules: RuleSet, partners: list[str], budgets: dict[str, float] | None = None, **kw):
    consortium = Consortium(tuple(partners), partners[0], budgets or {})
    return {c.id: c for c in check_eligibility(consortium, POOL, rules, **kw)}


def one(rules: RuleSet, partners: list[str], budgets: dict[str, float] | None = None) -> RuleCheck:
    checks = check(rules, partners, budgets)
    assert len(checks) == 1
    return next(iter(checks.values()))


# --- parsing --------------------------------------------------------------------------------------


def test_the_full_example_parses_to_every_kind_of_rule():
    assert parse_rules(FULL) == RuleSet(
        min_partners=3,
        max_partners=10,
        counts=(
            CountRule("enterprises", min=2),
            CountRule("smes", min=1),
            CountRule("research", min=1, max=3),
        ),
        coordinator=("enterprises",),
        regions=(RegionRule(("ITH5",), all=True),),
        max_per_group=1,
        shares=(ShareRule("all", 0.5, True), ShareRule("research", 0.3, False)),
        cofunding=(CofundingRate("smes", 0.5), CofundingRate("research", 0.8)),
        custom=(
            CustomRule(
                "founded-before-2020",
                "founded",
                "<=",
                2020,
                "all",
                None,
                "Fondata entro il 2020",
                "Founded by 2020",
            ),
        ),
    )


def test_an_empty_document_is_a_call_without_rules():
    assert parse_rules({}) == RuleSet()
    assert rules_to_json(RuleSet()) == {}


def test_defaults_and_the_other_forms_of_each_rule():
    rules = parse_rules(
        {
            "partners": {"max": 4},
            "counts": [{"what": "kind:hospital", "max": 1}],
            "coordinator": ["kind:university", "smes"],
            "regions": [{"nuts": ["IT", "DE21"], "min": 2}],
            "shares": [{"what": "kind:startup", "max_share": 1}],
            "cofunding": [{"what": "all", "rate": 0}],
            "custom": [
                {"id": "iso", "field": "iso13485", "op": "==", "value": True},
                {
                    "id": "staff",
                    "field": "staff_band",
                    "op": "in",
                    "value": ["10-49", "50-249"],
                    "applies_to": "at_least",
                    "min": 2,
                },
                {
                    "id": "c.1",
                    "field": "country",
                    "op": "!=",
                    "value": "RU",
                    "applies_to": "coordinator",
                },
            ],
        }
    )
    assert rules.min_partners is None and rules.max_partners == 4
    assert rules.counts == (CountRule("kind:hospital", max=1),)
    assert rules.coordinator == ("kind:university", "smes")
    assert rules.regions == (RegionRule(("IT", "DE21"), min=2),)
    assert rules.shares == (ShareRule("kind:startup", 1.0, per_partner=True),)
    assert rules.cofunding == (CofundingRate("all", 0.0),)
    assert rules.custom[0] == CustomRule("iso", "iso13485", "==", True)
    assert rules.custom[1].value == ("10-49", "50-249") and rules.custom[1].min == 2
    assert rules.custom[2].applies_to == "coordinator"


def test_the_examples_of_the_format_documentation_are_valid():
    text = (Path(__file__).resolve().parents[2] / "docs" / "call-rules-format.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    assert len(blocks) >= 9
    for block in blocks:
        rules = parse_rules(json.loads(block))
        assert parse_rules(rules_to_json(rules)) == rules
    assert rules_to_json(parse_rules(json.loads(blocks[-1]))) == json.loads(blocks[-1])


def test_rules_to_json_writes_the_document_back():
    assert rules_to_json(parse_rules(FULL)) == FULL


# Each bad document, the path of its problem, and a piece of the English and Italian messages.
PROBLEMS = [
    ([], "", "must be a JSON object", "deve essere un oggetto JSON"),
    ({"bonus": 1}, "bonus", "unknown key 'bonus'", "chiave sconosciuta «bonus»"),
    ({"partners": []}, "partners", "must be a JSON object", "deve essere un oggetto JSON"),
    ({"partners": {}}, "partners", "give min, max or both", "indicare min, max o entrambi"),
    (
        {"partners": {"min": 1, "mn": 1}},
        "partners.mn",
        "unknown key 'mn'; allowed: min, max",
        "ammesse: min",
    ),
    ({"partners": {"min": -1}}, "partners.min", "must not be negative", "non può essere negativo"),
    ({"partners": {"max": 2.5}}, "partners.max", "must be a whole number", "numero intero"),
    ({"partners": {"max": True}}, "partners.max", "must be a whole number", "numero intero"),
    ({"counts": {}}, "counts", "must be a JSON list", "deve essere una lista JSON"),
    ({"counts": [3]}, "counts[0]", "must be a JSON object", "oggetto JSON"),
    ({"counts": [{"min": 1}]}, "counts[0].what", "required", "obbligatorio"),
    ({"counts": [{"what": "smes"}]}, "counts[0]", "give min, max or both", "indicare min, max"),
    (
        {"counts": [{"what": "firms", "min": 1}]},
        "counts[0].what",
        "unknown partner category 'firms'",
        "categoria sconosciuta «firms»",
    ),
    (
        {"counts": [{"what": "kind:bank", "min": 1}]},
        "counts[0].what",
        "unknown partner category 'kind:bank'",
        "categoria sconosciuta «kind:bank»",
    ),
    (
        {"counts": [{"what": "smes", "max": -2}]},
        "counts[0].max",
        "must not be negative",
        "negativo",
    ),
    ({"counts": [{"what": "smes", "min": 1, "n": 1}]}, "counts[0].n", "unknown key 'n'", "«n»"),
    ({"coordinator": "enterprises"}, "coordinator", "must be a JSON list", "lista JSON"),
    ({"coordinator": ["banks"]}, "coordinator[0]", "unknown partner category", "categoria"),
    ({"coordinator": ["smes", "smes"]}, "coordinator[1]", "already in the list", "già nella"),
    ({"regions": [{"all": True}]}, "regions[0].nuts", "required", "obbligatorio"),
    ({"regions": [{"nuts": [], "all": True}]}, "regions[0].nuts", "at least one NUTS", "almeno un"),
    (
        {"regions": [{"nuts": ["Emilia"], "all": True}]},
        "regions[0].nuts[0]",
        "'Emilia' is not a NUTS code",
        "«Emilia» non è un codice NUTS",
    ),
    ({"regions": [{"nuts": ["ITH5"]}]}, "regions[0]", 'give "all": true', "indicare «all»"),
    ({"regions": [{"nuts": ["ITH5"], "all": False}]}, "regions[0]", 'give "all"', "oppure min"),
    (
        {"regions": [{"nuts": ["ITH5"], "all": True, "min": 1}]},
        "regions[0]",
        "not both",
        "entrambi",
    ),
    ({"regions": [{"nuts": ["ITH5"], "all": "yes"}]}, "regions[0].all", "true or false", "true o"),
    ({"regions": [{"nuts": ["ITH5"], "min": -1}]}, "regions[0].min", "not be negative", "negativo"),
    ({"independence": {}}, "independence.max_per_group", "required", "obbligatorio"),
    (
        {"independence": {"max_per_group": 0}},
        "independence.max_per_group",
        "at least 1",
        "almeno 1",
    ),
    ({"independence": 1}, "independence", "must be a JSON object", "oggetto JSON"),
    ({"shares": [{"what": "all"}]}, "shares[0].max_share", "required", "obbligatorio"),
    (
        {"shares": [{"what": "all", "max_share": 50}]},
        "shares[0].max_share",
        "must be a number from 0 to 1",
        "deve essere un numero da 0 a 1",
    ),
    ({"shares": [{"what": "all", "max_share": -0.1}]}, "shares[0].max_share", "0 to 1", "da 0 a 1"),
    (
        {"shares": [{"what": "all", "max_share": "0.5"}]},
        "shares[0].max_share",
        "0 to 1",
        "da 0 a 1",
    ),
    (
        {"shares": [{"what": "all", "max_share": 0.5, "per_partner": 1}]},
        "shares[0].per_partner",
        "must be true or false",
        "deve essere true o false",
    ),
    ({"cofunding": [{"what": "smes", "rate": 1.2}]}, "cofunding[0].rate", "0 to 1", "da 0 a 1"),
    ({"cofunding": [{"rate": 0.5}]}, "cofunding[0].what", "required", "obbligatorio"),
    ({"cofunding": [{"what": "smes"}]}, "cofunding[0].rate", "required", "obbligatorio"),
    ({"custom": [{"field": "f", "op": "==", "value": 1}]}, "custom[0].id", "required", "obblig"),
    (
        {"custom": [{"id": "has space", "field": "f", "op": "==", "value": 1}]},
        "custom[0].id",
        "must be a short code",
        "deve essere un codice breve",
    ),
    (
        {
            "custom": [
                {"id": "a", "field": "f", "op": "==", "value": 1},
                {"id": "a", "field": "g", "op": "==", "value": 2},
            ]
        },
        "custom[1].id",
        "id 'a' is already used by custom[0]",
        "l'id «a» è già usato da custom[0]",
    ),
    ({"custom": [{"id": "a", "op": "==", "value": 1}]}, "custom[0].field", "required", "obblig"),
    (
        {"custom": [{"id": "a", "field": "", "op": "==", "value": 1}]},
        "custom[0].field",
        "name",
        "nome",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "~=", "value": 1}]},
        "custom[0].op",
        "unknown operator '~='",
        "operatore sconosciuto «~=»",
    ),
    ({"custom": [{"id": "a", "field": "f", "op": "=="}]}, "custom[0].value", "required", "obblig"),
    (
        {"custom": [{"id": "a", "field": "f", "op": "in", "value": "ISO"}]},
        "custom[0].value",
        "with 'in' and 'not in' it must be a list",
        "con «in» e «not in» deve essere una lista",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "<", "value": True}]},
        "custom[0].value",
        "with '<' it must be a number or a string",
        "con «<» deve essere un numero o un testo",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": None}]},
        "custom[0].value",
        "must be a string, a number or true/false",
        "deve essere un testo, un numero o true/false",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": 1, "applies_to": "most"}]},
        "custom[0].applies_to",
        "unknown value 'most'",
        "valore sconosciuto «most»",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": 1, "applies_to": "at_least"}]},
        "custom[0].min",
        "required",
        "obbligatorio",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": 1, "min": 2}]},
        "custom[0].min",
        'min only goes with "applies_to": "at_least"',
        "min vale solo con «applies_to»: «at_least»",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": 1, "text_it": 3}]},
        "custom[0].text_it",
        "must be a string",
        "deve essere un testo",
    ),
    (
        {"custom": [{"id": "a", "field": "f", "op": "==", "value": 1, "note": ""}]},
        "custom[0].note",
        "unknown key 'note'",
        "chiave sconosciuta «note»",
    ),
]


@pytest.mark.parametrize(("document", "path", "english", "italian"), PROBLEMS)
def test_each_problem_names_its_path_in_both_languages(document, path, english, italian):
    with pytest.raises(RulesError) as error:
        parse_rules(document)
    problems = error.value.problems
    assert [p.path for p in problems] == [path], problems
    assert english in problems[0].message_en
    assert italian in problems[0].message_it


def test_all_problems_are_collected_and_raised_once():
    document = {
        "partners": {"min": -1, "max": "ten"},
        "counts": [{"what": "firms", "min": 1}, {"what": "smes"}],
        "shares": [{"what": "all", "max_share": 2}],
        "cofunding": [{"what": "smes", "rate": -1}],
        "custom": [{"field": "f", "op": "≈", "value": 1}],
        "extra": True,
    }
    with pytest.raises(RulesError) as error:
        parse_rules(document)
    assert isinstance(error.value, ValueError)
    assert sorted(p.path for p in error.value.problems) == sorted(
        [
            "extra",
            "partners.min",
            "partners.max",
            "counts[0].what",
            "counts[1]",
            "shares[0].max_share",
            "cofunding[0].rate",
            "custom[0].id",
            "custom[0].op",
        ]
    )
    assert "partners.min: must not be negative" in str(error.value)
    assert error.value.problems[0].describe("it").startswith(error.value.problems[0].path)


# --- contradictions -------------------------------------------------------------------------------

CONTRADICTIONS = [
    (
        {"partners": {"min": 5, "max": 3}},
        "partners.min",
        "the minimum number of partners (5) is above the maximum (3)",
        "il minimo di partner (5) supera il massimo (3)",
    ),
    (
        {"partners": {"max": 0}},
        "partners.max",
        "at least one partner, its coordinator",
        "almeno un partner, il coordinatore",
    ),
    (
        {"counts": [{"what": "smes", "min": 3, "max": 2}]},
        "counts[0].min",
        "the minimum number of SMEs (3) is above the maximum (2)",
        "il minimo di PMI (3) supera il massimo (2)",
    ),
    (
        {"partners": {"max": 3}, "counts": [{"what": "enterprises", "min": 4}]},
        "counts[0].min",
        "at least 4 enterprises are needed, but at most 3 partners are allowed",
        "servono almeno 4 imprese, ma si ammettono al massimo 3 partner",
    ),
    (
        {"counts": [{"what": "kind:university", "min": 2}, {"what": "research", "max": 1}]},
        "counts[0].min",
        "but counts[1] allows at most 1 research organisation or university",
        "ma counts[1] ammette al massimo 1 organizzazione di ricerca o università",
    ),
    (
        {"coordinator": ["enterprises"], "counts": [{"what": "enterprises", "max": 0}]},
        "coordinator",
        "the coordinator must be one of: enterprises, but counts[0] allows none of them",
        "il coordinatore deve essere tra: imprese, ma counts[0] non ne ammette nessuno",
    ),
    (
        {
            "coordinator": ["kind:startup", "research"],
            "counts": [{"what": "enterprises", "max": 0}, {"what": "research", "max": 0}],
        },
        "coordinator",
        "but counts[0], counts[1] allows none of them",
        "ma counts[0], counts[1] non ne ammette nessuno",
    ),
    (
        {"counts": [{"what": "all", "max": 0}]},
        "counts[0].max",
        "the maximum cannot be 0",
        "il massimo non può essere 0",
    ),
    (
        {"regions": [{"nuts": ["ITH5"], "all": True}, {"nuts": ["DE", "FR"], "all": True}]},
        "regions[1]",
        "no partner can be in both",
        "nessun partner può stare in entrambe",
    ),
    (
        {"regions": [{"nuts": ["ITH5"], "all": True}, {"nuts": ["ITC4"], "min": 1}]},
        "regions[1].min",
        "none can be in Lombardy (ITC4), where at least 1 partner is needed",
        "nessuno può stare in Lombardia (ITC4), dove ne serve almeno 1",
    ),
    (
        {"partners": {"max": 2}, "regions": [{"nuts": ["ITH5"], "min": 3}]},
        "regions[0].min",
        "at least 3 partners in Emilia-Romagna (ITH5) are needed, but at most 2",
        "servono almeno 3 partner in Emilia-Romagna (ITH5), ma se ne ammettono al massimo 2",
    ),
    (
        {"partners": {"max": 3}, "shares": [{"what": "all", "max_share": 0.3}]},
        "shares[0].max_share",
        "with at most 3 partners and 30% of the budget each, the budget can never be split",
        "con al massimo 3 partner e il 30% del budget ciascuno",
    ),
    (
        {"shares": [{"what": "all", "max_share": 0.8, "per_partner": False}]},
        "shares[0].max_share",
        "all partners together always have 100% of the budget, not at most 80%",
        "non al massimo l'80%",
    ),
    (
        {
            "partners": {"max": 2},
            "custom": [
                {
                    "id": "iso",
                    "field": "iso",
                    "op": "==",
                    "value": True,
                    "applies_to": "at_least",
                    "min": 3,
                }
            ],
        },
        "custom[0].min",
        "at least 3 partners must meet rule 'iso', but at most 2 partners are allowed",
        "servono almeno 3 partner che rispettino la regola «iso»",
    ),
]


@pytest.mark.parametrize(("document", "path", "english", "italian"), CONTRADICTIONS)
def test_each_contradiction_is_named_in_both_languages(document, path, english, italian):
    with pytest.raises(RulesError) as error:
        parse_rules(document)
    problems = error.value.problems
    assert [p.path for p in problems] == [path], problems
    assert english in problems[0].message_en
    assert italian in problems[0].message_it


@pytest.mark.parametrize(
    "document",
    [
        # An SME is an enterprise: three of each fit in three partners.
        {
            "partners": {"max": 3},
            "counts": [{"what": "enterprises", "min": 3}, {"what": "smes", "min": 3}],
        },
        # SMEs by size need not be enterprises, so no enterprise at all is possible.
        {"coordinator": ["smes"], "counts": [{"what": "enterprises", "max": 0}]},
        # Some coordinator category stays allowed.
        {"coordinator": ["smes", "research"], "counts": [{"what": "research", "max": 0}]},
        {"regions": [{"nuts": ["IT"], "all": True}, {"nuts": ["ITH54"], "all": True}]},
        {"regions": [{"nuts": ["ITH5"], "all": True}, {"nuts": ["DE"], "min": 0}]},
        {"partners": {"max": 2}, "shares": [{"what": "all", "max_share": 0.5}]},
        {"partners": {"max": 2}, "shares": [{"what": "smes", "max_share": 0.1}]},
        {"shares": [{"what": "all", "max_share": 1, "per_partner": False}]},
        {"shares": [{"what": "all", "max_share": 0.01}]},
        {"partners": {"min": 3, "max": 3}, "counts": [{"what": "smes", "min": 3, "max": 3}]},
    ],
)
def test_what_may_be_met_is_no_contradiction(document):
    rules = parse_rules(document)
    assert validate_rules(rules) == []


def test_validate_rules_works_on_rule_sets_made_in_code():
    problems = validate_rules(RuleSet(min_partners=4, max_partners=2, max_per_group=0))
    assert [p.path for p in problems] == ["partners.min", "independence.max_per_group"]
    assert all(isinstance(p, Problem) and p.message_it and p.message_en for p in problems)


# --- eligibility ----------------------------------------------------------------------------------


def test_partner_counts_pass_fail_and_bind():
    rules = RuleSet(min_partners=3, max_partners=3)
    checks = check(rules, ["eurosets", "bellco", "unimore"])
    assert [(c.id, c.status, c.binding) for c in checks.values()] == [
        ("partners.min", "pass", True),
        ("partners.max", "pass", True),
    ]
    assert (
        checks["partners.min"].text_en
        == "3 partners, at least 3 needed: Eurosets, Bellco, Unimore."
    )
    assert (
        checks["partners.min"].text_it
        == "3 partner, ne servono almeno 3: Eurosets, Bellco, Unimore."
    )
    checks = check(rules, ["eurosets", "bellco"])
    assert checks["partners.min"].status == "fail"
    assert (
        checks["partners.min"].text_en == "Fails: 2 partners, at least 3 needed: Eurosets, Bellco."
    )
    assert checks["partners.min"].text_it.startswith(
        "Non soddisfatta: 2 partner, ne servono almeno 3"
    )
    assert (checks["partners.max"].status, checks["partners.max"].binding) == ("pass", False)
    checks = check(rules, ["eurosets", "bellco", "unimore", "acme"])
    assert checks["partners.max"].status == "fail"
    assert checks["partners.max"].text_en.startswith("Fails: 4 partners, at most 3 allowed: ")


def test_counts_name_the_partners_they_count():
    rules = RuleSet(counts=(CountRule("enterprises", min=2),))
    result = one(rules, ["eurosets", "bellco", "unimore"])
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en == "2 enterprises, at least 2 needed: Eurosets, Bellco."
    assert result.text_it == "2 imprese, ne servono almeno 2: Eurosets, Bellco."
    assert result.partners == ("eurosets", "bellco")
    result = one(rules, ["eurosets", "unimore"])
    assert result.status == "fail"
    assert result.text_en == "Fails: 1 enterprise, at least 2 needed: Eurosets."
    assert result.text_it == "Non soddisfatta: 1 impresa, ne servono almeno 2: Eurosets."
    result = one(RuleSet(counts=(CountRule("research", min=1, max=3),)), ["eurosets"])
    assert result.status == "fail"
    assert (
        result.text_en == "Fails: 0 research organisations or universities, between 1 and 3 needed."
    )
    result = one(RuleSet(counts=(CountRule("kind:hospital", max=0),)), ["eurosets", "policlinico"])
    assert result.status == "fail"
    assert result.text_en == "Fails: 1 hospital or health facility, at most 0 allowed: Policlinico."
    result = one(RuleSet(counts=(CountRule("smes", max=2),)), ["eurosets", "acme", "bellco"])
    assert (result.status, result.binding) == ("pass", True)
    result = one(RuleSet(counts=(CountRule("kind:university", 1, 1),)), ["eurosets", "unimore"])
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en == "1 university, exactly 1 needed: Unimore."
    assert result.text_it == "1 università, ne serve esattamente 1: Unimore."


def test_the_coordinator_must_be_of_an_allowed_category():
    rules = RuleSet(coordinator=("enterprises", "research"))
    result = one(rules, ["bellco", "unimore"])
    assert (result.status, result.partners) == ("pass", ("bellco",))
    assert result.text_en == "The coordinator Bellco (large company) is among: enterprises."
    result = one(rules, ["policlinico", "bellco"])
    assert result.status == "fail"
    assert result.text_en == (
        "Fails: the coordinator Policlinico (hospital or health facility) is none of: "
        "enterprises; research organisations or universities."
    )
    assert result.text_it == (
        "Non soddisfatta: il coordinatore Policlinico (ospedale o struttura sanitaria) non "
        "rientra tra: imprese; organizzazioni di ricerca o università."
    )


def test_regions_all_names_the_partners_outside():
    rules = RuleSet(regions=(RegionRule(("ITH5",), all=True),))
    result = one(rules, ["eurosets", "acme", "unimore"])
    assert result.status == "fail"
    assert result.text_en == "Fails: 1 partner outside Emilia-Romagna (ITH5): Acme GmbH (DE21)."
    assert result.text_it == (
        "Non soddisfatta: 1 partner fuori da Emilia-Romagna (ITH5): Acme GmbH (DE21)."
    )
    result = one(rules, ["eurosets", "policlinico"])
    assert (result.status, result.binding) == ("pass", False)
    assert "Eurosets (ITH54), Policlinico (ITH55)" in result.text_en
    result = one(rules, ["eurosets", "nowhere"])
    assert result.status == "not_checked"
    assert result.text_en == (
        "Not checked: location unknown for Nowhere (location unknown); "
        "the other partners are in Emilia-Romagna (ITH5)."
    )
    # A definite partner outside fails even when another location is unknown.
    assert one(rules, ["nowhere", "acme"]).status == "fail"


def test_regions_min_counts_partners_inside():
    rules = RuleSet(regions=(RegionRule(("ITH5", "ITC4"), min=2),))
    result = one(rules, ["eurosets", "acme", "unimore"])
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en == (
        "2 partners in Emilia-Romagna (ITH5) or Lombardy (ITC4), at least 2 needed: "
        "Eurosets (ITH54), Unimore (ITH54)."
    )
    assert result.text_it.startswith("2 partner in Emilia-Romagna (ITH5) o Lombardia (ITC4)")
    result = one(rules, ["eurosets", "acme"])
    assert result.status == "fail"
    result = one(rules, ["eurosets", "nowhere"])
    assert result.status == "not_checked"
    assert "location unknown for Nowhere" in result.text_en
    names = {"ITH5": ("Emilia-Romagna (regione)", "Emilia-Romagna region")}
    consortium = Consortium(("eurosets",), "eurosets")
    [named] = check_eligibility(consortium, POOL, rules, nuts_names=names)
    assert "Emilia-Romagna region (ITH5)" in named.text_en


def test_independence_names_the_groups():
    rules = RuleSet(max_per_group=1)
    result = one(rules, ["eurosets", "bellco", "acme"])
    assert (result.status, result.binding) == ("fail", True)
    assert result.text_en == (
        "Fails: at most 1 partner per group; group medtronic: 2 partners (Bellco, Acme GmbH)."
    )
    assert result.partners == ("bellco", "acme")
    result = one(rules, ["eurosets", "bellco"])
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en.endswith("every partner is in a different group.")
    result = one(RuleSet(max_per_group=3), ["eurosets", "bellco", "acme"])
    assert (result.status, result.binding) == ("pass", False)
    assert "group medtronic: 2 partners (Bellco, Acme GmbH)" in result.text_en
    assert "gruppo medtronic: 2 partner (Bellco, Acme GmbH)" in result.text_it
    assert one(RuleSet(max_per_group=2), ["bellco", "acme"]).binding


def test_group_named_after_a_candidate():
    pool = {
        "parent": cand("parent", "large_company", name="Parent SpA"),
        "child": cand("child", "sme", group="parent", name="Child Srl"),
    }
    [result] = check_eligibility(
        Consortium(("parent", "child"), "parent"), pool, RuleSet(max_per_group=1)
    )
    assert "group Parent SpA: 2 partners (Parent SpA, Child Srl)" in result.text_en


def test_shares_are_not_checked_without_budgets():
    rules = RuleSet(shares=(ShareRule("all", 0.5), ShareRule("research", 0.3, False)))
    checks = check(rules, ["eurosets", "unimore"])
    assert [c.status for c in checks.values()] == ["not_checked", "not_checked"]
    assert checks["shares[0]"].text_en == "Not checked: the consortium has no partner budgets yet."
    assert checks["shares[0]"].text_it == (
        "Non verificata: il consorzio non ha ancora i budget dei partner."
    )
    checks = check(rules, ["eurosets", "unimore"], {"eurosets": 100})
    assert checks["shares[1]"].text_en == "Not checked: no budget for Unimore."
    assert checks["shares[1]"].partners == ("unimore",)
    checks = check(rules, ["eurosets", "unimore"], {"eurosets": 0, "unimore": 0})
    assert checks["shares[0]"].text_en == "Not checked: the total budget is zero."


def test_shares_per_partner():
    rules = RuleSet(shares=(ShareRule("all", 0.5),))
    result = one(
        rules,
        ["eurosets", "bellco", "unimore"],
        {"eurosets": 600_000, "bellco": 300_000, "unimore": 100_000},
    )
    assert result.status == "fail"
    assert result.text_en == (
        "Fails: at most 50% of the budget per partner; above it: "
        "Eurosets 60% (€600,000 of €1,000,000)."
    )
    assert result.text_it == (
        "Non soddisfatta: al massimo il 50% del budget per partner; lo superano: "
        "Eurosets 60% (600.000 € su 1.000.000 €)."
    )
    result = one(rules, ["eurosets", "bellco"], {"eurosets": 500, "bellco": 500})
    assert (result.status, result.binding) == ("pass", True)
    result = one(
        rules, ["eurosets", "bellco", "unimore"], {"eurosets": 0.4, "bellco": 0.3, "unimore": 0.3}
    )
    assert (result.status, result.binding) == ("pass", False)
    assert result.text_en == (
        "At most 50% of the budget per partner; the largest share is Eurosets 40% (€0.40 of €1)."
    )
    result = one(RuleSet(shares=(ShareRule("kind:startup", 0.1),)), ["eurosets"], {"eurosets": 1})
    assert result.status == "pass"
    assert (
        result.text_en == "At most 10% of the budget per start-up: no start-ups in the consortium."
    )
    assert result.text_it == (
        "Al massimo il 10% del budget per start-up: nel consorzio non ci sono start-up."
    )


def test_shares_of_a_category_together():
    rules = RuleSet(shares=(ShareRule("enterprises", 0.8, per_partner=False),))
    budgets = {"eurosets": 500_000, "bellco": 300_000, "unimore": 200_000}
    result = one(rules, ["eurosets", "bellco", "unimore"], budgets)
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en == (
        "At most 80% of the budget for enterprises together: 80% (€800,000 of €1,000,000): "
        "Eurosets, Bellco."
    )
    assert result.text_it.startswith("Al massimo l'80% del budget per imprese insieme: 80%")
    budgets["bellco"] = 400_000
    result = one(rules, ["eurosets", "bellco", "unimore"], budgets)
    assert (result.status, result.binding) == ("fail", False)
    assert result.text_en.startswith(
        "Fails: at most 80% of the budget for enterprises together: 81.8%"
    )


def test_cofunding_states_what_each_partner_gets_by_the_first_matching_rate():
    rules = RuleSet(cofunding=(CofundingRate("smes", 0.5), CofundingRate("enterprises", 0.3)))
    checks = check(rules, ["eurosets", "bellco", "unimore"])
    assert all(c.status == "pass" and not c.binding for c in checks.values())
    assert checks["cofunding[0]"].text_en == "Co-funding: 50% for SMEs: Eurosets."
    assert checks["cofunding[1]"].text_en == (
        "Co-funding: 30% for enterprises: Bellco; under an earlier rate of the list: Eurosets."
    )
    budgets = {"eurosets": 400_000, "bellco": 200_000, "unimore": 100_000}
    checks = check(rules, ["eurosets", "bellco", "unimore", "acme"], budgets | {"acme": 1000.5})
    assert checks["cofunding[0]"].text_en == (
        "Co-funding: 50% for SMEs: Eurosets €200,000 of €400,000; "
        "Acme GmbH €500.25 of €1,000.50 (total €200,500.25)."
    )
    assert checks["cofunding[0]"].text_it == (
        "Cofinanziamento: 50% per PMI: Eurosets 200.000 € su 400.000 €; "
        "Acme GmbH 500,25 € su 1.000,50 € (totale 200.500,25 €)."
    )
    assert checks["cofunding[1]"].partners == ("bellco",)
    checks = check(
        RuleSet(cofunding=(CofundingRate("research", 0.8),)), ["eurosets"], {"eurosets": 1}
    )
    assert checks["cofunding[0]"].text_en == (
        "Co-funding: 80% for research organisations or universities: no partner gets this rate."
    )
    checks = check(rules, ["eurosets", "bellco"], {"eurosets": 100})
    assert "Bellco (no budget)" in checks["cofunding[1]"].text_en
    decimals = {"eurosets": Decimal("1000.10"), "bellco": Decimal("10")}
    checks = check(rules, ["eurosets", "bellco"], decimals)  # type: ignore[arg-type]
    assert checks["cofunding[0]"].text_en == (
        "Co-funding: 50% for SMEs: Eurosets €500.05 of €1,000.10 (total €500.05)."
    )


def test_custom_rules_for_every_partner():
    rules = parse_rules({"custom": FULL["custom"]})
    result = one(rules, ["eurosets", "bellco", "acme"])
    assert result.id == "custom:founded-before-2020"
    assert result.status == "fail"
    assert result.text_en == "Fails: Founded by 2020: not met by Acme GmbH (founded = 2021)."
    assert result.text_it == (
        "Non soddisfatta: Fondata entro il 2020: non rispettata da Acme GmbH (founded = 2021)."
    )
    result = one(rules, ["eurosets", "bellco"])
    assert result.status == "pass"
    assert result.text_en == (
        "Founded by 2020: met by every partner: Eurosets (founded = 1991), Bellco (founded = 1972)."
    )
    result = one(rules, ["eurosets", "policlinico"])
    assert result.status == "not_checked"
    assert (
        result.text_en
        == "Not checked: Founded by 2020: no comparable value of founded for Policlinico."
    )


def test_custom_rules_for_the_coordinator_and_at_least_some_partners():
    coordinator = RuleSet(custom=(CustomRule("old", "founded", "<", 1980, "coordinator"),))
    assert one(coordinator, ["bellco", "acme"]).status == "pass"
    result = one(coordinator, ["eurosets", "bellco"])
    assert result.status == "fail"
    assert result.text_en == "Fails: founded < 1980: not met by Eurosets (founded = 1991)."
    assert one(coordinator, ["policlinico", "bellco"]).status == "not_checked"
    at_least = RuleSet(custom=(CustomRule("new", "founded", ">=", 1990, "at_least", 2),))
    result = one(at_least, ["eurosets", "acme", "bellco"])
    assert (result.status, result.binding) == ("pass", True)
    assert result.text_en == (
        "Founded >= 1990: met by 2 partners, at least 2 needed: "
        "Eurosets (founded = 1991), Acme GmbH (founded = 2021)."
    )
    assert one(at_least, ["eurosets", "bellco"]).status == "fail"
    result = one(at_least, ["eurosets", "policlinico"])
    assert result.status == "not_checked"
    assert "no comparable value of founded for Policlinico" in result.text_en
    listed = RuleSet(custom=(CustomRule("kinds", "founded", "not in", (1991, 2021)),))
    assert one(listed, ["bellco"]).status == "pass"
    assert one(listed, ["bellco", "acme"]).status == "fail"
    text = RuleSet(custom=(CustomRule("s", "founded", "==", "1991"),))
    assert one(text, ["eurosets"]).status == "not_checked"  # a number is not the string "1991"


def test_every_rule_is_reported_in_order():
    rules = parse_rules(FULL)
    checks = check_eligibility(
        Consortium(("eurosets", "bellco", "unimore"), "eurosets"), POOL, rules
    )
    assert [c.id for c in checks] == [
        "partners.min",
        "partners.max",
        "counts[0]",
        "counts[1]",
        "counts[2]",
        "coordinator",
        "regions[0]",
        "independence",
        "shares[0]",
        "shares[1]",
        "cofunding[0]",
        "cofunding[1]",
        "custom:founded-before-2020",
    ]
    assert is_eligible(checks)
    assert all(c.text_it and c.text_en for c in checks)
    assert check_eligibility(Consortium(("eurosets",), "eurosets"), POOL, RuleSet()) == []
    with_acme = check_eligibility(
        Consortium(("eurosets", "bellco", "unimore", "acme"), "eurosets"), POOL, rules
    )
    assert not is_eligible(with_acme)
    assert {c.id for c in with_acme if c.status == "fail"} == {
        "regions[0]",
        "independence",
        "custom:founded-before-2020",
    }


@pytest.mark.parametrize(
    ("consortium", "message"),
    [
        (Consortium(("eurosets", "ghost"), "eurosets"), "unknown candidate 'ghost'"),
        (Consortium(("eurosets", "bellco"), "unimore"), "coordinator 'unimore' is not among"),
        (Consortium((), "eurosets"), "coordinator 'eurosets' is not among"),
        (Consortium(("eurosets", "eurosets"), "eurosets"), "listed twice"),
        (Consortium(("eurosets",), "eurosets", {"bellco": 1.0}), "not a partner"),
        (Consortium(("eurosets",), "eurosets", {"eurosets": -1.0}), ">= 0"),
        (Consortium(("eurosets",), "eurosets", {"eurosets": math.nan}), ">= 0"),
        (Consortium(("eurosets",), "eurosets", {"eurosets": "100"}), "not a number"),
    ],
)
def test_a_malformed_consortium_is_refused(consortium, message):
    with pytest.raises(ValueError, match=message):
        check_eligibility(consortium, POOL, RuleSet())


# --- properties -----------------------------------------------------------------------------------

WHATS = ["all", "enterprises", "smes", "research", *[f"kind:{k}" for k in KINDS]]
CODES = ["IT", "ITH", "ITH5", "ITH54", "ITH55", "ITC4", "DE", "DE21", "FR"]
SMALL = st.integers(min_value=0, max_value=5)
OPT_SMALL = st.none() | SMALL


@st.composite
def counts(draw) -> CountRule:
    low, high = draw(OPT_SMALL), draw(OPT_SMALL)
    if low is None and high is None:
        low = draw(SMALL)
    return CountRule(draw(st.sampled_from(WHATS)), low, high)


@st.composite
def regions(draw) -> RegionRule:
    nuts = tuple(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3)))
    if draw(st.booleans()):
        return RegionRule(nuts, all=True)
    return RegionRule(nuts, min=draw(SMALL))


SHARES = st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 1.0])


@st.composite
def customs(draw) -> tuple[CustomRule, ...]:
    ids = draw(st.lists(st.sampled_from(["a", "b", "c-1", "d.2"]), unique=True, max_size=3))
    rules = []
    for rule_id in ids:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]))
        value: Any = draw(st.integers(1990, 2010))
        if op in ("in", "not in"):
            value = tuple(draw(st.lists(st.integers(1990, 2010), max_size=3)))
        applies_to = draw(st.sampled_from(["all", "coordinator", "at_least"]))
        low = draw(SMALL) if applies_to == "at_least" else None
        text = draw(st.sampled_from(["", "Founded early", "Fondata presto"]))
        rules.append(CustomRule(rule_id, "founded", op, value, applies_to, low, text, text))
    return tuple(rules)


@st.composite
def rule_sets(draw) -> RuleSet:
    return RuleSet(
        min_partners=draw(OPT_SMALL),
        max_partners=draw(st.none() | st.integers(1, 6)),
        counts=tuple(draw(st.lists(counts(), max_size=3))),
        coordinator=tuple(draw(st.lists(st.sampled_from(WHATS), unique=True, max_size=3))),
        regions=tuple(draw(st.lists(regions(), max_size=2))),
        max_per_group=draw(st.none() | st.integers(1, 3)),
        shares=tuple(
            ShareRule(draw(st.sampled_from(WHATS)), draw(SHARES), draw(st.booleans()))
            for _ in range(draw(st.integers(0, 2)))
        ),
        cofunding=tuple(
            CofundingRate(draw(st.sampled_from(WHATS)), draw(SHARES))
            for _ in range(draw(st.integers(0, 2)))
        ),
        custom=draw(customs()),
    )


@st.composite
def pools(draw, complete: bool = False) -> dict[str, Candidate]:
    size = draw(st.integers(1, 7))
    pool = {}
    for index in range(size):
        nuts_choices = CODES + ([] if complete else [""])
        fields = {}
        if complete or draw(st.booleans()) or draw(st.booleans()):
            fields["founded"] = draw(st.integers(1985, 2015))
        pool[f"c{index}"] = Candidate(
            id=f"c{index}",
            name=f"Org {index}",
            kind=draw(st.sampled_from(KINDS)),
            is_sme=draw(st.booleans()),
            nuts=draw(st.sampled_from(nuts_choices)),
            group=draw(st.sampled_from(["", "g1", "g2"])),
            fields=fields,
        )
    return pool


@st.composite
def consortia(draw, pool: dict[str, Candidate], complete: bool = False) -> Consortium:
    partners = tuple(draw(st.lists(st.sampled_from(sorted(pool)), min_size=1, unique=True)))
    coordinator = draw(st.sampled_from(partners))
    budgets: dict[str, float] = {}
    if complete or draw(st.booleans()):
        for partner in partners:
            if complete or draw(st.integers(0, 5)) > 0:
                budgets[partner] = float(draw(st.integers(0 if not complete else 1, 10)))
    return Consortium(partners, coordinator, budgets)


def plain_counts_as(c: Candidate, what: str) -> bool:
    return {
        "all": True,
        "enterprises": c.kind in ("large_company", "sme", "startup"),
        "smes": c.is_sme,
        "research": c.kind in ("research_centre", "university", "technology_transfer"),
    }.get(what, what == f"kind:{c.kind}")


def plain_test(value: Any, op: str, expected: Any) -> bool:
    return {
        "==": lambda: value == expected,
        "!=": lambda: value != expected,
        "<": lambda: value < expected,
        "<=": lambda: value <= expected,
        ">": lambda: value > expected,
        ">=": lambda: value >= expected,
        "in": lambda: value in expected,
        "not in": lambda: value not in expected,
    }[op]()


def brute_force_failures(
    consortium: Consortium, pool: dict[str, Candidate], rules: RuleSet
) -> set[str]:
    """The ids of the rules that surely fail, counted directly (unknown data never fails)."""
    failed = set()
    partners = [pool[p] for p in consortium.partners]
    n = len(partners)
    if rules.min_partners is not None and n < rules.min_partners:
        failed.add("partners.min")
    if rules.max_partners is not None and n > rules.max_partners:
        failed.add("partners.max")
    for index, count in enumerate(rules.counts):
        k = 0
        for p in partners:
            if plain_counts_as(p, count.what):
                k += 1
        if (count.min is not None and k < count.min) or (count.max is not None and k > count.max):
            failed.add(f"counts[{index}]")
    coordinator = pool[consortium.coordinator]
    if rules.coordinator and not any(plain_counts_as(coordinator, w) for w in rules.coordinator):
        failed.add("coordinator")
    for index, region in enumerate(rules.regions):
        inside = [p for p in partners if p.nuts and any(p.nuts.startswith(c) for c in region.nuts)]
        known = [p for p in partners if p.nuts]
        if region.all and len(inside) < len(known):
            failed.add(f"regions[{index}]")
        unknown = n - len(known)
        if not region.all and len(inside) + unknown < (region.min or 0):
            failed.add(f"regions[{index}]")
    if rules.max_per_group is not None:
        for group in {p.group or p.id for p in partners}:
            if sum(1 for p in partners if (p.group or p.id) == group) > rules.max_per_group:
                failed.add("independence")
    budgets = consortium.budgets
    total = sum(budgets.get(p.id, 0.0) for p in partners)
    if all(p.id in budgets for p in partners) and total > 0:
        for index, share in enumerate(rules.shares):
            amounts = [budgets[p.id] for p in partners if plain_counts_as(p, share.what)]
            if share.per_partner and any(a / total > share.max_share + 1e-9 for a in amounts):
                failed.add(f"shares[{index}]")
            if not share.per_partner and sum(amounts) / total > share.max_share + 1e-9:
                failed.add(f"shares[{index}]")
    for custom in rules.custom:
        scope = [coordinator] if custom.applies_to == "coordinator" else partners
        results = [
            plain_test(p.fields["founded"], custom.op, custom.value)
            if "founded" in p.fields
            else None
            for p in scope
        ]
        if custom.applies_to == "at_least":
            if results.count(True) + results.count(None) < (custom.min or 0):
                failed.add(f"custom:{custom.id}")
        elif False in results:
            failed.add(f"custom:{custom.id}")
    return failed


@settings(max_examples=80, deadline=None)
@given(rule_sets())
def test_round_trip_through_json(rules):
    if validate_rules(rules):
        with pytest.raises(RulesError):
            parse_rules(rules_to_json(rules))
    else:
        assert parse_rules(rules_to_json(rules)) == rules


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_is_eligible_agrees_with_a_brute_force_count(data):
    pool = data.draw(pools())
    rules = data.draw(rule_sets())
    consortium = data.draw(consortia(pool))
    checks = check_eligibility(consortium, pool, rules)
    failed = brute_force_failures(consortium, pool, rules)
    assert {c.id for c in checks if c.status == "fail"} == failed
    assert is_eligible(checks) == (not failed)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_rule_gets_one_check_with_both_sentences(data):
    pool = data.draw(pools())
    rules = data.draw(rule_sets())
    consortium = data.draw(consortia(pool))
    checks = check_eligibility(consortium, pool, rules)
    expected = (
        (rules.min_partners is not None)
        + (rules.max_partners is not None)
        + len(rules.counts)
        + bool(rules.coordinator)
        + len(rules.regions)
        + (rules.max_per_group is not None)
        + len(rules.shares)
        + len(rules.cofunding)
        + len(rules.custom)
    )
    assert len(checks) == expected
    assert len({c.id for c in checks}) == expected
    for c in checks:
        assert c.status in ("pass", "fail", "not_checked")
        assert c.text_it.strip() and c.text_en.strip()
        assert set(c.partners) <= set(consortium.partners)
        if c.id.startswith("cofunding"):
            assert c.status == "pass"


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_reported_contradiction_leaves_no_consortium_eligible(data):
    """With full data (locations, budgets, fields), a rule set with a contradiction is never met."""
    pool = data.draw(pools(complete=True))
    rules = data.draw(rule_sets())
    consortium = data.draw(consortia(pool, complete=True))
    if is_eligible(check_eligibility(consortium, pool, rules)):
        assert validate_rules(rules) == []
