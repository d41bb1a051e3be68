"""Periods and figures written once, in no language, and shown in each.

A period is stored in a small ISO-8601-like form so that it can be shown in
Italian and English and checked when data arrive:

=============  ==========================  ==========================
stored         English                     Italian
=============  ==========================  ==========================
``2022``       2022                        2022
``2012-05``    May 2012                    maggio 2012
``1991-11-11`` 11 November 1991            11 novembre 1991
``2025-Q1``    Q1 2025                     1° trimestre 2025
``2024-H1``    H1 2024                     1° semestre 2024
``2017/2021``  2017–2021                   2017–2021
``2014/``      since 2014                  dal 2014
(empty)        period not stated           periodo non indicato
=============  ==========================  ==========================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


def N_(message: str) -> str:
    """Mark a message for translation without translating it (extracted by makemessages)."""
    return message


PERIOD = re.compile(
    r"^(?P<year>\d{4})"
    r"(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>\d{2}))?"
    r"|-Q(?P<quarter>[1-4])"
    r"|-H(?P<half>[12])"
    r"|/(?P<until>\d{4})?"
    r")?$"
)


@dataclass(frozen=True)
class Period:
    """A parsed period. ``kind`` is one of: none, year, month, day, quarter, half, range, since."""

    kind: str
    year: int = 0
    month: int = 0
    day: int = 0
    part: int = 0
    until: int = 0


def parse_period(text: str) -> Period | None:
    """The period written in ``text``, or None when it is not in one of the stored forms."""
    text = (text or "").strip()
    if not text:
        return Period("none")
    match = PERIOD.match(text)
    if not match:
        return None
    year = int(match["year"])
    if match["day"]:
        try:
            date(year, int(match["month"]), int(match["day"]))
        except ValueError:
            return None
        return Period("day", year, int(match["month"]), int(match["day"]))
    if match["month"]:
        return Period("month", year, int(match["month"]))
    if match["quarter"]:
        return Period("quarter", year, part=int(match["quarter"]))
    if match["half"]:
        return Period("half", year, part=int(match["half"]))
    if "/" in text:
        if match["until"]:
            until = int(match["until"])
            return Period("range", year, until=until) if until > year else None
        return Period("since", year)
    return Period("year", year)


def check_period(text: str) -> str | None:
    """None when ``text`` is a period in a stored form, else the reason (English source text)."""
    if parse_period(text) is None:
        return N_(
            "Write the period as 2022, 2012-05, 1991-11-11, 2025-Q1, 2024-H1, "
            "2017/2021 (a range) or 2014/ (since), or leave it empty."
        )
    return None
