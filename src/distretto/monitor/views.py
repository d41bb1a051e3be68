"""Pages of the district monitor. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from distretto.monitor import queries
from distretto.monitor.models import Indicator, RegionProfile


def dashboard(request: HttpRequest) -> HttpResponse:
    """The district's key figures with period, source, trend and latest change."""
    return render(
        request,
        "monitor/dashboard.html",
        {
            "cards": queries.dashboard(),
            "indicators": Indicator.objects.all(),
            "regions": RegionProfile.objects.all(),
        },
    )


def indicator(request: HttpRequest, slug: str) -> HttpResponse:
    """An indicator: its definition, a chart per territory with the values in a table below,
    and every value's source."""
    found = queries.get_indicator(slug)
    return render(
        request,
        "monitor/indicator.html",
        {"indicator": found, "series": queries.series_of(found)},
    )


def indicator_data(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    """Every value of the indicator as open data (CSV or JSON), with its source and licence."""
    found = queries.get_indicator(slug)
    if extension == "json":
        content = json.dumps(queries.open_data_document(found), ensure_ascii=False, indent=2)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    elif extension == "csv":
        response = HttpResponse(
            queries.open_data_csv(found), content_type="text/csv; charset=utf-8"
        )
    else:
        raise Http404(_("No such file."))
    response["Content-Disposition"] = f'attachment; filename="{slug}.{extension}"'
    return response


def region(request: HttpRequest, nuts: str) -> HttpResponse:
    found = RegionProfile.objects.filter(nuts_code=nuts.upper()).first()
    if found is None:
        raise Http404(_("No such region."))
    return render(request, "monitor/region.html", {"region": found})


def compare(request: HttpRequest) -> HttpResponse:
    """Two (or more) territories of an indicator side by side, period by period; with two
    periods chosen, only those and each territory's change between them."""
    slug = request.GET.get("indicator")
    found = queries.get_indicator(slug) if slug else None
    series = queries.series_of(found) if found else []
    wanted = request.GET.getlist("territory")
    chosen = [s for s in series if f"{s.territory_kind}:{s.territory_code}" in wanted] or series
    table = queries.side_by_side(chosen)
    periods = [row["period"] for row in table]
    picked = [p for p in request.GET.getlist("period") if p in periods][:2]
    if len(picked) == 2:
        table = [row for row in table if row["period"] in picked]
    return render(
        request,
        "monitor/compare.html",
        {
            "indicators": Indicator.objects.all(),
            "indicator": found,
            "series": series,
            "chosen": chosen,
            "table": table,
            "periods": periods,
            "picked": picked,
            "changes": queries.changes(table) if len(picked) == 2 else [],
        },
    )
