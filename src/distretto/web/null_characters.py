"""Requests carrying a NUL character are refused before any view sees them.

NUL (U+0000) is no character of any text a person types; PostgreSQL cannot store it in a
text column, and a query filtering on it fails, so a NUL that reached the database would
be a server error (500) on PostgreSQL and stored garbage on SQLite. Forms already refuse
it field by field ("Null characters are not allowed."); this middleware refuses it
everywhere else too: in the address, the query string, form fields read without a form
(and ``\\u0000`` in posted JSON text, which the admin's JSON fields turn into NUL), and
JSON bodies of the API. Pages answer 400 with the message; the API answers 422 in its
usual error shape, naming the field (``name``, ``codes.2``) that holds the NUL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.utils import translation
from django.utils.translation import gettext as _

NUL = "\x00"
_UNREADABLE = (
    SuspiciousOperation,
    MultiPartParserError,
    RawPostDataException,
    UnicodeDecodeError,
    OSError,
)


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first text in ``value`` (a parsed JSON document) holding NUL;
    None when there is none, "" when it is ``value`` itself."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return where
            found = nul_field(item, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _in_query(query: Any, escaped: bool = False) -> str | None:
    """The first parameter holding NUL; with ``escaped``, also the JSON escape of NUL
    (the admin's JSON fields post JSON text, which becomes NUL once parsed)."""
    for key, values in query.lists():
        if NUL in key or any(
            NUL in value or (escaped and "\\u0000" in value.lower()) for value in values
        ):
            return str(key).replace(NUL, "")
    return None


def offending_field(request: HttpRequest) -> str | None:
    """Where the request carries a NUL ("" for the address itself), or None."""
    if NUL in request.path:
        return ""
    found = _in_query(request.GET)
    if found is not None:
        return found
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = request.body
        except _UNREADABLE:
            return None  # too large or unreadable: Django answers that as usual
        if b"\\u0000" not in body and b"\x00" not in body:
            return None
        try:
            return nul_field(json.loads(body))
        except ValueError:
            return None  # not JSON: the API answers 400 itself
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            return _in_query(request.POST, escaped=True)
        except _UNREADABLE:
            return None  # a malformed body: Django answers it as usual
    return None


class NullCharacterMiddleware:
    """Answer 400 (pages) or 422 (API) to a request with a NUL character anywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = offending_field(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # The API answers in the caller's language (see distretto.api.language).
            language = translation.get_language_from_request(request, check_path=False)
            with translation.override(language):
                message = _("Null characters are not allowed.")
            response = JsonResponse(
                {"detail": [{"field": field or None, "message": message}]}, status=422
            )
            response["Content-Language"] = language
            return response
        message = _("Null characters are not allowed.")
        text = f"{field}: {message}" if field else message
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
