"""A search as query parameters and back, shared by the search page, the API and saved searches.

Parameter names: ``q``; ``type`` (repeatable: organisation, profile; "all" or
none: both); ``profile_type``, ``kind``, ``municipality``, ``segment``,
``process_step``, ``certification``, ``value_chain`` (filters, repeatable);
``code`` (``taxonomy:code``, ranks without filtering); ``lat``, ``lon``,
``distance_km``; ``limit``. ``query_to_params`` is the inverse of
``query_from_params`` (saved searches keep their search in this form).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from distretto.matching.services import CODE_FILTERS, RECORD_TYPES, SearchQuery

ALL_TYPES = "all"
DEFAULT_LIMIT = 10
LIST_PARAMS = ("profile_type", "kind", "municipality", *CODE_FILTERS, "code")
NUMBER_PARAMS = ("lat", "lon", "distance_km")


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of ``name``: a QueryDict's list, a list, or a single value."""
    if hasattr(params, "getlist"):
        raw: Any = params.getlist(name)
    else:
        raw = params.get(name)
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [str(v).strip() for v in raw if v is not None and str(v).strip()]
    text = str(raw).strip()
    return [text] if text else []


def _one(params: Mapping[str, Any], name: str) -> str:
    values = _values(params, name)
    return values[-1] if values else ""


def _number(raw: str) -> float:
    value = float(raw.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def query_from_params(params: Mapping[str, Any]) -> SearchQuery:
    """The search that ``params`` (a QueryDict, or a dict of lists or strings) describe.

    Raises ValidationError naming the parameter for a value that is not a
    number (``lat``, ``lon``, ``distance_km``), not a whole number (``limit``)
    or not a record type (``type``); the other checks are ``search``'s.
    """
    errors: dict[str, list[str]] = {}
    numbers: dict[str, float | None] = {}
    for name in NUMBER_PARAMS:
        raw = _one(params, name)
        try:
            numbers[name] = _number(raw) if raw else None
        except ValueError:
            errors[name] = [_("Enter a number.")]
    raw_limit = _one(params, "limit")
    limit = DEFAULT_LIMIT
    if raw_limit:
        try:
            limit = int(raw_limit)
        except ValueError:
            errors["limit"] = [_("Enter a whole number.")]
    types = tuple(dict.fromkeys(_values(params, "type")))
    if not types or ALL_TYPES in types:
        types = RECORD_TYPES
    unknown = [t for t in types if t not in RECORD_TYPES]
    if unknown:
        errors["type"] = [
            _("Unknown type: %(values)s. Choose among: %(choices)s.")
            % {"values": ", ".join(unknown), "choices": ", ".join((*RECORD_TYPES, ALL_TYPES))}
        ]
    if errors:
        raise ValidationError(errors)
    listed = {name: tuple(dict.fromkeys(_values(params, name))) for name in LIST_PARAMS}
    return SearchQuery(
        text=_one(params, "q"),
        kinds=listed["kind"],
        municipalities=listed["municipality"],
        code_filters={name: listed[name] for name in CODE_FILTERS if listed[name]},
        codes=listed["code"],
        latitude=numbers["lat"],
        longitude=numbers["lon"],
        distance_km=numbers["distance_km"],
        limit=limit,
        types=types,
        profile_types=listed["profile_type"],
    )


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def query_to_params(query: SearchQuery) -> dict[str, list[str]]:
    """The parameters of ``query`` (only those that differ from the defaults, ``q`` always)."""
    params: dict[str, list[str]] = {"q": [query.text]}
    if set(query.types) != set(RECORD_TYPES):
        params["type"] = list(query.types)
    pairs: dict[str, tuple[str, ...]] = {
        "profile_type": tuple(query.profile_types),
        "kind": tuple(query.kinds),
        "municipality": tuple(query.municipalities),
        **{name: tuple(query.code_filters.get(name, ())) for name in CODE_FILTERS},
        "code": tuple(query.codes),
    }
    for name, values in pairs.items():
        if values:
            params[name] = list(values)
    for name, number in (
        ("lat", query.latitude),
        ("lon", query.longitude),
        ("distance_km", query.distance_km),
    ):
        if number is not None:
            params[name] = [_number_text(number)]
    if query.limit != DEFAULT_LIMIT:
        params["limit"] = [str(query.limit)]
    return params
