"""Bidirectional matching of profiles, and complementary partners of an organisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from distretto.accounts.services import SYSTEM
from distretto.matching.services import SharedCode, complementary_partners, find_partners
from tests import factories
from tests.matching.conftest import organisation


def found(results):
    return [(r.type, r.name) for r in results]


def profile(owner, title, summary, profile_type, **fields):
    fields.setdefault("description", "")
    return factories.CooperationProfileFactory(
        owner=owner, title=title, summary=summary, profile_type=profile_type, **fields
    )


@pytest.fixture
def market(lexical_only, segments):
    """A request for oxygenators, offers that answer it (or not), and organisations."""
    seeker = organisation("Seeker", "Hospital software", kind="hospital")
    maker = organisation("Maker", "Oxygenators for ECMO circuits")
    lab = organisation("Lab", "Research on oxygenators", kind="research_centre")
    request = profile(
        seeker, "Oxygenators wanted", "We look for ECMO oxygenators", "technology_request"
    )
    request.codes.add(segments["ecmo"])
    offer = profile(maker, "Oxygenator offer", "ECMO oxygenators to license", "technology_offer")
    offer.codes.add(segments["ecmo"])
    profile(maker, "Oxygenator distribution", "Oxygenators for sale", "business_offer")
    profile(lab, "Oxygenator research wanted", "Oxygenators", "technology_request")
    profile(seeker, "Own oxygenator offer", "ECMO oxygenators", "technology_offer")
    return {"seeker": seeker, "maker": maker, "lab": lab, "request": request, "offer": offer}


def test_a_request_finds_offers_and_organisations_but_not_its_owner(market):
    results = find_partners(SYSTEM, market["request"])
    assert results[0] == next(r for r in results if r.name == "Oxygenator offer")
    assert sorted(found(results)) == [
        ("organisation", "Lab"),
        ("organisation", "Maker"),
        ("profile", "Oxygenator offer"),
    ]
    # The offer shares the request's code: that is one reason it fits.
    assert results[0].reasons.codes == [SharedCode("segment", "ecmo", "ECMO", True)]
    assert results[0].owner == "Maker"
    assert all(r.reasons.complementary == [] for r in results)


def test_a_request_naming_partner_kinds_gets_only_those_organisations(market):
    market["request"].partner_kinds = ["research_centre"]
    market["request"].save()
    assert sorted(found(find_partners(SYSTEM, market["request"]))) == [
        ("organisation", "Lab"),
        ("profile", "Oxygenator offer"),
    ]


def test_an_offer_finds_requests_and_organisations_only_of_the_kinds_it_seeks(market):
    results = find_partners(SYSTEM, market["offer"])
    assert [r.name for r in results] == ["Oxygenators wanted", "Oxygenator research wanted"]
    organisation("Clinic", "ECMO oxygenators in intensive care", kind="hospital")
    market["offer"].partner_kinds = ["hospital"]
    market["offer"].save()
    with_kinds = find_partners(SYSTEM, market["offer"], limit=5)
    assert ("organisation", "Clinic") in found(with_kinds)
    assert ("organisation", "Lab") not in found(with_kinds)


def test_partners_of_a_hidden_profile_are_not_found(market, member, other_member):
    draft = profile(market["lab"], "Secret", "Oxygenators", "technology_request", status="draft")
    with pytest.raises(Http404):
        find_partners(member, draft)
    with pytest.raises(Http404):
        find_partners(member, 999999)
    # The owner's members may match their own draft.
    factories.MembershipFactory(user=other_member, organisation=market["lab"])
    assert ("profile", "Oxygenator offer") in found(find_partners(other_member, draft.pk))


def test_partners_limit_is_checked(market):
    with pytest.raises(ValidationError) as raised:
        find_partners(SYSTEM, market["request"], limit=0)
    assert list(raised.value.message_dict) == ["limit"]


@pytest.fixture
def chain(lexical_only):
    """Process steps and segments: a cleanroom assembler lacking sterilisation."""
    steps = factories.TaxonomyFactory(slug="process_step")
    segment = factories.TaxonomyFactory(slug="segment")

    def code(taxonomy, name, label_it, label_en, parent=None):
        return factories.CodeFactory(
            taxonomy=taxonomy,
            code=name,
            label_it=label_it,
            label_en=label_en,
            parent=parent,
            level=2 if parent else 1,
        )

    codes = {
        "cleanroom": code(
            steps, "cleanroom", "Assemblaggio in camera bianca", "Cleanroom assembly"
        ),
        "sterilisation": code(steps, "sterilisation", "Sterilizzazione", "Sterilisation"),
        "eto": code(steps, "sterilisation_eto", "Ossido di etilene", "Ethylene oxide", None),
        "machining": code(steps, "machining", "Lavorazioni meccaniche", "Machining"),
        "dialysis": code(segment, "dialysis", "Dialisi", "Dialysis"),
        "cardiac": code(segment, "cardiac", "Cardiochirurgia", "Cardiac surgery"),
    }
    codes["eto"].parent = codes["sterilisation"]
    codes["eto"].save()

    def firm(name, *keys, **fields):
        org = organisation(name, "Medical devices", **fields)
        org.codes.add(*(codes[k] for k in keys))
        return org

    subject = firm("Assembler", "cleanroom", "dialysis")
    firm("Steriliser", "sterilisation", "dialysis")
    firm("EtO steriliser", "eto", "dialysis")
    firm("Cardiac steriliser", "sterilisation", "cardiac")
    firm("Other assembler", "cleanroom", "dialysis")
    firm("Machinist", "machining", "dialysis")
    firm("Draft steriliser", "sterilisation", "dialysis", status="draft")
    return {"subject": subject, "codes": codes}


def test_complementary_partners_cover_the_steps_it_lacks_in_its_segments(chain):
    results = complementary_partners(SYSTEM, chain["subject"])
    names = [r.name for r in results]
    # Same segment, a missing step: in; another segment only, the same step, a draft: out.
    assert set(names) == {"Steriliser", "EtO steriliser", "Machinist"}
    assert all(r.type == "organisation" for r in results)
    by_name = {r.name: r for r in results}
    assert by_name["Steriliser"].reasons.complementary == [
        SharedCode("process_step", "sterilisation", "Sterilisation", True)
    ]
    assert by_name["Steriliser"].reasons.codes == [
        SharedCode("segment", "dialysis", "Dialysis", True)
    ]
    with translation.override("it"):
        italian = complementary_partners(SYSTEM, chain["subject"].pk)
    labels = {r.name: [c.label for c in r.reasons.complementary] for r in italian}
    assert labels["EtO steriliser"] == ["Ossido di etilene"]


def test_complementary_partners_rank_by_complement_and_exclude_the_subject(chain):
    subject = chain["subject"]
    both = organisation("Steriliser and machinist", "Medical devices")
    both.codes.add(chain["codes"]["sterilisation"], chain["codes"]["machining"])
    both.codes.add(chain["codes"]["dialysis"])
    results = complementary_partners(SYSTEM, subject, limit=2)
    assert results[0].name == "Steriliser and machinist"
    assert len(results) == 2
    assert subject.pk not in [r.id for r in results]


def test_complementary_partners_of_a_hidden_organisation_are_not_found(chain, member):
    hidden = organisation("Hidden", "Devices", status="draft")
    with pytest.raises(Http404):
        complementary_partners(member, hidden)
