"""Reading Timescale cells: every form the plan documents use, and refusing what cannot be read."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.errors import TimescaleError
from scheduler.domain.plan.model import Milestone
from scheduler.domain.plan.timescale import parse_timescale

END_OF_PLAN = date(2012, 3, 31)


def milestones(text: str, period_end: date | None = None) -> list[tuple[str, date]]:
    reading = parse_timescale(text, period_end=period_end)
    return [(m.label, m.due) for m in reading.milestones]


def test_month_and_year_means_the_end_of_that_month() -> None:
    reading = parse_timescale("April 2011")

    assert reading.milestones == (Milestone("Deadline", date(2011, 4, 30)),)
    assert reading.warnings == ()


def test_end_date_with_spaced_ordinal_keeps_its_label() -> None:
    assert milestones("End Date 31 st March 2012") == [("End Date", date(2012, 3, 31))]


def test_two_labelled_milestones_in_one_cell() -> None:
    assert milestones("Mapping 31 May 11 MARAC Review 30 Sept 11") == [
        ("Mapping", date(2011, 5, 31)),
        ("MARAC Review", date(2011, 9, 30)),
    ]


def test_to_month_year_is_a_deadline_at_the_end_of_that_month() -> None:
    assert milestones("To March 2012") == [("Deadline", date(2012, 3, 31))]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("31 May 11", date(2011, 5, 31)),
        ("30 Sept 11", date(2011, 9, 30)),
        ("30 Sep 2011", date(2011, 9, 30)),
        ("30 September 2011", date(2011, 9, 30)),
        ("Sept 11", date(2011, 9, 30)),
        ("1st June 2011", date(2011, 6, 1)),
        ("1 st June 2011", date(2011, 6, 1)),
        ("2nd Feb 2012", date(2012, 2, 2)),
        ("3rd of March 2012", date(2012, 3, 3)),
        ("31ST MARCH 2012", date(2012, 3, 31)),
        ("29 Feb 2012", date(2012, 2, 29)),
        ("February 2012", date(2012, 2, 29)),
        ("Dec. 2011", date(2011, 12, 31)),
        ("March 31, 2012", date(2012, 3, 31)),
        ("31/03/2012", date(2012, 3, 31)),
        ("31.3.12", date(2012, 3, 31)),
        ("2012-03-31", date(2012, 3, 31)),
    ],
)
def test_day_month_year_and_month_year_forms(text: str, due: date) -> None:
    assert milestones(text) == [("Deadline", due)]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Q1 2011/12", date(2011, 6, 30)),
        ("Q2 2011/12", date(2011, 9, 30)),
        ("Q3 2011/2012", date(2011, 12, 31)),
        ("Q4 2011/12", date(2012, 3, 31)),
        ("2011/12", date(2012, 3, 31)),
    ],
)
def test_financial_years_and_their_quarters(text: str, due: date) -> None:
    assert milestones(text) == [("Deadline", due)]


def test_quarter_without_a_year_is_read_within_the_plan_period() -> None:
    assert milestones("Q2", period_end=END_OF_PLAN) == [("Deadline", date(2011, 9, 30))]


def test_a_range_is_due_at_its_end() -> None:
    assert milestones("From April 2011 to March 2012") == [("Deadline", date(2012, 3, 31))]
    assert milestones("Mapping April 2011 - June 2011") == [("Mapping", date(2011, 6, 30))]


def test_connecting_words_are_not_kept_in_labels() -> None:
    assert milestones("Review by 1st Sep 2011 and report by the end of March 2012") == [
        ("Review", date(2011, 9, 1)),
        ("report", date(2012, 3, 31)),
    ]


def test_text_after_the_last_date_is_a_warning() -> None:
    reading = parse_timescale("To March 2012 (reviewed quarterly)")

    assert [m.due for m in reading.milestones] == [date(2012, 3, 31)]
    assert reading.warnings == (
        "ignored 'reviewed quarterly' after the last date in 'To March 2012 (reviewed quarterly)'",
    )


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_timescale_gives_no_milestone_and_a_warning(text: str) -> None:
    reading = parse_timescale(text, period_end=END_OF_PLAN)

    assert reading.milestones == ()
    assert reading.warnings == ("no timescale given: no milestone",)


def test_text_without_a_date_gives_no_milestone_and_a_warning() -> None:
    reading = parse_timescale("As required")

    assert reading.milestones == ()
    assert reading.warnings == ("no date in timescale 'As required': no milestone",)


def test_ongoing_is_due_at_the_end_of_the_plan_period() -> None:
    reading = parse_timescale("Ongoing", period_end=END_OF_PLAN)

    assert reading.milestones == (Milestone("Ongoing", END_OF_PLAN),)
    assert reading.warnings == ("'Ongoing' read as due at the end of the plan period (2012-03-31)",)


def test_ongoing_without_a_period_gives_no_milestone_and_a_warning() -> None:
    reading = parse_timescale("On-going")

    assert reading.milestones == ()
    assert reading.warnings == ("'On-going' is ongoing: no milestone",)


def test_words_that_contain_month_names_are_not_dates() -> None:
    reading = parse_timescale("MARAC meetings as they may be needed")

    assert reading.milestones == ()


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("31 Febtember 2011", "'Febtember' is not a month name"),
        ("32 May 2011", "'32 May 2011' is not a date: May has 31 days"),
        ("31 Feb 2011", "'31 Feb 2011' is not a date: February has 28 days"),
        ("30 Sept", "'Sept' has no year"),
        ("Mapping 31 May 11 MARAC Review 30 Sept", "'Sept' has no year"),
        ("June", "'June' has no year"),
        ("by the 31st", "'31st' is a day without a month and year"),
        ("During 2012", "year 2012 has no month"),
        ("31/13/2012", "'31/13/2012' has no month 13"),
        ("2011/13", "'2011/13' is not a financial year like 2011/12"),
        ("Q3", "'Q3' needs a financial year"),
        ("March 2150", "year 2150 is out of range"),
    ],
)
def test_date_like_text_that_cannot_be_read_is_an_error_quoting_it(text: str, detail: str) -> None:
    with pytest.raises(TimescaleError) as raised:
        parse_timescale(text)

    assert raised.value.text == text
    assert detail in raised.value.detail
    assert repr(text) in str(raised.value)


@given(st.text())
def test_arbitrary_text_is_read_or_refused_never_crashes(text: str) -> None:
    try:
        reading = parse_timescale(text, period_end=END_OF_PLAN)
    except TimescaleError as error:
        assert error.text == text
    else:
        assert reading.milestones or reading.warnings


_PIECES = st.sampled_from(
    [
        "31",
        "1 st",
        "2nd",
        "May",
        "Sept",
        "March",
        "11",
        "2012",
        "2011/12",
        "Q2",
        "to",
        "-",
        "Mapping",
        "MARAC",
        "Review",
        "End Date",
        "ongoing",
        "/",
        ".",
        ",",
    ]
)


@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_date_like_fragments_are_read_or_refused_never_crashes(text: str) -> None:
    try:
        reading = parse_timescale(text)
    except TimescaleError as error:
        assert error.text == text
    else:
        assert all(2000 <= m.due.year <= 2099 for m in reading.milestones)
