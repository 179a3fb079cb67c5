"""The partnership's meetings, at which progress is reviewed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Meeting:
    """A partnership meeting: local date and time in the partnership's time zone."""

    date: date
    time: time
    place: str
    title: str
    timezone: str = "Europe/London"

    @property
    def key(self) -> str:
        """The meeting's identity in keys and logs: its date, ISO formatted."""
        return self.date.isoformat()

    def starts_at(self) -> datetime:
        """The meeting's start as an aware datetime."""
        return datetime.combine(self.date, self.time, tzinfo=ZoneInfo(self.timezone))


def meeting_has_passed(meeting_start: datetime | None, moment: datetime) -> bool:
    """Emails about a meeting are no use once it has started, or once it has left the calendar
    (`meeting_start` None): the one rule for the scheduler and for a send held up by retries."""
    return meeting_start is None or moment >= meeting_start


def meeting_starts(meetings: Iterable[Meeting]) -> dict[date, datetime]:
    """Each meeting's start by its date, for `meeting_has_passed`."""
    return {meeting.date: meeting.starts_at() for meeting in meetings}
