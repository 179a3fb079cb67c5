"""The statistics section: each indicator's latest figure against a year earlier, with a chart.

Figures below the small-number threshold are never shown exactly, in the table or the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.pack.charts import ChartPoint, line_chart_svg
from scheduler.domain.pack.formatting import format_value
from scheduler.domain.pack.input import PackInput
from scheduler.domain.pack.settings import PackConfig
from scheduler.domain.pack.statistics import (
    Direction,
    Indicator,
    IndicatorAssessment,
    Quarter,
    Rag,
    assess,
)


@dataclass(frozen=True)
class IndicatorView:
    name: str
    quarter_label: str
    current_text: str
    year_earlier_label: str
    year_earlier_text: str
    change_text: str
    arrow: str
    direction_text: str
    direction_css: str
    target_text: str
    rag_label: str
    rag_css: str
    chart_svg: str
    source: str
    suppressed: bool


@dataclass(frozen=True)
class StatisticsGroup:
    priority_ref: str
    title: str
    indicators: tuple[IndicatorView, ...]


def statistics_groups(pack: PackInput) -> tuple[StatisticsGroup, ...]:
    """Indicators grouped by priority in plan order; those of no priority of the plan last."""
    groups = []
    titles = {p.ref: p.title for p in pack.plan.priorities}
    order = [p.ref for p in pack.plan.priorities]
    order += sorted({i.priority_ref for i in pack.statistics} - set(order))
    for ref in order:
        views = tuple(_indicator_view(pack, i) for i in pack.statistics if i.priority_ref == ref)
        if views:
            groups.append(StatisticsGroup(ref, titles.get(ref, "Other indicators"), views))
    return tuple(groups)


def _indicator_view(pack: PackInput, indicator: Indicator) -> IndicatorView:
    config = pack.config
    threshold = config.small_number_threshold
    result = assess(indicator, pack.meeting.date, config.amber_within_percent, threshold)
    current = result.current
    earlier = result.year_earlier

    def shown(value: float | None, suppressed: bool) -> str:
        if value is None:
            return "No figure"
        return f"fewer than {threshold}" if suppressed else format_value(value, indicator.unit)

    target = current.target if current else None
    return IndicatorView(
        name=indicator.name,
        quarter_label=current.quarter.label if current else "No figure yet",
        current_text=shown(current.value if current else None, result.current_suppressed),
        year_earlier_label=current.quarter.year_earlier().label if current else "",
        year_earlier_text=shown(earlier.value if earlier else None, result.year_earlier_suppressed),
        change_text=_change_text(result),
        arrow=_arrow(result),
        direction_text=result.direction.value.capitalize(),
        direction_css={Direction.BETTER: "green", Direction.WORSE: "red"}.get(
            result.direction, "none"
        ),
        target_text=format_value(target, indicator.unit) if target is not None else "None set",
        rag_label=result.rag.value,
        rag_css=result.rag.name.lower() if result.rag is not Rag.NONE else "none",
        chart_svg=_chart(indicator, current.quarter if current else None, target, pack.config),
        source=indicator.source,
        suppressed=result.current_suppressed or result.year_earlier_suppressed,
    )


def _arrow(result: IndicatorAssessment) -> str:
    """Up or down as the figure moved; the words beside it say whether that is better."""
    if result.direction is Direction.UNKNOWN:
        return ""
    if result.rising is None:
        return "\u25b6"
    return "\u25b2" if result.rising else "\u25bc"


def _change_text(result: IndicatorAssessment) -> str:
    if result.current is None or result.year_earlier is None:
        return "Not known"
    if result.current_suppressed or result.year_earlier_suppressed:
        return "Not shown"
    if result.change_percent is None:
        return "Not known"
    sign = "+" if result.change_percent > 0 else ("\u2212" if result.change_percent < 0 else "")
    return f"{sign}{abs(result.change_percent):.1f}%"


def _chart(
    indicator: Indicator, last: Quarter | None, target: float | None, config: PackConfig
) -> str:
    if last is None:
        return ""
    quarters = [last]
    while len(quarters) < max(config.chart_quarters, 2):
        previous = quarters[-1]
        number = previous.number - 1 or 4
        quarters.append(Quarter(previous.year - (1 if previous.number == 1 else 0), number))
    first = indicator.observations[0].quarter
    shown = [q for q in reversed(quarters) if q >= first]
    points = []
    for quarter in shown:
        observation = indicator.value_in(quarter)
        value = observation.value if observation else None
        if value is not None and indicator.unit == "count":
            value = None if value < config.small_number_threshold else value
        points.append(ChartPoint(f"Q{quarter.number}", value, quarter.label.split()[1]))
    return line_chart_svg(
        points, title=f"{indicator.name}, {shown[0].label} to {last.label}", target=target
    )
