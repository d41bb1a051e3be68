"""The authorisation matrix's world: two firms, their users, and firm A's private records.

Built once per test module inside an outer transaction (each test then runs in a
savepoint of it, and the whole world is rolled back when the module ends), so that
hundreds of matrix rows share one world without paying for it each time.

Every private text of firm A carries a marker word (``quokka...``) so that a test can
assert it never appears in a response to someone who may not see it; every private
text also carries the word ``wombat``, which is what the leak tests search for.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from distretto.accounts.enums import TokenScope
from distretto.accounts.models import ApiToken, User
from tests import factories

ANON = "anonymous"
OTHER = "other"  # an administrator of firm B: a member, but of another organisation
MEMBER = "member"  # a member of firm A
ADMIN = "admin"  # an administrator of firm A
FACILITATOR = "facilitator"
ROLES = (ANON, OTHER, MEMBER, ADMIN, FACILITATOR)
LOGGED_IN = (OTHER, MEMBER, ADMIN, FACILITATOR)

# The search word every private text of firm A holds (searched for by the leak tests).
SEARCH_WORD = "wombat"

# Marker -> the roles that may see it. A marker never appears in a response to another role.
MARKERS: dict[str, frozenset[str]] = {
    # firm A's second organisation, still a draft (its members see their own drafts)
    "quokkadraftorg": frozenset({MEMBER, ADMIN, FACILITATOR}),
    # a contact person of firm A who gave no consent: only A's editors see them
    "quokkahiddenperson": frozenset({ADMIN, FACILITATOR}),
    # firm A's draft offer
    "quokkadraftprofile": frozenset({MEMBER, ADMIN, FACILITATOR}),
    # expressions of interest sent by and to firm A
    "quokkainterest": frozenset({MEMBER, ADMIN, FACILITATOR}),
    # meeting requests of firm A at the brokerage event
    "quokkameeting": frozenset({MEMBER, ADMIN, FACILITATOR}),
    # firm A's consortium draft
    "quokkaconsortium": frozenset({MEMBER, ADMIN, FACILITATOR}),
    # the saved search of A's member: its owner only
    "quokkasaved": frozenset({MEMBER}),
    # a draft event organised by firm A: its organisers (A's admins) and facilitators
    "quokkadraftevent": frozenset({ADMIN, FACILITATOR}),
}


@dataclass
class World:
    """Ids, slugs and raw API tokens of the world (never model instances, which go stale)."""

    users: dict[str, User]
    org_a: str
    org_a_id: int
    org_a_draft: str
    org_a_draft_id: int
    org_b: str
    org_b_id: int
    org_c: str
    org_c_id: int
    person_hidden: int
    person_b: int
    profile_draft: int
    profile_public: int
    profile_b: int
    profile_c: int
    interest_out: int  # A -> C's profile
    interest_in: int  # C -> A's public profile
    interest_b: int  # C -> B's profile (nothing to do with A)
    event: str
    event_id: int
    draft_event: str
    reg_a: int
    reg_b: int
    reg_c: int
    meeting_out: int  # A asks C
    meeting_in: int  # C asks A
    session: int
    slot: int
    participation_type: int
    run: int
    call: str
    consortium: int
    place_a: int
    place_c: int
    saved_search: int
    saved_search_b: int
    scenario: int
    indicator: str
    # role -> raw bearer token with write scope; and the special tokens
    write_tokens: dict[str, str] = field(default_factory=dict)
    read_token: str = ""
    read_token_id: int = 0  # the read token's id (A's administrator's)
    expired_token: str = ""
    revoked_token: str = ""


def _token(user: User, scope: str, **extra: Any) -> str:
    return _issue(user, scope, **extra)[1]


def _issue(user: User, scope: str, **extra: Any) -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user, f"authz-{scope}-{secrets.token_hex(3)}")
    token.scope = scope
    token.expires_at = extra.get("expires_at")
    token.revoked_at = extra.get("revoked_at")
    token.save()
    return token, raw


def build_world() -> World:
    from distretto.alerts.models import SavedSearch
    from distretto.calls import services as call_services
    from distretto.calls.models import ConsortiumDraft, ConsortiumPartner
    from distretto.events import services as event_services
    from distretto.events.enums import EventStatus, ParticipantKind
    from distretto.events.models import Meeting, ScheduleRun, Slot
    from distretto.monitor.models import Indicator, RegionProfile, Snapshot
    from distretto.network import services as network_services

    now = timezone.now()
    today = timezone.localdate()
    segment = factories.TaxonomyFactory(slug="segment")
    dialysis = factories.CodeFactory(
        taxonomy=segment, code="dialysis", label_it="Dialisi", label_en="Dialysis"
    )
    mirandola = factories.MunicipalityFactory()

    def organisation(name: str, slug: str, **fields: Any) -> Any:
        org = factories.OrganisationFactory(name=name, slug=slug, **fields)
        factories.SiteFactory(organisation=org, municipality=mirandola)
        org.codes.add(dialysis)
        return org

    org_a = organisation("Alfa Medical", "alfa-medical")
    org_a_draft = organisation(
        "Alfa Quokkadraftorg Labs",
        "alfa-labs",
        status="draft",
        summary_it=f"Laboratorio {SEARCH_WORD} quokkadraftorg",
        summary_en=f"Laboratory {SEARCH_WORD} quokkadraftorg",
    )
    org_b = organisation("Beta Devices", "beta-devices")
    org_c = organisation("Gamma Plastics", "gamma-plastics")
    host = organisation("Host Agency", "host-agency")
    factories.TieFactory(from_organisation=org_c, to_organisation=org_a)
    factories.TieFactory(from_organisation=org_c, to_organisation=org_a_draft)

    facilitator = factories.UserFactory(username="authz-facilitator", is_facilitator=True)
    other = factories.UserFactory(username="authz-other")
    member = factories.UserFactory(username="authz-member")
    admin = factories.UserFactory(username="authz-admin")
    factories.MembershipFactory(user=other, organisation=org_b, role="admin")
    for org in (org_a, org_a_draft):
        factories.MembershipFactory(user=member, organisation=org, role="member")
        factories.MembershipFactory(user=admin, organisation=org, role="admin")

    person_hidden = factories.PersonFactory(
        organisation=org_a,
        full_name="Ilaria Quokkahiddenperson",
        email="quokkahiddenperson@example.org",
    )
    person_b = factories.PersonFactory(organisation=org_b, full_name="Bruno Beta")

    def profile(owner: Any, title: str, **fields: Any) -> Any:
        return factories.CooperationProfileFactory(owner=owner, title=title, **fields)

    profile_draft = profile(
        org_a,
        f"Quokkadraftprofile {SEARCH_WORD} oxygenator",
        status="draft",
        summary=f"A {SEARCH_WORD} quokkadraftprofile membrane",
    )
    profile_public = profile(org_a, "Alfa dialysis filters")
    profile_b = profile(org_b, "Beta sensors")
    profile_c = profile(org_c, "Gamma moulding", profile_type="technology_request")
    interest_out = factories.ExpressionOfInterestFactory(
        profile=profile_c,
        from_organisation=org_a,
        message=f"Alfa asks: {SEARCH_WORD} quokkainterest",
    )
    interest_in = factories.ExpressionOfInterestFactory(
        profile=profile_public,
        from_organisation=org_c,
        message=f"Gamma asks: {SEARCH_WORD} quokkainterest",
    )
    interest_b = factories.ExpressionOfInterestFactory(
        profile=profile_b, from_organisation=org_c, message="Gamma asks Beta"
    )

    # A brokerage event open for registrations and meeting requests now.
    day = today + timedelta(days=30)

    def at(days: int, hour: int = 9) -> Any:
        return timezone.make_aware(datetime.combine(today + timedelta(days=days), time(hour, 0)))

    def event_data(name: str, slug: str, organiser: Any) -> dict[str, Any]:
        return {
            "name": name,
            "slug": slug,
            "venue": "Tecnopolo",
            "starts_on": day,
            "ends_on": day,
            "meeting_minutes": 20,
            "tables": 10,
            "registration_opens": at(-10),
            "registration_closes": at(20),
            "booking_opens": at(-5),
            "booking_closes": at(25),
            "approval_required": True,
            "request_expiry_days": 5,
            "organiser": organiser,
        }

    def prepare(event: Any) -> None:
        event_services.save_session(
            facilitator,
            event,
            name="Morning",
            day=day,
            start=time(9, 0),
            end=time(11, 0),
            breaks=[],
        )
        event_services.save_participation_type(
            facilitator, event, name="Companies", kind=ParticipantKind.COMPANY, limit=None
        )

    event = event_services.create_event(
        facilitator, event_data("Brokerage Day", "brokerage-day", host)
    )
    prepare(event)
    event = event_services.set_event_status(facilitator, event, EventStatus.PUBLISHED)
    draft_event = event_services.create_event(
        facilitator, event_data("Quokkadraftevent Day", "summer-day", org_a)
    )
    prepare(draft_event)
    slots = list(Slot.objects.filter(session__event=event).order_by("starts_at"))
    kind = event.participation_types.get()

    def register(org: Any, profiles: list[Any]) -> Any:
        return event_services.register(
            facilitator,
            event,
            org,
            event_services.RegistrationData(
                participation_type=kind,
                people=[],
                slots=slots,
                profiles=profiles,
                max_meetings=None,
            ),
            now,
        )

    # A shows its draft offer at the event: the marketplace must not show it to others.
    reg_a = register(org_a, [profile_draft, profile_public])
    reg_b = register(org_b, [profile_b])
    reg_c = register(org_c, [profile_c])
    meeting_out = Meeting.objects.create(
        event=event, requester=reg_a, recipient=reg_c, reason=f"{SEARCH_WORD} quokkameeting out"
    )
    meeting_in = Meeting.objects.create(
        event=event,
        requester=reg_c,
        recipient=reg_a,
        reason=f"{SEARCH_WORD} quokkameeting in",
        expires_at=now + timedelta(days=5),
    )
    run = ScheduleRun.objects.create(event=event, started_by=facilitator, status="done")

    call = call_services.save_call(
        facilitator,
        {
            "programme": "Regional call",
            "title": "Dialysis partnerships",
            "slug": "dialysis-partnerships",
            "closes_on": today + timedelta(days=30),
            "rules": {"partners": {"min": 2}},
            "status": "published",
        },
    )
    consortium = ConsortiumDraft.objects.create(
        call=call,
        lead=org_a,
        title=f"Quokkaconsortium {SEARCH_WORD} membranes",
        idea=f"A {SEARCH_WORD} quokkaconsortium idea",
        needs=[{"code": "segment:dialysis", "weight": 1, "partners": 1}],
        created_by=member,
    )
    place_a = ConsortiumPartner.objects.create(
        draft=consortium, organisation=org_a, role="coordinator", status="accepted"
    )
    place_c = ConsortiumPartner.objects.create(
        draft=consortium, organisation=org_c, role="partner", status="invited"
    )
    saved_search = SavedSearch.objects.create(
        owner=member, name="Quokkasaved alert", params={"q": [SEARCH_WORD]}
    )
    saved_search_b = SavedSearch.objects.create(
        owner=other, name="Beta alert", params={"q": ["sensors"]}
    )
    # A facilitator's scenario that takes out C and A's draft organisation: other members
    # see the saved scenario, but not the draft.
    scenario = network_services.save_scenario(
        facilitator,
        "Flood in Mirandola",
        {
            "radius_km": None,
            "lat": None,
            "lon": None,
            "municipalities": [],
            "organisations": [org_c.slug, org_a_draft.slug],
        },
    )
    indicator = Indicator.objects.create(
        slug="firms", name_it="Imprese", name_en="Firms", unit="count"
    )
    RegionProfile.objects.create(nuts_code="ITH54", name_it="Modena", name_en="Modena")
    Snapshot.objects.create(taken_at=now, trigger="on_demand", figures={})

    users = {
        OTHER: other,
        MEMBER: member,
        ADMIN: admin,
        FACILITATOR: facilitator,
    }
    world = World(
        users=users,
        org_a=org_a.slug,
        org_a_id=org_a.pk,
        org_a_draft=org_a_draft.slug,
        org_a_draft_id=org_a_draft.pk,
        org_b=org_b.slug,
        org_b_id=org_b.pk,
        org_c=org_c.slug,
        org_c_id=org_c.pk,
        person_hidden=person_hidden.pk,
        person_b=person_b.pk,
        profile_draft=profile_draft.pk,
        profile_public=profile_public.pk,
        profile_b=profile_b.pk,
        profile_c=profile_c.pk,
        interest_out=interest_out.pk,
        interest_in=interest_in.pk,
        interest_b=interest_b.pk,
        event=event.slug,
        event_id=event.pk,
        draft_event=draft_event.slug,
        reg_a=reg_a.pk,
        reg_b=reg_b.pk,
        reg_c=reg_c.pk,
        meeting_out=meeting_out.pk,
        meeting_in=meeting_in.pk,
        session=event.sessions.get().pk,
        slot=slots[0].pk,
        participation_type=kind.pk,
        run=run.pk,
        call=call.slug,
        consortium=consortium.pk,
        place_a=place_a.pk,
        place_c=place_c.pk,
        saved_search=saved_search.pk,
        saved_search_b=saved_search_b.pk,
        scenario=scenario.pk,
        indicator=indicator.slug,
    )
    world.write_tokens = {role: _token(user, TokenScope.WRITE) for role, user in users.items()}
    read_token, world.read_token = _issue(admin, TokenScope.READ)
    world.read_token_id = read_token.pk
    world.expired_token = _token(admin, TokenScope.WRITE, expires_at=now - timedelta(days=1))
    world.revoked_token = _token(admin, TokenScope.WRITE, revoked_at=now - timedelta(hours=1))
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world, once per module; rolled back when the module's tests are done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(
                SEARCH_EMBEDDER="none",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            ):
                built = build_world()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
