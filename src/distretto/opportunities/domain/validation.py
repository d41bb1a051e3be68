"""Pure checks of a cooperation profile's fields: limits, call fields, expiry, choices.

Plain values in, ``Problem`` values out (field name and English source message,
translated by the caller). No Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it (extracted by makemessages)."""
    return message


RD_PARTNER_REQUEST = "rd_partner_request"

TITLE_MAX = 256
SUMMARY_MAX = 500
DESCRIPTION_MAX = 4000
TEXT_MAX = 4000
MESSAGE_MAX = 2000

# The fields of a research and development partner request's call; empty for other types.
CALL_FIELDS = (
    "call_programme",
    "call_identifier",
    "call_link",
    "call_interest_deadline",
    "call_deadline",
    "call_coordinator_required",
    "call_budget",
    "call_duration_months",
    "call_acronym",
)


@dataclass(frozen=True)
class Problem:
    """One problem with one field: which field and what is wrong (English source text)."""

    field: str
    message: str


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def check_call_fields(profile_type: str, values: Mapping[str, Any]) -> list[Problem]:
    """Call fields belong to R&D partner requests only; there the call deadline is needed."""
    if profile_type != RD_PARTNER_REQUEST:
        return [
            Problem(name, N_("Call details belong only to R&D partner requests; leave it empty."))
            for name in CALL_FIELDS
            if not _is_empty(values.get(name))
        ]
    problems = []
    if _is_empty(values.get("call_deadline")):
        problems.append(
            Problem("call_deadline", N_("An R&D partner request needs the call's deadline."))
        )
    interest = values.get("call_interest_deadline")
    deadline = values.get("call_deadline")
    if isinstance(interest, date) and isinstance(deadline, date) and interest > deadline:
        problems.append(
            Problem(
                "call_interest_deadline",
                N_("The deadline for expressions of interest must not be after the call deadline."),
            )
        )
    return problems


def check_expiry(expires_on: date | None, today: date) -> list[Problem]:
    """A profile needs an expiry date that is not in the past."""
    if expires_on is None:
        return [Problem("expires_on", N_("Give the date until which the profile is valid."))]
    if expires_on < today:
        return [Problem("expires_on", N_("The expiry date is in the past: choose a later date."))]
    return []


def unknown_choices(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The values not among ``allowed``, in the order given, each once."""
    allowed_set = set(allowed)
    unknown: list[str] = []
    for value in values:
        if value not in allowed_set and value not in unknown:
            unknown.append(value)
    return unknown
