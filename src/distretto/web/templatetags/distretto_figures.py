"""Figures and periods, stored in no language, shown in the page's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from distretto.bilingual import active_language
from distretto.registry.domain.periods import parse_period
from distretto.registry.enums import FigureUnit
from distretto.registry.models import DistrictFigure

register = template.Library()


def _month(number: int) -> str:
    name = str(MONTHS[number])
    # Italian month names are written in lower case inside a date.
    return name.lower() if active_language() == "it" else name


@register.filter
def period(text: str) -> str:
    """A stored period (``2025-Q1``, ``2014/``, ``2012-05``...) in words of the page's language."""
    parsed = parse_period(text)
    if parsed is None:
        return text  # Not in a known form: show it as it was written.
    year = str(parsed.year)
    if parsed.kind == "none":
        return _("period not stated")
    if parsed.kind == "year":
        return year
    if parsed.kind == "month":
        return _("%(month)s %(year)s") % {"month": _month(parsed.month), "year": year}
    if parsed.kind == "day":
        return _("%(day)s %(month)s %(year)s") % {
            "day": parsed.day,
            "month": _month(parsed.month),
            "year": year,
        }
    if parsed.kind == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": parsed.part, "year": year}
    if parsed.kind == "half":
        return _("H%(half)s %(year)s") % {"half": parsed.part, "year": year}
    if parsed.kind == "range":
        return f"{year}–{parsed.until}"
    return _("since %(year)s") % {"year": year}


def _number(value: Decimal) -> str:
    """A number with the page's digit grouping and decimal mark, without trailing zeros."""
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
    return number_format(normal, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def figure_value(figure: DistrictFigure) -> str:
    """``EUR 479 million`` / ``479 milioni di euro``, ``about 5,000`` / ``circa 5.000``..."""
    return format_figure(figure.number, figure.unit, figure.qualifier, figure.change_percent)


def format_figure(
    number: Decimal, unit: str, qualifier: str = "", change_percent: Decimal | None = None
) -> str:
    """A figure in words of the page's language: its unit, "about", and the change on the
    previous period when the source states it beside the value."""
    amount = _number(number)
    if unit == FigureUnit.EUR_MILLION:
        text = _("EUR %(amount)s million") % {"amount": amount}
    elif unit == FigureUnit.PERCENT:
        text = _("%(amount)s%%") % {"amount": amount}
    elif unit == FigureUnit.CHANGE_PERCENT:
        sign = "+" if number > 0 else ""
        text = _("%(amount)s%%") % {"amount": sign + amount}
    else:
        text = amount
    if qualifier == "about":
        text = _("about %(value)s") % {"value": text}
    elif qualifier == "over":
        text = _("over %(value)s") % {"value": text}
    if change_percent is not None:
        sign = "+" if change_percent > 0 else ""
        text = _("%(value)s (%(change)s%% on the previous period)") % {
            "value": text,
            "change": sign + _number(change_percent),
        }
    return text
