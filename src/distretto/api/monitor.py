"""The district monitor as open data: indicators, every value with its source and licence,
and the latest snapshot of the platform's own figures.

Everything here is public (the monitor publishes sourced figures); a bearer token, when
sent, is still checked, so that a script with a broken token fails loudly. Handlers are
thin: they read through ``monitor.queries`` and serialise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from distretto.api.auth import READ_SECURITY, acting_user
from distretto.api.schemas import READ_ERRORS, _enum
from distretto.monitor import queries
from distretto.monitor.enums import SnapshotTrigger, TerritoryKind, Unit
from distretto.monitor.models import Indicator
from distretto.monitor.snapshots import latest_snapshot

router = Router(tags=["monitor"])


class IndicatorSummaryOut(Schema):
    slug: str = Field(description="Address name of the indicator.")
    name_it: str
    name_en: str
    unit: str = Field(json_schema_extra=_enum(list(Unit.values)))
    definition_it: str
    definition_en: str
    computed: bool = Field(
        description="Counted by the platform from its own records (monthly snapshots)."
    )
    featured: bool = Field(description="Shown on the monitor's dashboard.")
    value_count: int = Field(description="How many values it has (all territories).")


class ValueOut(Schema):
    territory_kind: str = Field(json_schema_extra=_enum(list(TerritoryKind.values)))
    territory_code: str = Field(
        description="The district's address name, an ISTAT code, a province, a NUTS or "
        "country code."
    )
    territory: str = Field(description="The territory in words.")
    period: str = Field(description="2025, 2025-Q1, 2024-H1, 2025-03 ...; empty when none.")
    value: str = Field(description="The value exactly as stored, as a decimal number in text.")
    qualifier: str = Field(json_schema_extra=_enum(["about", "over"], allow_empty=True))
    change_percent: str | None = Field(
        description="Change on the previous period (%) as the source states it beside the value."
    )
    source: str
    source_url: str
    licence: str
    notes: str
    flagged: bool = Field(description="Another source states another value: both are kept.")


class IndicatorOut(IndicatorSummaryOut):
    values: list[ValueOut] = Field(
        description="Every value, by territory (the district first), oldest period first."
    )


class DataQuery(Schema):
    format: Literal["csv", "json"] = Field("json", description="`csv` or `json`.")


class DataRowOut(Schema):
    indicator: str
    unit: str
    territory_kind: str
    territory_code: str
    period: str
    value: str
    qualifier: str
    change_percent: str = Field(description="Empty when the source states none.")
    source: str
    source_url: str
    licence: str
    notes: str
    flagged: bool


class DataOut(Schema):
    indicator: str
    name_it: str
    name_en: str
    unit: str
    sources: list[str] = Field(description="The distinct sources of the values.")
    licences: list[str] = Field(description="The distinct licences stated (may be empty).")
    observations: list[DataRowOut]


class SnapshotOut(Schema):
    id: int
    taken_at: datetime
    trigger: str = Field(json_schema_extra=_enum(list(SnapshotTrigger.values)))
    figures: dict[str, Any] = Field(
        description="Only counts: organisations (total, by_kind, by_segment, "
        "by_process_step, by_municipality, by_staff_band), ties (total, by_kind), profiles "
        "(published, by_type), interests (total, by_status), events (total), meetings "
        "(scheduled, held), agreements (signed), consortia (formed, drafts), district."
    )


def summary_out(indicator: Indicator, count: int) -> dict[str, Any]:
    return {
        "slug": indicator.slug,
        "name_it": indicator.name_it,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "definition_it": indicator.definition_it,
        "definition_en": indicator.definition_en,
        "computed": indicator.computed,
        "featured": indicator.featured,
        "value_count": count,
    }


@router.get(
    "/indicators",
    response={200: list[IndicatorSummaryOut], **READ_ERRORS},
    summary="List the monitor's indicators",
    openapi_extra=READ_SECURITY,
)
def list_indicators(request: HttpRequest) -> Any:
    """Every indicator, in the monitor's order, with its number of values."""
    acting_user(request)
    return [
        summary_out(i, i.value_count)
        for i in Indicator.objects.annotate(value_count=Count("observations"))
    ]


# Before /indicators/{slug}: "snapshots" is never read as an indicator's address name.
@router.get(
    "/indicators/snapshots/latest",
    response={200: SnapshotOut, **READ_ERRORS},
    summary="The latest snapshot of the platform's own figures",
    openapi_extra=READ_SECURITY,
)
def get_latest_snapshot(request: HttpRequest) -> Any:
    """What the platform counted from its own records at its latest snapshot (monthly, or
    on demand): only counts. 404 before the first snapshot."""
    acting_user(request)
    found = latest_snapshot()
    if found is None:
        raise Http404(_("No snapshot has been taken yet."))
    return {
        "id": found.pk,
        "taken_at": found.taken_at,
        "trigger": found.trigger,
        "figures": found.figures,
    }


@router.get(
    "/indicators/{slug}",
    response={200: IndicatorOut, **READ_ERRORS},
    summary="An indicator with every value and its source",
    openapi_extra=READ_SECURITY,
)
def get_indicator(request: HttpRequest, slug: str) -> Any:
    acting_user(request)
    found = queries.get_indicator(slug)
    series = queries.series_of(found)
    values = [
        {
            "territory_kind": s.territory_kind,
            "territory_code": s.territory_code,
            "territory": s.territory,
            "period": p.period,
            "value": format(p.value.normalize(), "f"),
            "qualifier": p.qualifier,
            "change_percent": str(p.change_percent) if p.change_percent is not None else None,
            "source": p.source,
            "source_url": p.source_url,
            "licence": p.licence,
            "notes": p.notes,
            "flagged": p.flagged,
        }
        for s in series
        for p in s.points
    ]
    return {**summary_out(found, len(values)), "values": values}


@router.get(
    "/indicators/{slug}/data",
    response={200: DataOut, **READ_ERRORS},
    summary="An indicator's values as open data (CSV or JSON)",
    openapi_extra={
        **READ_SECURITY,
        "responses": {
            200: {
                "description": "JSON (`format=json`) or CSV with a header row (`format=csv`).",
                "content": {
                    "text/csv": {
                        "schema": {
                            "type": "string",
                            "description": "Header: " + ",".join(queries.OPEN_DATA_FIELDS) + ".",
                        }
                    }
                },
            }
        },
    },
)
def get_indicator_data(request: HttpRequest, slug: str, query: Query[DataQuery]) -> Any:
    """Every value of the indicator with its source, source link and licence, as the
    monitor's open-data files: ``format=csv`` (UTF-8, a header row) or ``format=json``."""
    acting_user(request)
    found = queries.get_indicator(slug)
    if query.format == "csv":
        response = HttpResponse(
            queries.open_data_csv(found), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{found.slug}.csv"'
        return response
    return queries.open_data_document(found)
