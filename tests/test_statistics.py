"""The statistics CSV and how each indicator is judged for a meeting."""

from __future__ import annotations

from datetime import date

import pytest
from pack_examples import STATISTICS_CSV, lancaster_statistics

from scheduler.domain.errors import ConfigError
from scheduler.domain.pack.statistics import (
    Direction,
    Quarter,
    Rag,
    assess,
    direction_of,
    parse_statistics_csv,
    rag_against_target,
)

HEADER = "indicator,priority_ref,period,value,lower_is_better,target,unit,source\n"


def csv_text(*rows: str) -> str:
    return "# a note\n" + HEADER + "".join(f"{row}\n" for row in rows)


def test_rows_become_indicators_with_quarters_in_order() -> None:
    text = csv_text(
        "Burglary,3.5,2011/12 Q2,95,yes,90,count,Police",
        "Burglary,3.5,2010/11 Q2,88,yes,90,count,Police",
        "Reports,3.1,2011/12 Q2,571,no,,count,Police",
    )

    burglary, reports = parse_statistics_csv(text, "stats.csv")

    assert burglary.name == "Burglary" and burglary.lower_is_better
    assert [o.quarter for o in burglary.observations] == [Quarter(2010, 2), Quarter(2011, 2)]
    assert burglary.observations[1].target == 90
    assert not reports.lower_is_better and reports.observations[0].target is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Burglary,3.5,2011 Q2,95,yes,,count,", "period '2011 Q2' is not a quarter"),
        ("Burglary,3.5,2011/13 Q2,95,yes,,count,", "is not a quarter"),
        ("Burglary,3.5,2011/12 Q2,many,yes,,count,", "value 'many' is not a number"),
        ("Burglary,3.5,2011/12 Q2,95,perhaps,,count,", "lower_is_better 'perhaps'"),
        ("Burglary,3.5,2011/12 Q2,95,yes,,people,", "unit 'people'"),
        ("Burglary,,2011/12 Q2,95,yes,,count,", "has no priority_ref"),
    ],
)
def test_a_bad_row_is_reported_with_its_line(row: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_statistics_csv(csv_text(row), "stats.csv")

    assert raised.value.line == 3
    assert message in str(raised.value)
    assert str(raised.value).startswith("stats.csv:3: ")


def test_a_quarter_given_twice_is_an_error() -> None:
    text = csv_text("Burglary,3.5,2011/12 Q2,95,yes,,,", "Burglary,3.5,2011/12 Q2,96,yes,,,")

    with pytest.raises(ConfigError, match="stats.csv:4: indicator 'Burglary' has Q2 2011/12 twice"):
        parse_statistics_csv(text, "stats.csv")


def test_an_indicator_cannot_change_whether_lower_is_better() -> None:
    text = csv_text("Burglary,3.5,2010/11 Q2,95,yes,,,", "Burglary,3.5,2011/12 Q2,96,no,,,")

    with pytest.raises(ConfigError, match="stats.csv:4: .*changes lower_is_better"):
        parse_statistics_csv(text, "stats.csv")


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ConfigError, match="stats.csv:1: missing column.*lower_is_better"):
        parse_statistics_csv("indicator,priority_ref,period,value\n", "stats.csv")


def test_direction_respects_whether_lower_is_better() -> None:
    assert direction_of(90, 100, lower_is_better=True) is Direction.BETTER
    assert direction_of(90, 100, lower_is_better=False) is Direction.WORSE
    assert direction_of(110, 100, lower_is_better=False) is Direction.BETTER
    assert direction_of(100, 100, lower_is_better=True) is Direction.SAME


@pytest.mark.parametrize(
    ("value", "lower_is_better", "rag"),
    [
        (100, True, Rag.GREEN),
        (104, True, Rag.AMBER),
        (105, True, Rag.AMBER),
        (106, True, Rag.RED),
        (96, False, Rag.AMBER),
        (94, False, Rag.RED),
        (120, False, Rag.GREEN),
    ],
)
def test_rag_against_target_uses_the_amber_threshold(
    value: float, lower_is_better: bool, rag: Rag
) -> None:
    assert rag_against_target(value, 100, lower_is_better, amber_within_percent=5) is rag


def test_assessment_compares_the_latest_ended_quarter_with_a_year_earlier() -> None:
    burglary = next(i for i in lancaster_statistics() if i.name == "Burglary in dwellings")

    result = assess(burglary, date(2011, 12, 13), amber_within_percent=5, small_number_threshold=5)

    assert result.current is not None and result.current.quarter == Quarter(2011, 2)
    assert result.current.value == 95 and result.year_earlier is not None
    assert result.year_earlier.value == 88
    assert result.change_percent == pytest.approx(7.95, abs=0.01)
    assert result.direction is Direction.WORSE and result.rising is True
    assert result.rag is Rag.RED


def test_small_counts_are_suppressed_and_their_change_withheld() -> None:
    casualties = next(i for i in lancaster_statistics() if i.name == "Child pedestrian casualties")

    result = assess(
        casualties, date(2011, 12, 13), amber_within_percent=5, small_number_threshold=5
    )

    assert result.current_suppressed and not result.year_earlier_suppressed
    assert result.change_percent is None


def test_rates_are_not_suppressed_however_small() -> None:
    (rate,) = parse_statistics_csv(
        csv_text("Rate,3.1,2010/11 Q1,2.5,yes,,rate,", "Rate,3.1,2011/12 Q1,2,yes,,rate,"), "s.csv"
    )

    result = assess(rate, date(2011, 9, 1), amber_within_percent=5, small_number_threshold=5)

    assert not result.current_suppressed and result.change_percent == pytest.approx(-20)


def test_the_shipped_lancaster_figures_parse_and_are_marked_illustrative() -> None:
    indicators = lancaster_statistics()

    assert {i.priority_ref for i in indicators} == {"3.1", "3.2", "3.3", "3.4", "3.5"}
    assert all(i.illustrative for i in indicators)
    assert STATISTICS_CSV.read_text(encoding="utf-8").startswith("# ILLUSTRATIVE FIGURES")
