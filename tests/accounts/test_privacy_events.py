"""Erasing a participant of a brokerage event keeps the event's meetings and figures."""

from __future__ import annotations

from distretto.accounts import privacy
from distretto.events import services
from distretto.events.models import Meeting, Registration
from distretto.monitor.snapshots import count_figures
from tests import factories
from tests.events.conftest import (  # noqa: F401 - fixtures
    NOW,
    acme,
    draft_event,
    event,
    host,
    other,
    other_organisation,
)


def test_erasure_keeps_meetings_registrations_and_the_districts_counts(
    acme,  # noqa: F811 - the fixture imported above
    other,  # noqa: F811
    org_admin,
    facilitator,
):
    person = factories.PersonFactory(organisation=acme.organisation, full_name="Olga Admin")
    person.user = org_admin
    person.save()
    acme.people.add(person)
    meeting = services.request_meeting(
        org_admin, acme, other, reason="Let us talk", priority=1, now=NOW
    )
    assert meeting.created_by == org_admin
    before = count_figures()

    privacy.erase_personal_data(facilitator, user=org_admin)

    meeting.refresh_from_db()
    assert meeting.created_by is None
    assert (meeting.requester_id, meeting.recipient_id, meeting.reason) == (
        acme.pk,
        other.pk,
        "Let us talk",
    )
    assert Registration.objects.filter(pk=acme.pk).exists()
    assert list(acme.people.all()) == []  # the erased person no longer attends
    assert Meeting.objects.filter(event=acme.event).count() == 1
    assert count_figures() == before
