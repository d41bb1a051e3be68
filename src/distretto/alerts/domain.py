"""Pure digest logic: which saved searches are due, which results are new. No Django.

A digest run is started by a clock (cron, a systemd timer) that never fires at
exactly the same second, so a search is due a little before its full period
has passed (``GRACE``): a daily digest sent at 07:00:05 is due again at 07:00:01
the next day, not one day later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

GRACE = timedelta(hours=1)
# How many notified results a saved search remembers (the oldest are forgotten first).
SEEN_MAX = 1000


def is_due(last_sent_at: datetime | None, period: timedelta, now: datetime) -> bool:
    """Never sent, or sent at least ``period`` (less the grace) before ``now``."""
    return last_sent_at is None or now - last_sent_at >= period - GRACE


def result_key(kind: str, identifier: int) -> str:
    """How a result is remembered: ``organisation:12``, ``profile:3``."""
    return f"{kind}:{identifier}"


def new_keys(found: Iterable[str], seen: Iterable[str]) -> list[str]:
    """The keys of ``found`` (in their order) not in ``seen``, each once."""
    known = set(seen)
    fresh: list[str] = []
    for key in found:
        if key not in known:
            known.add(key)
            fresh.append(key)
    return fresh


def remember(seen: Sequence[str], fresh: Iterable[str], limit: int = SEEN_MAX) -> list[str]:
    """``seen`` followed by the ``fresh`` keys, keeping the newest ``limit``."""
    merged = [*seen, *new_keys(fresh, seen)]
    return merged[-limit:] if limit else merged
