"""Dates and times as emails and packs write them, in English whatever the process locale."""

from __future__ import annotations

from datetime import date, time

from scheduler.domain.human_dates import (
    full_month_date,
    short_month_date,
    twelve_hour_time,
    twenty_four_hour_time,
    weekday_date,
    weekday_name,
)


def test_a_meeting_day_is_written_with_its_weekday() -> None:
    assert weekday_date(date(2011, 9, 20)) == "Tuesday 20 September 2011"
    assert weekday_name(date(2011, 9, 20)) == "Tuesday"


def test_a_date_is_day_month_year_without_a_leading_zero() -> None:
    assert full_month_date(date(2011, 9, 20)) == "20 September 2011"
    assert full_month_date(date(2012, 3, 1)) == "1 March 2012"


def test_a_narrow_column_shortens_the_month_to_three_letters() -> None:
    assert short_month_date(date(2011, 9, 14)) == "14 Sep 2011"


def test_packs_write_twelve_hour_times_and_emails_twenty_four_hour_ones() -> None:
    assert twelve_hour_time(time(14, 0)) == "2.00 pm"
    assert twelve_hour_time(time(0, 5)) == "12.05 am"
    assert twelve_hour_time(time(10, 0)) == "10.00 am"
    assert twenty_four_hour_time(time(9, 5)) == "09:05"
    assert twenty_four_hour_time(time(14, 30)) == "14:30"
