"""Saved searches of the caller: list, save, change, delete. Login (token or session) required.

Handlers are thin: parse, call the alerts queries and services (which check
permission and open the transaction), serialise. Another person's saved search
answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from distretto.alerts import queries, services
from distretto.alerts.enums import Frequency
from distretto.alerts.models import NAME_MAX, SavedSearch
from distretto.api.auth import WRITE_AUTH, authenticated_user
from distretto.api.pagination import paginate
from distretto.api.schemas import ErrorOut, PageQuery, _enum

router = Router(tags=["saved searches"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SavedSearchOut(Schema):
    id: int
    name: str
    params: dict[str, list[str]] = Field(
        description="The search as the parameters of `GET /search` (each a list of values)."
    )
    frequency: str = Field(json_schema_extra=_enum(list(Frequency.values)))
    active: bool
    created_at: datetime
    last_sent_at: datetime | None
    search_path: str = Field(description="The search page showing its results now.")


class SavedSearchPage(Schema):
    count: int
    items: list[SavedSearchOut]
    next_offset: int | None


class SavedSearchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, list[str] | str] = Field(
        description=(
            'The search, as the parameters of `GET /search`: `{"q": "oxygenators", '
            '"kind": ["sme"]}`. `q` is required.'
        )
    )
    frequency: str = Field(Frequency.WEEKLY.value, json_schema_extra=_enum(list(Frequency.values)))
    name: str = Field("", max_length=NAME_MAX, description="Default: the search text.")


class SavedSearchChange(Schema):
    model_config = ConfigDict(extra="forbid")

    frequency: str | None = Field(None, json_schema_extra=_enum(list(Frequency.values)))
    active: bool | None = None
    name: str | None = Field(None, max_length=NAME_MAX)


def saved_search_out(saved: SavedSearch) -> dict[str, Any]:
    return {
        "id": saved.pk,
        "name": saved.name,
        "params": saved.params,
        "frequency": saved.frequency,
        "active": saved.active,
        "created_at": saved.created_at,
        "last_sent_at": saved.last_sent_at,
        "search_path": queries.search_page_path(saved.params),
    }


@router.get(
    "/saved-searches",
    response={200: SavedSearchPage, **ERRORS},
    auth=WRITE_AUTH,
    summary="List my saved searches",
)
def list_saved_searches(request: HttpRequest, query: Query[PageQuery]) -> Any:
    """The caller's saved searches, newest first."""
    user = authenticated_user(request)
    return paginate(queries.own_saved_searches(user), query.limit, query.offset, saved_search_out)


@router.post(
    "/saved-searches",
    response={201: SavedSearchOut, **ERRORS},
    auth=WRITE_AUTH,
    summary="Save a search",
)
def create_saved_search(request: HttpRequest, payload: SavedSearchIn) -> Any:
    """Save a search, e-mailed as a digest (`daily` or `weekly`) when new results match it.
    A bad parameter answers 422 naming it (`q`, `kind`, `lat`...); at most 20 per person.
    """
    user = authenticated_user(request)
    params = {k: v if isinstance(v, list) else [v] for k, v in payload.params.items()}
    saved = services.save_search(user, params, payload.frequency, payload.name)
    return Status(201, saved_search_out(saved))


@router.patch(
    "/saved-searches/{saved_id}",
    response={200: SavedSearchOut, **ERRORS},
    auth=WRITE_AUTH,
    summary="Change a saved search",
)
def update_saved_search(request: HttpRequest, saved_id: int, payload: SavedSearchChange) -> Any:
    """Change the frequency, pause (`"active": false`) or resume it, or rename it."""
    user = authenticated_user(request)
    saved = queries.get_saved_search(user, saved_id)
    given = payload.model_fields_set
    services.update_saved_search(
        user,
        saved,
        frequency=payload.frequency if "frequency" in given else None,
        active=payload.active if "active" in given else None,
        name=payload.name if "name" in given else None,
    )
    return saved_search_out(saved)


@router.delete(
    "/saved-searches/{saved_id}",
    response={204: None, **ERRORS},
    auth=WRITE_AUTH,
    summary="Delete a saved search",
)
def delete_saved_search(request: HttpRequest, saved_id: int) -> Any:
    """Delete one of the caller's saved searches: no more digests for it."""
    user = authenticated_user(request)
    services.delete_saved_search(user, queries.get_saved_search(user, saved_id))
    return Status(204, None)
