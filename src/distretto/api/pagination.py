"""Offset pagination: ``?limit=&offset=`` in, ``{count, items, next_offset}`` out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def paginate(
    queryset: QuerySet[M], limit: int, offset: int, serialise: Callable[[M], dict[str, Any]]
) -> dict[str, Any]:
    """One page of ``queryset``; ``next_offset`` is null on the last page.

    Two queries (count, page) plus the queryset's own prefetches, whatever the page size.
    """
    count = queryset.count()
    items = [serialise(obj) for obj in queryset[offset : offset + limit]]
    next_offset = offset + limit if offset + limit < count else None
    return {"count": count, "items": items, "next_offset": next_offset}
