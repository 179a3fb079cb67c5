"""Working days: England and Wales bank holidays, weekends, and where a send day moves to."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.working_days import WorkingCalendar

ENGLAND = WorkingCalendar(Policy())


@pytest.mark.parametrize(
    "holiday",
    [
        date(2011, 4, 22),  # Good Friday
        date(2011, 4, 25),  # Easter Monday
        date(2011, 4, 29),  # the royal wedding
        date(2011, 5, 2),  # early May
        date(2011, 5, 30),  # spring
        date(2011, 8, 29),  # late summer
        date(2011, 12, 26),  # Boxing Day
        date(2011, 12, 27),  # Christmas Day, observed
        date(2012, 1, 2),  # New Year's Day, observed
    ],
)
def test_england_and_wales_bank_holidays_are_not_working_days(holiday: date) -> None:
    assert not ENGLAND.is_working_day(holiday)


def test_weekdays_without_a_holiday_are_working_days() -> None:
    assert ENGLAND.is_working_day(date(2011, 4, 28))
    assert ENGLAND.is_working_day(date(2011, 5, 3))


def test_weekends_are_not_working_days() -> None:
    assert not ENGLAND.is_working_day(date(2011, 4, 16))
    assert not ENGLAND.is_working_day(date(2011, 4, 17))


def test_previous_working_day_of_a_working_day_is_that_day() -> None:
    assert ENGLAND.previous_working_day(date(2011, 5, 24)) == date(2011, 5, 24)


def test_previous_working_day_moves_a_saturday_to_friday() -> None:
    assert ENGLAND.previous_working_day(date(2011, 4, 16)) == date(2011, 4, 15)


def test_previous_working_day_passes_over_the_royal_wedding() -> None:
    # Saturday 30 April 2011; Friday 29 April was the royal wedding bank holiday.
    assert ENGLAND.previous_working_day(date(2011, 4, 30)) == date(2011, 4, 28)


def test_next_working_day_passes_over_the_early_may_bank_holiday() -> None:
    assert ENGLAND.next_working_day(date(2011, 5, 1)) == date(2011, 5, 3)


def test_next_working_day_passes_over_christmas_2011() -> None:
    assert ENGLAND.next_working_day(date(2011, 12, 24)) == date(2011, 12, 28)


def test_next_working_day_passes_over_new_year_2012() -> None:
    assert ENGLAND.next_working_day(date(2011, 12, 31)) == date(2012, 1, 3)


def test_the_subdivision_decides_the_holidays() -> None:
    scotland = WorkingCalendar(Policy(holiday_subdivision="SCT"))

    assert scotland.is_working_day(date(2011, 4, 25))  # no Easter Monday in Scotland
    assert not scotland.is_working_day(date(2012, 1, 3))  # but a second January holiday


def test_extra_holidays_from_the_policy_are_closures() -> None:
    calendar = WorkingCalendar(Policy(extra_holidays=("2011-12-28",)))

    assert not calendar.is_working_day(date(2011, 12, 28))
    assert calendar.next_working_day(date(2011, 12, 24)) == date(2011, 12, 29)


def test_a_calendar_from_explicit_holidays_has_only_those_and_weekends() -> None:
    calendar = WorkingCalendar.from_holidays([date(2011, 6, 1)])

    assert not calendar.is_working_day(date(2011, 6, 1))
    assert calendar.is_working_day(date(2011, 4, 25))
    assert not calendar.is_working_day(date(2011, 6, 4))


def test_years_given_up_front_and_later_years_both_know_their_holidays() -> None:
    calendar = WorkingCalendar(Policy(), years=range(2011, 2012))

    assert date(2011, 4, 29) in calendar.holidays_in(2011)
    assert date(2012, 6, 5) in calendar.holidays_in(2012)  # the diamond jubilee


def test_an_extra_holiday_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(ValueError, match="28/12/2011"):
        WorkingCalendar(Policy(extra_holidays=("28/12/2011",)))
