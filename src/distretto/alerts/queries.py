"""Reading saved searches, for their owner only; and where the search page shows one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from distretto.alerts.models import SavedSearch
from distretto.alerts.rules import can_manage, can_save_searches


def own_saved_searches(user: Any) -> QuerySet[SavedSearch]:
    """The saved searches of ``user``, newest first (none for anonymous visitors)."""
    if not can_save_searches(user):
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(owner_id=user.pk).order_by("-created_at", "-pk")


def get_saved_search(user: Any, pk: int) -> SavedSearch:
    """One saved search of ``user``; 404 for a missing one and for another person's."""
    saved = SavedSearch.objects.filter(pk=pk).first()
    if saved is None or not can_manage(user, saved):
        raise Http404(_("No such saved search."))
    return saved


def calls_for(params: Any) -> int | None:
    """The organisation id of an alert of fitting calls (``{"calls_for": ["12"]}``), else None.

    Also reads a bare id (``{"calls_for": 12}``); anything else is no such alert.
    """
    value = params.get("calls_for") if isinstance(params, dict) else None
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def search_page_path(params: dict[str, list[str]]) -> str:
    """The page showing the results of ``params`` now (path in the active language): the
    search page, or for an alert of fitting calls the calls list for its organisation."""
    organisation_id = calls_for(params)
    if organisation_id is not None or "calls_for" in params:
        path = reverse("calls:list")
        return f"{path}?{urlencode({'organisation': organisation_id})}" if organisation_id else path
    path = reverse("web:search")
    query = urlencode(params, doseq=True)
    return f"{path}?{query}" if query else path
