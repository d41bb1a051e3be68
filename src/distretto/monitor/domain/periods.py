"""Where a stored period starts, to place a value on a time axis (no Django).

Periods are the registry's neutral forms (``registry/domain/periods.py``); a value's
period is a year, a half, a quarter, a month or a day. Ranges, "since" and an empty
period have no start here (None): such values are listed, not drawn.
"""

from __future__ import annotations

from datetime import date

from distretto.registry.domain.periods import parse_period


def period_start(text: str) -> date | None:
    parsed = parse_period(text)
    if parsed is None or parsed.kind in ("none", "range", "since"):
        return None
    if parsed.kind == "quarter":
        return date(parsed.year, 3 * parsed.part - 2, 1)
    if parsed.kind == "half":
        return date(parsed.year, 6 * parsed.part - 5, 1)
    if parsed.kind == "month":
        return date(parsed.year, parsed.month, 1)
    if parsed.kind == "day":
        return date(parsed.year, parsed.month, parsed.day)
    return date(parsed.year, 1, 1)
