"""The inline SVG line chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scheduler.domain.pack.charts import ChartPoint, line_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_chart_is_well_formed_svg_with_a_point_per_value_and_a_target_line() -> None:
    points = [ChartPoint("Q1", 10), ChartPoint("Q2", 12), ChartPoint("Q3", 9)]

    svg = ET.fromstring(line_chart_svg(points, title="Burglary", target=11))

    assert len(svg.findall(f"{SVG}circle")) == 3
    assert len(svg.findall(f"{SVG}polyline")) == 1
    assert any(line.get("stroke-dasharray") for line in svg.findall(f"{SVG}line"))
    assert svg.findtext(f"{SVG}title") == "Burglary"


def test_a_missing_value_breaks_the_line() -> None:
    points = [
        ChartPoint("Q1", 10),
        ChartPoint("Q2", 12),
        ChartPoint("Q3", None),
        ChartPoint("Q4", 9),
    ]

    svg = ET.fromstring(line_chart_svg(points, title="Casualties"))

    assert len(svg.findall(f"{SVG}circle")) == 3
    assert len(svg.findall(f"{SVG}polyline")) == 1


def test_text_in_the_chart_is_escaped() -> None:
    markup = line_chart_svg([ChartPoint("<b>Q1</b>", 1)], title='Reports "<script>" & more')

    assert "<script>" not in markup and "<b>" not in markup
    svg = ET.fromstring(markup)
    assert svg.findtext(f"{SVG}title") == 'Reports "<script>" & more'
