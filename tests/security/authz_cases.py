"""The authorisation matrix: every web page and API operation, who may read and change it.

Each :class:`Case` is one request (method, address built from the world's records, body)
and the roles allowed to make it; every other role is refused. ``ROUTES`` and the API
operations of the OpenAPI schema must each be covered by at least one case (the
coverage tests in ``test_authorisation_matrix.py`` fail on a new endpoint that is not).

Refusals: anonymous visitors of a page are sent to the login page (or get 404 for a
record hidden from them); anonymous API writes get 401; logged-in users get 403 for
something they may see but not do, 404 for a record hidden from them (docs/adr/0006).
A few views refuse otherwise, each named in the case with the reason (``deny``): a form
that offers only the user's own organisations re-renders (200) when another's is posted,
and the API's builder answers 422 "the lead must be one of your organisations"; the
matrix then also checks that nothing changed in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from tests.security.conftest import (
    ADMIN,
    ANON,
    FACILITATOR,
    LOGGED_IN,
    MEMBER,
    OTHER,
    ROLES,
    SEARCH_WORD,
    World,
)

ALL = frozenset(ROLES)
USERS = frozenset(LOGGED_IN)
FIRM_A = frozenset({MEMBER, ADMIN, FACILITATOR})  # A's members, and facilitators
EDITORS_A = frozenset({ADMIN, FACILITATOR})  # A's administrators, and facilitators
ONLY_FACILITATOR = frozenset({FACILITATOR})
NOBODY: frozenset[str] = frozenset()


def _set(*roles: str) -> frozenset[str]:
    return frozenset(roles)


@dataclass(frozen=True)
class Case:
    """One request of the matrix and the roles that may make it."""

    route: str  # a URL name ("web:organisation") or an API operation ("GET /organisations/{slug}")
    label: str  # what the request is about, unique within its route
    method: str
    url: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], Mapping[str, Any]] | None = None
    # Statuses a logged-in role's refusal may also take (besides 403 and 404); see the module.
    deny: tuple[int, ...] = ()
    # An allowed write must change the database (proves the body is valid, so refusals count).
    changes: bool = False

    @property
    def id(self) -> str:
        return f"{self.route}|{self.label}|{self.method}"

    @property
    def is_api(self) -> bool:
        return self.route.split(" ", 1)[0] in {"GET", "POST", "PATCH", "PUT", "DELETE"}

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


def page(url_name: str, /, **kwargs: Callable[[World], Any]) -> Callable[[World], str]:
    """The address of a page, its arguments taken from the world."""

    def build(w: World) -> str:
        return reverse(url_name, kwargs={key: value(w) for key, value in kwargs.items()})

    return build


def with_query(
    url: Callable[[World], str], query: Callable[[World], str]
) -> Callable[[World], str]:
    return lambda w: f"{url(w)}?{query(w)}"


def api(path: str) -> Callable[[World], str]:
    """``/api/v1`` + ``path`` with ``{name}`` filled from the world's attribute of that name."""
    return lambda w: "/api/v1" + path.format_map(_Attrs(w))


class _Attrs(dict[str, Any]):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def __missing__(self, key: str) -> Any:
        return getattr(self.world, key)


# --- form bodies: what the edit pages would post back, so allowed writes succeed ----------


def form_data(form: forms.BaseForm, **changes: Any) -> dict[str, Any]:
    """The body a browser posts for ``form`` as shown, with ``changes``."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        elif isinstance(value, list | tuple):
            value = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        data[bound.html_name] = getattr(value, "pk", value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _facilitator(w: World) -> Any:
    return w.users[FACILITATOR]


def organisation_form(w: World, slug: str, **changes: Any) -> dict[str, Any]:
    from distretto.registry import queries
    from distretto.registry.models import Organisation
    from distretto.web.edit_forms import OrganisationProfileForm

    org = Organisation.objects.get(slug=slug)
    taxonomies = queries.directory_options(_facilitator(w)).taxonomies
    return form_data(OrganisationProfileForm(instance=org, taxonomies=taxonomies), **changes)


def person_form(w: World, pk: int | None, **changes: Any) -> dict[str, Any]:
    from distretto.registry.models import Person
    from distretto.web.edit_forms import PersonForm

    person = Person.objects.get(pk=pk) if pk else None
    return form_data(PersonForm(instance=person), **changes)


def profile_form(w: World, **changes: Any) -> dict[str, Any]:
    from distretto.opportunities import queries
    from distretto.opportunities.forms import ProfileForm
    from distretto.opportunities.models import CooperationProfile

    profile = CooperationProfile.objects.get(pk=w.profile_draft)
    return form_data(ProfileForm(instance=profile, codes=queries.filter_codes()), **changes)


def new_profile_form(w: World) -> dict[str, Any]:
    data = profile_form(
        w, title="A new offer of firm A", summary="A new membrane", description="Hollow fibre"
    )
    data["owner"] = str(w.org_a_id)
    data["expires_on"] = (timezone.localdate() + timedelta(days=60)).isoformat()
    return data


# --- the web pages ---------------------------------------------------------------------

A_SLUG = {"slug": lambda w: w.org_a}
A_DRAFT_SLUG = {"slug": lambda w: w.org_a_draft}
EVENT = {"slug": lambda w: w.event}
DRAFT_EVENT = {"slug": lambda w: w.draft_event}
EVENT_REG_A = {"slug": lambda w: w.event, "pk": lambda w: w.reg_a}
CONSORTIUM = {"pk": lambda w: w.consortium}

WEB: list[Case] = [
    # accounts: public pages of Django's authentication
    Case("accounts:login", "form", "GET", page("accounts:login"), ALL),
    Case("accounts:logout", "log out", "POST", page("accounts:logout"), ALL),
    Case("accounts:password_reset", "form", "GET", page("accounts:password_reset"), ALL),
    Case("accounts:password_reset_done", "page", "GET", page("accounts:password_reset_done"), ALL),
    Case(
        "accounts:password_reset_confirm",
        "bad link",
        "GET",
        page("accounts:password_reset_confirm", uidb64=lambda w: "MQ", token=lambda w: "x-y"),
        ALL,
    ),
    Case(
        "accounts:password_reset_complete",
        "page",
        "GET",
        page("accounts:password_reset_complete"),
        ALL,
    ),
    # accounts: one's own account, consents and data
    Case("accounts:account", "mine", "GET", page("accounts:account"), USERS),
    Case(
        "accounts:consent",
        "my account's",
        "POST",
        page("accounts:consent"),
        USERS,
        data=lambda w: {"purpose": "digests", "granted": "1"},
        changes=True,
    ),
    Case(
        # a guessed id: A's contact person is nobody's own contact record here
        "accounts:consent",
        "A's contact person",
        "POST",
        page("accounts:consent"),
        NOBODY,
        data=lambda w: {"purpose": "visible_public", "granted": "1", "person": w.person_hidden},
    ),
    Case(
        "accounts:issue_token",
        "for myself",
        "POST",
        page("accounts:issue_token"),
        USERS,
        data=lambda w: {"name": "Issued by the matrix", "scope": "read", "days": "30"},
        changes=True,
    ),
    Case(
        "accounts:revoke_token",
        "A's admin's read token",
        "POST",
        page("accounts:revoke_token", pk=lambda w: w.read_token_id),
        _set(ADMIN),  # its owner only
        changes=True,
    ),
    Case("accounts:export", "mine", "GET", page("accounts:export"), USERS),
    Case("accounts:erase", "form", "GET", page("accounts:erase"), USERS),
    Case(
        "accounts:erase",
        "wrong password",
        "POST",
        page("accounts:erase"),
        USERS,
        data=lambda w: {"password": "not the password"},
    ),
    Case("web:privacy", "notice", "GET", page("web:privacy"), ALL),
    Case("javascript-catalog", "catalog", "GET", page("javascript-catalog"), ALL),
    Case(
        "set_language",
        "switch",
        "POST",
        lambda w: reverse("set_language"),
        ALL,
        data=lambda w: {"language": "en", "next": "/"},
    ),
    # web: the public pages, and the organisation's editing pages
    Case("web:home", "home", "GET", page("web:home"), ALL),
    Case("web:search", "empty", "GET", page("web:search"), ALL),
    Case(
        "web:search",
        "private words",
        "GET",
        with_query(page("web:search"), lambda w: f"q={SEARCH_WORD}+gamma"),
        ALL,
    ),
    Case(
        "web:profile_partners",
        "A's draft offer",
        "GET",
        page("web:profile_partners", pk=lambda w: w.profile_draft),
        FIRM_A,
    ),
    Case("web:directory", "all", "GET", page("web:directory"), ALL),
    Case(
        "web:directory",
        "drafts",
        "GET",
        with_query(page("web:directory"), lambda w: "status=draft"),
        ALL,
    ),
    Case(
        "web:directory",
        "private words",
        "GET",
        with_query(page("web:directory"), lambda w: f"q={SEARCH_WORD}+gamma"),
        ALL,
    ),
    Case("web:organisation", "A (published)", "GET", page("web:organisation", **A_SLUG), ALL),
    Case("web:organisation", "A's draft", "GET", page("web:organisation", **A_DRAFT_SLUG), FIRM_A),
    Case(
        "web:complementary",
        "A's draft",
        "GET",
        page("web:complementary", **A_DRAFT_SLUG),
        FIRM_A,
    ),
    Case(
        "web:edit_organisation",
        "A",
        "GET",
        page("web:edit_organisation", **A_SLUG),
        EDITORS_A,
    ),
    Case(
        "web:edit_organisation",
        "A's draft",
        "GET",
        page("web:edit_organisation", **A_DRAFT_SLUG),
        EDITORS_A,
    ),
    Case(
        "web:edit_organisation",
        "A",
        "POST",
        page("web:edit_organisation", **A_SLUG),
        EDITORS_A,
        data=lambda w: organisation_form(w, w.org_a, summary_en="Changed by the matrix"),
        changes=True,
    ),
    Case(
        "web:edit_organisation",
        "A's draft",
        "POST",
        page("web:edit_organisation", **A_DRAFT_SLUG),
        EDITORS_A,
        data=lambda w: organisation_form(w, w.org_a_draft, summary_en="Changed by the matrix"),
        changes=True,
    ),
    Case(
        "web:submit_for_review",
        "A's draft",
        "POST",
        page("web:submit_for_review", **A_DRAFT_SLUG),
        EDITORS_A,
        changes=True,
    ),
    Case("web:add_person", "A", "GET", page("web:add_person", **A_SLUG), EDITORS_A),
    Case(
        "web:add_person",
        "A",
        "POST",
        page("web:add_person", **A_SLUG),
        EDITORS_A,
        data=lambda w: person_form(w, None, full_name="New Person", role="Engineer"),
        changes=True,
    ),
    Case(
        "web:edit_person",
        "A's hidden person",
        "GET",
        page("web:edit_person", slug=lambda w: w.org_a, person_id=lambda w: w.person_hidden),
        EDITORS_A,
    ),
    Case(
        "web:edit_person",
        "A's hidden person",
        "POST",
        page("web:edit_person", slug=lambda w: w.org_a, person_id=lambda w: w.person_hidden),
        EDITORS_A,
        data=lambda w: person_form(w, w.person_hidden, role="Renamed"),
        changes=True,
    ),
    Case(
        # a guessed id: B's person under A's address is nobody's to change
        "web:edit_person",
        "B's person under A",
        "POST",
        page("web:edit_person", slug=lambda w: w.org_a, person_id=lambda w: w.person_b),
        NOBODY,
        data=lambda w: person_form(w, w.person_b, role="Hijacked"),
    ),
    Case(
        "web:remove_person",
        "A's hidden person",
        "POST",
        page("web:remove_person", slug=lambda w: w.org_a, person_id=lambda w: w.person_hidden),
        EDITORS_A,
        changes=True,
    ),
    # registry: facilitators' imports; the public export
    Case("registry:import", "page", "GET", page("registry:import"), ONLY_FACILITATOR),
    Case(
        "registry:import",
        "upload",
        "POST",
        page("registry:import"),
        ONLY_FACILITATOR,
        data=lambda w: {"skip_bad_rows": "on"},
    ),
    Case("registry:import_ties", "page", "GET", page("registry:import_ties"), ONLY_FACILITATOR),
    Case(
        "registry:import_ties",
        "upload",
        "POST",
        page("registry:import_ties"),
        ONLY_FACILITATOR,
        data=lambda w: {"skip_bad_rows": "on"},
    ),
    *[
        Case(
            "registry:export",
            fmt,
            "GET",
            with_query(page("registry:export"), lambda w, fmt=fmt: f"format={fmt}"),
            ALL,
        )
        for fmt in ("csv", "xlsx", "json")
    ],
    # opportunities: offers and requests, expressions of interest
    Case("opportunities:list", "all", "GET", page("opportunities:list"), ALL),
    Case("opportunities:mine", "mine", "GET", page("opportunities:mine"), USERS),
    Case(
        "opportunities:create",
        "form",
        "GET",
        page("opportunities:create"),
        _set(OTHER, ADMIN, FACILITATOR),  # any organisation's administrators
        deny=(302,),  # a plain member is sent back to "my offers" with a message
    ),
    Case(
        "opportunities:create",
        "for A",
        "POST",
        page("opportunities:create"),
        EDITORS_A,
        data=new_profile_form,
        deny=(200, 302),  # B's admin: A is not among the form's owners; a member: sent back
        changes=True,
    ),
    Case("opportunities:interests", "mine", "GET", page("opportunities:interests"), USERS),
    Case(
        "opportunities:answer",
        "to A",
        "POST",
        page("opportunities:answer", pk=lambda w: w.interest_in),
        _set(ADMIN),  # only the owner's administrators answer
        data=lambda w: {"answer": "accept"},
        changes=True,
    ),
    Case("opportunities:pipeline", "all", "GET", page("opportunities:pipeline"), ONLY_FACILITATOR),
    Case(
        "opportunities:profile",
        "A's draft",
        "GET",
        page("opportunities:profile", pk=lambda w: w.profile_draft),
        FIRM_A,
    ),
    Case(
        "opportunities:profile",
        "A's published: interest from B",
        "POST",
        page("opportunities:profile", pk=lambda w: w.profile_public),
        _set(OTHER),  # only another organisation's member sends an interest
        data=lambda w: {"organisation": str(w.org_b_id), "message": "Beta would like to know"},
        # A's members get the form (to write from their other organisation), without B in it
        deny=(200,),
        changes=True,
    ),
    Case(
        "opportunities:profile",
        "A's draft: interest",
        "POST",
        page("opportunities:profile", pk=lambda w: w.profile_draft),
        NOBODY,
        data=lambda w: {"organisation": str(w.org_b_id), "message": "Beta guesses"},
    ),
    Case(
        "opportunities:edit",
        "A's draft",
        "GET",
        page("opportunities:edit", pk=lambda w: w.profile_draft),
        EDITORS_A,
    ),
    Case(
        "opportunities:edit",
        "A's draft",
        "POST",
        page("opportunities:edit", pk=lambda w: w.profile_draft),
        EDITORS_A,
        data=lambda w: profile_form(w, title="Retitled by the matrix"),
        changes=True,
    ),
    Case(
        "opportunities:submit",
        "A's draft",
        "POST",
        page("opportunities:submit", pk=lambda w: w.profile_draft),
        EDITORS_A,
    ),
    # alerts: saved searches belong to one person
    Case("alerts:list", "mine", "GET", page("alerts:list"), USERS),
    Case(
        "alerts:save",
        "mine",
        "POST",
        page("alerts:save"),
        USERS,
        data=lambda w: {"q": "sensors", "frequency": "weekly"},
        changes=True,
    ),
    Case(
        "alerts:update",
        "the member's",
        "POST",
        page("alerts:update", pk=lambda w: w.saved_search),
        _set(MEMBER),
        data=lambda w: {"action": "pause"},
        changes=True,
    ),
    Case(
        "alerts:delete",
        "the member's",
        "GET",
        page("alerts:delete", pk=lambda w: w.saved_search),
        _set(MEMBER),
    ),
    Case(
        "alerts:delete",
        "the member's",
        "POST",
        page("alerts:delete", pk=lambda w: w.saved_search),
        _set(MEMBER),
        changes=True,
    ),
    # events: the brokerage event (organised by a host agency), A's draft event
    Case("events:list", "all", "GET", page("events:list"), ALL),
    Case("events:create", "form", "GET", page("events:create"), ONLY_FACILITATOR),
    Case(
        "events:create",
        "empty",
        "POST",
        page("events:create"),
        ONLY_FACILITATOR,
        data=lambda w: {"name": "Hijack"},
    ),
    Case(
        "events:answer",
        "C asks A",
        "POST",
        page("events:answer", pk=lambda w: w.meeting_in),
        FIRM_A,
        data=lambda w: {"answer": "accept"},
        changes=True,
    ),
    Case(
        "events:cancel",
        "A asks C",
        "POST",
        page("events:cancel", pk=lambda w: w.meeting_out),
        FIRM_A,
        changes=True,
    ),
    Case("events:detail", "published", "GET", page("events:detail", **EVENT), ALL),
    Case(
        "events:detail",
        "A's draft event",
        "GET",
        page("events:detail", **DRAFT_EVENT),
        EDITORS_A,  # its organisers: A's administrators
    ),
    Case("events:edit", "published", "GET", page("events:edit", **EVENT), ONLY_FACILITATOR),
    Case("events:edit", "A's draft event", "GET", page("events:edit", **DRAFT_EVENT), EDITORS_A),
    Case(
        "events:edit",
        "published",
        "POST",
        page("events:edit", **EVENT),
        ONLY_FACILITATOR,
        data=lambda w: {"name": "Renamed"},
    ),
    Case("events:setup", "published", "GET", page("events:setup", **EVENT), ONLY_FACILITATOR),
    Case(
        "events:setup",
        "published",
        "POST",
        page("events:setup", **EVENT),
        ONLY_FACILITATOR,
        data=lambda w: {"name": "Afternoon"},
    ),
    Case(
        "events:status",
        "close",
        "POST",
        page("events:status", **EVENT),
        ONLY_FACILITATOR,
        data=lambda w: {"status": "closed"},
        changes=True,
    ),
    Case(
        "events:session_delete",
        "the session",
        "POST",
        page("events:session_delete", slug=lambda w: w.event, pk=lambda w: w.session),
        ONLY_FACILITATOR,
    ),
    Case("events:register", "form", "GET", page("events:register", **EVENT), USERS),
    Case(
        "events:register",
        "A's draft organisation",
        "POST",
        page("events:register", **EVENT),
        FIRM_A,
        data=lambda w: {
            "organisation": str(w.org_a_draft_id),
            "participation_type": str(w.participation_type),
            "available_slots": [str(w.slot)],
        },
        # B's admin: sent back to the event (B is registered already), or the form
        # without A's organisation among its choices
        deny=(200, 302),
    ),
    Case("events:marketplace", "all", "GET", page("events:marketplace", **EVENT), USERS),
    Case("events:outcomes", "mine", "GET", page("events:outcomes", **EVENT), USERS),
    Case(
        "events:outcomes",
        "A asks C",
        "POST",
        page("events:outcomes", **EVENT),
        _set(MEMBER, ADMIN),  # the parties' members report (a facilitator is no party)
        data=lambda w: {"meeting": str(w.meeting_out), f"m{w.meeting_out}-took_place": "no"},
    ),
    Case(
        "events:participation",
        "A",
        "GET",
        page("events:participation", **EVENT_REG_A),
        FIRM_A,
    ),
    Case(
        "events:participation",
        "B",
        "GET",
        page("events:participation", slug=lambda w: w.event, pk=lambda w: w.reg_b),
        _set(OTHER, FACILITATOR),
    ),
    Case(
        "events:registration_edit",
        "A",
        "GET",
        page("events:registration_edit", **EVENT_REG_A),
        FIRM_A,
    ),
    Case(
        "events:registration_edit",
        "A",
        "POST",
        page("events:registration_edit", **EVENT_REG_A),
        FIRM_A,
        data=lambda w: {
            "participation_type": str(w.participation_type),
            "available_slots": [str(w.slot)],
        },
    ),
    Case(
        "events:request",
        "A asks B",
        "GET",
        page("events:request", **EVENT_REG_A, other=lambda w: w.reg_b),
        FIRM_A,
    ),
    Case(
        "events:request",
        "A asks B",
        "POST",
        page("events:request", **EVENT_REG_A, other=lambda w: w.reg_b),
        FIRM_A,
        data=lambda w: {"reason": "Let us meet", "priority": "1"},
    ),
    Case("events:agenda", "A", "GET", page("events:agenda", **EVENT_REG_A), FIRM_A),
    Case("events:agenda_ics", "A", "GET", page("events:agenda_ics", **EVENT_REG_A), FIRM_A),
    Case("events:agenda_pdf", "A", "GET", page("events:agenda_pdf", **EVENT_REG_A), FIRM_A),
    Case("events:manage", "published", "GET", page("events:manage", **EVENT), ONLY_FACILITATOR),
    Case(
        "events:manage", "A's draft event", "GET", page("events:manage", **DRAFT_EVENT), EDITORS_A
    ),
    Case(
        "events:reg_action",
        "approve A",
        "POST",
        page("events:reg_action", slug=lambda w: w.event, pk=lambda w: w.reg_a),
        ONLY_FACILITATOR,
        data=lambda w: {"action": "check_in"},
        changes=True,
    ),
    Case(
        "events:organiser_meeting",
        "B with C",
        "POST",
        page("events:organiser_meeting", **EVENT),
        ONLY_FACILITATOR,
        data=lambda w: {"requester": str(w.reg_b), "recipient": str(w.reg_c)},
    ),
    Case(
        "events:pin",
        "A asks C",
        "POST",
        page("events:pin", slug=lambda w: w.event, pk=lambda w: w.meeting_out),
        ONLY_FACILITATOR,
        data=lambda w: {"slot": str(w.slot), "table": "1"},
    ),
    Case(
        "events:schedule",
        "run",
        "POST",
        page("events:schedule", **EVENT),
        ONLY_FACILITATOR,
        data=lambda w: {"time_limit": "1"},
    ),
    Case(
        "events:run",
        "the run",
        "GET",
        page("events:run", slug=lambda w: w.event, pk=lambda w: w.run),
        ONLY_FACILITATOR,
    ),
    Case("events:grid", "grid", "GET", page("events:grid", **EVENT), ONLY_FACILITATOR),
    *[
        Case(
            "events:file",
            name,
            "GET",
            page("events:file", slug=lambda w: w.event, name=lambda w, name=name: name),
            ONLY_FACILITATOR,
        )
        for name in ("grid.pdf", "programme.xlsx")
    ],
    # calls: funding calls, consortium drafts
    Case("calls:list", "all", "GET", page("calls:list"), ALL),
    Case(
        "calls:list",
        "what fits A",
        "GET",
        with_query(page("calls:list"), lambda w: f"organisation={w.org_a_id}"),
        _set(ANON, MEMBER, ADMIN, FACILITATOR),  # anonymous: the plain list, no fit
    ),
    Case(
        "calls:save_alert",
        "for A",
        "POST",
        page("calls:save_alert"),
        FIRM_A,
        data=lambda w: {"organisation": str(w.org_a_id), "frequency": "weekly"},
        changes=True,
    ),
    Case("calls:drafts", "mine", "GET", page("calls:drafts"), USERS),
    Case("calls:draft", "A's", "GET", page("calls:draft", **CONSORTIUM), FIRM_A),
    Case(
        "calls:invite",
        "A's",
        "POST",
        page("calls:invite", **CONSORTIUM),
        FIRM_A,
        changes=False,  # C is already invited: nothing more to do, but A may
    ),
    Case(
        "calls:answer",
        "A's own place",
        "POST",
        page("calls:answer", pk=lambda w: w.consortium, place=lambda w: w.place_a),
        FIRM_A,
        data=lambda w: {"accept": "on"},
    ),
    Case(
        "calls:answer",
        "C's place",
        "POST",
        page("calls:answer", pk=lambda w: w.consortium, place=lambda w: w.place_c),
        ONLY_FACILITATOR,  # C's members (none here) and facilitators
        data=lambda w: {"decline": "on"},
    ),
    *[
        Case(
            "calls:draft_table",
            ext,
            "GET",
            page("calls:draft_table", pk=lambda w: w.consortium, extension=lambda w, e=ext: e),
            FIRM_A,
        )
        for ext in ("csv", "xlsx", "pdf")
    ],
    Case("calls:detail", "published", "GET", page("calls:detail", slug=lambda w: w.call), ALL),
    Case("calls:build", "form", "GET", page("calls:build", slug=lambda w: w.call), USERS),
    Case(
        "calls:save_draft",
        "led by A",
        "POST",
        page("calls:save_draft", slug=lambda w: w.call),
        FIRM_A,
        data=lambda w: {
            "lead": str(w.org_a_id),
            "title": "Another draft",
            "idea": "Dialysis membranes",
            "needs": "segment:dialysis",
            "partners": [w.org_a, w.org_c],
            "coordinator": w.org_a,
        },
        deny=(200, 302),  # B's admin: A is not among the form's leads
    ),
    # network
    Case("network:graph", "all", "GET", page("network:graph"), ALL),
    Case("network:map", "all", "GET", page("network:map"), ALL),
    Case("network:analysis", "all", "GET", page("network:analysis"), ALL),
    *[
        Case(
            "network:export",
            ext,
            "GET",
            page("network:export", extension=lambda w, e=ext: e),
            ALL,
        )
        for ext in ("graphml", "gexf", "csv")
    ],
    Case(
        "network:organisation",
        "A's draft",
        "GET",
        page("network:organisation", **A_DRAFT_SLUG),
        FIRM_A,
    ),
    Case(
        "network:organisation",
        "C",
        "GET",
        page("network:organisation", slug=lambda w: w.org_c),
        ALL,
    ),
    Case("network:scenarios", "list", "GET", page("network:scenarios"), USERS),
    Case(
        "network:scenarios",
        "save",
        "POST",
        page("network:scenarios"),
        ONLY_FACILITATOR,
        data=lambda w: {"name": "Saved by the matrix", "organisations": [str(w.org_c_id)]},
        changes=True,
    ),
    Case(
        "network:scenario",
        "saved",
        "GET",
        page("network:scenario", pk=lambda w: w.scenario),
        USERS,
    ),
    # monitor: public figures; the facilitators' import
    Case("monitor:dashboard", "all", "GET", page("monitor:dashboard"), ALL),
    Case("monitor:region", "ITH54", "GET", page("monitor:region", nuts=lambda w: "ITH54"), ALL),
    Case("monitor:compare", "all", "GET", page("monitor:compare"), ALL),
    Case("monitor:import", "page", "GET", page("monitor:import"), ONLY_FACILITATOR),
    Case(
        "monitor:import",
        "upload",
        "POST",
        page("monitor:import"),
        ONLY_FACILITATOR,
        data=lambda w: {"skip_bad_rows": "on"},
    ),
    *[
        Case(
            "monitor:report",
            fmt,
            "GET",
            with_query(page("monitor:report"), lambda w, f=fmt: f"format={f}"),
            ALL,
        )
        for fmt in ("html", "pdf")
    ],
    Case(
        "monitor:indicator",
        "firms",
        "GET",
        page("monitor:indicator", slug=lambda w: w.indicator),
        ALL,
    ),
    *[
        Case(
            "monitor:data",
            ext,
            "GET",
            page("monitor:data", slug=lambda w: w.indicator, extension=lambda w, e=ext: e),
            ALL,
        )
        for ext in ("json", "csv")
    ],
]

# --- the API ---------------------------------------------------------------------------


def op(route: str, label: str, allowed: frozenset[str], body: Any = None, **extra: Any) -> Case:
    """An API case; ``route`` is "METHOD /path" as in the OpenAPI schema (without /api/v1)."""
    method, path = route.split(" ", 1)
    data = None
    if body is not None:
        data = body if callable(body) else (lambda w, body=body: body)
    return Case(route, label, method, api(path), allowed, data=data, **extra)


def _profile_body(w: World) -> dict[str, Any]:
    return {
        "owner": w.org_a,
        "profile_type": "technology_offer",
        "title": "Created by the matrix",
        "summary": "A membrane",
        "description": "Hollow fibre",
        "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
    }


def _idea(w: World) -> dict[str, Any]:
    return {"lead": w.org_a, "idea": "Dialysis membranes", "needs": ["segment:dialysis"]}


API: list[Case] = [
    op("GET /organisations", "all", ALL),
    # asking for drafts: facilitators only; the others get the public list
    Case("GET /organisations", "drafts", "GET", api("/organisations?status=draft"), ALL),
    Case("GET /organisations/{slug}", "A (published)", "GET", api("/organisations/{org_a}"), ALL),
    op(
        "POST /organisations",
        "new",
        ONLY_FACILITATOR,
        {"name": "Matrix Ltd", "kind": "sme"},
        changes=True,
    ),
    Case(
        "GET /organisations/{slug}",
        "A's draft",
        "GET",
        api("/organisations/{org_a_draft}"),
        FIRM_A,
    ),
    Case(
        "PATCH /organisations/{slug}",
        "A",
        "PATCH",
        api("/organisations/{org_a}"),
        EDITORS_A,
        data=lambda w: {"summary_en": "Patched by the matrix"},
        changes=True,
    ),
    Case(
        "PATCH /organisations/{slug}",
        "A's draft",
        "PATCH",
        api("/organisations/{org_a_draft}"),
        EDITORS_A,
        data=lambda w: {"summary_en": "Patched by the matrix"},
        changes=True,
    ),
    Case(
        "POST /organisations/{slug}/status",
        "A's draft for review",
        "POST",
        api("/organisations/{org_a_draft}/status"),
        EDITORS_A,
        data=lambda w: {"status": "review"},
        changes=True,
    ),
    Case(
        "POST /organisations/{slug}/status",
        "publish A's draft",
        "POST",
        api("/organisations/{org_a_draft}/status"),
        ONLY_FACILITATOR,
        data=lambda w: {"status": "published"},
        changes=True,
    ),
    op("GET /taxonomies", "all", ALL),
    Case("GET /taxonomies/{slug}/codes", "segment", "GET", api("/taxonomies/segment/codes"), ALL),
    op("GET /municipalities", "all", ALL),
    op("GET /profiles", "all", ALL),
    op("POST /profiles", "for A", EDITORS_A, _profile_body, changes=True),
    Case(
        "GET /profiles/{profile_id}",
        "A's draft",
        "GET",
        api("/profiles/{profile_draft}"),
        FIRM_A,
    ),
    Case(
        "PATCH /profiles/{profile_id}",
        "A's draft",
        "PATCH",
        api("/profiles/{profile_draft}"),
        EDITORS_A,
        data=lambda w: {"title": "Patched by the matrix"},
        changes=True,
    ),
    Case(
        "POST /profiles/{profile_id}/status",
        "A's draft for review",
        "POST",
        api("/profiles/{profile_draft}/status"),
        EDITORS_A,
        data=lambda w: {"status": "review"},
        changes=True,
    ),
    Case(
        "POST /profiles/{profile_id}/interests",
        "B to A's published",
        "POST",
        api("/profiles/{profile_public}/interests"),
        _set(OTHER),
        data=lambda w: {"organisation": w.org_b, "message": "Beta is interested"},
        changes=True,
    ),
    Case(
        "POST /profiles/{profile_id}/interests",
        "in A's name to B's",
        "POST",
        api("/profiles/{profile_b}/interests"),
        _set(MEMBER, ADMIN),
        data=lambda w: {"organisation": w.org_a, "message": "Alfa is interested"},
        changes=True,
    ),
    Case(
        "POST /profiles/{profile_id}/interests",
        "A's draft",
        "POST",
        api("/profiles/{profile_draft}/interests"),
        NOBODY,
        data=lambda w: {"organisation": w.org_b, "message": "Guessing"},
    ),
    Case(
        "POST /interests/{interest_id}/answer",
        "to A",
        "POST",
        api("/interests/{interest_in}/answer"),
        _set(ADMIN),
        data=lambda w: {"answer": "accept"},
        changes=True,
    ),
    Case(
        "POST /interests/{interest_id}/answer",
        "to B",
        "POST",
        api("/interests/{interest_b}/answer"),
        _set(OTHER),
        data=lambda w: {"answer": "accept"},
        changes=True,
    ),
    Case("GET /search", "private words", "GET", api(f"/search?q={SEARCH_WORD}+gamma"), ALL),
    op("GET /saved-searches", "mine", USERS),
    op(
        "POST /saved-searches",
        "mine",
        USERS,
        {"params": {"q": "sensors"}, "frequency": "weekly"},
        changes=True,
    ),
    Case(
        "PATCH /saved-searches/{saved_id}",
        "the member's",
        "PATCH",
        api("/saved-searches/{saved_search}"),
        _set(MEMBER),
        data=lambda w: {"active": False},
        changes=True,
    ),
    Case(
        "DELETE /saved-searches/{saved_id}",
        "the member's",
        "DELETE",
        api("/saved-searches/{saved_search}"),
        _set(MEMBER),
        changes=True,
    ),
    op("GET /events", "all", ALL),
    Case("GET /events/{slug}", "published", "GET", api("/events/{event}"), ALL),
    Case("GET /events/{slug}", "A's draft event", "GET", api("/events/{draft_event}"), EDITORS_A),
    Case(
        "GET /events/{slug}/participants",
        "published",
        "GET",
        api("/events/{event}/participants"),
        USERS,
    ),
    Case(
        "POST /events/{slug}/registrations",
        "A's draft organisation",
        "POST",
        api("/events/{event}/registrations"),
        FIRM_A,
        data=lambda w: {
            "organisation": w.org_a_draft,
            "participation_type": w.participation_type,
            "available_slots": [w.slot],
        },
        changes=True,
    ),
    Case(
        "GET /events/{slug}/registrations/{registration_id}/meetings",
        "A",
        "GET",
        api("/events/{event}/registrations/{reg_a}/meetings"),
        FIRM_A,
    ),
    Case(
        "GET /events/{slug}/registrations/{registration_id}/recommendations",
        "B",
        "GET",
        api("/events/{event}/registrations/{reg_b}/recommendations"),
        _set(OTHER, FACILITATOR),
    ),
    Case(
        "GET /events/{slug}/registrations/{registration_id}/recommendations",
        "A",
        "GET",
        api("/events/{event}/registrations/{reg_a}/recommendations"),
        FIRM_A,
    ),
    Case(
        "POST /events/{slug}/meetings",
        "A asks B",
        "POST",
        api("/events/{event}/meetings"),
        FIRM_A,
        data=lambda w: {"requester": w.reg_a, "recipient": w.reg_b, "reason": "Let us meet"},
        changes=True,
    ),
    Case(
        "POST /event-meetings/{meeting_id}/answer",
        "C asks A",
        "POST",
        api("/event-meetings/{meeting_in}/answer"),
        FIRM_A,
        data=lambda w: {"answer": "accept"},
        changes=True,
    ),
    Case(
        "POST /event-meetings/{meeting_id}/cancel",
        "A asks C",
        "POST",
        api("/event-meetings/{meeting_out}/cancel"),
        FIRM_A,
        changes=True,
    ),
    Case(
        "POST /events/{slug}/schedule",
        "published",
        "POST",
        api("/events/{event}/schedule"),
        ONLY_FACILITATOR,
        data=lambda w: {"time_limit": 1},
        changes=True,
    ),
    Case(
        "GET /events/{slug}/runs/{run_id}",
        "the run",
        "GET",
        api("/events/{event}/runs/{run}"),
        ONLY_FACILITATOR,
    ),
    Case(
        "GET /events/{slug}/statistics",
        "published",
        "GET",
        api("/events/{event}/statistics"),
        ONLY_FACILITATOR,
    ),
    op("GET /calls", "all", ALL),
    Case(
        "GET /calls/fitting",
        "A",
        "GET",
        api("/calls/fitting?organisation={org_a}"),
        FIRM_A,
    ),
    Case("GET /calls/{slug}", "published", "GET", api("/calls/{call}"), ALL),
    Case(
        "POST /calls/{slug}/eligibility",
        "A with C",
        "POST",
        api("/calls/{call}/eligibility"),
        ALL,  # a computation over published records: public, writes nothing
        data=lambda w: {"partners": [w.org_a, w.org_c], "coordinator": w.org_a},
    ),
    Case(
        "POST /calls/{slug}/consortia",
        "led by A",
        "POST",
        api("/calls/{call}/consortia"),
        FIRM_A,
        data=_idea,
        deny=(422,),  # B's admin: "the lead must be one of your organisations"
    ),
    op("GET /drafts", "mine", USERS),
    Case(
        "POST /calls/{slug}/drafts",
        "led by A",
        "POST",
        api("/calls/{call}/drafts"),
        FIRM_A,
        data=lambda w: {**_idea(w), "partners": [w.org_a, w.org_c], "coordinator": w.org_a},
        deny=(422,),  # B's admin: "the lead must be one of your organisations"
        changes=True,
    ),
    Case("GET /drafts/{draft_id}", "A's", "GET", api("/drafts/{consortium}"), FIRM_A),
    Case(
        "POST /drafts/{draft_id}/invitations",
        "A's",
        "POST",
        api("/drafts/{consortium}/invitations"),
        FIRM_A,
    ),
    Case(
        "POST /drafts/{draft_id}/partners/{place_id}/answer",
        "C's place",
        "POST",
        api("/drafts/{consortium}/partners/{place_c}/answer"),
        ONLY_FACILITATOR,
        data=lambda w: {"accept": False},
        changes=True,
    ),
    op("GET /network/graph", "all", ALL),
    op("GET /network/metrics", "all", ALL),
    Case(
        "GET /network/suggestions",
        "for C",
        "GET",
        api("/network/suggestions?organisation={org_c}"),
        ALL,
    ),
    Case(
        "GET /network/suggestions",
        "for A's draft",
        "GET",
        api("/network/suggestions?organisation={org_a_draft}"),
        FIRM_A,
    ),
    Case(
        "POST /network/scenarios/run",
        "without C",
        "POST",
        api("/network/scenarios/run"),
        USERS,
        data=lambda w: {"organisations": [w.org_c]},
    ),
    Case(
        "POST /network/scenarios",
        "without C",
        "POST",
        api("/network/scenarios"),
        ONLY_FACILITATOR,
        data=lambda w: {"name": "Saved by the matrix", "organisations": [w.org_c]},
        changes=True,
    ),
    op("GET /network/scenarios", "all", USERS),
    Case(
        "GET /network/scenarios/{scenario_id}",
        "saved",
        "GET",
        api("/network/scenarios/{scenario}"),
        USERS,
    ),
    op("GET /indicators", "all", ALL),
    op("GET /indicators/snapshots/latest", "latest", ALL),
    Case("GET /indicators/{slug}", "firms", "GET", api("/indicators/{indicator}"), ALL),
    Case(
        "GET /indicators/{slug}/data",
        "firms",
        "GET",
        api("/indicators/{indicator}/data"),
        ALL,
    ),
]

# The API's own pages (the schema and its docs page): public.
API_PAGES: list[Case] = [
    Case("api:openapi-json", "schema", "GET", lambda w: reverse("api:openapi-json"), ALL),
    Case("api:openapi-view", "docs", "GET", lambda w: reverse("api:openapi-view"), ALL),
    # the API's root answers "not found" to everybody (its pages are below it)
    Case("api:api-root", "root", "GET", lambda w: reverse("api:api-root"), NOBODY),
]

CASES: list[Case] = [*WEB, *API_PAGES, *API]
