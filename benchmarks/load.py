"""Load benchmark: a real server under concurrent users, then a check of the database.

Runs the production shape on one machine: a fresh PostgreSQL database
(``distretto_load``, dropped and created again each run, beside the one named by
``--database-url``), migrated and loaded with the Mirandola dataset
(``distretto load mirandola``), plus clearly labelled synthetic benchmark data
made with the project's services (never in the default dataset): organisations
"Benchmark organisation NN", users "bench-member-NN" who administer them, a
facilitator "bench-organiser", and an open brokerage event "Synthetic benchmark
brokerage event" where the benchmark organisations are registered.

gunicorn then serves it with several worker processes, beside one task worker
(``distretto worker``: the tasks backend is the database, so no background work is
lost), and a driver in another process runs the simulated users on loopback for
a bounded time:

* visitors browse the home page, the directory, organisation pages, events, the
  network and the monitor, and search (the page and ``/api/v1/search``);
* members log in (the login page), ask other participants for meetings and
  accept the requests they receive (the events API), and edit their
  organisation's profile through the web form with the version it was opened
  with: several members of one organisation edit it at once, and each edit is
  either saved or refused with the conflict message;
* the organiser accepts requests for the participants without members and
  places accepted meetings at random slots and tables (the organiser's form),
  which races with the other placements.

It prints requests per second, p50/p95/p99 latency (pages, API reads, writes,
logins) and errors (any 5xx, connection error or unexpected status), then checks
the database: no participant with two meetings in one slot, no table with two
meetings in one slot, one open request per pair, every acknowledged edit present
or superseded by a later acknowledged one (the versions of the acknowledged
edits of an organisation form one unbroken chain, and its stored text is the
last one's), every refused edit answered with the conflict message, no 500 in
gunicorn's logs and no failed background task. Exits 1 if a check fails.
Writes ``benchmarks/results/load.json``.

Target on a 2-core machine (server and driver share it): p95 <= 300 ms for pages
and API reads, zero errors, zero lost data.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--users 50] [--workers 3]
        [--threads 1] [--think 1.0] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

# ruff: noqa: S603 - it starts our own programs (distretto, gunicorn, itself), fixed arguments

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
DATABASE = "distretto_load"
# The synthetic accounts' password, in a database dropped at the end.
PASSWORD = "bench-" + "load-password-42"
CONFLICT = "Someone else saved this organisation after you opened it"
TARGET_P95_MS = 300.0
# Benchmark organisations registered at the event, and how many members edit each one.
REGISTERED = 40
MEMBERS_PER_ORGANISATION = 3
SEARCHES = [
    "dialysis",
    "emodialisi",
    "plastic injection moulding",
    "sterilizzazione",
    "biomedical sensors",
    "cardiac surgery devices",
    "stampaggio",
    "clean room",
]


# --- the database and the server ----------------------------------------------------------


def fresh_database(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return admin_url.rsplit("/", 1)[0] + "/" + DATABASE


def server_env(database_url: str, data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DISTRETTO_DATA_DIR": data_dir,
            "DISTRETTO_SECRET_KEY": secrets.token_urlsafe(40),
            "DISTRETTO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DISTRETTO_TASKS_BACKEND": "database",
            "DISTRETTO_LOG_LEVEL": "WARNING",
            # All simulated users share one address: the per-address API limit would
            # throttle the visitors as one.
            "DISTRETTO_API_RATE_ANONYMOUS": "1000000/min",
            "DISTRETTO_API_RATE_USER": "1000000/min",
            "DJANGO_SETTINGS_MODULE": "distretto.settings",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/en/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


# --- set-up (run in a child process with Django) -----------------------------------------------


def setup(plan_path: str) -> None:
    """Synthetic benchmark data through the project's services; writes the driver's plan."""
    import django

    django.setup()
    from datetime import time as clock
    from datetime import timedelta

    from django.utils import timezone

    from distretto.accounts.enums import MembershipRole
    from distretto.accounts.models import User
    from distretto.accounts.services import SYSTEM, add_membership, create_facilitator
    from distretto.events import services as events
    from distretto.events.enums import EventStatus, ParticipantKind
    from distretto.events.models import Slot
    from distretto.registry import services as registry
    from distretto.registry.enums import Status
    from distretto.registry.models import Organisation

    organiser, _password = create_facilitator(SYSTEM, "bench-organiser", password=PASSWORD)
    now = timezone.now()
    day = timezone.localdate() + timedelta(days=20)
    event = events.create_event(
        organiser,
        {
            "name": "Synthetic benchmark brokerage event",
            "slug": "synthetic-benchmark-event",
            "description": "Synthetic data of the load benchmark.",
            "venue": "Benchmark venue",
            "starts_on": day,
            "ends_on": day,
            "meeting_minutes": 20,
            "tables": 10,
            "registration_opens": now - timedelta(days=1),
            "registration_closes": now + timedelta(days=10),
            "booking_opens": now - timedelta(days=1),
            "booking_closes": now + timedelta(days=10),
            "approval_required": False,
            "request_expiry_days": 5,
            "default_max_meetings": 20,
        },
    )
    events.save_session(
        organiser, event, name="Morning", day=day, start=clock(9, 0), end=clock(13, 0)
    )
    kind = events.save_participation_type(
        organiser, event, name="Companies", kind=ParticipantKind.COMPANY, limit=None
    )
    events.set_event_status(organiser, event, EventStatus.PUBLISHED)
    slots = list(Slot.objects.filter(session__event=event).order_by("starts_at"))

    organisations, registrations, members = [], [], []
    for n in range(1, REGISTERED + 1):
        organisation = registry.create_organisation(
            organiser,
            {
                "name": f"Benchmark organisation {n:02d}",
                "kind": "sme",
                "summary_en": f"Synthetic record {n} of the load benchmark",
                "summary_it": f"Record sintetico {n} del benchmark di carico",
                "source": "Synthetic benchmark data.",
            },
        )
        registry.set_status(organiser, organisation, Status.PUBLISHED)
        registration = events.register(
            organiser,
            event,
            organisation,
            events.RegistrationData(
                participation_type=kind, people=[], slots=slots, profiles=[], max_meetings=None
            ),
            now,
        )
        organisations.append(organisation.slug)
        registrations.append(registration.pk)
    # Members: MEMBERS_PER_ORGANISATION administrators for each of the first organisations.
    for n in range(1, 61):
        index = (n - 1) // MEMBERS_PER_ORGANISATION
        user = User.objects.create_user(username=f"bench-member-{n:02d}", password=PASSWORD)
        organisation = Organisation.objects.get(slug=organisations[index])
        add_membership(organiser, user, organisation, MembershipRole.ADMIN)
        members.append(
            {
                "username": user.username,
                "organisation": organisations[index],
                "registration": registrations[index],
            }
        )
    published = list(
        Organisation.objects.filter(status=Status.PUBLISHED)
        .exclude(slug__in=organisations)
        .values_list("slug", flat=True)
    )
    plan = {
        "event": event.slug,
        "organiser": "bench-organiser",
        "members": members,
        "registrations": registrations,
        "organisations": organisations,
        "published": published,
        "slots": [s.pk for s in slots],
        "tables": event.tables,
    }
    Path(plan_path).write_text(json.dumps(plan), encoding="utf-8")


# --- the driver (run in its own process) -------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[str, str, int, float]] = []  # category, name, status, ms
        self.errors: Counter[str] = Counter()
        self.edits: list[dict[str, Any]] = []
        self.refused_without_message = 0
        self.actions: Counter[str] = Counter()

    def add(self, category: str, name: str, status: int, ms: float, ok: bool) -> None:
        with self.lock:
            self.samples.append((category, name, status, ms))
            if not ok:
                self.errors[f"{name} {status}"] += 1


class User:
    """One simulated user: a requests session and a think time.

    Members and the organiser log in first; then every user waits at ``gate`` and runs
    until ``window["stop"]`` (the measured window, after the logins).
    """

    def __init__(
        self,
        base: str,
        plan: dict,
        rec: Recorder,
        gate: threading.Barrier,
        window: dict[str, float],
        think: float,
        seed: int,
    ):
        import requests

        self.base, self.plan, self.rec, self.think = base, plan, rec, think
        self.gate, self.window = gate, window
        self.http = requests.Session()
        self.rng = random.Random(seed)  # noqa: S311 (simulated behaviour, not security)

    def call(
        self, category: str, name: str, method: str, path: str, expect: tuple[int, ...], **kw: Any
    ) -> Any:
        import requests

        start = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=30, allow_redirects=False, **kw
            )
        except requests.RequestException as error:
            self.rec.add(category, name, 0, (time.perf_counter() - start) * 1000, False)
            with self.rec.lock:
                self.rec.errors[f"{name} connection error: {str(error)[-120:]}"] += 1
            return None
        ms = (time.perf_counter() - start) * 1000
        self.rec.add(category, name, response.status_code, ms, response.status_code in expect)
        return response

    def pause(self) -> None:
        wanted = min(self.rng.expovariate(1 / self.think), 4 * self.think) if self.think else 0
        time.sleep(max(0.0, min(wanted, self.window["stop"] - time.monotonic())))

    def csrf(self) -> str:
        return str(self.http.cookies.get("csrftoken", ""))

    def browse(self) -> None:
        plan, rng = self.plan, self.rng
        choice = rng.random()
        if choice < 0.10:
            self.call("page", "home", "GET", "/en/", (200,))
        elif choice < 0.25:
            query = rng.choice(["", "?page=2", "?kind=sme", "?q=dial"])
            self.call("page", "directory", "GET", "/en/organisations/" + query, (200,))
        elif choice < 0.45:
            slug = rng.choice(plan["published"])
            self.call("page", "organisation", "GET", f"/en/organisations/{slug}/", (200,))
        elif choice < 0.52:
            self.call("page", "events", "GET", "/en/events/", (200,))
        elif choice < 0.57:
            self.call("page", "event", "GET", f"/en/events/{plan['event']}/", (200,))
        elif choice < 0.62:
            self.call("page", "network", "GET", "/en/network/", (200,))
        elif choice < 0.67:
            self.call("page", "monitor", "GET", "/en/monitor/", (200,))
        elif choice < 0.77:
            q = rng.choice(SEARCHES)
            self.call("page", "search page", "GET", "/en/search/", (200,), params={"q": q})
        elif choice < 0.85:
            q = rng.choice(SEARCHES)
            self.call("api", "api search", "GET", "/api/v1/search", (200,), params={"q": q})
        elif choice < 0.93:
            self.call("api", "api organisations", "GET", "/api/v1/organisations?limit=20", (200,))
        else:
            slug = rng.choice(plan["published"])
            self.call("api", "api organisation", "GET", f"/api/v1/organisations/{slug}", (200,))

    def login(self, username: str) -> bool:
        page = self.call("login", "login page", "GET", "/en/accounts/login/", (200,))
        if page is None:
            return False
        response = self.call(
            "login",
            "login",
            "POST",
            "/en/accounts/login/",
            (302,),
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf(),
            },
        )
        return response is not None and response.status_code == 302

    def api_write(self, name: str, path: str, body: dict, expect: tuple[int, ...]) -> Any:
        return self.call(
            "write", name, "POST", path, expect, json=body, headers={"X-CSRFToken": self.csrf()}
        )

    def running(self) -> bool:
        return time.monotonic() < self.window["stop"]

    def run(self, role: Any) -> None:
        username = (
            None
            if role == "visitor"
            else self.plan["organiser"]
            if role == "organiser"
            else role["username"]
        )
        logged_in = username is None or self.login(username)
        self.gate.wait()
        if not logged_in:
            return
        # Users arrive spread over one think time, not all in the same millisecond.
        time.sleep(self.rng.uniform(0, self.think))
        if role == "visitor":
            self.visitor()
        elif role == "organiser":
            self.organiser()
        else:
            self.member(role)

    def visitor(self) -> None:
        while self.running():
            self.browse()
            self.pause()

    def member(self, me: dict) -> None:
        plan, rng = self.plan, self.rng
        others = [r for r in plan["registrations"] if r != me["registration"]]
        # Half the requests go to participants with members, who answer them.
        staffed = sorted({m["registration"] for m in plan["members"]} - {me["registration"]})
        while self.running():
            choice = rng.random()
            if choice < 0.45:
                self.browse()
            elif choice < 0.65:
                # 201, or 422 when the pair already has an open request or a meeting.
                self.api_write(
                    "request meeting",
                    f"/api/v1/events/{plan['event']}/meetings",
                    {
                        "requester": me["registration"],
                        "recipient": rng.choice(staffed if rng.random() < 0.5 else others),
                    },
                    (201, 422),
                )
            elif choice < 0.80:
                self.answer_requests(me["registration"])
            else:
                self.edit_profile(me)
            self.pause()

    def answer_requests(self, registration: int, limit: int = 3) -> None:
        slug = self.plan["organisations"][self.plan["registrations"].index(registration)]
        path = f"/api/v1/events/{self.plan['event']}/registrations/{registration}/meetings"
        listing = self.call("api", "api my meetings", "GET", path, (200,))
        if listing is None or listing.status_code != 200:
            return
        waiting = [
            m
            for m in listing.json()
            if m["status"] == "requested" and m["recipient"]["slug"] == slug
        ]
        for meeting in waiting[:limit]:
            # 200, or 422 when another member of the organisation answered it first.
            self.api_write(
                "accept meeting",
                f"/api/v1/event-meetings/{meeting['id']}/answer",
                {"answer": "accept"},
                (200, 422),
            )

    def edit_profile(self, me: dict) -> None:
        path = f"/en/organisations/{me['organisation']}/edit/"
        form = self.call("page", "edit form", "GET", path, (200,))
        if form is None or form.status_code != 200:
            return
        html = form.text
        fields = dict(
            re.findall(
                r'<input type="(?:text|url|number|hidden)" name="(\w+)" value="([^"]*)"', html
            )
        )
        textareas = dict(re.findall(r'<textarea name="(\w+)"[^>]*>\s*([^<]*)</textarea>', html))
        checked: dict[str, list[str]] = defaultdict(list)
        for name, value in re.findall(
            r'<input type="checkbox" name="(\w+)" value="([^"]*)"[^>]*\bchecked\b', html
        ):
            checked[name].append(value)
        selects = {
            name: (re.search(r'<option value="([^"]*)" selected>', body) or [None, ""])[1]
            for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', html, re.S)
        }
        data: dict[str, Any] = {**fields, **selects, **textareas}
        data = {k: unescape(v) for k, v in data.items()}
        data.update(checked)
        seen = int(data.get("version") or 0)
        token = f"edit-{me['username']}-{secrets.token_hex(4)}"
        data["summary_en"] = token
        data["csrfmiddlewaretoken"] = self.csrf()
        self.pause()  # the time it takes to type: others may save meanwhile
        response = self.call("write", "edit organisation", "POST", path, (302, 200), data=data)
        if response is None:
            return
        outcome = "saved" if response.status_code == 302 else "refused"
        if outcome == "refused" and CONFLICT not in response.text:
            outcome = "refused without the conflict message"
            with self.rec.lock:
                self.rec.refused_without_message += 1
        with self.rec.lock:
            self.rec.edits.append(
                {
                    "organisation": me["organisation"],
                    "seen": seen,
                    "token": token,
                    "outcome": outcome,
                }
            )

    def organiser(self) -> None:
        """At the organiser's desk: a quicker pace than the participants'."""
        self.think /= 4
        plan, rng = self.plan, self.rng
        member_registrations = sorted({m["registration"] for m in plan["members"]})
        while self.running():
            # The members' registrations have the accepted meetings to place.
            registration = rng.choice(
                member_registrations if rng.random() < 0.5 else plan["registrations"]
            )
            path = f"/api/v1/events/{plan['event']}/registrations/{registration}/meetings"
            listing = self.call("api", "api meetings (organiser)", "GET", path, (200,))
            if listing is not None and listing.status_code == 200:
                meetings = listing.json()
                if registration not in member_registrations:
                    self.answer_requests(registration)
                accepted = [m for m in meetings if m["status"] == "accepted" and not m["slot"]]
                for meeting in accepted[:3]:
                    self.call(
                        "write",
                        "place meeting",
                        "POST",
                        f"/en/events/{plan['event']}/manage/meetings/{meeting['id']}/pin/",
                        (302,),
                        data={
                            "slot": rng.choice(plan["slots"]),
                            "table": rng.randint(1, plan["tables"]),
                            "csrfmiddlewaretoken": self.csrf(),
                        },
                    )
            self.pause()


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


def drive(base: str, plan_path: str, out_path: str, seconds: float, users: int, think: float):
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    rec = Recorder()
    members = max(1, min(len(plan["members"]), round(users * 0.35)))
    # Two organisers at work at once (two sessions of one account): their placements race.
    roles: list[Any] = ["organiser", "organiser"] + [plan["members"][i] for i in range(members)]
    roles += ["visitor"] * max(0, users - len(roles))
    gate = threading.Barrier(len(roles) + 1)
    window = {"stop": float("inf")}
    threads = []
    for n, role in enumerate(roles):
        user = User(base, plan, rec, gate, window, think, seed=n)
        threads.append(threading.Thread(target=user.run, args=(role,), daemon=True))
    for thread in threads:
        thread.start()
    gate.wait(600)  # everyone logged in: the measured window starts
    started = time.monotonic()
    window["stop"] = started + seconds
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    Path(out_path).write_text(
        json.dumps(
            {
                "elapsed": elapsed,
                "users": len(roles),
                "members": members,
                "samples": rec.samples,
                "errors": dict(rec.errors),
                "edits": rec.edits,
                "refused_without_message": rec.refused_without_message,
            }
        ),
        encoding="utf-8",
    )


# --- the checks of the database (a child process with Django) -------------------------------


def check(plan_path: str, edits_path: str, out_path: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from distretto.events.models import Meeting
    from distretto.registry.models import Organisation

    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    edits = json.loads(Path(edits_path).read_text(encoding="utf-8"))["edits"]
    seats: Counter[tuple[int, int]] = Counter()
    tables: Counter[tuple[int, int]] = Counter()
    placed = Meeting.objects.filter(event__slug=plan["event"], slot__isnull=False)
    for slot, table, a, b in placed.values_list("slot_id", "table", "requester_id", "recipient_id"):
        seats[(slot, a)] += 1
        seats[(slot, b)] += 1
        tables[(slot, table)] += 1
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT LEAST(requester_id, recipient_id), GREATEST(requester_id, recipient_id), COUNT(*)
            FROM events_meeting WHERE status IN ('requested', 'accepted')
            GROUP BY 1, 2 HAVING COUNT(*) > 1
            """
        )
        open_pairs = cursor.fetchall()
    # Lost updates: per organisation, the acknowledged edits' versions 1, 2, ... in a row,
    # the stored version one past the last, the stored text the last one's.
    lost: list[str] = []
    saved_by: dict[str, list[dict]] = defaultdict(list)
    for edit in edits:
        if edit["outcome"] == "saved":
            saved_by[edit["organisation"]].append(edit)
    for slug, saved in saved_by.items():
        organisation = Organisation.objects.get(slug=slug)
        seen = sorted(e["seen"] for e in saved)
        if seen != list(range(1, len(saved) + 1)) or organisation.version != len(saved) + 1:
            lost.append(f"{slug}: acknowledged versions {seen}, stored {organisation.version}")
            continue
        last = max(saved, key=lambda e: e["seen"])
        if organisation.summary_en != last["token"]:
            lost.append(f"{slug}: stored {organisation.summary_en!r}, last saved {last['token']!r}")
    statuses = Counter(DBTaskResult.objects.values_list("status", flat=True))
    Path(out_path).write_text(
        json.dumps(
            {
                "meetings_placed": placed.count(),
                "meetings": Meeting.objects.filter(event__slug=plan["event"]).count(),
                "accepted": Meeting.objects.filter(
                    event__slug=plan["event"], status="accepted"
                ).count(),
                "double_booked": [list(k) for k, n in seats.items() if n > 1],
                "tables_shared": [list(k) for k, n in tables.items() if n > 1],
                "pairs_with_two_open_requests": [list(p) for p in open_pairs],
                "lost_updates": lost,
                "tasks": dict(statuses),
            }
        ),
        encoding="utf-8",
    )


# --- reporting ----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 1),
    }


def server_errors(log_dir: Path) -> dict[str, int]:
    access = (log_dir / "access.log").read_text(encoding="utf-8", errors="replace")
    error = (log_dir / "error.log").read_text(encoding="utf-8", errors="replace")
    error += (log_dir / "server.log").read_text(encoding="utf-8", errors="replace")
    five_hundreds = sum(1 for line in access.splitlines() if re.search(r'" 5\d\d ', line))
    return {
        "access_log_5xx": five_hundreds,
        "tracebacks": error.count("Traceback"),
        "internal_server_errors": error.count("Internal Server Error"),
        "worker_timeouts": error.count("WORKER TIMEOUT"),
    }


def run_child(mode: str, *args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, __file__, mode, *args], env=env, check=True, cwd=ROOT)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in {"_setup", "_drive", "_check"}:
        mode, rest = sys.argv[1], sys.argv[2:]
        if mode == "_setup":
            setup(*rest)
        elif mode == "_drive":
            drive(rest[0], rest[1], rest[2], float(rest[3]), int(rest[4]), float(rest[5]))
        else:
            check(*rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time (s)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.users < 50:
        print(f"note: {args.users} users (the benchmark's bar is at least 50)")

    work = Path(tempfile.mkdtemp(prefix="distretto-load-"))
    database_url = fresh_database(args.database_url)
    env = server_env(database_url, str(work / "data"))
    distretto = str(BIN / "distretto")
    started = time.perf_counter()
    subprocess.run(
        [distretto, "migrate", "--noinput"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run([distretto, "load", "mirandola"], env=env, check=True, stdout=subprocess.DEVNULL)
    plan = str(work / "plan.json")
    run_child("_setup", plan, env=env)
    setup_seconds = time.perf_counter() - started

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "gunicorn"),
        "distretto.wsgi:application",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(work / "access.log"),
        "--error-logfile",
        str(work / "error.log"),
        "--timeout",
        "60",
    ]
    if args.threads > 1:
        # Keep-alive longer than any pause of a user (at most 4 think times): otherwise the
        # server closes an idle connection just as the user sends on it, a race of the
        # transport that a browser answers by sending again.
        keep_alive = str(max(5, int(4 * args.think) + 5))
        command += ["--worker-class", "gthread", "--threads", str(args.threads)]
        command += ["--keep-alive", keep_alive]
    # Django's own log (errors with their tracebacks) goes to the processes' stderr.
    with open(work / "server.log", "w") as server_log:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=server_log)
    with open(work / "tasks.log", "w") as tasks_log:
        worker = subprocess.Popen(
            [distretto, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=tasks_log
        )
    try:
        wait_ready(base)
        # Warm-up, not measured: each process loads the search embedder at its first search.
        import requests

        for _ in range(args.workers * max(1, args.threads) * 2):
            requests.get(base + "/api/v1/search", params={"q": "dialysis"}, timeout=120)
            requests.get(base + "/en/search/", params={"q": "dialysis"}, timeout=120)
        memory_before = {pid: rss_mib(pid) for pid in children(server.pid)}
        load_before = os.getloadavg()
        out = str(work / "driven.json")
        subprocess.run(
            [
                sys.executable,
                __file__,
                "_drive",
                base,
                plan,
                out,
                str(args.seconds),
                str(args.users),
                str(args.think),
            ],
            check=True,
            cwd=ROOT,
        )
        memory = {pid: rss_mib(pid) for pid in children(server.pid)}
        load_after = os.getloadavg()
        # Let the task worker finish what the edits queued (embeddings), up to a minute.
        time.sleep(2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    drain_deadline = time.monotonic() + 60
    checked = str(work / "checked.json")
    while True:
        run_child("_check", plan, out, checked, env=env)
        facts = json.loads(Path(checked).read_text(encoding="utf-8"))
        pending = sum(n for s, n in facts["tasks"].items() if s in {"READY", "RUNNING"})
        if not pending or time.monotonic() > drain_deadline:
            break
        time.sleep(3)
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)

    driven = json.loads(Path(out).read_text(encoding="utf-8"))
    samples = driven["samples"]
    by_category: dict[str, list[float]] = defaultdict(list)
    by_name: dict[str, list[float]] = defaultdict(list)
    for category, name, _status, ms in samples:
        by_category[category].append(ms)
        by_name[name].append(ms)
    statuses = Counter(f"{name} {status}" for _c, name, status, _ms in samples)
    measured = sum(1 for category, *_rest in samples if category != "login")
    errors = driven["errors"]
    edits = Counter(e["outcome"] for e in driven["edits"])
    logged = server_errors(work)
    latency = {category: percentiles(values) for category, values in sorted(by_category.items())}
    reads_p95 = max(latency.get(c, {}).get("p95_ms", 0.0) for c in ("page", "api"))
    checks = {
        "no errors (5xx, connection errors, unexpected statuses)": not errors,
        "no participant double-booked in a slot": not facts["double_booked"],
        "no table shared in a slot": not facts["tables_shared"],
        "one open request per pair": not facts["pairs_with_two_open_requests"],
        "no lost update (acknowledged edits form one chain)": not facts["lost_updates"],
        "every refused edit got the conflict message": driven["refused_without_message"] == 0,
        "no 500 or traceback in gunicorn's logs": not (
            logged["access_log_5xx"] or logged["tracebacks"] or logged["internal_server_errors"]
        ),
        "no failed background task": not facts["tasks"].get("FAILED"),
    }
    results = {
        "benchmark": "load",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            # The machine's load (1, 5, 15 minutes) before and after the measured window:
            # other work on the machine shares the cores with the server and the driver.
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "setup": {
            "database": "postgresql",
            "server": f"gunicorn {args.workers} workers"
            + (f" x {args.threads} threads (gthread)" if args.threads > 1 else " (sync)"),
            "users": driven["users"],
            "members": driven["members"],
            "think_seconds": args.think,
            "seconds": round(driven["elapsed"], 1),
            "setup_seconds": round(setup_seconds, 1),
        },
        # In the measured window: the logins come before it.
        "requests": measured,
        "requests_per_second": round(measured / driven["elapsed"], 1),
        "latency": latency,
        "latency_by_request": {name: percentiles(v) for name, v in sorted(by_name.items())},
        "statuses": dict(sorted(statuses.items())),
        "errors": errors,
        "edits": dict(edits),
        "database": facts,
        "server_log": logged,
        "rss_mib": {
            "before": sorted(memory_before.values()),
            "after": sorted(memory.values()),
        },
        "target_p95_ms": TARGET_P95_MS,
        "meets_latency_target": reads_p95 <= TARGET_P95_MS,
        "checks": checks,
        "passed": all(checks.values()),
    }
    print(json.dumps({k: v for k, v in results.items() if k != "latency_by_request"}, indent=2))
    p95 = {c: latency.get(c, {}).get("p95_ms") for c in ("page", "api", "write")}
    print(
        f"\n{results['requests_per_second']} requests/s, {driven['users']} users; p95 pages "
        f"{p95['page']} ms, API reads {p95['api']} ms, writes {p95['write']} ms; "
        f"errors {sum(errors.values())}"
    )
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not args.keep:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if results["passed"] else 1)


if __name__ == "__main__":
    main()
