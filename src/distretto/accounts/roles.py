"""Who a user is in the district: the role questions every service asks.

Facilitator: manages everything. Organisation admin: edits its own organisations
and their people. Member: a logged-in user of a member organisation. Anyone
else is a public visitor.
"""

from __future__ import annotations

from typing import Any

from distretto.accounts.enums import MembershipRole


def is_facilitator(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_facilitator or user.is_superuser)
    )


def member_organisation_ids(user: Any) -> set[int]:
    """Ids of the organisations the user belongs to (any role)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_distretto_member_ids", None)
    if cached is None:
        cached = set(user.memberships.values_list("organisation_id", flat=True))
        user._distretto_member_ids = cached
    return set(cached)


def administered_organisation_ids(user: Any) -> set[int]:
    """Ids of the organisations the user administers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_distretto_admin_ids", None)
    if cached is None:
        cached = set(
            user.memberships.filter(role=MembershipRole.ADMIN).values_list(
                "organisation_id", flat=True
            )
        )
        user._distretto_admin_ids = cached
    return set(cached)


def is_member(user: Any) -> bool:
    """A logged-in user of a member organisation (facilitators count as members too)."""
    return is_facilitator(user) or bool(member_organisation_ids(user))


def forget_roles(user: Any) -> None:
    """Drop the per-request role cache after memberships change."""
    for attr in ("_distretto_member_ids", "_distretto_admin_ids"):
        if hasattr(user, attr):
            delattr(user, attr)
