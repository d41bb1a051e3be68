"""The records schemathesis works on: run in the server's database before the server starts.

``python tests/security/api_world.py`` with the server's environment (DISTRETTO_DATA_DIR,
DATABASE_URL) loads the Mirandola dataset, adds a published brokerage event with two
registrations and a meeting request, an offer with an expression of interest and a saved
search (test records, made with the test factories and the services), issues a write
token for a facilitator, and prints the identifiers as JSON for schemathesis' config.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")


def build() -> dict[str, object]:
    import django

    django.setup()
    from django.utils import timezone

    from distretto.accounts.enums import TokenScope
    from distretto.accounts.services import issue_api_token
    from distretto.alerts.services import save_search
    from distretto.events import services as events
    from distretto.events.enums import EventStatus, ParticipantKind
    from distretto.registry.dataset import load_dataset
    from distretto.registry.models import Organisation
    from tests import factories
    from tests.events.conftest import event_data, join, rome

    load_dataset("mirandola")
    fuzzer = factories.UserFactory(username="fuzzer", is_facilitator=True, is_staff=True)
    _token, key = issue_api_token(fuzzer, "fuzzer", "schemathesis", scope=TokenScope.WRITE)
    first, second = Organisation.objects.order_by("pk")[:2]
    day = timezone.localdate() + __import__("datetime").timedelta(days=60)
    event = events.create_event(
        fuzzer,
        event_data(
            organiser=first,
            starts_on=day,
            ends_on=day,
            registration_opens=rome(date.today(), 0),
            registration_closes=rome(day, 0),
            booking_opens=rome(date.today(), 0),
            booking_closes=rome(day, 0),
        ),
    )
    events.save_session(
        fuzzer, event, name="Morning", day=day, start=time(9, 0), end=time(11, 0), breaks=[]
    )
    events.save_participation_type(
        fuzzer, event, name="Companies", kind=ParticipantKind.COMPANY, limit=None
    )
    event = events.set_event_status(fuzzer, event, EventStatus.PUBLISHED)
    one, two = join(event, first, fuzzer), join(event, second, fuzzer)
    meeting = events.request_meeting(
        fuzzer, one, two, reason="Test meeting", priority=1, now=timezone.now()
    )
    profile = factories.CooperationProfileFactory(owner=first)
    interest = factories.ExpressionOfInterestFactory(profile=profile, from_organisation=second)
    saved = save_search(fuzzer, {"q": "sterilizzazione"})
    return {
        "key": key,
        "organisation": first.slug,
        "event": event.slug,
        "registration_id": one.pk,
        "meeting_id": meeting.pk,
        "profile_id": profile.pk,
        "interest_id": interest.pk,
        "saved_id": saved.pk,
    }


if __name__ == "__main__":
    print(json.dumps(build()))
