"""Crash safety: a process killed (SIGKILL) in the middle of its work leaves the database whole.

An import of organisations and a scheduling run are killed while they write or solve;
the database must then be consistent (SQLite: integrity and foreign-key checks), every
record it held before must be there unchanged, nothing of the killed work may be
half-written, and the next run must not be blocked by the dead one.

Each test works on a database of its own (a temporary DISTRETTO_DATA_DIR, or a
throwaway PostgreSQL database when the suite runs on PostgreSQL) through ``distretto``
in a subprocess; it watches the process from outside (its progress bar on a
pseudo-terminal, the run's row in the database) to kill it at the right moment.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from distretto.accounts.services import SYSTEM
from distretto.events import services
from distretto.events.enums import RunStatus
from distretto.events.models import Event, ScheduleRun
from tests.file_database import ROOT, FileDatabase, file_database

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
IMPORT_ROWS = 2500


@pytest.fixture
def database(tmp_path) -> Iterator[FileDatabase]:
    with file_database(tmp_path) as created:
        created.run("migrate", "-v", "0")
        yield created


def assert_consistent(database: FileDatabase) -> None:
    if database.vendor == "sqlite":
        with database.connect() as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], timeout: float = 90) -> None:
    """SIGKILL ``process`` as soon as ``ready()``; fail if it ends or times out first."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the process ended before it could be killed mid-way"
        assert time.monotonic() < deadline, "the process never reached the point to kill it"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


# --- an import killed while it writes --------------------------------------------------------


def write_organisations(path: Path, prefix: str, count: int) -> None:
    lines = ["name,kind,municipality,summary_en,founded"]
    lines += [
        f"{prefix} {n:05d},sme,036022,A firm of the crash test number {n},{1950 + n % 70}"
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Terminal:
    """A command run on a pseudo-terminal, so that it draws its progress bar; read from outside."""

    def __init__(self, database: FileDatabase, *words: str) -> None:
        main, child = pty.openpty()
        self.process = subprocess.Popen(
            database.command(*words),
            env={**database.environment, "COLUMNS": "120"},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=child,
            stderr=child,
        )
        os.close(child)
        self.main = main
        self.screen = b""

    def progress(self, label: str) -> tuple[int, int] | None:
        """The last ``done/total`` drawn after ``label``, reading what the command wrote so far."""
        while select.select([self.main], [], [], 0)[0]:
            try:
                chunk = os.read(self.main, 65536)
            except OSError:  # the command ended: its side of the terminal is closed
                break
            if not chunk:
                break
            self.screen = (self.screen + ANSI.sub(b"", chunk))[-20000:]
        found = re.findall(label.encode() + rb"\D*?(\d+)/(\d+)", self.screen)
        return (int(found[-1][0]), int(found[-1][1])) if found else None

    def close(self) -> None:
        os.close(self.main)


def test_an_import_killed_while_it_writes_leaves_nothing_of_it(database, tmp_path):
    database.run("load", "mirandola")
    before = database.digests()
    assert before["registry_organisation"][0] > 20
    big = tmp_path / "big.csv"
    write_organisations(big, "Crash Test Firm", IMPORT_ROWS)

    terminal = Terminal(database, "import", "organisations", str(big))
    seen: list[tuple[int, int]] = []

    def writing() -> bool:
        progress = terminal.progress("Saving")
        if progress:
            seen.append(progress)
        # Well inside the write transaction: rows are written, the last not yet.
        return progress is not None and 100 <= progress[0] < progress[1]

    try:
        kill_when(terminal.process, writing)
    finally:
        terminal.close()
    assert seen[-1][1] == IMPORT_ROWS

    assert_consistent(database)
    assert database.digests() == before  # every earlier record as it was, nothing added
    assert (
        database.scalar(
            "SELECT count(*) FROM registry_organisation WHERE name LIKE 'Crash Test Firm%'"
        )
        == 0
    )
    # The database takes the next import at once: no lock or half-done state is left.
    small = tmp_path / "small.csv"
    write_organisations(small, "After The Crash", 3)
    assert "Imported 3 organisations." in database.run("import", "organisations", str(small)).stdout


# --- a scheduling run killed while it solves -------------------------------------------------

# An event of 80 participants (each free in two thirds of the 24 slots, at most 10
# meetings) and 400 accepted meetings between them: a few seconds of solving.
EVENT_SCRIPT = """
import random
from datetime import time, timedelta

import django

django.setup()
from django.utils import timezone

from distretto.accounts.services import SYSTEM
from distretto.events import services
from distretto.events.enums import EventStatus, ParticipantKind
from distretto.events.models import Slot
from tests import factories

now = timezone.now()
day = (now + timedelta(days=30)).date()
event = services.create_event(SYSTEM, {
    "name": "Crash Day", "slug": "crash-day", "venue": "Tecnopolo", "starts_on": day,
    "ends_on": day, "meeting_minutes": 20, "tables": 12,
    "registration_opens": now - timedelta(days=1),
    "registration_closes": now + timedelta(days=20),
    "booking_opens": now - timedelta(days=1), "booking_closes": now + timedelta(days=25),
    "approval_required": False, "request_expiry_days": 5,
})
services.save_session(SYSTEM, event, name="Day", day=day, start=time(9), end=time(17))
services.save_participation_type(
    SYSTEM, event, name="Companies", kind=ParticipantKind.COMPANY, limit=None
)
services.set_event_status(SYSTEM, event, EventStatus.PUBLISHED)
slots = list(Slot.objects.filter(session__event=event))
rng = random.Random(7)
people = [
    services.register(SYSTEM, event, factories.OrganisationFactory(name=f"Participant {n:03d}"),
        services.RegistrationData(
            participation_type=event.participation_types.get(), people=[],
            slots=rng.sample(slots, k=len(slots) * 2 // 3), profiles=[], max_meetings=10,
        ), now)
    for n in range(80)
]
pairs = set()
while len(pairs) < 400:
    a, b = rng.sample(range(len(people)), 2)
    pairs.add((min(a, b), max(a, b)))
for a, b in sorted(pairs):
    services.organiser_meeting(
        SYSTEM, people[a], people[b], priority=rng.choice([1, 2, 3]), now=now
    )
"""


def last_run(database: FileDatabase) -> tuple[int, str, float] | None:
    with database.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT id, status, progress FROM events_schedulerun ORDER BY id DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1]), float(row[2])) if row else None


def test_a_scheduling_run_killed_while_it_solves_changes_no_meeting(database):
    database.python(EVENT_SCRIPT)
    # A first run places the meetings: the schedule the killed run must leave as it is.
    first = database.run("events", "run", "crash-day", "--time-limit", "3")
    assert "of 400 meetings scheduled" in first.stdout
    placed = database.scalar("SELECT count(*) FROM events_meeting WHERE slot_id IS NOT NULL")
    assert placed > 200
    before = database.digests()
    last_ids = {
        table: database.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
        for table in ("events_schedulerun", "accounts_auditentry")
        if table in before
    }
    first_run = last_run(database)
    assert first_run is not None and first_run[1] == "done"

    process = subprocess.Popen(
        database.command("events", "run", "crash-day", "--time-limit", "60"),
        env=database.environment,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def solving() -> bool:
        run = last_run(database)
        return run is not None and run[0] != first_run[0] and run[1] == "running" and run[2] > 0

    kill_when(process, solving)

    assert_consistent(database)
    # Everything as it was; only the run's own record (and the audit log's entry for it,
    # if any) was written, and committed, before the solving began.
    grown = ["events_schedulerun", "accounts_auditentry"]
    after = database.digests(exclude=grown)
    assert after == {k: v for k, v in before.items() if k not in grown}
    for table in grown:
        if table in before:
            assert database.digest_of(table, f"id <= {last_ids[table]}") == before[table]
    killed = last_run(database)
    assert killed is not None and killed[1] == "running"  # it died before it could say so
    with database.connect() as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT id, status FROM events_schedulerun ORDER BY id")
        assert cursor.fetchall() == [(first_run[0], "done"), (killed[0], "running")]

    # The dead run does not block the event: the next run sees it is stale and goes ahead.
    again = database.run("events", "run", "crash-day", "--time-limit", "3", check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    with database.connect() as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT status, message FROM events_schedulerun ORDER BY id")
        runs = cursor.fetchall()
    assert [status for status, _ in runs] == ["done", "failed", "done"]
    assert "stopped" in runs[1][1]


# --- when a run counts as lost ----------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def make_event(slug: str) -> Event:
    now = timezone.now()
    return Event.objects.create(
        name=slug,
        slug=slug,
        venue="Tecnopolo",
        starts_on=now.date(),
        ends_on=now.date(),
        registration_opens=now,
        registration_closes=now,
        booking_opens=now,
        booking_closes=now,
    )


def test_a_run_whose_process_is_gone_or_overdue_is_abandoned_and_no_other(transactional_db):
    now = timezone.now()
    here, since = services.this_machine(), now.isoformat()
    overdue = (now - timedelta(seconds=30) - services.RUNNING_GRACE).isoformat()
    workers = {
        "alive-here": ({"host": here, "pid": os.getpid(), "since": since}, False),
        "dead-here": ({"host": here, "pid": dead_pid(), "since": since}, True),
        "elsewhere-recent": ({"host": f"not-{here}", "pid": 1, "since": since}, False),
        "elsewhere-overdue": ({"host": f"not-{here}", "pid": 1, "since": overdue}, True),
    }
    runs = {
        slug: ScheduleRun.objects.create(
            event=make_event(slug),
            status=RunStatus.RUNNING,
            time_limit=20,
            changes={"worker": worker},
        )
        for slug, (worker, _) in workers.items()
    }
    queued = ScheduleRun.objects.create(event=make_event("queued"), time_limit=20)
    # A run that waited long in the queue and now runs in a live process is not lost.
    long_ago = now - timedelta(seconds=21) - services.STALE_AFTER
    ScheduleRun.objects.filter(pk=runs["alive-here"].pk).update(created_at=long_ago)
    runs["alive-here"].refresh_from_db()
    assert services.stale_reason(runs["alive-here"], now) is None
    waited = now + timedelta(seconds=21) + services.STALE_AFTER
    assert {slug: services.stale_reason(run, now) is not None for slug, run in runs.items()} == {
        slug: stale for slug, (_, stale) in workers.items()
    }
    assert services.stale_reason(queued, now) is None  # queued a moment ago: waits for a worker
    assert services.stale_reason(queued, waited) == "Abandoned: no worker carried it out."

    for run in [*runs.values(), queued]:
        services.abandon_stale_runs(run.event)
    assert {
        run.event.slug: (run.status, run.message)
        for run in ScheduleRun.objects.select_related("event")
        if run.status != RunStatus.RUNNING or run.event.slug == "queued"
    } == {
        "dead-here": ("failed", "Abandoned: the process running it stopped before it finished."),
        "elsewhere-overdue": (
            "failed",
            "Abandoned: the process running it stopped before it finished.",
        ),
        "queued": ("queued", ""),
    }
    # The event is free for a new run at once.
    fresh = services.start_schedule(SYSTEM, runs["dead-here"].event, 5, queue=False)
    assert fresh.status == RunStatus.QUEUED
