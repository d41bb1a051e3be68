"""Values every page template needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from distretto.accounts.roles import is_facilitator
from distretto.registry import queries


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        "MAP_TILES_ATTRIBUTION": settings.MAP_TILES_ATTRIBUTION,
        "user_is_facilitator": is_facilitator(getattr(request, "user", None)),
        # Looked up only when a template shows it (the header does).
        "district": SimpleLazyObject(queries.current_district),
    }
