"""Middleware of accounts: the request whose user the audit log records."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from distretto.accounts import audit
from distretto.accounts.audit import Actor


class AuditMiddleware:
    """Changes made while a request is answered are the request's user's.

    The user is read from ``request.user`` when an entry is written, not here: the
    API's bearer token sets ``request.user`` later, inside the view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = audit.begin(Actor(request=request))
        try:
            return self.get_response(request)
        finally:
            audit.end(token)
