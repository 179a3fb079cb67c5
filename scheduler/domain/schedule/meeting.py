"""The partnership's meetings, at which progress is reviewed."""

from __future__ import annotations

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
