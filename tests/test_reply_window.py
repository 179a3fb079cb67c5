"""How long replies to a meeting's requests are recorded: until the next meeting by default, or
a set number of days after the meeting."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.reply_window import late_reason, replies_close_at

LONDON = ZoneInfo("Europe/London")
MEETINGS = tuple(
    Meeting(day, time(10, 0), "Lancaster Town Hall", "CSP")
    for day in (date(2011, 12, 13), date(2012, 3, 20))
)


def test_by_default_replies_close_when_the_next_meeting_starts() -> None:
    closes = replies_close_at(date(2011, 12, 13), MEETINGS, Policy())

    assert closes == datetime(2012, 3, 20, 10, 0, tzinfo=LONDON)


def test_replies_to_the_last_meeting_in_the_calendar_stay_open() -> None:
    assert replies_close_at(date(2012, 3, 20), MEETINGS, Policy()) is None


def test_a_set_number_of_days_counts_from_the_meetings_start() -> None:
    closes = replies_close_at(date(2012, 3, 20), MEETINGS, Policy(replies_close_days_after=14))

    assert closes == datetime(2012, 4, 3, 10, 0, tzinfo=LONDON)


def test_a_meeting_no_longer_in_the_calendar_counts_from_the_start_of_its_day() -> None:
    closes = replies_close_at(date(2011, 9, 20), MEETINGS, Policy(replies_close_days_after=7))

    assert closes == datetime(2011, 9, 27, 0, 0, tzinfo=LONDON)


def test_a_late_reply_is_reviewed_as_late_for_its_meeting() -> None:
    assert late_reason(date(2011, 12, 13)) == "late, for meeting 13 December 2011"
