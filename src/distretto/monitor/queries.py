"""Reading the monitor: indicator series by territory, the dashboard's key figures, a
territory's name in words. Everything here is public (the monitor publishes sourced
figures); the region profile and snapshots are read here too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.monitor.enums import TerritoryKind
from distretto.monitor.models import Indicator, Observation


@dataclass(frozen=True)
class Point:
    """A value of a series: its period, the value and where it comes from."""

    period: str
    start: date | None  # None when the source states no period
    value: Decimal
    qualifier: str
    change_percent: Decimal | None
    source: str
    source_url: str
    licence: str
    notes: str
    flagged: bool


@dataclass(frozen=True)
class Series:
    """An indicator's values for one territory, oldest first (several sources side by
    side when they disagree: both points are kept, flagged)."""

    indicator: Indicator
    territory_kind: str
    territory_code: str
    territory: str
    points: tuple[Point, ...]

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def previous(self) -> Point | None:
        """The value of the period before the latest one, of the same length (a year before a
        year, a quarter before a quarter), not a second source's value."""
        last = self.latest
        if last is None or last.start is None:
            return None
        earlier = [
            p
            for p in self.points
            if p.start is not None and p.start < last.start and length(p) == length(last)
        ]
        return earlier[-1] if earlier else None

    @property
    def change(self) -> Decimal | None:
        """The latest value's change on the previous one, in percent (None for a series of
        changes, or without a previous value)."""
        last, before = self.latest, self.previous
        if last is None or before is None or not before.value:
            return None
        if self.indicator.unit in ("change_percent", "percent"):
            return None
        return round((last.value - before.value) / before.value * 100, 1)

    @property
    def trend(self) -> tuple[Point, ...]:
        """The points drawn as one line: those with periods of the latest one's length (years
        with years, quarters with quarters), so that a quarter is never joined to a year."""
        last = self.latest
        if last is None or last.start is None:
            return ()
        return tuple(p for p in self.points if p.start is not None and length(p) == length(last))


def length(point: Point) -> str:
    """A period's length: year, half, quarter, month or day (from its stored form)."""
    text = point.period
    if "-Q" in text:
        return "quarter"
    if "-H" in text:
        return "half"
    return {4: "year", 7: "month", 10: "day"}.get(len(text), "other")


KIND_ORDER: dict[str, int] = {
    TerritoryKind.DISTRICT.value: 0,
    TerritoryKind.MUNICIPALITY.value: 1,
    TerritoryKind.PROVINCE.value: 2,
    TerritoryKind.NUTS.value: 3,
    TerritoryKind.COUNTRY.value: 4,
}


def territory_name(kind: str, code: str) -> str:
    """A territory in words: the district's name, a municipality's, "Province of MO", a NUTS
    region's label, a country code."""
    from distretto.registry.queries import current_district
    from distretto.taxonomy.models import Code, Municipality

    if kind == TerritoryKind.DISTRICT:
        district = current_district()
        return district.tr("name") if district and district.slug == code else code
    if kind == TerritoryKind.MUNICIPALITY:
        found = Municipality.objects.filter(istat_code=code).first()
        return found.name if found else code
    if kind == TerritoryKind.PROVINCE:
        return _("Province of %(code)s") % {"code": code}
    if kind == TerritoryKind.NUTS:
        region = Code.objects.filter(taxonomy__slug="nuts", code=code).first()
        return f"{region.label} ({code})" if region else code
    return code


POINT_FIELDS = (
    "period",
    "period_start",
    "value",
    "qualifier",
    "change_percent",
    "source",
    "source_url",
    "licence",
    "notes",
    "flagged",
)


def _points(rows: Any) -> tuple[Point, ...]:
    """Points from observation rows (``values()`` dicts of ``POINT_FIELDS``)."""
    return tuple(
        Point(
            period=o["period"],
            start=o["period_start"],
            value=o["value"],
            qualifier=o["qualifier"],
            change_percent=o["change_percent"],
            source=o["source"],
            source_url=o["source_url"],
            licence=o["licence"],
            notes=o["notes"],
            flagged=o["flagged"],
        )
        for o in rows
    )


class _Names(dict[tuple[str, str], str]):
    """Territory names, each looked up once."""

    def __missing__(self, key: tuple[str, str]) -> str:
        self[key] = territory_name(*key)
        return self[key]


def series_of(indicator: Indicator) -> list[Series]:
    """Every territory's series of ``indicator``, the district first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for o in indicator.observations.order_by(F("period_start").asc(nulls_first=True), "pk").values(
        "territory_kind", "territory_code", *POINT_FIELDS
    ):
        groups.setdefault((o["territory_kind"], o["territory_code"]), []).append(o)
    names = _Names()
    return [
        Series(indicator, kind, code, names[(kind, code)], _points(rows))
        for (kind, code), rows in sorted(
            groups.items(), key=lambda item: (KIND_ORDER.get(item[0][0], 9), item[0][1])
        )
    ]


def get_indicator(slug: str) -> Indicator:
    found = Indicator.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(_("No such indicator."))
    return found


def dashboard() -> list[Series]:
    """The featured indicators, each by its main territory (the district when it has
    values there), for the dashboard's key figures and trends; in one query."""
    featured = list(Indicator.objects.filter(featured=True))
    rows: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = {i.pk: {} for i in featured}
    for o in (
        Observation.objects.filter(indicator__in=featured)
        .order_by(F("period_start").asc(nulls_first=True), "pk")
        .values("indicator_id", "territory_kind", "territory_code", *POINT_FIELDS)
    ):
        rows[o["indicator_id"]].setdefault((o["territory_kind"], o["territory_code"]), []).append(o)
    cards = []
    names = _Names()
    for indicator in featured:
        groups = rows[indicator.pk]
        if not groups:
            continue
        kind, code = min(groups, key=lambda key: (KIND_ORDER.get(key[0], 9), -len(groups[key])))
        cards.append(
            Series(indicator, kind, code, names[(kind, code)], _points(groups[(kind, code)]))
        )
    return cards


OPEN_DATA_FIELDS = (
    "indicator",
    "unit",
    "territory_kind",
    "territory_code",
    "period",
    "value",
    "qualifier",
    "change_percent",
    "source",
    "source_url",
    "licence",
    "notes",
    "flagged",
)


def open_data_csv(indicator: Indicator) -> str:
    """Every value of ``indicator`` as CSV (a header row of ``OPEN_DATA_FIELDS``)."""
    from distretto.registry.tabular import csv_text

    rows = open_data(indicator)
    return csv_text(
        [OPEN_DATA_FIELDS, *([row.get(name, "") for name in OPEN_DATA_FIELDS] for row in rows)]
    )


def open_data_document(indicator: Indicator) -> dict[str, Any]:
    """Every value of ``indicator`` as a JSON document, with its sources and licences."""
    rows = open_data(indicator)
    return {
        "indicator": indicator.slug,
        "name_it": indicator.name_it,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "sources": sorted({row["source"] for row in rows}),
        "licences": sorted({row["licence"] for row in rows if row["licence"]}),
        "observations": rows,
    }


def open_data(indicator: Indicator) -> list[dict[str, Any]]:
    """Every value of ``indicator`` as plain rows, with its source and licence."""
    return [
        {
            "indicator": indicator.slug,
            "unit": indicator.unit,
            "territory_kind": o.territory_kind,
            "territory_code": o.territory_code,
            "period": o.period,
            "value": format(o.value.normalize(), "f"),
            "qualifier": o.qualifier,
            "change_percent": str(o.change_percent) if o.change_percent is not None else "",
            "source": o.source,
            "source_url": o.source_url,
            "licence": o.licence,
            "notes": o.notes,
            "flagged": o.flagged,
        }
        for o in indicator.observations.order_by(
            "territory_kind", "territory_code", F("period_start").asc(nulls_first=True), "pk"
        )
    ]


def side_by_side(chosen: list[Series]) -> list[dict[str, Any]]:
    """The periods of the chosen series, each with every series' value (or None)."""
    periods: dict[str, date | None] = {}
    for s in chosen:
        for p in s.points:
            periods.setdefault(p.period, p.start)
    ordered = sorted(
        periods, key=lambda text: (periods[text] is not None, periods[text] or date.min)
    )
    return [
        {
            "period": text,
            "values": [next((p for p in s.points if p.period == text), None) for s in chosen],
        }
        for text in ordered
    ]


def changes(table: list[dict[str, Any]]) -> list[Decimal | None]:
    """Each column's change between the first and the last row of ``table``, in percent."""
    if len(table) < 2:
        return []
    first, last = table[0]["values"], table[-1]["values"]
    return [
        round((b.value - a.value) / a.value * 100, 1) if a and b and a.value else None
        for a, b in zip(first, last, strict=True)
    ]
