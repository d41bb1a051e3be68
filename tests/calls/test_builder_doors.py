"""The consortium builder's doors: the idea parser (API, CLI), the district pool, weights and
partners per need, must-include/exclude, budgets reaching the share rules, the builder page
with its draft form, and the ``consortium_build --call --idea`` command. All on real code."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from distretto.calls import services
from distretto.calls.domain.builder import Need
from distretto.calls.models import ConsortiumDraft
from distretto.registry.models import District
from tests import factories
from tests.web.html import parse

pytestmark = pytest.mark.django_db

DIALYSIS = "segment:dialysis"
CARDIAC = "segment:cardiac"
MOULDING = "process_step:moulding"
SHARES = {"what": "all", "max_share": 0.5, "per_partner": True}


@pytest.fixture(autouse=True)
def lexical_only(settings):
    """Relevance the tests can state: lexical and code signals only, no embedding model."""
    settings.SEARCH_EMBEDDER = "none"


@pytest.fixture
def codes(db):
    segment = factories.TaxonomyFactory(slug="segment")
    step = factories.TaxonomyFactory(slug="process_step")
    return {
        DIALYSIS: factories.CodeFactory(
            taxonomy=segment, code="dialysis", label_en="Dialysis", label_it="Dialisi"
        ),
        CARDIAC: factories.CodeFactory(
            taxonomy=segment, code="cardiac", label_en="Cardiac surgery", label_it="Cardiochirurgia"
        ),
        MOULDING: factories.CodeFactory(
            taxonomy=step, code="moulding", label_en="Injection moulding", label_it="Stampaggio"
        ),
    }


@pytest.fixture
def mirandola(db):
    return factories.MunicipalityFactory()


@pytest.fixture
def bologna(db):
    return factories.MunicipalityFactory(
        istat_code="037006",
        name="Bologna",
        province="BO",
        nuts3="ITH55",
        latitude=Decimal("44.494887"),
        longitude=Decimal("11.342616"),
    )


@pytest.fixture
def district(mirandola):
    """The instance's district, with Mirandola as its one core municipality."""
    found = District.objects.create(
        slug=settings.DISTRICT_SLUG, name_it="Distretto", name_en="District", source="test"
    )
    found.municipalities.add(mirandola)
    return found


def make_call(facilitator, slug="dialysis-partnerships", rules=None, identifier="MED-2026-01"):
    return services.save_call(
        facilitator,
        {
            "programme": "Regional call",
            "title": "Dialysis partnerships",
            "slug": slug,
            "identifier": identifier,
            "closes_on": timezone.localdate() + timedelta(days=30),
            "rules": {"partners": {"min": 2}} if rules is None else rules,
            "status": "published",
        },
    )


@pytest.fixture
def call(facilitator):
    return make_call(facilitator)


@pytest.fixture
def lead(organisation, member):
    """The member's organisation, published, with a summary that matches no idea here."""
    organisation.summary_en = organisation.summary_it = ""
    organisation.status = "published"
    organisation.save()
    return organisation


def firm(name, *codes, where=None, kind="sme", summary=""):
    found = factories.OrganisationFactory(name=name, kind=kind, summary_en=summary, summary_it="")
    found.codes.add(*codes)
    if where is not None:
        factories.SiteFactory(organisation=found, municipality=where)
    return found


def idea(lead, *needs, text="A new production line", **options):
    return services.Idea(lead=lead, text=text, needs=tuple(needs), **options)


def ids(*organisations):
    return {str(o.pk) for o in organisations}


def best(built):
    first, *_rest = built.result.consortia
    return first


# --- parse_idea ---------------------------------------------------------------------------


@pytest.fixture
def other_lab(db):
    return firm("Other Lab")


def good(leader, **changes):
    return {"lead": leader.slug, "idea": "Dialysis membranes", "needs": [DIALYSIS], **changes}


BAD_IDEAS = [
    ({"colour": "red"}, "colour", "Unknown field."),
    ({"lead": "other-lab"}, "lead", "Choose one of your organisations."),
    ({"lead": 7}, "lead", "Give the address name of the lead organisation."),
    ({"needs": DIALYSIS}, "needs", "Give the competences as a list."),
    ({"needs": [DIALYSIS, "segment:nothing"]}, "needs[1]", "Unknown competence: segment:nothing."),
    (
        {"needs": [{"code": DIALYSIS, "weight": 0}]},
        "needs",
        "segment:dialysis: the weight is above 0 and at most 10; the partners from 1 to 10.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "weight": 11}]},
        "needs",
        "segment:dialysis: the weight is above 0 and at most 10; the partners from 1 to 10.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "weight": "3"}]},
        "needs[0]",
        "The weight and the partners are numbers.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "weight": True}]},
        "needs[0]",
        "The weight and the partners are numbers.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "partners": 0}]},
        "needs",
        "segment:dialysis: the weight is above 0 and at most 10; the partners from 1 to 10.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "partners": 1.5}]},
        "needs[0]",
        "The weight and the partners are numbers.",
    ),
    (
        {"needs": [{"code": DIALYSIS, "colour": "red"}]},
        "needs[0]",
        "Only code, weight and partners may be given.",
    ),
    ({"needs": [3]}, "needs[0]", "Give a code as taxonomy:code."),
    ({"needs": []}, "needs", "Name at least one competence the idea needs."),
    ({"needs": [DIALYSIS, DIALYSIS]}, "needs", "Name each competence once."),
    ({"must_include": ["nobody"]}, "must_include", "Unknown organisations: nobody."),
    ({"must_exclude": "other-lab"}, "must_exclude", "Give a list of address names."),
    ({"budgets": [100]}, "budgets", "Give the budgets as address name: euros."),
    ({"budgets": {"nobody": 100}}, "budgets", "Unknown organisations: nobody."),
    (
        {"budgets": {"other-lab": "a lot"}},
        "budgets",
        "A budget is an amount in euros from 0 to 10 billion.",
    ),
    (
        {"budgets": {"other-lab": -1}},
        "budgets",
        "A budget is an amount in euros from 0 to 10 billion.",
    ),
    ({"alternatives": 9}, "alternatives", "Give a number from 1 to 5."),
    ({"alternatives": 2.5}, "alternatives", "Give a whole number."),
    ({"max_partners": 0}, "max_partners", "Give a number from 1 to 50."),
    ({"beyond_district": "yes"}, "beyond_district", "Give true or false."),
    (
        {"must_include": ["other-lab"], "must_exclude": ["other-lab"]},
        "must_exclude",
        "An organisation cannot be both required and left out.",
    ),
    ({"must_exclude": ["acme-medical"]}, "must_exclude", "The lead cannot be left out."),
    ({"idea": "   "}, "idea", "Describe the project idea."),
    ({"idea": ""}, "idea", "Describe the project idea."),
    ({"idea": 42}, "idea", "Describe the project idea."),
    ({"idea": "x" * 4001}, "idea", "Write at most 4,000 characters."),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_IDEAS)
def test_parse_idea_refuses_bad_input_naming_the_field(
    member, lead, codes, other_lab, changes, field, message
):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.parse_idea(member, good(lead, **changes))
    assert refused.value.message_dict == {field: [message]}


def test_parse_idea_names_every_field_in_error_at_once(member, lead, codes):
    with pytest.raises(ValidationError) as refused:
        services.parse_idea(
            member,
            {"lead": "nobody", "idea": 3, "needs": [DIALYSIS, "segment:x"], "colour": 1},
        )
    assert refused.value.message_dict == {
        "colour": ["Unknown field."],
        "lead": ["Choose one of your organisations."],
        "needs[1]": ["Unknown competence: segment:x."],
        "idea": ["Describe the project idea."],
    }


def test_parse_idea_speaks_italian(member, lead, codes, other_lab):
    with translation.override("it"):
        with pytest.raises(ValidationError) as wrong_lead:
            services.parse_idea(member, good(lead, lead="other-lab"))
        with pytest.raises(ValidationError) as too_many:
            services.parse_idea(member, good(lead, alternatives=9))
        with pytest.raises(ValidationError) as empty:
            services.parse_idea(member, good(lead, idea=" "))
    assert wrong_lead.value.message_dict == {"lead": ["Scegli una delle tue organizzazioni."]}
    assert too_many.value.message_dict == {"alternatives": ["Indica un numero da 1 a 5."]}
    assert empty.value.message_dict == {"idea": ["Descrivi l'idea progettuale."]}


def test_parse_idea_reads_string_and_object_needs(member, lead, codes, other_lab):
    parsed = services.parse_idea(
        member,
        good(
            lead,
            needs=[DIALYSIS, {"code": CARDIAC, "weight": 2.5, "partners": 2}, {"code": MOULDING}],
            must_include=["other-lab"],
            budgets={"other-lab": 1200, lead.slug: 800.5},
            max_partners=4,
            alternatives=2,
            beyond_district=True,
        ),
    )
    assert parsed.needs == (
        Need(DIALYSIS, 1.0, 1),
        Need(CARDIAC, 2.5, 2),
        Need(MOULDING, 1.0, 1),
    )
    assert all(isinstance(n.weight, float) for n in parsed.needs)
    assert parsed.lead == lead
    assert parsed.text == "Dialysis membranes"
    assert parsed.must_include == (other_lab,)
    assert parsed.must_exclude == ()
    assert parsed.budgets == {other_lab.pk: 1200.0, lead.pk: 800.5}
    assert (parsed.max_partners, parsed.alternatives, parsed.beyond_district) == (4, 2, True)


def test_parse_idea_defaults(member, lead, codes):
    parsed = services.parse_idea(member, good(lead))
    assert parsed.needs == (Need(DIALYSIS, 1.0, 1),)
    assert (parsed.max_partners, parsed.alternatives, parsed.beyond_district) == (None, 3, False)
    assert parsed.budgets == {} and parsed.must_include == () and parsed.must_exclude == ()


def test_a_facilitator_may_lead_for_any_published_organisation(facilitator, codes, other_lab):
    parsed = services.parse_idea(facilitator, good(other_lab))
    assert parsed.lead == other_lab


# --- the district pool ----------------------------------------------------------------------


def test_the_district_pool_and_suggestions_outside_it(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    inside = firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    built = services.build_consortia(
        member, call, idea(lead, Need(DIALYSIS), Need(CARDIAC), alternatives=1)
    )
    assert (built.candidates, built.beyond_district) == (2, False)
    proposal = best(built)
    assert set(proposal.partners) == ids(lead, inside)
    assert [(n.code, n.missing) for n in proposal.lacking] == [(CARDIAC, 1)]
    assert list(built.outside) == [CARDIAC]
    assert [s.organisation for s in built.outside[CARDIAC]] == [outside]

    (shown,) = services.describe_proposals(built)
    assert shown["coordinator"] in (lead, inside)
    assert {p["organisation"] for p in shown["partners"]} == {lead, inside}
    (lacking,) = shown["lacking"]
    assert (lacking["label"], lacking["missing"]) == ("Cardiac surgery", 1)
    assert [s.organisation for s in lacking["outside"]] == [outside]
    (need,) = services.describe_outside(built)
    assert need["label"] == "Cardiac surgery"
    assert [s.organisation for s in need["suggestions"]] == [outside]

    data = services.consortia_data(built)
    assert (data["candidates"], data["beyond_district"]) == (2, False)
    (consortium,) = data["consortia"]
    assert {p["organisation"] for p in consortium["partners"]} == {lead.slug, inside.slug}
    (lacking_data,) = consortium["lacking"]
    assert (lacking_data["code"], lacking_data["missing"]) == (CARDIAC, 1)
    assert [(o["organisation"], o["name"]) for o in lacking_data["outside"]] == [
        (outside.slug, "Outside Cardio")
    ]
    assert [o["organisation"] for o in data["outside"][CARDIAC]] == [outside.slug]


def test_beyond_the_district_the_outsider_is_a_partner_and_nothing_is_suggested(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    inside = firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    built = services.build_consortia(
        member,
        call,
        idea(lead, Need(DIALYSIS), Need(CARDIAC), alternatives=1, beyond_district=True),
    )
    assert (built.candidates, built.beyond_district) == (3, True)
    proposal = best(built)
    assert set(proposal.partners) == ids(lead, inside, outside)
    assert proposal.lacking == ()
    assert built.outside == {}
    assert services.consortia_data(built)["outside"] == {}


def test_without_a_district_everyone_is_a_candidate(member, lead, call, codes, mirandola, bologna):
    assert not District.objects.exists()
    inside = firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    firm("Nowhere Firm")  # no site at all, still in the registry
    unpublished = firm("Draft Firm", codes[CARDIAC], where=mirandola)
    unpublished.status = "draft"
    unpublished.save()
    built = services.build_consortia(
        member, call, idea(lead, Need(DIALYSIS), Need(CARDIAC), alternatives=1)
    )
    assert (built.candidates, built.beyond_district) == (4, True)
    assert set(best(built).partners) == ids(lead, inside, outside)
    assert built.outside == {}


def test_a_district_without_municipalities_counts_everyone(
    member, lead, call, codes, mirandola, bologna
):
    District.objects.create(
        slug=settings.DISTRICT_SLUG, name_it="Distretto", name_en="District", source="test"
    )
    firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    firm("Outside Cardio", codes[CARDIAC], where=bologna)
    built = services.build_consortia(member, call, idea(lead, Need(DIALYSIS), alternatives=1))
    assert (built.candidates, built.beyond_district) == (3, True)


def test_the_lead_outside_the_district_is_still_in_the_pool(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=bologna)
    inside = firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    firm("Outside Dialysis", codes[DIALYSIS], where=bologna)
    built = services.build_consortia(member, call, idea(lead, Need(DIALYSIS), alternatives=1))
    assert built.candidates == 2
    assert set(best(built).partners) == ids(lead, inside)
    assert built.outside == {}  # nothing lacking, nothing suggested


def test_a_must_include_outside_the_district_joins_the_pool(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    built = services.build_consortia(
        member, call, idea(lead, Need(DIALYSIS), alternatives=1, must_include=(outside,))
    )
    assert built.candidates == 3
    assert str(outside.pk) in best(built).partners


def test_a_budget_for_an_organisation_outside_the_pool_is_refused(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    with pytest.raises(ValidationError) as refused:
        services.build_consortia(
            member, call, idea(lead, Need(DIALYSIS), budgets={outside.pk: 100.0, lead.pk: 10.0})
        )
    assert refused.value.message_dict == {
        "budgets": ["A budget is given for an organisation that is not a candidate."]
    }


def test_an_excluded_outsider_is_not_suggested(
    member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    built = services.build_consortia(
        member,
        call,
        idea(lead, Need(DIALYSIS), Need(CARDIAC), alternatives=1, must_exclude=(outside,)),
    )
    assert outside not in [s.organisation for s in built.outside.get(CARDIAC, ())]


# --- weights and partners per need --------------------------------------------------------------


def test_the_heavier_need_is_the_one_covered(member, lead, call, codes):
    dialysis = firm("Dialysis Works", codes[DIALYSIS])
    cardiac = firm("Cardio Works", codes[CARDIAC])

    def chosen(dialysis_weight, cardiac_weight):
        proposal = best(
            services.build_consortia(
                member,
                call,
                idea(
                    lead,
                    Need(DIALYSIS, dialysis_weight),
                    Need(CARDIAC, cardiac_weight),
                    max_partners=2,
                    alternatives=1,
                ),
            )
        )
        return set(proposal.partners), [(n.code, n.weight, n.missing) for n in proposal.lacking]

    assert chosen(3.0, 1.0) == (ids(lead, dialysis), [(CARDIAC, 1.0, 1)])
    assert chosen(1.0, 3.0) == (ids(lead, cardiac), [(DIALYSIS, 1.0, 1)])


def test_partners_two_asks_two_partners_to_cover_a_need(member, lead, call, codes):
    alpha = firm("Alpha Dialysis", codes[DIALYSIS])
    beta = firm("Beta Dialysis", codes[DIALYSIS])
    firm("Idle Firm")  # covers nothing: never worth a place
    one = best(services.build_consortia(member, call, idea(lead, Need(DIALYSIS), alternatives=1)))
    assert len(one.partners) == 2 and str(lead.pk) in one.partners
    assert set(one.partners) - ids(lead) <= ids(alpha, beta)
    assert one.lacking == ()
    two = best(
        services.build_consortia(member, call, idea(lead, Need(DIALYSIS, 1.0, 2), alternatives=1))
    )
    assert set(two.partners) == ids(lead, alpha, beta)
    assert two.lacking == ()
    both = {why.id: why.covers for why in two.why}
    assert both[str(alpha.pk)] == both[str(beta.pk)] == (DIALYSIS,)


def test_a_need_asking_more_partners_than_exist_is_lacking(member, lead, call, codes):
    alpha = firm("Alpha Dialysis", codes[DIALYSIS])
    proposal = best(
        services.build_consortia(member, call, idea(lead, Need(DIALYSIS, 1.0, 3), alternatives=1))
    )
    assert set(proposal.partners) == ids(lead, alpha)
    assert [(n.code, n.wanted, n.covered, n.missing) for n in proposal.lacking] == [
        (DIALYSIS, 3, 1, 2)
    ]


# --- must include / must exclude -----------------------------------------------------------


def test_must_include_and_must_exclude_are_honoured(member, lead, call, codes):
    alpha = firm("Alpha Dialysis", codes[DIALYSIS])
    beta = firm("Beta Dialysis", codes[DIALYSIS])
    idle = firm("Idle Firm")

    def partners(**options):
        built = services.build_consortia(
            member, call, idea(lead, Need(DIALYSIS), alternatives=1, **options)
        )
        return set(best(built).partners)

    assert str(idle.pk) not in partners()
    assert partners(must_exclude=(alpha,)) == ids(lead, beta)
    assert partners(must_exclude=(beta,)) == ids(lead, alpha)
    with_idle = partners(must_include=(idle,), must_exclude=(beta,))
    assert with_idle == ids(lead, alpha, idle)


def test_must_include_and_exclude_through_parse_idea(member, lead, call, codes):
    alpha = firm("Alpha Dialysis", codes[DIALYSIS])
    beta = firm("Beta Dialysis", codes[DIALYSIS])
    idle = firm("Idle Firm")
    parsed = services.parse_idea(
        member,
        good(lead, must_include=[idle.slug], must_exclude=[alpha.slug], alternatives=1),
    )
    built = services.build_consortia(member, call, parsed)
    assert set(best(built).partners) == ids(lead, beta, idle)


def test_excluding_every_coverer_leaves_the_need_lacking(member, lead, call, codes):
    alpha = firm("Alpha Dialysis", codes[DIALYSIS])
    firm("Idle Firm")
    built = services.build_consortia(
        member, call, idea(lead, Need(DIALYSIS), alternatives=1, must_exclude=(alpha,))
    )
    assert all(str(alpha.pk) not in p.partners for p in built.result.consortia)
    for proposal in built.result.consortia:
        assert [n.code for n in proposal.lacking] == [DIALYSIS]


def test_building_for_someone_elses_organisation_is_refused(member, lead, call, codes):
    from django.core.exceptions import PermissionDenied

    other = firm("Someone Else", codes[DIALYSIS])
    with pytest.raises(PermissionDenied):
        services.build_consortia(member, call, idea(other, Need(DIALYSIS)))


# --- budgets and the share rules ------------------------------------------------------------


@pytest.fixture
def shares_call(facilitator):
    return make_call(
        facilitator,
        slug="shared-budget",
        identifier="SHARE-1",
        rules={"partners": {"min": 2}, "shares": [SHARES]},
    )


def test_budgets_reach_the_share_rule(member, lead, shares_call, codes):
    big = firm("Giant Oxygenators", codes[DIALYSIS], summary="Hollow fibre membrane oxygenators")
    small = firm("Small Workshop", codes[DIALYSIS])
    text = "Hollow fibre membrane oxygenators"

    without = services.build_consortia(
        member, shares_call, idea(lead, Need(DIALYSIS), text=text, alternatives=1)
    )
    relevance = {why.id: why.relevance for why in best(without).why}
    # The giant fits the idea best: without budgets it is the partner chosen...
    assert set(best(without).partners) == ids(lead, big)
    assert relevance[str(big.pk)] > 0
    # ... and the share rule is reported not checked.
    assert [n.id for n in without.result.not_checked] == ["shares[0]"]
    assert "not checked" in without.result.not_checked[0].text_en

    parsed = services.parse_idea(
        member,
        {
            "lead": lead.slug,
            "idea": text,
            "needs": [DIALYSIS],
            "budgets": {lead.slug: 100, big.slug: 1000, small.slug: 100},
            "alternatives": 3,
        },
    )
    built = services.build_consortia(member, shares_call, parsed)
    assert built.result.not_checked == ()
    assert built.result.consortia
    assert set(best(built).partners) == ids(lead, small)
    for proposal in built.result.consortia:  # no alternative gives the giant its place
        assert str(big.pk) not in proposal.partners
    # The check the builder avoided: the giant with the lead breaks the 50% share.
    checks = services.check_eligibility(
        shares_call, [lead, big], lead, {lead.pk: 100, big.pk: 1000}
    )
    assert {c.id: c.status for c in checks}["shares[0]"] == "fail"


def test_budgets_for_only_some_candidates_leave_the_share_rule_unchecked(
    member, lead, shares_call, codes
):
    big = firm("Giant Oxygenators", codes[DIALYSIS], summary="Hollow fibre membrane oxygenators")
    firm("Small Workshop", codes[DIALYSIS])
    built = services.build_consortia(
        member,
        shares_call,
        idea(
            lead,
            Need(DIALYSIS),
            text="Hollow fibre membrane oxygenators",
            alternatives=1,
            budgets={lead.pk: 100.0, big.pk: 1000.0},
        ),
    )
    (note,) = built.result.not_checked
    assert note.id == "shares[0]"
    assert "1 candidates have no budget" in note.text_en
    assert set(best(built).partners) == ids(lead, big)


# --- the builder page ----------------------------------------------------------------------


def build_url(call):
    return f"/en/calls/{call.slug}/build/"


def page_query(lead, **extra):
    return {
        "lead": lead.pk,
        "idea": "A new production line",
        "needs": [DIALYSIS, CARDIAC],
        "alternatives": "1",
        "max_partners": "2",
        **extra,
    }


def test_the_page_passes_weights_to_the_builder(client, member, lead, call, codes):
    dialysis = firm("Dialysis Works", codes[DIALYSIS])
    cardiac = firm("Cardio Works", codes[CARDIAC])
    client.force_login(member)

    heavy_cardiac = parse(
        client.get(build_url(call), page_query(lead, **{f"weight-{CARDIAC}": "3"})).content
    )
    (proposal,) = heavy_cardiac.select(".proposal")
    assert "Cardio Works" in proposal.text and "Dialysis Works" not in proposal.text
    assert "Dialysis" in proposal.one(".lacking").text
    kept = {
        node.attrs["name"]: node.attrs["value"]
        for node in proposal.select("input")
        if node.attrs.get("name", "").startswith(("weight-", "partners-"))
    }
    assert kept == {
        f"weight-{DIALYSIS}": "1",
        f"partners-{DIALYSIS}": "1",
        f"weight-{CARDIAC}": "3",
        f"partners-{CARDIAC}": "1",
    }
    # The form shows the chosen weight again.
    (selected,) = heavy_cardiac.select(f"select[name=weight-{CARDIAC}] option[selected]")
    assert selected.attrs["value"] == "3"

    heavy_dialysis = parse(
        client.get(build_url(call), page_query(lead, **{f"weight-{DIALYSIS}": "3"})).content
    )
    (proposal,) = heavy_dialysis.select(".proposal")
    assert "Dialysis Works" in proposal.text and "Cardio Works" not in proposal.text
    partners = {n.attrs["value"] for n in proposal.select("input[name=partners]")}
    assert partners == {str(lead.pk), str(dialysis.pk)}
    assert str(cardiac.pk) not in partners


def test_partners_per_need_on_the_page(client, member, lead, call, codes):
    firm("Alpha Dialysis", codes[DIALYSIS])
    firm("Beta Dialysis", codes[DIALYSIS])
    client.force_login(member)
    page = parse(
        client.get(
            build_url(call),
            {
                "lead": lead.pk,
                "idea": "A new production line",
                "needs": [DIALYSIS],
                f"partners-{DIALYSIS}": "2",
                "alternatives": "1",
            },
        ).content
    )
    (proposal,) = page.select(".proposal")
    assert "Alpha Dialysis" in proposal.text and "Beta Dialysis" in proposal.text
    assert proposal.one(f"input[name=partners-{DIALYSIS}]").attrs["value"] == "2"


@pytest.mark.parametrize(
    "bad",
    [
        {f"weight-{DIALYSIS}": "7"},
        {f"weight-{DIALYSIS}": "heavy"},
        {f"weight-{DIALYSIS}": "0"},
        {f"partners-{CARDIAC}": "4"},
    ],
)
def test_a_bad_weight_or_partners_value_is_an_error_and_no_proposal(
    client, member, lead, call, codes, bad
):
    firm("Dialysis Works", codes[DIALYSIS])
    firm("Cardio Works", codes[CARDIAC])
    client.force_login(member)
    page = parse(client.get(build_url(call), page_query(lead, **bad)).content)
    assert page.select(".proposal") == []
    (invalid,) = page.select(".field-invalid")
    code = next(iter(bad)).partition("-")[2]
    assert f"Choose a value from the list for {code}." in invalid.text


def test_an_unknown_need_on_the_page_is_an_error(client, member, lead, call, codes):
    client.force_login(member)
    page = parse(
        client.get(build_url(call), page_query(lead, needs=[DIALYSIS, "segment:nothing"])).content
    )
    assert page.select(".proposal") == []
    assert "Unknown competence: segment:nothing." in page.one(".field-invalid").text


def test_the_draft_form_keeps_the_weights(client, member, lead, call, codes):
    firm("Dialysis Works", codes[DIALYSIS])
    cardiac = firm("Cardio Works", codes[CARDIAC])
    client.force_login(member)
    page = parse(
        client.get(
            build_url(call),
            page_query(lead, idea="Cardiac line\nwith two steps", **{f"weight-{CARDIAC}": "3"}),
        ).content
    )
    (proposal,) = page.select(".proposal")
    form = proposal.one("form")
    data: dict[str, list[str]] = {}
    for node in form.select("input"):
        data.setdefault(node.attrs["name"], []).append(node.attrs.get("value", ""))
    assert sorted(data["partners"]) == sorted([str(lead.pk), str(cardiac.pk)])
    response = client.post(form.attrs["action"], data)
    draft = ConsortiumDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/calls/drafts/{draft.pk}/"
    assert draft.needs == [
        {"code": DIALYSIS, "weight": 1.0, "partners": 1},
        {"code": CARDIAC, "weight": 3.0, "partners": 1},
    ]
    assert draft.title == "Cardiac line"
    assert draft.idea.replace("\r\n", "\n") == "Cardiac line\nwith two steps"
    places = {p.organisation_id: p for p in draft.partners.all()}
    assert (places[lead.pk].status, places[cardiac.pk].status) == ("accepted", "proposed")
    coordinator = proposal.one("input[name=coordinator]").attrs["value"]
    assert [p.organisation_id for p in places.values() if p.role == "coordinator"] == [
        int(coordinator)
    ]


def test_a_draft_with_a_bad_weight_is_not_saved(client, member, lead, call, codes):
    client.force_login(member)
    response = client.post(
        f"/en/calls/{call.slug}/drafts/new/",
        {
            "lead": lead.pk,
            "idea": "Dialysis",
            "needs": [DIALYSIS],
            f"weight-{DIALYSIS}": "9",
            "partners": [lead.pk],
            "coordinator": lead.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == build_url(call)
    assert not ConsortiumDraft.objects.exists()


# --- the command ----------------------------------------------------------------------------


def write(tmp_path, content, name="idea.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_the_command_prints_the_builders_json(tmp_path, lead, call, codes):
    dialysis = firm("Dialysis Works", codes[DIALYSIS])
    path = write(
        tmp_path,
        {"lead": lead.slug, "idea": "A new line", "needs": [DIALYSIS], "alternatives": 1},
    )
    out = io.StringIO()
    call_command("consortium_build", call=call.slug, idea=str(path), json=True, stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {
        "diagnosis",
        "candidates",
        "beyond_district",
        "preselection",
        "solver",
        "seconds",
        "consortia",
        "outside",
    }
    assert (data["candidates"], data["beyond_district"], data["outside"]) == (2, True, {})
    (consortium,) = data["consortia"]
    assert {p["organisation"] for p in consortium["partners"]} == {lead.slug, dialysis.slug}
    covers = {p["organisation"]: p["covers"] for p in consortium["partners"]}
    assert covers == {lead.slug: [], dialysis.slug: [DIALYSIS]}
    assert consortium["coordinator"] in {lead.slug, dialysis.slug}
    assert consortium["lacking"] == []
    assert consortium["bound"] >= consortium["objective"]


def test_the_command_names_the_partners_and_what_is_lacking(
    tmp_path, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    firm("Dialysis Works", codes[DIALYSIS], where=mirandola)
    firm("Outside Cardio", codes[CARDIAC], where=bologna)
    path = write(
        tmp_path,
        {"lead": lead.slug, "idea": "A new line", "needs": [DIALYSIS, CARDIAC], "alternatives": 1},
    )
    out = io.StringIO()
    call_command("consortium_build", call=call.slug, idea=str(path), stdout=out)
    text = out.getvalue()
    assert text.startswith("Consortium 1: 2 partners, coordinator ")
    assert f"  - Dialysis Works (dialysis-works): {DIALYSIS}\n" in text
    assert f"  - Acme Medical ({lead.slug}): -\n" in text
    assert f"Lacking {CARDIAC} (1); outside the district: Outside Cardio" in text


def test_the_command_accepts_the_calls_identifier(tmp_path, lead, call, codes):
    firm("Dialysis Works", codes[DIALYSIS])
    path = write(tmp_path, {"lead": lead.slug, "idea": "A new line", "needs": [DIALYSIS]})
    out = io.StringIO()
    call_command("consortium_build", call="MED-2026-01", idea=str(path), json=True, stdout=out)
    assert {p["organisation"] for p in json.loads(out.getvalue())["consortia"][0]["partners"]} == {
        lead.slug,
        "dialysis-works",
    }
    with pytest.raises(CommandError, match=r"No such call: MED-2099\."):
        call_command("consortium_build", call="MED-2099", idea=str(path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object."),
        ('"lead"', "must hold a JSON object."),
        (
            json.dumps({"lead": "nobody", "idea": "x", "needs": [DIALYSIS]}),
            "cannot be used:\n- lead: Choose one of your organisations.",
        ),
        (
            json.dumps({"lead": "acme-medical", "idea": "x", "needs": ["segment:nothing"]}),
            "cannot be used:\n- needs[0]: Unknown competence: segment:nothing.",
        ),
        (
            json.dumps({"lead": "acme-medical", "idea": "x", "needs": [DIALYSIS], "budget": 3}),
            "cannot be used:\n- budget: Unknown field.",
        ),
    ],
)
def test_a_bad_idea_file_names_the_file_and_the_field(
    tmp_path, lead, call, codes, content, expected
):
    path = write(tmp_path, content)
    with pytest.raises(CommandError) as refused:
        call_command("consortium_build", call=call.slug, idea=str(path))
    message = str(refused.value)
    assert message.startswith(str(path))
    assert expected in message


def test_a_missing_idea_file_is_named(tmp_path, call):
    path = tmp_path / "missing.json"
    with pytest.raises(CommandError, match=rf"{path} cannot be read: No such file or directory"):
        call_command("consortium_build", call=call.slug, idea=str(path))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"json": True},
        {"call": "dialysis-partnerships"},
        {"idea": "idea.json"},
        {"call": "dialysis-partnerships", "idea": "idea.json", "input": "problem.json"},
        {"call": "dialysis-partnerships", "output": "result.json"},
        {"input": "problem.json"},
    ],
)
def test_both_modes_or_neither_is_refused(call, options):
    with pytest.raises(
        CommandError, match=r"Give either --call and --idea, or --input and --output \(file mode\)."
    ):
        call_command("consortium_build", **options)


def test_the_page_suggests_outside_the_district_and_can_go_beyond(
    client, member, lead, call, codes, district, mirandola, bologna
):
    factories.SiteFactory(organisation=lead, municipality=mirandola)
    firm("Inside Lab", codes[DIALYSIS], where=mirandola)
    outside = firm("Outside Cardio", codes[CARDIAC], where=bologna)
    client.force_login(member)
    query = {
        "lead": lead.pk,
        "idea": "A new production line",
        "needs": [DIALYSIS, CARDIAC],
        "alternatives": "1",
    }
    page = parse(client.get(build_url(call), query).content)
    assert "2 candidates from the district." in page.text
    (proposal,) = page.select(".proposal")
    assert "Outside Cardio" not in proposal.one("table").text
    lacking = proposal.one(".lacking")
    assert "Cardiac surgery (1 more partner): outside the district Outside Cardio" in lacking.text
    assert [a.attrs["href"] for a in lacking.select("a")] == [outside.get_absolute_url()]

    beyond = parse(client.get(build_url(call), {**query, "beyond_district": "on"}).content)
    assert "3 candidates from the whole registry." in beyond.text
    (proposal,) = beyond.select(".proposal")
    assert "Outside Cardio" in proposal.one("table").text
    assert proposal.select(".lacking") == []
