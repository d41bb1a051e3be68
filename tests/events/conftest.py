"""Brokerage-event fixtures: a published one-day event with one session, and its participants.

Everything is set up through the services, as the organiser would; the clock is fixed
(``NOW``) inside the registration and booking windows.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from distretto.events import services
from distretto.events.enums import EventStatus, ParticipantKind
from distretto.events.models import Event, Registration, Slot
from distretto.registry.models import Organisation
from tests import factories

ROME = ZoneInfo("Europe/Rome")
EVENT_DAY = date(2026, 6, 10)
# Registration: 1 April - 1 June; meeting requests: 15 April - 9 June; the event: 10 June.
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=ROME)


def rome(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


def event_data(**overrides) -> dict:
    data = {
        "name": "MedTech Brokerage Day",
        "slug": "medtech-brokerage-day",
        "venue": "Tecnopolo Mirandola",
        "starts_on": EVENT_DAY,
        "ends_on": EVENT_DAY,
        "meeting_minutes": 20,
        "tables": 10,
        "registration_opens": rome(date(2026, 4, 1), 9),
        "registration_closes": rome(date(2026, 6, 1), 18),
        "booking_opens": rome(date(2026, 4, 15), 9),
        "booking_closes": rome(date(2026, 6, 9), 18),
        "approval_required": True,
        "request_expiry_days": 5,
    }
    data.update(overrides)
    return data


def all_slots(event: Event) -> list[Slot]:
    return list(Slot.objects.filter(session__event=event).order_by("starts_at"))


def join(
    event: Event,
    organisation: Organisation,
    by,
    *,
    slots: list[Slot] | None = None,
    max_meetings: int | None = None,
) -> Registration:
    """Register ``organisation`` as the organiser does it: approved at once."""
    return services.register(
        by,
        event,
        organisation,
        services.RegistrationData(
            participation_type=event.participation_types.get(name="Companies"),
            people=[],
            slots=all_slots(event) if slots is None else slots,
            profiles=[],
            max_meetings=max_meetings,
        ),
        NOW,
    )


@pytest.fixture
def host(db):
    """The organisation that runs the event."""
    return factories.OrganisationFactory(name="Distretto Agency")


@pytest.fixture
def host_admin(host):
    """An administrator of the host organisation: an organiser without being a facilitator."""
    user = factories.UserFactory(username="hostadmin")
    factories.MembershipFactory(user=user, organisation=host, role="admin")
    return user


@pytest.fixture
def draft_event(facilitator, host):
    """A draft event with one session 09:00-11:00 and a break 10:00-10:20: five 20' slots."""
    event = services.create_event(facilitator, event_data(organiser=host))
    services.save_session(
        facilitator,
        event,
        name="Morning",
        day=EVENT_DAY,
        start=time(9, 0),
        end=time(11, 0),
        breaks=[(time(10, 0), time(10, 20))],
    )
    services.save_participation_type(
        facilitator, event, name="Companies", kind=ParticipantKind.COMPANY, limit=None
    )
    return event


@pytest.fixture
def event(facilitator, draft_event):
    return services.set_event_status(facilitator, draft_event, EventStatus.PUBLISHED)


@pytest.fixture
def other_organisation(other_member):
    return other_member.memberships.get().organisation


@pytest.fixture
def outsider(db):
    """A member of a third organisation, registered at the event but party to nothing."""
    third = factories.OrganisationFactory(name="Third Party")
    user = factories.UserFactory(username="outsider")
    factories.MembershipFactory(user=user, organisation=third, role="admin")
    return user


@pytest.fixture
def acme(event, organisation, facilitator):
    """Acme Medical's approved registration (its members: ``member`` and ``org_admin``)."""
    return join(event, organisation, facilitator)


@pytest.fixture
def other(event, other_organisation, facilitator):
    """Other Firm's approved registration (its admin: ``other_member``)."""
    return join(event, other_organisation, facilitator)


@pytest.fixture
def third(event, outsider, facilitator):
    """Third Party's approved registration (its admin: ``outsider``)."""
    return join(event, outsider.memberships.get().organisation, facilitator)
