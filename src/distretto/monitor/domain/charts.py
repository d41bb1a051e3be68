"""The geometry of the monitor's charts (server-rendered SVG; the templates draw it, so every
label goes through the template engine's escaping). Plain values in, numbers out; no Django.

``line_chart`` places a series' values on a time axis (each value at the start of its
period) with "nice" ticks on the value axis; ``sparkline`` gives the path of a small trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    index: int  # the value's position in the series given


@dataclass(frozen=True)
class Tick:
    position: float
    value: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    path: str
    dots: tuple[Dot, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]  # value: the year
    zero: float | None  # the y of the value 0 when it lies inside the axis


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high == low:
        high, low = high + abs(high or 1) * 0.5, low - abs(low or 1) * 0.5
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks: list[float] = [round(start, 10)]
    while ticks[-1] < high - 1e-9 and len(ticks) < 20:  # the last tick covers the highest value
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _ordinal(day: date) -> float:
    return float(day.toordinal())


def line_chart(
    starts: Sequence[date],
    values: Sequence[float],
    width: int = 720,
    height: int = 300,
    left: int = 64,
    right: int = 16,
    top: int = 16,
    bottom: int = 36,
) -> Chart:
    """The chart of ``values`` at the dates ``starts`` (same length, oldest first)."""
    inner_w, inner_h = width - left - right, height - top - bottom
    if not values:
        return Chart(width, height, left, top, right, bottom, "", (), (), (), None)
    ticks = nice_ticks(min(min(values), 0.0) if min(values) >= 0 else min(values), max(values))
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1.0
    xs = [_ordinal(d) for d in starts]
    first, last = min(xs), max(xs)
    x_span = (last - first) or 1.0

    def x_of(value: float) -> float:
        if last == first:
            return left + inner_w / 2
        return round(left + (value - first) / x_span * inner_w, 1)

    def y_of(value: float) -> float:
        return round(top + inner_h - (value - low) / span * inner_h, 1)

    dots = tuple(Dot(x_of(x), y_of(v), n) for n, (x, v) in enumerate(zip(xs, values, strict=True)))
    path = " ".join(f"{'M' if n == 0 else 'L'}{d.x},{d.y}" for n, d in enumerate(dots))
    years = sorted({d.year for d in starts})
    stride = max(1, math.ceil(len(years) / 8))
    x_ticks = tuple(
        Tick(x_of(_ordinal(date(y, 1, 1))) if len(years) > 1 else x_of(xs[0]), float(y))
        for y in years[::stride]
        if len(years) == 1 or first <= _ordinal(date(y, 1, 1)) <= last or y == years[0]
    )
    zero = y_of(0.0) if low < 0 < high else None
    return Chart(
        width,
        height,
        left,
        top,
        right,
        bottom,
        path,
        dots,
        tuple(Tick(y_of(t), t) for t in ticks),
        x_ticks,
        zero,
    )


def sparkline(values: Sequence[float], width: int = 120, height: int = 28) -> str:
    """The SVG path of a small trend line (empty with fewer than two values)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = [
        (round(n * step, 1), round(2 + (height - 4) * (1 - (v - low) / span), 1))
        for n, v in enumerate(values)
    ]
    return " ".join(f"{'M' if n == 0 else 'L'}{x},{y}" for n, (x, y) in enumerate(points))
