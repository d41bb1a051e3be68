"""One shape for every API error: ``{"detail": [{"field": ..., "message": ...}]}``.

``field`` names the request field at fault (``vat_number``, ``codes``, ``limit``),
or is null when the problem is the request as a whole (not logged in, not
allowed, not found). Messages are in the request's language (``Accept-Language``).

Statuses: 400 unreadable body, 401 not logged in or bad token, 403 not allowed,
404 no such record (or one the caller may not see), 409 someone else saved the record
after the caller read it (nothing was saved), 422 invalid data, 429 too many requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from distretto.concurrency import EditConflict

# Where ninja puts a parameter's value; the first element of a pydantic error location.
PARAMETER_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def problem(field: str | None, message: str) -> dict[str, Any]:
    return {"field": field, "message": message}


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, problems: Iterable[dict[str, Any]]
) -> HttpResponse:
    response = api.create_response(request, {"detail": list(problems)}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="distretto"'
    return response


def _field_of(location: Iterable[Any], body_params: set[str]) -> str | None:
    parts = [str(part) for part in location]
    if parts and parts[0] in PARAMETER_SOURCES:
        parts = parts[1:]
    # A JSON body arrives as the handler's parameter (``payload``); its fields are the names.
    if parts and parts[0] in body_params:
        parts = parts[1:]
    return ".".join(parts) or None


def _message_of(error: dict[str, Any]) -> str:
    """A pydantic error as a sentence in the request's language.

    Django's own wording is reused where it fits, so its catalogues translate it.
    """
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"string_type"}:
        return _("Enter a text.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"list_type"}:
        return _("Enter a list.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Enter a JSON object.")
    if kind == "extra_forbidden":
        return _("This field cannot be set.")
    if kind == "greater_than_equal":
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge")
        }
    if kind == "greater_than":
        return _("Ensure this value is greater than %(limit_value)s.") % {
            "limit_value": ctx.get("gt")
        }
    if kind == "less_than_equal":
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le")
        }
    if kind == "less_than":
        return _("Ensure this value is less than %(limit_value)s.") % {"limit_value": ctx.get("lt")}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", _("Invalid value.")))


def on_invalid_request(api: NinjaAPI) -> Any:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, NinjaValidationError)
        body_params = {"payload"}
        return _respond(
            api,
            request,
            422,
            [problem(_field_of(e.get("loc", ()), body_params), _message_of(e)) for e in exc.errors],
        )

    return handle


def on_invalid_data(api: NinjaAPI) -> Any:
    """A service's ValidationError: one entry per field and message, 422."""

    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, DjangoValidationError)
        if hasattr(exc, "error_dict"):
            problems = [
                problem(None if field == NON_FIELD_ERRORS else field, message)
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            problems = [problem(None, message) for message in exc.messages]
        return _respond(api, request, 422, problems)

    return handle


def on_forbidden(api: NinjaAPI) -> Any:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = str(exc) or _("You may not do this.")
        return _respond(api, request, 403, [problem(None, message)])

    return handle


def on_not_found(api: NinjaAPI) -> Any:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = str(exc) or _("Not found.")
        return _respond(api, request, 404, [problem(None, message)])

    return handle


def on_conflict(api: NinjaAPI) -> Any:
    """Someone else saved the record after the caller read it: 409, nothing saved."""

    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, EditConflict)
        return _respond(api, request, 409, [problem(None, exc.message)])

    return handle


def on_http_error(api: NinjaAPI) -> Any:
    """ninja's own errors: not logged in (401), CSRF (403), unreadable body (400)."""

    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, HttpError)
        if isinstance(exc, AuthenticationError) and exc.message == "Unauthorized":
            message = _("Log in, or send an API token: Authorization: Bearer dst_...")
        elif exc.status_code == 400:
            message = _("The request body is not valid JSON.")
        else:
            message = str(exc)
        return _respond(api, request, exc.status_code, [problem(None, message)])

    return handle


def on_throttled(api: NinjaAPI) -> Any:
    """Too many requests (429), with ``Retry-After`` in seconds."""

    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        assert isinstance(exc, Throttled)
        wait = int(exc.wait or 60)
        message = _("Too many requests: wait %(seconds)d seconds and try again.") % {
            "seconds": wait
        }
        response = _respond(api, request, 429, [problem(None, message)])
        response["Retry-After"] = str(wait)
        return response

    return handle


def install(api: NinjaAPI) -> None:
    """Make ``api`` answer every error in the one documented shape."""
    api.add_exception_handler(NinjaValidationError, on_invalid_request(api))
    api.add_exception_handler(DjangoValidationError, on_invalid_data(api))
    api.add_exception_handler(PermissionDenied, on_forbidden(api))
    api.add_exception_handler(Http404, on_not_found(api))
    api.add_exception_handler(EditConflict, on_conflict(api))
    api.add_exception_handler(HttpError, on_http_error(api))
    api.add_exception_handler(Throttled, on_throttled(api))
