"""Snapshots: the platform counts its own records, keeps the figures and their history."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from distretto import cli
from distretto.calls.models import Call, ConsortiumDraft, ConsortiumPartner
from distretto.events import services as event_services
from distretto.events.enums import EventStatus, Outcome
from distretto.monitor.models import Indicator, Observation, Snapshot
from distretto.monitor.snapshots import COMPUTED, take_snapshot
from distretto.monitor.tasks import snapshot_task
from distretto.registry.models import District
from tests import factories
from tests.events.conftest import EVENT_DAY, NOW, ROME, all_slots, event_data, join

pytestmark = pytest.mark.django_db

NOVEMBER = datetime(2026, 11, 30, 10, 2, tzinfo=ROME)
OCTOBER = datetime(2026, 10, 31, 9, 0, tzinfo=ROME)
MIRANDOLA, MEDOLLA = "036022", "036023"


@pytest.fixture
def district(db):
    return District.objects.create(
        slug=settings.DISTRICT_SLUG, name_it="Distretto", name_en="District", source="test"
    )


@pytest.fixture
def platform(facilitator):
    """A small platform: four organisations (one a draft), ties, an offer with an interest,
    a brokerage event with a meeting held and one not placed, two consortium drafts."""
    mirandola = factories.MunicipalityFactory()
    medolla = factories.MunicipalityFactory(istat_code=MEDOLLA, name="Medolla")
    segment = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="segment"), code="dialysis"
    )
    step = factories.CodeFactory(
        taxonomy=factories.TaxonomyFactory(slug="process_step"), code="moulding"
    )
    acme = factories.OrganisationFactory(name="Acme Medical", kind="sme", staff_band="10-49")
    beta = factories.OrganisationFactory(name="Beta Start", kind="startup")
    care = factories.OrganisationFactory(name="Care Hospital", kind="hospital")
    draft = factories.OrganisationFactory(name="Draft Firm", kind="sme", status="draft")
    acme.codes.add(segment, step)
    beta.codes.add(segment)
    draft.codes.add(segment, step)
    factories.SiteFactory(organisation=acme, municipality=mirandola)
    factories.SiteFactory(organisation=beta, municipality=mirandola)
    factories.SiteFactory(organisation=beta, municipality=medolla)
    factories.SiteFactory(organisation=care, municipality=medolla)
    factories.SiteFactory(organisation=draft, municipality=mirandola)
    factories.TieFactory(from_organisation=acme, to_organisation=beta, kind="supplies")
    factories.TieFactory(from_organisation=beta, to_organisation=care, kind="collaborates_with")
    factories.TieFactory(from_organisation=draft, to_organisation=acme, kind="supplies")

    offer = factories.CooperationProfileFactory(owner=acme)
    factories.CooperationProfileFactory(owner=beta, status="draft")
    factories.ExpressionOfInterestFactory(profile=offer, from_organisation=beta)

    event = event_services.create_event(facilitator, event_data(organiser=care))
    event_services.save_session(
        facilitator, event, name="Morning", day=EVENT_DAY, start=time(9), end=time(11), breaks=[]
    )
    event_services.save_participation_type(
        facilitator, event, name="Companies", kind="company", limit=None
    )
    event = event_services.set_event_status(facilitator, event, EventStatus.PUBLISHED)
    first, second, third = (join(event, o, facilitator) for o in (acme, beta, care))
    held = event_services.organiser_meeting(
        facilitator, first, second, slot=all_slots(event)[0], table=1, now=NOW
    )
    event_services.organiser_meeting(facilitator, first, third, now=NOW)  # not placed
    event_services.report_meeting(
        facilitator,
        held,
        first,
        took_place=True,
        outcome=Outcome.SIGNED,
        agreement_type="commercial",
        now=datetime(2026, 6, 11, 9, 0, tzinfo=ROME),
    )
    event_services.create_event(facilitator, event_data(slug="a-draft-event"))

    call = Call.objects.create(programme="PR FESR", title="Health call", slug="health-call")
    formed = ConsortiumDraft.objects.create(call=call, lead=acme, title="Formed", idea="An idea")
    single = ConsortiumDraft.objects.create(call=call, lead=beta, title="Alone", idea="An idea")
    for draft_, organisation, status in [
        (formed, acme, "accepted"),
        (formed, beta, "accepted"),
        (formed, care, "invited"),
        (single, beta, "accepted"),
        (single, care, "declined"),
    ]:
        ConsortiumPartner.objects.create(draft=draft_, organisation=organisation, status=status)
    return {"acme": acme, "beta": beta, "care": care}


EXPECTED = {
    "organisations": {
        "total": 3,
        "by_kind": {"hospital": 1, "sme": 1, "startup": 1},
        "by_segment": {"dialysis": 2},
        "by_process_step": {"moulding": 1},
        "by_municipality": {MIRANDOLA: 2, MEDOLLA: 2},
        "by_staff_band": {"10-49": 1},
        "employees_at_least": 10,  # the lower end of the one band stated
    },
    # The agreement signed at the event became a tie "met at a brokerage event".
    "ties": {"total": 3, "by_kind": {"collaborates_with": 1, "meeting_outcome": 1, "supplies": 1}},
    "profiles": {"published": 1, "by_type": {"technology_offer": 1}},
    "interests": {"total": 1, "by_status": {"sent": 1}},
    "events": {"total": 1},
    "meetings": {"scheduled": 1, "held": 1},
    "agreements": {"signed": 1},
    "consortia": {"formed": 1, "drafts": 2},
    "district": settings.DISTRICT_SLUG,
}


def values(snapshot: Snapshot) -> dict[tuple[str, str, str], Decimal]:
    return {
        (o.indicator.slug, o.territory_kind, o.territory_code): o.value
        for o in snapshot.observations.select_related("indicator")
    }


def test_a_snapshot_counts_the_platforms_records_and_keeps_them(district, platform):
    snapshot = take_snapshot("on_demand", now=NOVEMBER)

    assert Snapshot.objects.get() == snapshot
    assert snapshot.trigger == "on_demand"
    assert snapshot.figures == EXPECTED
    assert values(snapshot) == {
        ("platform-organisations", "district", district.slug): 3,
        ("platform-organisations", "municipality", MIRANDOLA): 2,
        ("platform-organisations", "municipality", MEDOLLA): 2,
        ("platform-employees-at-least", "district", district.slug): 10,
        ("platform-ties", "district", district.slug): 3,
        ("platform-profiles", "district", district.slug): 1,
        ("platform-interests", "district", district.slug): 1,
        ("platform-events", "district", district.slug): 1,
        ("platform-meetings-scheduled", "district", district.slug): 1,
        ("platform-meetings-held", "district", district.slug): 1,
        ("platform-agreements", "district", district.slug): 1,
        ("platform-consortia", "district", district.slug): 1,
    }
    observation = snapshot.observations.first()
    assert (observation.period, observation.period_start, observation.source) == (
        "2026-11",
        date(2026, 11, 1),
        "Distretto, snapshot of 2026-11-30 10:02",
    )
    organisations = Indicator.objects.get(slug="platform-organisations")
    assert (organisations.computed, organisations.unit, organisations.featured) == (
        True,
        "count",
        False,
    )
    assert (organisations.name_en, organisations.name_it) == (
        "Organisations in the registry",
        "Organizzazioni nel registro",
    )


def test_a_snapshot_holds_only_counts(district, platform):
    snapshot = take_snapshot("on_demand", now=NOVEMBER)
    text = json.dumps(snapshot.figures)

    for name in ("Acme", "Beta", "Care", "Draft", "example.org", "facilitator"):
        assert name not in text


def test_history_is_kept_and_nothing_is_overwritten(district, platform):
    october = take_snapshot("scheduled", now=OCTOBER)
    before = {o.pk: (o.value, o.source, o.period) for o in Observation.objects.all()}
    factories.SiteFactory(
        organisation=factories.OrganisationFactory(name="New Firm"),
        municipality=platform["acme"].sites.get().municipality,
    )

    november = take_snapshot("scheduled", now=NOVEMBER)
    again = take_snapshot("on_demand", now=NOVEMBER)  # the same minute of the same month

    assert list(Snapshot.objects.all()) == [again, november, october]  # newest first
    assert october.figures["organisations"]["total"] == 3
    assert november.figures["organisations"]["total"] == 4
    assert {o.pk: (o.value, o.source, o.period) for o in october.observations.all()} == before
    assert Indicator.objects.filter(computed=True).count() == len(COMPUTED)
    sources = set(
        Observation.objects.filter(indicator__slug="platform-organisations")
        .filter(territory_kind="district")
        .values_list("period", "source", "value")
    )
    assert sources == {
        ("2026-10", "Distretto, snapshot of 2026-10-31 09:00", 3),
        ("2026-11", "Distretto, snapshot of 2026-11-30 10:02", 4),
        ("2026-11", "Distretto, snapshot of 2026-11-30 10:02:00", 4),
    }


def test_without_a_district_only_the_municipalities_get_values(platform):
    snapshot = take_snapshot("on_demand", now=NOVEMBER)

    assert snapshot.figures["district"] is None
    assert snapshot.figures["organisations"]["total"] == 3
    assert set(values(snapshot)) == {
        ("platform-organisations", "municipality", MIRANDOLA),
        ("platform-organisations", "municipality", MEDOLLA),
    }


def test_an_empty_platform_counts_zero(district):
    snapshot = take_snapshot("scheduled", now=NOVEMBER)

    assert snapshot.figures["organisations"] == {
        "total": 0,
        "by_kind": {},
        "by_segment": {},
        "by_process_step": {},
        "by_municipality": {},
        "by_staff_band": {},
        "employees_at_least": 0,
    }
    assert snapshot.observations.count() == len(COMPUTED)
    assert set(snapshot.observations.values_list("value", flat=True)) == {0}


def test_an_unknown_trigger_is_refused(district):
    with pytest.raises(ValueError, match="trigger"):
        take_snapshot("hourly")
    assert not Snapshot.objects.exists()


def test_the_command_takes_a_snapshot(district, platform):
    assert cli.translate(["indicators", "snapshot", "--scheduled"]) == [
        "indicators_snapshot",
        "--scheduled",
    ]
    out = io.StringIO()
    call_command("indicators_snapshot", "--scheduled", stdout=out)

    snapshot = Snapshot.objects.get()
    assert snapshot.trigger == "scheduled"
    assert "Organisations in the registry" in out.getvalue()
    assert "with 12 values of the platform's indicators" in out.getvalue()

    out = io.StringIO()
    call_command("indicators_snapshot", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["trigger"] == "on_demand"
    assert printed["figures"] == EXPECTED


def test_the_command_says_when_there_is_no_district(db):
    out = io.StringIO()
    call_command("indicators_snapshot", stdout=out)

    assert "No district is set up" in out.getvalue()
    assert Snapshot.objects.count() == 1


def test_the_task_takes_a_scheduled_snapshot(district):
    result = snapshot_task.enqueue()

    assert result.return_value == Snapshot.objects.get(trigger="scheduled").pk
