"""A small line chart as SVG text, so the pack carries its charts inline in HTML and PDF.

Every piece of text is escaped here, since the caller marks the result safe for templates.
Missing points (no figure, or a suppressed small number) break the line rather than being
drawn, so a chart never reveals a figure the table withholds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 300
HEIGHT = 130
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 10, 28
_LINE = "#1d4f91"
_TARGET = "#b35900"
_GRID = "#c8c8c8"
_TEXT = "#333333"

_Scale = Callable[[float], float]
_Position = Callable[[int], float]


@dataclass(frozen=True)
class ChartPoint:
    """One x position of the chart: its label (and a second line) and value (None: a gap)."""

    label: str
    value: float | None
    sublabel: str = ""


def line_chart_svg(
    points: Sequence[ChartPoint],
    title: str,
    target: float | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """An SVG line chart of `points` with an optional dashed target line, as markup text."""
    values = [p.value for p in points if p.value is not None]
    if target is not None:
        values.append(target)
    ticks = _ticks(values)
    low, high = ticks[0], ticks[-1]
    plot_w = width - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM

    def x_at(index: int) -> float:
        return _LEFT + (plot_w * (index + 0.5) / max(len(points), 1))

    def y_at(value: float) -> float:
        return _TOP + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)} '
        'class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    parts.extend(_grid(ticks, y_at, width))
    if target is not None:
        y = y_at(target)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{width - _RIGHT}" y2="{y:.1f}" '
            f'stroke="{_TARGET}" stroke-width="1.2" stroke-dasharray="5 3"/>'
        )
    parts.extend(_series(points, x_at, y_at))
    parts.extend(_x_labels(points, x_at, height))
    parts.append("</svg>")
    return "".join(parts)


def _ticks(values: Sequence[float]) -> list[float]:
    """Round grid values covering `values` (and zero, so bars of change are not exaggerated)."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    if high == low:
        high = low + 1.0
    step = _nice_step((high - low) / 3)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _nice_step(raw: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _grid(ticks: Sequence[float], y_at: _Scale, width: int) -> list[str]:
    parts = []
    for value in ticks:
        y = y_at(value)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{width - _RIGHT}" y2="{y:.1f}" '
            f'stroke="{_GRID}" stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" font-size="8" text-anchor="end" '
            f'fill="{_TEXT}">{escape(_tick(value))}</text>'
        )
    return parts


def _series(points: Sequence[ChartPoint], x_at: _Position, y_at: _Scale) -> list[str]:
    parts: list[str] = []
    run: list[tuple[float, float]] = []
    runs: list[list[tuple[float, float]]] = []
    for index, point in enumerate(points):
        if point.value is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append((x_at(index), y_at(point.value)))
    if run:
        runs.append(run)
    for segment in runs:
        if len(segment) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{_LINE}" stroke-width="1.8"/>'
            )
        for x, y in segment:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{_LINE}"/>')
    return parts


def _x_labels(points: Sequence[ChartPoint], x_at: _Position, height: int) -> list[str]:
    parts = []
    for index, point in enumerate(points):
        x = x_at(index)
        parts.append(
            f'<text x="{x:.1f}" y="{height - _BOTTOM + 11}" font-size="7.5" '
            f'text-anchor="middle" fill="{_TEXT}">{escape(point.label)}</text>'
        )
        if point.sublabel:
            parts.append(
                f'<text x="{x:.1f}" y="{height - _BOTTOM + 20}" font-size="7" '
                f'text-anchor="middle" fill="{_TEXT}">{escape(point.sublabel)}</text>'
            )
    return parts


def _tick(value: float) -> str:
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"
