"""The district report as a standalone HTML page (presentation: a ``Report`` in, text out).

The page (``monitor/report.html``) links the site's stylesheet and draws each trend as a
server-side SVG chart from ``domain.charts.line_chart``, with its colours as SVG
attributes so that the page reads well printed, or saved as a file without the stylesheet.
It reads no database: the web view and the CLI both render the same ``Report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats

from distretto.monitor.domain import charts
from distretto.monitor.report import KeyFigure, Report, share

__all__ = ["ChartFigure", "chart_of", "number", "render_report"]


@dataclass(frozen=True)
class ChartFigure:
    """A key figure with the geometry of its trend chart and the labels of its ticks."""

    figure: KeyFigure
    chart: charts.Chart
    y_labels: tuple[tuple[float, str], ...]  # (position, label)
    x_labels: tuple[tuple[float, str], ...]
    # (x, y, label, label's y) of each value: the label above its dot, or under it when
    # the dot lies at the top (a value above the highest tick).
    dot_labels: tuple[tuple[float, float, str, float], ...]
    sources: tuple[str, ...]  # the sources of the values drawn, in order

    @property
    def baseline(self) -> int:
        """The y of the value axis' foot (the x axis)."""
        return self.chart.height - self.chart.bottom


def number(value: float) -> str:
    """A number in the active language, grouped, without trailing zeros (at most two decimals)."""
    rounded = round(value, 2)
    if rounded == int(rounded):
        return formats.number_format(int(rounded), use_l10n=True, force_grouping=True)
    places = 1 if round(rounded, 1) == rounded else 2
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)


def chart_of(figure: KeyFigure, **size: int) -> ChartFigure | None:
    """The chart of a key figure's trend; None with fewer than two values to join."""
    points = [p for p in figure.trend if p.start is not None]
    if len(points) < 2:
        return None
    chart = charts.line_chart(
        [p.start for p in points if p.start is not None], [p.number for p in points], **size
    )
    sources: list[str] = []
    for p in points:
        if p.source not in sources:
            sources.append(p.source)
    return ChartFigure(
        figure=figure,
        chart=chart,
        y_labels=tuple((t.position, number(t.value)) for t in chart.y_ticks),
        x_labels=tuple((t.position, str(int(t.value))) for t in chart.x_ticks),
        dot_labels=tuple(
            (d.x, d.y, number(points[d.index].number), d.y - 9 if d.y - 9 >= 12 else d.y + 18)
            for d in chart.dots
            if d.index < len(points)
        ),
        sources=tuple(sources),
    )


def context(report: Report) -> dict[str, Any]:
    network = report.network
    return {
        "report": report,
        "charts": [c for c in (chart_of(f) for f in report.key_figures) if c is not None],
        "segments": [c for c in report.segments if c.organisations],
        "segments_none": "; ".join(c.label for c in report.segments if not c.organisations),
        "steps": [c for c in report.steps if c.organisations],
        "steps_none": "; ".join(c.label for c in report.steps if not c.organisations),
        "largest_share": share(network.largest_component_share),
        "density": number(network.density),
        "modularity": number(network.modularity),
    }


def render_report(report: Report, request: HttpRequest | None = None, *, pdf_url: str = "") -> str:
    """The report as a standalone HTML page; ``pdf_url`` links its PDF when given."""
    return render_to_string(
        "monitor/report.html", {**context(report), "pdf_url": pdf_url}, request=request
    )
