"""The publication workflow of a cooperation profile: which moves exist and who makes them.

Pure rules over status names (the values of ``enums.ProfileStatus``); no Django.
The owner writes a draft and submits it; a facilitator reviews it and publishes it,
sends it back, puts it on hold or archives it; the clock expires it.
"""

from __future__ import annotations

from enum import Enum

DRAFT = "draft"
REVIEW = "review"
PUBLISHED = "published"
ON_HOLD = "on_hold"
EXPIRED = "expired"
ARCHIVED = "archived"

STATUSES = (DRAFT, REVIEW, PUBLISHED, ON_HOLD, EXPIRED, ARCHIVED)


class Actor(Enum):
    """Who moves a profile: its owner's administrator, a facilitator, or the expiry clock."""

    OWNER = "owner"
    FACILITATOR = "facilitator"
    CLOCK = "clock"


# (from, to) -> who may make the move. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    (DRAFT, REVIEW): frozenset({Actor.OWNER, Actor.FACILITATOR}),
    (REVIEW, DRAFT): frozenset({Actor.OWNER, Actor.FACILITATOR}),
    (REVIEW, PUBLISHED): frozenset({Actor.FACILITATOR}),
    (PUBLISHED, ON_HOLD): frozenset({Actor.FACILITATOR}),
    (ON_HOLD, PUBLISHED): frozenset({Actor.FACILITATOR}),
    (PUBLISHED, EXPIRED): frozenset({Actor.CLOCK}),
    (ON_HOLD, EXPIRED): frozenset({Actor.CLOCK}),
    (DRAFT, ARCHIVED): frozenset({Actor.FACILITATOR}),
    (REVIEW, ARCHIVED): frozenset({Actor.FACILITATOR}),
    (PUBLISHED, ARCHIVED): frozenset({Actor.FACILITATOR}),
    (ON_HOLD, ARCHIVED): frozenset({Actor.FACILITATOR}),
    (EXPIRED, ARCHIVED): frozenset({Actor.FACILITATOR}),
    # An expired profile given a new expiry date goes back to review before it shows again.
    (EXPIRED, REVIEW): frozenset({Actor.OWNER, Actor.FACILITATOR}),
}

# Statuses in which the owner may still change the text.
OWNER_EDITABLE = frozenset({DRAFT, EXPIRED})


def may_move(current: str, target: str, actor: Actor) -> bool:
    """True when ``actor`` may move a profile from ``current`` to ``target``."""
    return actor in TRANSITIONS.get((current, target), frozenset())


def targets(current: str, actor: Actor) -> list[str]:
    """The statuses ``actor`` may move a profile in ``current`` to, in workflow order."""
    return [s for s in STATUSES if may_move(current, s, actor)]


def owner_may_edit(status: str) -> bool:
    """The owner edits drafts (and expired profiles, to renew them); the rest is reviewed text."""
    return status in OWNER_EDITABLE
