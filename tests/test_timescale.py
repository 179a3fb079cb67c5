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


@pytest.mark.parametrize(
    ("text", "warning", "recurrence"),
    [
        ("Ongoing", "'Ongoing' is open-ended (ongoing), not a deadline: no milestone", "ongoing"),
        ("On-going", "'On-going' is open-ended (ongoing), not a deadline: no milestone", "ongoing"),
        (
            "Quarterly",
            "'Quarterly' is recurring (quarterly), not a deadline: no milestone",
            "quarterly",
        ),
        (
            "Annually",
            "'Annually' is recurring (annually), not a deadline: no milestone",
            "annually",
        ),
        (
            "Reviewed six-monthly",
            "'Reviewed six-monthly' is recurring (six-monthly), not a deadline: no milestone",
            "six-monthly",
        ),
    ],
)
def test_recurring_and_open_ended_timescales_say_which_and_invent_no_deadline(
    text: str, warning: str, recurrence: str
) -> None:
    reading = parse_timescale(text, period_end=END_OF_PLAN)

    assert reading.milestones == ()
    assert reading.warnings == (warning,)
    assert reading.recurrence == recurrence


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


# --- forms other councils write ----------------------------------------------------------------

PLAN_2012 = (date(2012, 4, 1), date(2013, 3, 31))


def read_2012(text: str) -> tuple[list[tuple[str, date]], tuple[str, ...]]:
    reading = parse_timescale(text, period_start=PLAN_2012[0], period_end=PLAN_2012[1])
    return [(m.label, m.due) for m in reading.milestones], reading.warnings


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Mar-13", date(2013, 3, 31)),
        ("Jun-12", date(2012, 6, 30)),
        ("2012-13", date(2013, 3, 31)),
        ("2012\u201313", date(2013, 3, 31)),
        ("June 2012", date(2012, 6, 30)),
        ("Jan\u2013Mar 2013", date(2013, 3, 31)),
        ("April to June 2012", date(2012, 6, 30)),
        ("April 2012 - March 2013", date(2013, 3, 31)),
        ("end of Q2", date(2012, 9, 30)),
        ("By the end of Q4 2012/13", date(2013, 3, 31)),
    ],
)
def test_dates_other_councils_write_are_read_without_warnings(text: str, due: date) -> None:
    assert read_2012(text) == ([("Deadline", due)], ())


@pytest.mark.parametrize(
    ("text", "due", "warning"),
    [
        ("Summer 2012", date(2012, 8, 31), "'Summer 2012' read as the end of summer, 2012-08-31"),
        ("Autumn 2012", date(2012, 11, 30), "'Autumn 2012' read as the end of autumn, 2012-11-30"),
        ("Spring 2013", date(2013, 5, 31), "'Spring 2013' read as the end of spring, 2013-05-31"),
        (
            "Winter 2012/13",
            date(2013, 2, 28),
            "'Winter 2012/13' read as the end of winter (December to February), 2013-02-28",
        ),
        (
            "Early 2013",
            date(2013, 4, 30),
            "'Early 2013' read as the end of early 2013 (January to April), 2013-04-30",
        ),
        (
            "mid-2012",
            date(2012, 8, 31),
            "'mid-2012' read as the end of mid 2012 (May to August), 2012-08-31",
        ),
        (
            "Late 2012",
            date(2012, 12, 31),
            "'Late 2012' read as the end of late 2012 (September to December), 2012-12-31",
        ),
        (
            "early June 2012",
            date(2012, 6, 10),
            "'early June 2012' read as 2012-06-10 (early: the 10th, mid: the 20th, late: the"
            " month's end)",
        ),
        (
            "Q4 2012",
            date(2012, 12, 31),
            "'Q4 2012' read as the calendar quarter ending 2012-12-31 (for the financial year's"
            " quarter write e.g. 'Q4 2012/13')",
        ),
        (
            "31 May",
            date(2012, 5, 31),
            "'31 May' has no year: read as 2012-05-31, in the plan's year",
        ),
        (
            "28 Feb",
            date(2013, 2, 28),
            "'28 Feb' has no year: read as 2013-02-28, in the plan's year",
        ),
        (
            "By June",
            date(2012, 6, 30),
            "'June' has no year: read as 2012-06-30, the month's end in the plan's year",
        ),
        (
            "w/c 4 June",
            date(2012, 6, 8),
            "'w/c 4 June' read as the end of that working week, Friday 08 June 2012",
        ),
    ],
)
def test_conventions_are_read_with_a_warning_saying_how(text: str, due: date, warning: str) -> None:
    assert read_2012(text) == ([("Deadline", due)], (warning,))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Phase 1 June 2012, Phase 2 December 2012",
            [("Phase 1", date(2012, 6, 30)), ("Phase 2", date(2012, 12, 31))],
        ),
        ("Stage 3 Sept 2012", [("Stage 3", date(2012, 9, 30))]),
        ("Year 2 March 2013", [("Year 2", date(2013, 3, 31))]),
        ("Mapping 31 May 12", [("Mapping", date(2012, 5, 31))]),
    ],
)
def test_a_number_before_a_month_is_a_day_only_when_it_does_not_count_something(
    text: str, expected: list[tuple[str, date]]
) -> None:
    assert read_2012(text) == (expected, ())


def test_each_milestone_keeps_the_label_in_brackets_after_it() -> None:
    assert read_2012("30 June 2012 (interim report), 31 March 2013 (final)") == (
        [("interim report", date(2012, 6, 30)), ("final", date(2013, 3, 31))],
        (),
    )


def test_from_a_month_is_a_start_not_a_deadline() -> None:
    reading = parse_timescale("From April 2012", period_end=PLAN_2012[1])

    assert reading.milestones == ()
    assert reading.recurrence == "start"
    assert reading.warnings == (
        "'From April 2012' says when it starts (April 2012), not a deadline: no milestone",
    )


def test_a_day_and_month_without_a_year_needs_the_plan_period() -> None:
    with pytest.raises(TimescaleError) as raised:
        parse_timescale("31 May")

    assert "'May' has no year" in raised.value.detail
