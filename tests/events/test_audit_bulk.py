"""The audit log sees the events' bulk writes: expired requests, the scheduler's placements."""

from __future__ import annotations

from datetime import timedelta

from distretto.accounts import audit
from distretto.accounts.enums import AuditAction
from distretto.accounts.models import AuditEntry
from distretto.events import services
from distretto.events.enums import MeetingStatus, RunStatus
from tests.events.conftest import NOW
from tests.events.test_services import ask, round_robin, run_schedule  # noqa: F401


def meeting_updates() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(model="events.meeting", action=AuditAction.UPDATE).order_by("pk")
    )


def test_expired_requests_are_logged_one_by_one(member, acme, other):
    meeting = ask(member, acme, other)
    with audit.acting_as("command: events expire"):
        assert services.expire_requests(NOW + timedelta(days=6)) == 1
    [entry] = meeting_updates()
    assert (entry.object_id, entry.actor_label) == (str(meeting.pk), "command: events expire")
    assert (entry.before, entry.after) == (
        {"status": MeetingStatus.REQUESTED},
        {"status": MeetingStatus.EXPIRED},
    )


def test_a_scheduling_run_logs_each_meeting_it_places(
    event,
    facilitator,
    round_robin,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    AuditEntry.objects.filter(model="events.meeting").delete()
    run = run_schedule(facilitator, event, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.message
    placed = meeting_updates()
    assert sorted(int(e.object_id) for e in placed) == sorted(m.pk for m in round_robin["meetings"])
    for entry in placed:
        assert entry.actor_label == "task: schedule_event_task"
        assert entry.before["slot"] is None
        assert entry.after["slot"] is not None
        assert isinstance(entry.after["table"], int)
