"""Who may save searches and change which. Pure questions; services and queries act on them."""

from __future__ import annotations

from typing import Any

from distretto.alerts.models import SavedSearch


def can_save_searches(user: Any) -> bool:
    """Every logged-in person with an account (not the CLI's system operator)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "pk", None))


def can_manage(user: Any, saved: SavedSearch) -> bool:
    """Only the owner sees, changes and deletes a saved search."""
    return can_save_searches(user) and saved.owner_id == user.pk
