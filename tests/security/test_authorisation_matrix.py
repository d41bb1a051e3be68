"""The authorisation matrix: every page and API operation, for every role.

Roles: an anonymous visitor, a member of another organisation (an administrator of
firm B), a member of firm A, an administrator of firm A, and a facilitator. The cases
(``authz_cases.py``) say which roles may make each request; here every role makes each
request and the test checks that

* an allowed request succeeds (2xx/3xx, not a redirect to the login page), and an
  allowed write marked ``changes`` did change the database;
* a refused request answers a refusal (login redirect or 401 for anonymous visitors,
  403 or 404 for the others) and a refused write changed nothing in the database;
* no response, allowed or refused, holds a marker word of a record the role may not see
  (PDF and XLSX downloads are read as text first).

API writes are made twice: with the login session and the CSRF header, and with a
write-scoped bearer token. The coverage tests fail when a URL pattern or an API
operation has no case, so that a new endpoint cannot skip the matrix.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import LocalePrefixPattern, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from distretto.api.urls import api as ninja_api
from tests.security.authz_cases import API, API_PAGES, CASES, WEB, Case
from tests.security.conftest import ANON, FACILITATOR, MARKERS, ROLES, World

API_PREFIX = "/api/v1"
API_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(autouse=True)
def quiet_world(settings: Any) -> None:
    """Lexical search only (no embedding model), and no rate limit in the way of the matrix."""
    settings.SEARCH_EMBEDDER = "none"
    settings.API_RATE_ANONYMOUS = "100000/min"
    settings.API_RATE_USER = "100000/min"


# --- making the requests -------------------------------------------------------------


def client_for(world: World, role: str) -> tuple[Client, str]:
    """A browser for ``role`` that enforces CSRF, with its CSRF token (cookie and header)."""
    client = Client(enforce_csrf_checks=True)
    if role != ANON:
        client.force_login(world.users[role])
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    return client, csrf


def address(case: Case, world: World, language: str = "it") -> str:
    with translation.override(language):
        return case.url(world)


def send(
    case: Case,
    world: World,
    role: str,
    *,
    mode: str = "session",
    language: str = "it",
    token: str | None = None,
    csrf_header: bool = True,
    browser: tuple[Client, str] | None = None,
) -> HttpResponse:
    """Make ``case``'s request as ``role``: with the session (and CSRF header) or a bearer token.

    ``browser`` is the client (and its CSRF token) to use, already logged in: logging in
    writes the user's last login, so the tests that compare the database log in first.
    """
    client, csrf = browser or client_for(world, role if mode == "session" else ANON)
    headers: dict[str, str] = {"accept-language": "en"}
    if mode == "bearer":
        raw = token or world.write_tokens[role]
        headers["authorization"] = f"Bearer {raw}"
    elif csrf_header and case.is_write:
        headers["x-csrftoken"] = csrf
    url = address(case, world, language)
    data = dict(case.data(world)) if case.data else {}
    if not case.is_write:
        return client.get(url, headers=headers)
    if case.is_api:
        body = json.dumps(data) if (data or case.method != "DELETE") else ""
        return client.generic(
            case.method, url, body, content_type="application/json", headers=headers
        )
    return client.post(url, data, headers=headers)


# --- reading what came back ----------------------------------------------------------


def body_text(response: HttpResponse) -> str:
    """The response as text; PDF and XLSX downloads read as the text they show."""
    raw = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if getattr(response, "streaming", False)
        else response.content
    )
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if "spreadsheet" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return raw.decode("utf-8", errors="replace")


def leaked(response: HttpResponse, role: str) -> list[str]:
    """The markers of records hidden from ``role`` that the response shows."""
    text = body_text(response).casefold()
    return sorted(m for m, seen_by in MARKERS.items() if role not in seen_by and m in text)


def to_login(response: HttpResponse) -> bool:
    if response.status_code != 302:
        return False
    location = response["Location"]
    return any(location.startswith(reverse(name)) for name in _login_names())


def _login_names() -> tuple[str, ...]:
    return ("accounts:login", "admin:login")


# Columns that change by merely using the site (not data a refusal could have changed).
VOLATILE = {"accounts.apitoken": {"last_used_at"}, "accounts.user": {"last_login"}}
OUR_APPS = {
    "accounts",
    "taxonomy",
    "registry",
    "opportunities",
    "events",
    "calls",
    "network",
    "monitor",
    "alerts",
}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the project's tables (search-index bookkeeping aside)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in OUR_APPS:
            continue
        skip = VOLATILE.get(label, set())
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        state[label] = list(model.objects.order_by("pk").values_list(*columns))
    return state


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def describe(response: HttpResponse) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location}".strip()


def check(case: Case, role: str, response: HttpResponse, before: Any, after: Any) -> None:
    """The matrix's verdict on one request."""
    status = response.status_code
    shown = leaked(response, role)
    assert not shown, f"{case.id} as {role}: the response shows {shown}"
    if role in case.allowed:
        if case.is_api:
            assert 200 <= status < 300, f"{case.id} as {role}: allowed, got {describe(response)}"
        else:
            assert status < 400 and not to_login(response), (
                f"{case.id} as {role}: allowed, got {describe(response)}"
            )
        if case.changes and before is not None:
            assert changed_tables(before, after), (
                f"{case.id} as {role}: allowed but changed nothing"
            )
        return
    if role == ANON:
        if case.is_api:
            refusals = (401,) if case.is_write else (401, 404)
            assert status in refusals, f"{case.id} anonymous: refused, got {describe(response)}"
        else:
            assert to_login(response) or status == 404, (
                f"{case.id} anonymous: refused, got {describe(response)}"
            )
    else:
        assert status in (403, 404, *case.deny), (
            f"{case.id} as {role}: refused, got {describe(response)}"
        )
    if before is not None:
        assert changed_tables(before, after) == [], (
            f"{case.id} as {role}: refused, yet changed {changed_tables(before, after)}"
        )


def run_case(case: Case, world: World, role: str, **options: Any) -> HttpResponse:
    mode = options.get("mode", "session")
    browser = client_for(world, role if mode == "session" else ANON)
    before = snapshot() if case.is_write else None
    response = send(case, world, role, browser=browser, **options)
    after = snapshot() if case.is_write else None
    check(case, role, response, before, after)
    return response


# --- the matrix ----------------------------------------------------------------------


def _matrix() -> Iterator[Any]:
    for case in CASES:
        for role in ROLES:
            if case.is_api and case.is_write and role != ANON:
                for mode in ("session", "bearer"):
                    yield pytest.param(case, role, mode, id=f"{case.id}|{role}|{mode}")
            else:
                yield pytest.param(case, role, "session", id=f"{case.id}|{role}")


@pytest.mark.parametrize(("case", "role", "mode"), list(_matrix()))
def test_matrix(db: Any, world: World, case: Case, role: str, mode: str) -> None:
    run_case(case, world, role, mode=mode)


# English pages are the same pages under /en/: a sample of the matrix, in English.
ENGLISH_SAMPLE = [
    "web:organisation|A's draft|GET",
    "web:edit_organisation|A|POST",
    "opportunities:profile|A's draft|GET",
    "opportunities:edit|A's draft|POST",
    "alerts:delete|the member's|POST",
    "events:participation|A|GET",
    "events:manage|published|GET",
    "calls:draft|A's|GET",
    "registry:import|page|GET",
    "web:search|private words|GET",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case_id", ENGLISH_SAMPLE)
def test_english_pages_apply_the_same_rules(db: Any, world: World, case_id: str, role: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    assert address(case, world, "en").startswith("/en/")
    run_case(case, world, role, language="en")


# --- API tokens ----------------------------------------------------------------------

API_WRITES = [c for c in API if c.is_write and ANON not in c.allowed]
API_READS = [c for c in API if not c.is_write]


@pytest.mark.parametrize("case", API_WRITES, ids=lambda c: c.id)
def test_a_read_token_may_not_write(db: Any, world: World, case: Case) -> None:
    """Even where its user may write (the token belongs to A's administrator): 403."""
    before = snapshot()
    response = send(case, world, ANON, mode="bearer", token=world.read_token)
    assert response.status_code == 403, describe(response)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("case", API_READS, ids=lambda c: c.id)
def test_a_read_token_reads_what_its_user_may(db: Any, world: World, case: Case) -> None:
    """The read token of A's administrator reads as A's administrator."""
    response = send(case, world, ANON, mode="bearer", token=world.read_token)
    expected_ok = "admin" in case.allowed
    assert (200 <= response.status_code < 300) == expected_ok, describe(response)
    assert not leaked(response, "admin")


@pytest.mark.parametrize("which", ["expired", "revoked"])
@pytest.mark.parametrize(
    "case_id",
    [
        "GET /organisations/{slug}|A's draft|GET",
        "GET /organisations|all|GET",
        "GET /drafts|mine|GET",
        "PATCH /organisations/{slug}|A|PATCH",
        "POST /profiles|for A|POST",
        "DELETE /saved-searches/{saved_id}|the member's|DELETE",
    ],
)
def test_expired_and_revoked_tokens_are_refused(
    db: Any, world: World, case_id: str, which: str
) -> None:
    case = next(c for c in API if c.id == case_id)
    token = world.expired_token if which == "expired" else world.revoked_token
    before = snapshot()
    response = send(case, world, ANON, mode="bearer", token=token)
    assert response.status_code == 401, describe(response)
    assert changed_tables(before, snapshot()) == []
    assert not leaked(response, ANON)


@pytest.mark.parametrize("case", API_WRITES, ids=lambda c: c.id)
def test_a_session_write_needs_the_csrf_header(db: Any, world: World, case: Case) -> None:
    """A facilitator's session without the X-CSRFToken header: 403, nothing changed."""
    browser = client_for(world, FACILITATOR)
    before = snapshot()
    response = send(case, world, FACILITATOR, csrf_header=False, browser=browser)
    assert response.status_code == 403, describe(response)
    assert changed_tables(before, snapshot()) == []


# --- coverage: every URL pattern and API operation has its cases ----------------------


def url_patterns(
    patterns: list[Any] | None = None, namespace: str = "", route: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(namespace, name with namespaces, route) of every URL pattern, i18n patterns included
    (under the default language, whose prefix is empty)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            prefix = "" if isinstance(entry.pattern, LocalePrefixPattern) else str(entry.pattern)
            yield from url_patterns(entry.url_patterns, inner, route + prefix)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield namespace, name, route + str(entry.pattern)


def openapi_operations() -> set[str]:
    schema = ninja_api.get_openapi_schema()
    return {
        f"{method.upper()} {path.removeprefix(API_PREFIX)}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in API_METHODS
    }


def test_every_url_pattern_is_in_the_matrix() -> None:
    covered = {case.route for case in [*WEB, *API_PAGES]}
    schema_paths = {op.split(" ", 1)[1] for op in openapi_operations()}
    missing = []
    for namespace, name, route in url_patterns():
        if namespace == "admin":
            continue  # the back office: covered by the admin rule below
        if name.startswith("api:") and name not in covered:
            # one of the API's operations: must be in the OpenAPI schema (covered below)
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix("api/v1/"))
            if path.rstrip("/") not in {p.rstrip("/") for p in schema_paths}:
                missing.append(f"{name} ({route}): not in the OpenAPI schema")
            continue
        if not name:
            missing.append(f"an unnamed pattern: {route}")
        elif name not in covered:
            missing.append(f"{name} ({route})")
    assert missing == [], f"URL patterns without a case in the authorisation matrix: {missing}"


def test_every_api_operation_is_in_the_matrix() -> None:
    covered = {case.route for case in API}
    assert sorted(openapi_operations() - covered) == []


def test_the_matrix_names_only_existing_endpoints() -> None:
    names = {name for _namespace, name, _route in url_patterns()}
    stale = [c.route for c in [*WEB, *API_PAGES] if c.route not in names]
    operations = openapi_operations()
    stale += [c.route for c in API if c.route not in operations]
    assert stale == []


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


# --- the back office ------------------------------------------------------------------


def admin_pages() -> Iterator[Any]:
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        for action in ("changelist", "add", "change"):
            yield pytest.param(model, model_admin, action, id=f"{info[0]}.{info[1]}:{action}")


def test_every_back_office_url_is_an_admin_site_url() -> None:
    """The rule below holds for the whole back office because it is all one admin site."""
    found = [(namespace, route) for namespace, _name, route in url_patterns()]
    assert [route for namespace, route in found if namespace == "admin"]
    assert [
        route for namespace, route in found if route.startswith("admin/") and namespace != "admin"
    ] == []


@pytest.mark.parametrize(("model", "model_admin", "action"), list(admin_pages()))
def test_the_back_office_is_for_facilitators(
    db: Any, world: World, model: Any, model_admin: Any, action: str
) -> None:
    """Anonymous visitors and members (admins of firms included) are sent to the admin login;
    facilitators get the page (or 403 where the back office offers no such action)."""
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    found = model._default_manager.order_by("pk").first() if action == "change" else None
    if action == "change":
        # a record of the kind, or a missing one (then the facilitator is sent to the index)
        url = reverse(f"{info}_change", args=[found.pk if found else 999999])
    else:
        url = reverse(f"{info}_{action}")
    request = RequestFactory().get(url)
    request.user = world.users[FACILITATOR]
    allowed = {
        "changelist": lambda: model_admin.has_view_or_change_permission(request),
        "add": lambda: model_admin.has_add_permission(request),
        "change": lambda: model_admin.has_view_or_change_permission(request, found),
    }[action]()
    for role in ROLES:
        client, _csrf = client_for(world, role)
        response = client.get(url)
        if role != FACILITATOR:
            assert to_login(response), (role, url, describe(response))
            assert response["Location"].startswith(reverse("admin:login")), (role, url)
        elif action == "change" and found is None and allowed:
            assert response.status_code == 302, (url, describe(response))
            assert response["Location"] == reverse("admin:index"), (url, describe(response))
        else:
            assert response.status_code == (200 if allowed else 403), (url, describe(response))


# --- the leak checks are not vacuous: where a role may see a marker, it is shown -------
# (and the text of PDF and XLSX downloads is read: a marker there would be found)

SHOWN = [
    ("web:organisation|A's draft|GET", "member", "quokkadraftorg"),
    ("web:edit_organisation|A|GET", "admin", "quokkahiddenperson"),
    ("opportunities:profile|A's draft|GET", "member", "quokkadraftprofile"),
    ("opportunities:interests|mine|GET", "member", "quokkainterest"),
    ("events:participation|A|GET", "member", "quokkameeting"),
    ("events:marketplace|all|GET", "member", "quokkadraftprofile"),
    ("events:detail|A's draft event|GET", "admin", "quokkadraftevent"),
    ("calls:draft|A's|GET", "member", "quokkaconsortium"),
    ("calls:draft_table|pdf|GET", "member", "quokkaconsortium"),
    ("alerts:list|mine|GET", "member", "quokkasaved"),
    ("registry:export|xlsx|GET", "facilitator", "quokkadraftorg"),
    ("registry:export|json|GET", "facilitator", "quokkadraftorg"),
    ("network:export|graphml|GET", "facilitator", "quokkadraftorg"),
    ("network:scenario|saved|GET", "facilitator", "quokkadraftorg"),
    # the searches find the published organisation named beside the private word
    ("web:search|private words|GET", "anonymous", "gamma plastics"),
    ("GET /search|private words|GET", "anonymous", "gamma plastics"),
    ("GET /drafts|mine|GET", "member", "quokkaconsortium"),
    (
        "GET /events/{slug}/registrations/{registration_id}/meetings|A|GET",
        "member",
        "quokkameeting",
    ),
    ("GET /profiles/{profile_id}|A's draft|GET", "member", "quokkadraftprofile"),
    ("GET /saved-searches|mine|GET", "member", "quokkasaved"),
]


@pytest.mark.parametrize(("case_id", "role", "marker"), SHOWN)
def test_the_markers_show_where_they_may(
    db: Any, world: World, case_id: str, role: str, marker: str
) -> None:
    case = next(c for c in CASES if c.id == case_id)
    response = send(case, world, role)
    assert response.status_code == 200, describe(response)
    assert marker in body_text(response).casefold()
