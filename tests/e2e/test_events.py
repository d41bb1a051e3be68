"""A brokerage event in the browser: the organiser sets it up, two firms register, one asks the
other for a meeting and it is accepted, the organiser schedules, the firms download their
agenda as iCal and PDF."""

from __future__ import annotations

import random
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distretto.accounts.services import SYSTEM
from distretto.events import services
from distretto.events.models import Event, Meeting, Slot
from distretto.registry.models import Organisation
from tests import factories
from tests.e2e.test_visitor import Watch

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(transactional_db):
    from distretto.registry.dataset import load_dataset

    load_dataset("mirandola")
    factories.UserFactory(username="organiser", is_facilitator=True, is_staff=True)
    firms = {}
    for slug in ("eurosets", "emotech"):
        organisation = Organisation.objects.get(slug=slug)
        user = factories.UserFactory(username=f"{slug}-member")
        factories.MembershipFactory(user=user, organisation=organisation, role="member")
        firms[slug] = organisation
    return firms


def add_registered_firms(event, count):
    kind = event.participation_types.get()
    slots = list(Slot.objects.filter(session__event=event))
    return [
        services.register(
            SYSTEM,
            event,
            factories.OrganisationFactory(name=f"Synthetic firm {n:02d}"),
            services.RegistrationData(kind, [], slots, [], 5),
            timezone.now(),
        )
        for n in range(1, count + 1)
    ]


def log_in(page, base, username, next_path):
    page.goto(f"{base}/en/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_organiser_and_participants(browser, live_server, screenshots, accounts, tmp_path):
    base = live_server.url
    host = urlsplit(base).netloc
    now = timezone.now()
    day = (now + timedelta(days=20)).date()

    # The organiser creates the event, its sessions and a participation type, and publishes.
    organiser = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(organiser, host)
    log_in(organiser, base, "organiser", "/en/events/new/")
    expect(organiser.locator("h1")).to_have_text("New event")
    organiser.locator("#id_name").fill("Distretti Day test")
    organiser.get_by_label("Address name").fill("distretti-day-test")
    organiser.get_by_label("Venue").fill("Mirandola, Auditorium")
    organiser.get_by_label("First day").fill(day.isoformat())
    organiser.get_by_label("Last day").fill(day.isoformat())
    organiser.get_by_label("Tables").fill("35")
    organiser.get_by_label("Registration opens").fill(local(now - timedelta(days=1)))
    organiser.get_by_label("Registration closes").fill(local(now + timedelta(days=10)))
    organiser.get_by_label("Meeting requests open").fill(local(now - timedelta(days=1)))
    organiser.get_by_label("Meeting requests close").fill(local(now + timedelta(days=15)))
    organiser.get_by_label("Organiser approves registrations").uncheck()
    organiser.get_by_role("button", name="Save").click()
    expect(organiser.locator("h1")).to_have_text("Sessions and participation types")
    organiser.locator("#id_session-name").fill("Morning")
    organiser.locator("#id_session-day").fill(day.isoformat())
    organiser.locator("#id_session-start").fill("09:00")
    organiser.locator("#id_session-end").fill("11:00")
    organiser.locator("#id_session-breaks").fill("10:00-10:20")
    organiser.get_by_role("button", name="Add the session").click()
    expect(organiser.get_by_role("cell", name="Morning")).to_be_visible()
    organiser.locator("#id_type-name").fill("Company")
    organiser.locator("#id_type-kind").select_option("company")
    organiser.get_by_role("button", name="Add the type").click()
    organiser.get_by_label("Change to").select_option("published")
    organiser.get_by_role("button", name="Apply").click()
    expect(organiser.get_by_text("The event is now: Published.")).to_be_visible()
    organiser.screenshot(path=screenshots / "event-setup-en.png", full_page=True)
    event = Event.objects.get(slug="distretti-day-test")
    # 09:00-10:00 gives three 20-minute slots, the break, then 10:20-11:00 two more.
    assert [
        s.starts_at.astimezone(timezone.get_current_timezone()).strftime("%H:%M")
        for s in event.sessions.get().slots.all()
    ] == ["09:00", "09:20", "09:40", "10:20", "10:40"]

    # Two firms register, each in its own browser.
    pages = {}
    for slug in ("eurosets", "emotech"):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        Watch(page, host)
        log_in(page, base, f"{slug}-member", f"/en/events/{event.slug}/register/")
        expect(page.locator("h1")).to_have_text("Register")
        page.get_by_label("Participation type").select_option(label="Company")
        for box in page.locator("input[name=available_slots]").all():
            box.check()
        page.get_by_label("Maximum number of meetings").fill("4")
        if slug == "eurosets":
            page.screenshot(path=screenshots / "event-register-en.png", full_page=True)
        page.get_by_role("button", name="Register").click()
        expect(page.locator("h1")).to_have_text(accounts[slug].name)
        pages[slug] = page

    # Eurosets finds Emotech among the participants and asks for a meeting.
    eurosets = pages["eurosets"]
    eurosets.get_by_role("link", name="All participants").click()
    card = eurosets.locator(".participant-card", has_text="Emotech")
    card.get_by_role("link", name="Ask for a meeting").click()
    eurosets.get_by_label("Why meet").fill("Membranes for our oxygenators")
    eurosets.get_by_label("Priority").select_option("3")
    eurosets.get_by_role("button", name="Send the request").click()
    expect(eurosets.get_by_text("Your request has been sent to Emotech.")).to_be_visible()

    # Emotech sees the request waiting and accepts it.
    emotech = pages["emotech"]
    emotech.reload()
    waiting = emotech.locator(".incoming li.item", has_text="Eurosets")
    expect(waiting).to_contain_text("Membranes for our oxygenators")
    emotech.screenshot(path=screenshots / "event-participant-en.png", full_page=True)
    waiting.get_by_role("button", name="Accept").click()
    expect(emotech.get_by_text("The meeting is accepted.")).to_be_visible()

    # The rest of a Distretti-Day-sized event (70 enterprises): 68 more registered firms
    # (synthetic, made here) and 150 accepted meetings between them.
    crowd = add_registered_firms(event, 68)
    rng = random.Random(5)
    pairs = set()
    while len(pairs) < 150:
        pairs.add(tuple(sorted(rng.sample(range(len(crowd)), 2))))
    for a, b in sorted(pairs):
        services.organiser_meeting(
            SYSTEM, crowd[a], crowd[b], priority=rng.randint(1, 3), now=timezone.now()
        )

    # The organiser schedules; the run page reports the result and the bound.
    organiser.goto(f"{base}/en/events/{event.slug}/manage/")
    organiser.get_by_role("button", name="Schedule the meetings").click()
    expect(organiser.locator("#run")).to_contain_text("of 151 accepted meetings")
    expect(organiser.locator("#run")).to_contain_text("Best possible (upper bound)")
    organiser.screenshot(path=screenshots / "event-schedule-run-en.png", full_page=True)
    organiser.get_by_role("link", name="See the grid").click()
    expect(organiser.locator(".event-grid")).to_contain_text("Eurosets")
    organiser.screenshot(path=screenshots / "event-grid-en.png", full_page=True)
    meeting = Meeting.objects.get(requester__organisation__slug="eurosets")
    assert meeting.slot is not None and meeting.table is not None
    assert Meeting.objects.filter(slot__isnull=False).count() > 100

    # Emotech opens its agenda and downloads it for its calendar and to print.
    emotech.goto(f"{base}/en/events/{event.slug}/")
    emotech.get_by_role("link", name="Emotech", exact=True).click()
    emotech.get_by_role("link", name="Your agenda").click()
    expect(emotech.locator("table.agenda")).to_contain_text("Eurosets")
    emotech.screenshot(path=screenshots / "event-agenda-en.png", full_page=True)
    with emotech.expect_download() as download:
        emotech.get_by_role("link", name="Add to your calendar (iCal)").click()
    calendar = icalendar.Calendar.from_ical(download.value.path().read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    assert "Eurosets" in str(events[0]["SUMMARY"])
    assert events[0].decoded("DTSTART") == meeting.slot.starts_at
    with emotech.expect_download() as download:
        emotech.get_by_role("link", name="Printable PDF").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert watch.problems == []
    for page in (organiser, *pages.values()):
        page.close()
