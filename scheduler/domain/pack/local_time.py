"""Moments in the partnership's local time: a naive datetime is read as the meeting's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.domain.human_dates import full_month_date, twelve_hour_time
from scheduler.domain.schedule.meeting import Meeting


def aware(moment: datetime, meeting: Meeting) -> datetime:
    """`moment` with the meeting's time zone when it has none."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(meeting.timezone))
    return moment


def is_after(moment: datetime, since: datetime, meeting: Meeting) -> bool:
    """moment > since, reading a naive datetime as local time of the partnership."""
    return aware(moment, meeting) > aware(since, meeting)


def moment_text(moment: datetime, meeting: Meeting) -> str:
    """'30 November 2011, 12.00 pm' in the meeting's time zone."""
    local = aware(moment, meeting).astimezone(ZoneInfo(meeting.timezone))
    return f"{full_month_date(local.date())}, {twelve_hour_time(local.time())}"
