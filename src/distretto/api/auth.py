"""Who is calling the API: a bearer token (scripts) or the browser's login session.

Reads are public, so they do not require either; they still look at both, because
a facilitator or an organisation's member sees more (drafts, contact people).
Writes require one: ``WRITE_AUTH`` tries the bearer token first, then the session.
A session write must carry the CSRF token (header ``X-CSRFToken``), as any browser
form does; a token write needs none, because a browser never sends the token by itself.
A token reads only unless it was issued with the ``write`` scope; an expired or revoked
token is refused like a wrong one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from distretto.accounts.services import token_for_key

# Methods that change nothing: a read-only token may call them on any endpoint.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

BEARER_SCHEME = "bearer"


def token_of_request(request: HttpRequest, raw: str) -> Any:
    """The usable token with key ``raw``, looked up once per request (the rate limit asks too)."""
    cache: dict[str, Any] = request.__dict__.setdefault("_distretto_tokens", {})
    if raw not in cache:
        cache[raw] = token_for_key(raw)
    return cache[raw]


def invalid_token() -> AuthenticationError:
    return AuthenticationError(
        message=_(
            "The API token is not valid: it may be mistyped, expired or revoked, "
            "or its user inactive."
        )
    )


class BearerToken(HttpBearer):
    """``Authorization: Bearer dst_...``: a token issued with ``distretto createapitoken``.

    A wrong or revoked token is refused with 401, never treated as anonymous, so a
    script with a broken token fails loudly instead of seeing only public data.
    """

    openapi_description = "An API token: `Authorization: Bearer dst_...`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_of_request(request, token.strip())
        if found is None:
            raise invalid_token()
        if request.method not in SAFE_METHODS and not found.can_write:
            raise HttpError(
                403,
                _(
                    "This API token may only read. Ask for a token with the write scope "
                    "(distretto createapitoken USERNAME --name NAME --scope write)."
                ),
            )
        request.user = found.user
        return found.user


class Session(APIKeyCookie):
    """The login session of the web app; writes need the CSRF token as well.

    Unlike django-ninja's ``django_auth`` it checks CSRF only for a logged-in user,
    so an anonymous write answers 401 (log in) rather than 403 (CSRF).
    """

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The web app's login session; writes also need the `X-CSRFToken` header."

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise HttpError(
                403,
                _(
                    "CSRF check failed: send the X-CSRFToken header with the value "
                    "of the csrftoken cookie."
                ),
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return None  # __call__ decides; required by the base class


WRITE_AUTH = [BearerToken(), Session()]

# The OpenAPI security of public reads: anonymous ({}), or either way of logging in.
READ_SECURITY: dict[str, Any] = {"security": [{}, {"BearerToken": []}, {"Session": []}]}


def bearer_key(request: HttpRequest) -> str | None:
    """The key of an ``Authorization: Bearer ...`` header, or None without one."""
    scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == BEARER_SCHEME else None


def acting_user(request: HttpRequest) -> Any:
    """The user a read acts for: the bearer token's, else the session's (maybe anonymous)."""
    key = bearer_key(request)
    if key is not None:
        token = token_of_request(request, key)
        if token is None:
            raise invalid_token()
        return token.user
    return request.user


def authenticated_user(request: HttpRequest) -> Any:
    """The user ``WRITE_AUTH`` let in (ninja keeps it on ``request.auth``)."""
    return request.auth  # type: ignore[attr-defined]
