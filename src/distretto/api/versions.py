"""Optimistic concurrency in the API: the version a client read, from the body or ``If-Match``.

A record's detail carries its ``version``. A change sends it back, as the body's
``version`` field or as an ``If-Match`` header (``"7"``, ``W/"7"`` or ``7``); if
someone else saved the record since, the change is refused with 409 and nothing is
saved (``distretto.concurrency``). A change that sends neither applies over the
version the server reads at that moment.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from distretto.concurrency import parse_if_match

# The OpenAPI description of the If-Match header of the writes that take a version.
IF_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": (
                "The version of the record the change is based on (its `version`), e.g. "
                '`"7"`. If the record was saved since, the answer is 409 and nothing '
                "changes. Same as the body's `version`."
            ),
        }
    ]
}

VERSION_DESCRIPTION = (
    "The version of the record this change is based on (the `version` read with it). If "
    "someone saved the record since, the answer is 409 and nothing changes; without it "
    "the change applies to the current version. Same as the `If-Match` header."
)


def seen_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client read: the ``If-Match`` header's or the body's (which must agree)."""
    try:
        header = parse_if_match(request.headers.get("If-Match"))
    except ValueError:
        raise ValidationError(
            {"If-Match": [_('Give the version of the record, e.g. If-Match: "7".')]}
        ) from None
    if header is not None and body_version is not None and header != body_version:
        raise ValidationError(
            {"version": [_("The version in the body differs from the one in If-Match.")]}
        )
    return header if header is not None else body_version
