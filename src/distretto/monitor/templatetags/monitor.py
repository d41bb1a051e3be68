"""The monitor's values and charts in templates."""

from __future__ import annotations

from typing import Any

from django import template

from distretto.monitor.domain import charts
from distretto.web.templatetags.distretto_figures import format_figure

register = template.Library()


@register.simple_tag
def point_value(point: Any, unit: str) -> str:
    """A point's value in words of the page's language, with its unit and qualifier."""
    return format_figure(point.value, unit, point.qualifier, point.change_percent)


@register.simple_tag
def sparkline_path(series: Any) -> str:
    return charts.sparkline([float(p.value) for p in series.trend])


@register.simple_tag
def series_chart(series: Any) -> charts.Chart:
    points = series.trend
    return charts.line_chart([p.start for p in points], [float(p.value) for p in points])
