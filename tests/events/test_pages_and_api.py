"""Pages, API and CLI of brokerage events: who may see and do what, and the main paths.

The services are tested in test_services.py; here every door is checked to call them with
the right user and to refuse others (object-level: guessing ids gets "not found").
"""

from __future__ import annotations

import io
import json
from datetime import date, time, timedelta

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from openpyxl import load_workbook

from distretto.accounts.services import SYSTEM
from distretto.events import services
from distretto.events.enums import MeetingStatus
from distretto.events.models import Event, Meeting, ScheduleRun, Slot
from tests import factories
from tests.api.conftest import bearer
from tests.web.html import parse

pytestmark = pytest.mark.django_db

DAY = date(2030, 5, 14)


@pytest.fixture
def world():
    """An event with two sessions, three firms (two registered), a member each, a facilitator."""
    now = timezone.now()
    event = services.create_event(
        SYSTEM,
        {
            "name": "Matching day",
            "slug": "matching-day",
            "venue": "Tecnopolo",
            "starts_on": DAY,
            "ends_on": DAY,
            "tables": 3,
            "registration_opens": now - timedelta(days=1),
            "registration_closes": now + timedelta(days=5),
            "booking_opens": now - timedelta(days=1),
            "booking_closes": now + timedelta(days=5),
            "approval_required": False,
        },
    )
    services.save_session(SYSTEM, event, name="Morning", day=DAY, start=time(9), end=time(10))
    kind = services.save_participation_type(SYSTEM, event, name="Firm", kind="company", limit=None)
    services.set_event_status(SYSTEM, event, "published")
    slots = list(Slot.objects.filter(session__event=event))
    firms, members, registrations = {}, {}, {}
    for name in ("alpha", "beta", "gamma"):
        organisation = factories.OrganisationFactory(name=f"Firm {name}", slug=name)
        user = factories.UserFactory(username=f"{name}-member")
        factories.MembershipFactory(user=user, organisation=organisation, role="member")
        firms[name], members[name] = organisation, user
        if name != "gamma":
            registrations[name] = services.register(
                user, event, organisation, services.RegistrationData(kind, [], slots, [], 3), now
            )
    meeting = services.request_meeting(
        members["alpha"],
        registrations["alpha"],
        registrations["beta"],
        reason="Membranes",
        priority=2,
        now=now,
    )
    facilitator = factories.UserFactory(username="fac", is_facilitator=True, is_staff=True)
    return {
        "event": event,
        "kind": kind,
        "slots": slots,
        "firms": firms,
        "members": members,
        "registrations": registrations,
        "meeting": meeting,
        "facilitator": facilitator,
        "now": now,
    }


def schedule(world, django_capture_on_commit_callbacks):
    services.answer_meeting(
        world["members"]["beta"], world["meeting"], accept=True, now=world["now"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_schedule(world["facilitator"], world["event"], 5)
    run.refresh_from_db()
    return run


# --- pages ------------------------------------------------------------------------------------


def test_event_pages_are_public_but_drafts_are_not(client, world):
    assert client.get("/en/events/").status_code == 200
    page = parse(client.get("/en/events/matching-day/").content)
    assert page.texts("h1") == ["Matching day"]
    draft = services.create_event(
        SYSTEM,
        {
            "name": "Secret day",
            "slug": "secret-day",
            "venue": "x",
            "starts_on": DAY,
            "ends_on": DAY,
            "registration_opens": world["now"],
            "registration_closes": world["now"] + timedelta(days=1),
            "booking_opens": world["now"],
            "booking_closes": world["now"] + timedelta(days=1),
        },
    )
    assert client.get(f"/en/events/{draft.slug}/").status_code == 404
    assert "Secret day" not in client.get("/en/events/").content.decode()
    client.force_login(world["facilitator"])
    assert client.get(f"/en/events/{draft.slug}/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/en/events/matching-day/manage/",
        "/en/events/matching-day/setup/",
        "/en/events/matching-day/edit/",
        "/en/events/matching-day/manage/grid/",
        "/en/events/matching-day/manage/files/grid.pdf",
        "/en/events/matching-day/manage/files/programme.xlsx",
        "/en/events/matching-day/manage/files/statistics.csv",
    ],
)
def test_organiser_pages_are_not_found_for_members(client, world, path):
    client.force_login(world["members"]["alpha"])
    assert client.get(path).status_code == 404
    client.force_login(world["facilitator"])
    assert client.get(path).status_code == 200


def test_a_participation_is_private_to_its_organisation(client, world):
    alpha = world["registrations"]["alpha"]
    for suffix in ("", "agenda/", "agenda.ics", "agenda.pdf", "edit/"):
        path = f"/en/events/matching-day/r/{alpha.pk}/{suffix}"
        client.force_login(world["members"]["gamma"])
        assert client.get(path).status_code == 404, path
        client.force_login(world["members"]["alpha"])
        assert client.get(path).status_code == 200, path
    client.logout()
    assert client.get(f"/en/events/matching-day/r/{alpha.pk}/").status_code == 302  # log in


def test_a_third_organisation_cannot_answer_or_cancel_by_guessing_ids(client, world):
    meeting = world["meeting"]
    client.force_login(world["members"]["gamma"])
    for action in ("answer", "cancel"):
        response = client.post(f"/en/events/meetings/{meeting.pk}/{action}/", {"answer": "accept"})
        assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_the_requester_cannot_accept_its_own_request(client, world):
    meeting = world["meeting"]
    client.force_login(world["members"]["alpha"])
    response = client.post(f"/en/events/meetings/{meeting.pk}/answer/", {"answer": "accept"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_recipient_accepts_from_its_page_and_the_organiser_schedules(
    client, world, django_capture_on_commit_callbacks
):
    beta = world["registrations"]["beta"]
    client.force_login(world["members"]["beta"])
    page = parse(client.get(f"/en/events/matching-day/r/{beta.pk}/").content)
    assert "Membranes" in " ".join(page.texts(".incoming li"))
    response = client.post(
        f"/en/events/meetings/{world['meeting'].pk}/answer/",
        {"answer": "accept", "next": f"/en/events/matching-day/r/{beta.pk}/"},
    )
    assert response["Location"] == f"/en/events/matching-day/r/{beta.pk}/"
    client.force_login(world["facilitator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/events/matching-day/manage/schedule/", {"time_limit": "5"})
    assert response.status_code == 302
    run = world["event"].schedule_runs.get()
    page = parse(client.get(response["Location"]).content)
    assert run.status == "done"
    assert "1 of 1 accepted meetings" in page.one("#run").text
    meeting = Meeting.objects.get()
    assert meeting.slot is not None and meeting.table in (1, 2, 3)
    grid = parse(client.get("/en/events/matching-day/manage/grid/").content)
    assert "Firm alpha" in grid.one(".event-grid").text


def test_request_form_names_the_problem(client, world):
    alpha, beta = world["registrations"]["alpha"], world["registrations"]["beta"]
    client.force_login(world["members"]["alpha"])
    # A second request while the first is open: refused on the form, nothing created.
    response = client.post(
        f"/en/events/matching-day/r/{alpha.pk}/meet/{beta.pk}/", {"reason": "", "priority": "1"}
    )
    assert response.status_code == 200
    assert "already a request or a meeting" in response.content.decode()
    assert Meeting.objects.count() == 1
    # Hostile text is shown as text.
    services.cancel_meeting(world["members"]["alpha"], world["meeting"])
    client.post(
        f"/en/events/matching-day/r/{alpha.pk}/meet/{beta.pk}/",
        {"reason": "<script>alert(1)</script>", "priority": "1"},
    )
    client.force_login(world["members"]["beta"])
    content = client.get(f"/en/events/matching-day/r/{beta.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_agenda_downloads(client, world, django_capture_on_commit_callbacks):
    schedule(world, django_capture_on_commit_callbacks)
    alpha = world["registrations"]["alpha"]
    client.force_login(world["members"]["alpha"])
    response = client.get(f"/en/events/matching-day/r/{alpha.pk}/agenda.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    meeting = Meeting.objects.get()
    assert vevent.decoded("DTSTART") == meeting.slot.starts_at
    assert "Firm beta" in str(vevent["SUMMARY"])
    pdf = client.get(f"/en/events/matching-day/r/{alpha.pk}/agenda.pdf")
    assert pdf.content.startswith(b"%PDF")
    client.force_login(world["facilitator"])
    xlsx = client.get("/en/events/matching-day/manage/files/programme.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert any("Firm alpha" in str(c.value) for row in book.worksheets[0].iter_rows() for c in row)
    csv = client.get("/en/events/matching-day/manage/files/statistics.csv").content.decode()
    assert "Scheduled,1" in csv.replace('"', "")


# --- API ----------------------------------------------------------------------------------------


def test_api_reads_events_and_hides_private_data(client, world):
    assert [e["slug"] for e in client.get("/api/v1/events").json()] == ["matching-day"]
    detail = client.get("/api/v1/events/matching-day").json()
    assert len(detail["sessions"][0]["slots"]) == 3
    assert client.get("/api/v1/events/matching-day/participants").status_code == 401
    gamma = bearer(world["members"]["gamma"])
    alpha_id = world["registrations"]["alpha"].pk
    assert (
        client.get(
            f"/api/v1/events/matching-day/registrations/{alpha_id}/meetings", headers=gamma
        ).status_code
        == 404
    )
    assert client.get("/api/v1/events/matching-day/statistics", headers=gamma).status_code == 404


def test_api_meeting_request_answer_and_schedule(client, world, django_capture_on_commit_callbacks):
    alpha, beta = world["registrations"]["alpha"], world["registrations"]["beta"]
    services.cancel_meeting(world["members"]["alpha"], world["meeting"])
    created = client.post(
        "/api/v1/events/matching-day/meetings",
        json.dumps({"requester": alpha.pk, "recipient": beta.pk, "reason": "x", "priority": 3}),
        content_type="application/json",
        headers=bearer(world["members"]["alpha"]),
    )
    assert created.status_code == 201, created.content
    meeting_id = created.json()["id"]
    # To oneself: refused, naming the field.
    itself = client.post(
        "/api/v1/events/matching-day/meetings",
        json.dumps({"requester": alpha.pk, "recipient": alpha.pk}),
        content_type="application/json",
        headers=bearer(world["members"]["alpha"]),
    )
    assert itself.status_code == 422
    assert itself.json()["detail"][0]["field"] == "recipient"
    answered = client.post(
        f"/api/v1/event-meetings/{meeting_id}/answer",
        json.dumps({"answer": "accept"}),
        content_type="application/json",
        headers=bearer(world["members"]["beta"]),
    )
    assert answered.json()["status"] == "accepted"
    member_try = client.post(
        "/api/v1/events/matching-day/schedule",
        json.dumps({"time_limit": 5}),
        content_type="application/json",
        headers=bearer(world["members"]["alpha"]),
    )
    assert member_try.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        run = client.post(
            "/api/v1/events/matching-day/schedule",
            json.dumps({"time_limit": 5}),
            content_type="application/json",
            headers=bearer(world["facilitator"]),
        )
    assert run.status_code == 202
    result = client.get(
        f"/api/v1/events/matching-day/runs/{run.json()['id']}",
        headers=bearer(world["facilitator"]),
    ).json()
    assert (result["status"], result["scheduled"]) == ("done", 1)
    assert result["upper_bound"] >= result["objective"] == 3


def test_api_registration_refuses_unknown_slots(client, world):
    gamma = world["firms"]["gamma"]
    response = client.post(
        "/api/v1/events/matching-day/registrations",
        json.dumps(
            {
                "organisation": gamma.slug,
                "participation_type": world["kind"].pk,
                "available_slots": [999999],
            }
        ),
        content_type="application/json",
        headers=bearer(world["members"]["gamma"]),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "available_slots"
    assert not world["event"].registrations.filter(organisation=gamma).exists()


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_run_expire_and_follow_ups(world, mailoutbox, django_capture_on_commit_callbacks):
    services.answer_meeting(
        world["members"]["beta"], world["meeting"], accept=True, now=world["now"]
    )
    out = io.StringIO()
    call_command("events_run", "matching-day", "--time-limit", "5", stdout=out)
    assert "1 of 1 meetings scheduled" in out.getvalue()
    assert Meeting.objects.get().slot is not None
    out = io.StringIO()
    call_command("events_expire", stdout=out)
    assert "0 requests expired" in out.getvalue()
    Event.objects.filter(pk=world["event"].pk).update(
        starts_on=date(2020, 1, 1), ends_on=date(2020, 1, 1)
    )
    world["members"]["alpha"].email = "alpha@example.org"
    world["members"]["alpha"].save()
    out = io.StringIO()
    call_command("events_follow_ups", stdout=out)
    assert "follow-up" in out.getvalue()
    assert any("alpha@example.org" in m.to for m in mailoutbox)
    with pytest.raises(Exception, match="No such event"):
        call_command("events_run", "no-such-event")


def test_a_run_is_carried_out_once_and_a_lost_one_stops_blocking(world):
    services.answer_meeting(
        world["members"]["beta"], world["meeting"], accept=True, now=world["now"]
    )
    run = services.start_schedule(world["facilitator"], world["event"], 5, queue=False)
    # Queued and not yet taken: a second run is refused.
    with pytest.raises(ValidationError) as refused:
        services.start_schedule(world["facilitator"], world["event"], 5, queue=False)
    assert list(refused.value.message_dict) == ["event"]
    assert services.execute_schedule(run.pk).status == "done"
    # A second worker picking the same run does nothing.
    placed = Meeting.objects.get().slot_id
    ScheduleRun.objects.filter(pk=run.pk).update(scheduled=0)
    assert services.execute_schedule(run.pk).scheduled == 0
    assert Meeting.objects.get().slot_id == placed
    # A run left queued long past its limit (no worker) no longer blocks a new one.
    lost = services.start_schedule(world["facilitator"], world["event"], 5, queue=False)
    ScheduleRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    services.start_schedule(world["facilitator"], world["event"], 5, queue=False)
    lost.refresh_from_db()
    assert lost.status == "failed"


def test_event_changes_that_would_break_its_programme_are_refused(world):
    event, organiser = world["event"], world["facilitator"]
    fields = ("starts_on", "ends_on")
    later = {name: DAY + timedelta(days=3) for name in fields}
    with pytest.raises(ValidationError) as outside:
        services.update_event(organiser, event, later)
    assert "starts_on" in outside.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        services.update_event(organiser, Event.objects.get(pk=event.pk), {"meeting_minutes": 90})
    assert "meeting_minutes" in too_long.value.message_dict
    assert Slot.objects.filter(session__event=event).count() == 3  # nothing changed


def test_only_facilitators_change_who_organises(world):
    host = world["firms"]["alpha"]
    admin = factories.UserFactory(username="alpha-admin")
    factories.MembershipFactory(user=admin, organisation=host, role="admin")
    event = world["event"]
    services.update_event(world["facilitator"], event, {"organiser": host})
    with pytest.raises(ValidationError) as refused:
        services.update_event(admin, event, {"organiser": world["firms"]["gamma"]})
    assert list(refused.value.message_dict) == ["organiser"]
    assert Event.objects.get(pk=event.pk).organiser == host


def test_requests_expire_at_the_latest_when_booking_closes(world):
    event = world["event"]
    Event.objects.filter(pk=event.pk).update(booking_closes=world["now"] + timedelta(hours=2))
    event.refresh_from_db()
    services.cancel_meeting(world["members"]["alpha"], world["meeting"])
    alpha, beta = world["registrations"]["alpha"], world["registrations"]["beta"]
    alpha.event, beta.event = event, event
    meeting = services.request_meeting(
        world["members"]["alpha"], alpha, beta, reason="", priority=1, now=world["now"]
    )
    assert meeting.expires_at == event.booking_closes


def test_outcomes_wait_for_the_meeting_and_follow_ups_come_once(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    run = schedule(world, django_capture_on_commit_callbacks)
    assert run.status == "done"
    meeting = Meeting.objects.get()
    alpha = world["registrations"]["alpha"]
    with pytest.raises(ValidationError) as early:
        services.report_meeting(
            world["members"]["alpha"], meeting, alpha, took_place=True, outcome="further_contact"
        )
    assert list(early.value.message_dict) == ["meeting"]
    after = meeting.slot.ends_at + timedelta(hours=1)
    services.report_meeting(
        world["members"]["alpha"],
        meeting,
        alpha,
        took_place=True,
        outcome="signed",
        agreement_type="supplier",
        now=after,
    )
    meeting.refresh_from_db()
    assert meeting.tie.kind == "meeting_outcome"
    # Seven months after the event, with no prompt sent before: one e-mail per participant,
    # the 6-month one.
    world["members"]["alpha"].email = "alpha@example.org"
    world["members"]["alpha"].save()
    seven_months = timezone.make_aware(timezone.datetime(2030, 12, 20, 9))
    assert services.send_follow_ups(seven_months) == 2
    (mail,) = [m for m in mailoutbox if "alpha@example.org" in m.to]
    assert "6" in mail.body
    assert services.send_follow_ups(seven_months) == 0


def test_an_unscheduled_meeting_says_why_in_the_users_language(
    world, django_capture_on_commit_callbacks
):
    alpha, beta = world["registrations"]["alpha"], world["registrations"]["beta"]
    slots = world["slots"]
    for registration, chosen in ((alpha, slots[:1]), (beta, slots[1:])):
        services.update_registration(
            world["facilitator"],
            registration,
            services.RegistrationData(world["kind"], [], chosen, [], 3),
        )
    with translation.override("it"):
        run = schedule(world, django_capture_on_commit_callbacks)
    meeting = Meeting.objects.get()
    assert (run.scheduled, meeting.slot) == (0, None)
    assert meeting.unscheduled_reason == "I due non hanno fasce orarie disponibili in comune."
    assert run.changes["unscheduled"] == [
        {"meeting": meeting.pk, "reason": meeting.unscheduled_reason}
    ]


def test_the_organiser_checks_participants_in_and_marks_no_shows(client, world):
    alpha, beta = world["registrations"]["alpha"], world["registrations"]["beta"]
    url = "/en/events/matching-day/manage/registrations/{}/"
    client.force_login(world["members"]["alpha"])
    assert client.post(url.format(alpha.pk), {"action": "check_in"}).status_code == 404
    client.force_login(world["facilitator"])
    client.post(url.format(alpha.pk), {"action": "check_in"})
    client.post(url.format(beta.pk), {"action": "no_show"})
    client.post(url.format(beta.pk), {"action": "booth", "booth": "99"})
    alpha.refresh_from_db()
    beta.refresh_from_db()
    assert alpha.checked_in_at is not None and not alpha.no_show
    assert beta.no_show and beta.checked_in_at is None
    assert beta.booth is None  # 99 is beyond the event's 3 tables: refused
    page = parse(client.get("/en/events/matching-day/manage/").content)
    assert "checked in" in page.one("table.registrations").text
