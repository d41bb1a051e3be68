"""Template helpers of the public pages: bilingual fields, tie sentences, map data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from distretto.bilingual import active_language, pick
from distretto.registry.enums import TieKind
from distretto.registry.models import Organisation, Tie
from distretto.web.forms import taxonomy_parameter

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """``obj.<field>`` in the active language, falling back to the other one."""
    if obj is None:
        return ""
    return pick(obj, field)[0]


@register.filter
def lang_attr(obj: Any, field: str) -> SafeString:
    """`` lang="xx"`` when the text ``tr`` shows is not in the page's language, else nothing."""
    if obj is None:
        return SafeString("")
    text, lang = pick(obj, field)
    if text and lang != active_language():
        return format_html(' lang="{}"', lang)
    return SafeString("")


@register.simple_tag(takes_context=True)
def translated_path(context: template.Context, language: str) -> str:
    """This page's address in ``language`` (``/en/organisations/`` <-> ``/organisations/``).

    The language switch sends it as ``next``: Django's ``set_language`` can only
    translate addresses of the default language by itself.
    """
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)


@register.filter
def filter_parameter(taxonomy_slug: str) -> str:
    """The directory's query parameter for a taxonomy (``segment`` -> ``?segment=...``)."""
    return taxonomy_parameter(taxonomy_slug)


@register.filter
def web_url(url: str) -> str:
    """The URL if it is an http(s) address, else empty: no ``javascript:`` links from data."""
    if url and urlsplit(url).scheme.lower() in {"http", "https"}:
        return url
    return ""


@register.filter
def display_url(url: str) -> str:
    """A web address without its scheme and trailing slash, the way people write it."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


@register.filter
def codes_in(organisation: Organisation, taxonomy_slug: str) -> list[Any]:
    """The organisation's codes of one taxonomy (uses the prefetched codes: no query)."""
    return [code for code in organisation.codes.all() if code.taxonomy.slug == taxonomy_slug]


@register.filter
def municipality_names(organisation: Organisation) -> list[str]:
    """Names of the municipalities of the organisation's sites, headquarters first, once each."""
    names: list[str] = []
    for site in organisation.sites.all():
        if site.municipality.name not in names:
            names.append(site.municipality.name)
    return names


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Precision machining" -> "precision machining".

    Acronyms and codes keep their capitals ("ISO 13485", "EMDN").
    """
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _years(tie: Tie) -> str:
    if tie.year_from and tie.year_to:
        return f"{tie.year_from}–{tie.year_to}"
    if tie.year_from:
        return _("since %(year)s") % {"year": tie.year_from}
    if tie.year_to:
        return _("until %(year)s") % {"year": tie.year_to}
    return ""


# Sentences for a tie seen from its "from" end and from its "to" end; {other} is the
# organisation at the other end, {step} the process step of a supply.
_OUTGOING: dict[str, Callable[[], str]] = {
    TieKind.SUPPLIES.value: lambda: _("Supplies {other}"),
    TieKind.PART_OF_GROUP.value: lambda: _("Is part of the group {other}"),
    TieKind.MEMBER_OF.value: lambda: _("Is a member of {other}"),
    TieKind.PROJECT_PARTNER.value: lambda: _("Is a project partner of {other}"),
    TieKind.SPIN_OFF_OF.value: lambda: _("Is a spin-off of {other}"),
    TieKind.COLLABORATES_WITH.value: lambda: _("Works with {other}"),
    TieKind.RUN_BY.value: lambda: _("Is run by {other}"),
    TieKind.COORDINATED_BY.value: lambda: _("Is coordinated by {other}"),
}
_INCOMING: dict[str, Callable[[], str]] = {
    TieKind.SUPPLIES.value: lambda: _("Is supplied by {other}"),
    TieKind.PART_OF_GROUP.value: lambda: _("Has {other} in its group"),
    TieKind.MEMBER_OF.value: lambda: _("Has {other} as a member"),
    TieKind.PROJECT_PARTNER.value: lambda: _("Is a project partner of {other}"),
    TieKind.SPIN_OFF_OF.value: lambda: _("Has the spin-off {other}"),
    TieKind.COLLABORATES_WITH.value: lambda: _("Works with {other}"),
    TieKind.RUN_BY.value: lambda: _("Runs {other}"),
    TieKind.COORDINATED_BY.value: lambda: _("Coordinates {other}"),
}


@register.simple_tag
def tie_sentence(tie: Tie, organisation: Organisation) -> SafeString:
    """The tie in plain words from ``organisation``'s side, the other end linked.

    E.g. "Supplies Bellco with precision machining" on the supplier's page and
    "Is supplied by Acme with precision machining" on Bellco's.
    """
    outgoing = tie.from_organisation_id == organisation.pk
    other = tie.to_organisation if outgoing else tie.from_organisation
    link = format_html('<a href="{}">{}</a>', other.get_absolute_url(), other.name)
    if tie.kind == TieKind.SUPPLIES and tie.process_step is not None:
        if outgoing:
            sentence = _("Supplies {other} with {step}")
        else:
            sentence = _("Is supplied by {other} with {step}")
        return format_html(sentence, other=link, step=in_sentence(tie.process_step.label))
    table = _OUTGOING if outgoing else _INCOMING
    phrase = table.get(str(tie.kind))
    if phrase is None:
        return format_html("{} {}", tie.get_kind_display(), link)
    return format_html(phrase(), other=link)


@register.filter
def tie_years(tie: Tie) -> str:
    return _years(tie)


@register.simple_tag
def site_map_data(page: Any, tiles_url: str, tiles_attribution: str) -> dict[str, Any]:
    """What the map script needs, passed to it with ``json_script`` (so it is escaped JSON)."""
    sites = []
    for site in page.sites:
        latitude, longitude = site.point
        sites.append(
            {
                "lat": latitude,
                "lon": longitude,
                "name": site.name or page.organisation.name,
                "municipality": site.municipality.name,
                "exact": site.has_exact_position,
            }
        )
    site_municipalities = {site.municipality_id for site in page.sites}
    context = [
        {"lat": float(m.latitude), "lon": float(m.longitude), "name": m.name}
        for m in page.district_municipalities
        if m.pk not in site_municipalities
    ]
    return {
        "sites": sites,
        "context": context,
        "tiles": {"url": tiles_url, "attribution": tiles_attribution} if tiles_url else None,
    }
