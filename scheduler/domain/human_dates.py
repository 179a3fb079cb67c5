"""Dates and times as people in the partnership write them, the same in emails and packs.

Month and day names come from tables here, not from strftime's %A and %B, so the words do not
change with the machine's locale.
"""

from __future__ import annotations

from datetime import date, time

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_name(day: date) -> str:
    """'Tuesday'."""
    return _WEEKDAYS[day.weekday()]


def full_month_date(day: date) -> str:
    """'20 September 2011'."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def weekday_date(day: date) -> str:
    """'Tuesday 20 September 2011', as council documents write the day of a meeting."""
    return f"{weekday_name(day)} {full_month_date(day)}"


def short_month_date(day: date) -> str:
    """'20 Sep 2011', for narrow table columns."""
    return f"{day.day} {_MONTHS[day.month - 1][:3]} {day.year}"


def twelve_hour_time(moment: time) -> str:
    """'10.00 am', as council documents write times."""
    hour = moment.hour % 12 or 12
    return f"{hour}.{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def twenty_four_hour_time(moment: time) -> str:
    """'10:00', as emails write times."""
    return f"{moment.hour:02d}:{moment.minute:02d}"
