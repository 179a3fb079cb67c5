"""Working days: which days an email may go on, and where a weekend or bank holiday moves it.

Bank holidays come from the `holidays` package (pure data, no network); England and Wales need
subdivision "ENG", without which Easter Monday and the August holiday are missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from scheduler.domain.schedule.holiday_data import public_holidays
from scheduler.domain.schedule.policy import Policy

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@lru_cache(maxsize=64)
def bank_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of one year; cached, as the daemon asks every minute."""
    days = public_holidays(country, subdivision or None, year)
    if days is None:
        raise ValueError(
            f"holiday_country {country!r} is not a country the holidays calendar knows"
        )
    return days


class WorkingCalendar:
    """Weekdays that are neither bank holidays nor the partnership's own closure days.

    Built from a policy (country, subdivision, extra holidays), any year is looked up on first
    use; `from_holidays` builds one from explicit dates only, for callers that know them.
    """

    def __init__(self, policy: Policy | None = None, *, years: Iterable[int] = ()) -> None:
        policy = policy if policy is not None else Policy()
        self._country: str | None = policy.holiday_country or None
        self._subdivision = policy.holiday_subdivision or None
        self._extra = frozenset(_iso_date(text) for text in policy.extra_holidays)
        self._by_year: dict[int, frozenset[date]] = {}
        for year in years:
            self.holidays_in(year)

    @classmethod
    def from_holidays(cls, days: Iterable[date]) -> WorkingCalendar:
        """A calendar whose only closures are weekends and `days`."""
        calendar = cls(Policy(holiday_country="", holiday_subdivision=""))
        calendar._extra = frozenset(days)
        return calendar

    def holidays_in(self, year: int) -> frozenset[date]:
        """Every non-weekend closure the calendar knows in `year` (weekend holidays included)."""
        known = self._by_year.get(year)
        if known is None:
            public = (
                bank_holidays(self._country, self._subdivision, year)
                if self._country
                else frozenset()
            )
            known = public | {day for day in self._extra if day.year == year}
            self._by_year[year] = known
        return known

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < _SATURDAY and day not in self.holidays_in(day.year)

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"extra holiday {text!r} is not an ISO date (YYYY-MM-DD)") from None
