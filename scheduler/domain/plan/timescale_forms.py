"""The date forms a Timescale cell may hold, each a pattern with the reader that dates it.

A reader returns the date and, when the form is a convention rather than a date ("Summer
2012", "early 2013", "31 May" with no year, "Q4 2012"), a warning saying how it was read.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain.errors import TimescaleError

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
# Longest names first so "june" wins over "jun"; the look-ahead keeps "Mar" out of "MARAC".
MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?(?![a-z])"
FLAGS = re.IGNORECASE | re.ASCII
_DAY = r"(?<![0-9])(?P<day>[0-9]{1,2})(?:\s*(?:st|nd|rd|th))?"
_YEAR = r"(?P<year>[0-9]{4}|[0-9]{2})(?![0-9])"
_NO_YEAR_AFTER = r"(?!\s*,?\s*(?:of\s+)?[0-9])"
# Lower-case "may" and "march" are everyday words; only their capitalised forms are months.
_NOT_A_VERB = r"(?!(?-i:may|march|mar)\b)"
_RANGE = r"\s*(?:[-\u2013\u2014/]|to|until|till)\s*"
# (last month, months after it to the season's end) by the UK's meteorological seasons.
_SEASON_ENDS = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2}
_PART_OF_YEAR = {"early": (4, "January to April"), "mid": (8, "May to August")}
_PART_OF_MONTH = {"early": 10, "mid": 20}


@dataclass(frozen=True)
class Period:
    """The plan's year, when known, for forms that give no year ("31 May", "Q2")."""

    start: date | None
    end: date | None

    def year_for(self, month: str, day: int | None, matched: str, original: str) -> date:
        """The date with this month and day (None: the month's end) inside the plan year."""
        if self.end is None:
            name = month.rstrip(".")
            raise TimescaleError(original, f"{name!r} has no year (write e.g. '{name} 2012')")
        number = month_number(month)
        start = self.start or self.end - timedelta(days=364)
        years = [*range(start.year, self.end.year + 1)]
        for year in years:
            last = calendar.monthrange(year, number)[1]
            candidate = checked_date(year, number, last if day is None else day, matched, original)
            if start <= candidate <= self.end:
                return candidate
        return last_day(years[-1], number)


Read = tuple[date, str | None]
Reader = Callable[[re.Match[str], str, Period], Read]


def month_name(month: int) -> str:
    return calendar.month_name[month]


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def full_year(text: str, original: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000
    if not 1900 <= year <= 2099:
        raise TimescaleError(original, f"year {text} is out of range")
    return year


def month_number(text: str) -> int:
    return MONTHS[text.lower().rstrip(".")]


def checked_date(year: int, month: int, day: int, matched: str, original: str) -> date:
    if not 1 <= month <= 12:
        raise TimescaleError(original, f"{matched!r} has no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise TimescaleError(
            original, f"{matched!r} is not a date: {month_name(month)} has {last} days"
        )
    return date(year, month, day)


def _financial_year_end(first: str, second: str, matched: str, original: str) -> int:
    start = full_year(first, original)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if end != start + 1:
        raise TimescaleError(original, f"{matched!r} is not a financial year like 2011/12")
    return end


def _quarter_end(quarter: int, end_year: int) -> date:
    """Quarters of an April-March financial year ending in March of end_year."""
    if quarter == 4:
        return date(end_year, 3, 31)
    return last_day(end_year - 1, 3 + 3 * quarter)


def _read_numbers(m: re.Match[str], original: str, period: Period) -> Read:
    year = full_year(m["year"], original)
    return checked_date(year, int(m["month"]), int(m["day"]), m[0], original), None


def _read_week_commencing(m: re.Match[str], original: str, period: Period) -> Read:
    month, day = month_number(m["month"]), int(m["day"])
    if m["year"]:
        monday = checked_date(full_year(m["year"], original), month, day, m[0], original)
    else:
        monday = period.year_for(m["month"], day, m[0], original)
    friday = monday + timedelta(days=(4 - monday.weekday()) % 7)
    return friday, f"{m[0]!r} read as the end of that working week, {friday:%A %d %B %Y}"


def _read_quarter_of_year(m: re.Match[str], original: str, period: Period) -> Read:
    end_year = _financial_year_end(m["first"], m["second"], m[0], original)
    return _quarter_end(int(m["quarter"]), end_year), None


def _read_calendar_quarter(m: re.Match[str], original: str, period: Period) -> Read:
    year, quarter = full_year(m["year"], original), int(m["quarter"])
    due = last_day(year, 3 * quarter)
    return due, (
        f"{m[0]!r} read as the calendar quarter ending {due} (for the financial year's quarter"
        f" write e.g. 'Q{quarter} {year}/{(year + 1) % 100:02d}')"
    )


def _read_quarter(m: re.Match[str], original: str, period: Period) -> Read:
    if period.end is None:
        raise TimescaleError(
            original, f"{m[0]!r} needs a financial year (e.g. '{m[0]} 2011/12') or a plan period"
        )
    end_year = period.end.year if period.end.month <= 3 else period.end.year + 1
    return _quarter_end(int(m["quarter"]), end_year), None


def _read_financial_year(m: re.Match[str], original: str, period: Period) -> Read:
    return date(_financial_year_end(m["first"], m["second"], m[0], original), 3, 31), None


def _read_season(m: re.Match[str], original: str, period: Period) -> Read:
    season = m["season"].lower()
    year = full_year(m["year"], original)
    if season == "winter":
        end_year = (
            year + 1
            if not m["second"]
            else _financial_year_end(m["year"], m["second"], m[0], original)
        )
        due = last_day(end_year, 2)
        return due, f"{m[0]!r} read as the end of winter (December to February), {due}"
    due = last_day(year, _SEASON_ENDS[season])
    return due, f"{m[0]!r} read as the end of {season}, {due}"


def _read_part_of_year(m: re.Match[str], original: str, period: Period) -> Read:
    part, year = m["part"].lower(), full_year(m["year"], original)
    month, months = _PART_OF_YEAR.get(part, (12, "September to December"))
    due = last_day(year, month)
    return due, f"{m[0]!r} read as the end of {part} {year} ({months}), {due}"


def _read_part_of_month(m: re.Match[str], original: str, period: Period) -> Read:
    part, month = m["part"].lower(), month_number(m["month"])
    year = full_year(m["year"], original)
    end = last_day(year, month)
    due = end.replace(day=_PART_OF_MONTH[part]) if part in _PART_OF_MONTH else end
    return due, f"{m[0]!r} read as {due} (early: the 10th, mid: the 20th, late: the month's end)"


def _read_day_month_year(m: re.Match[str], original: str, period: Period) -> Read:
    year = full_year(m["year"], original)
    return checked_date(year, month_number(m["month"]), int(m["day"]), m[0], original), None


def _read_month_year(m: re.Match[str], original: str, period: Period) -> Read:
    return last_day(full_year(m["year"], original), month_number(m["month"])), None


def _read_day_month(m: re.Match[str], original: str, period: Period) -> Read:
    due = period.year_for(m["month"], int(m["day"]), m[0], original)
    return due, f"{m[0]!r} has no year: read as {due}, in the plan's year"


def _read_month(m: re.Match[str], original: str, period: Period) -> Read:
    due = period.year_for(m["month"], None, m[0], original)
    return due, f"{m[0]!r} has no year: read as {due}, the month's end in the plan's year"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, FLAGS)


_MONTH_GROUP = r"(?P<month>" + MONTH + r")"
# Most specific first: at equal starting points the earlier pattern wins.
PATTERNS: tuple[tuple[re.Pattern[str], Reader], ...] = (
    (
        _compile(
            r"(?<![0-9])(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})(?![0-9])"
        ),
        _read_numbers,
    ),
    (
        _compile(r"(?<![0-9])(?P<day>[0-9]{1,2})[/.-](?P<month>[0-9]{1,2})[/.-]" + _YEAR),
        _read_numbers,
    ),
    (
        _compile(
            r"\b(?:w\s*/\s*c|week\s+commencing|week\s+beginning)\.?\s*"
            + _DAY
            + r"\s*(?:of\s+)?"
            + _MONTH_GROUP
            + r"(?:,?\s*(?P<year>[0-9]{4}|[0-9]{2})(?![0-9]))?"
        ),
        _read_week_commencing,
    ),
    (
        _compile(
            r"\bQ(?P<quarter>[1-4])\s*(?:of\s+)?(?P<first>[0-9]{4})\s*[/-]\s*"
            r"(?P<second>[0-9]{4}|[0-9]{2})(?![0-9])"
        ),
        _read_quarter_of_year,
    ),
    (
        _compile(r"\bQ(?P<quarter>[1-4])\s*(?:of\s+)?(?P<year>[0-9]{4})(?![0-9])"),
        _read_calendar_quarter,
    ),
    (_compile(r"\bQ(?P<quarter>[1-4])\b"), _read_quarter),
    (
        _compile(
            r"(?<![0-9])(?P<first>[0-9]{4})(?:\s*/\s*|[-\u2013])(?P<second>[0-9]{4}|[0-9]{2})"
            r"(?![0-9])"
        ),
        _read_financial_year,
    ),
    (
        _compile(
            r"\b(?P<season>spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<year>[0-9]{4})"
            r"(?:\s*[/-]\s*(?P<second>[0-9]{2}|[0-9]{4}))?(?![0-9])"
        ),
        _read_season,
    ),
    (
        _compile(r"\b(?P<part>early|mid|late)[\s-]*(?:in\s+)?(?P<year>[0-9]{4})(?![0-9])"),
        _read_part_of_year,
    ),
    (
        _compile(r"\b(?P<part>early|mid|late)[\s-]*" + _MONTH_GROUP + r",?\s*" + _YEAR),
        _read_part_of_month,
    ),
    (
        _compile(r"\b(?P<first>" + MONTH + r")" + _RANGE + _MONTH_GROUP + r",?\s*" + _YEAR),
        _read_month_year,
    ),
    (
        _compile(_DAY + r"\s*(?:of\s+)?" + _MONTH_GROUP + r",?\s*" + _YEAR),
        _read_day_month_year,
    ),
    (
        _compile(
            r"\b"
            + _MONTH_GROUP
            + r"\s*(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?,\s*(?P<year>[0-9]{4})(?![0-9])"
        ),
        _read_day_month_year,
    ),
    (
        _compile(r"\b" + _MONTH_GROUP + r"(?:-|,?\s*(?:of\s+)?)" + _YEAR),
        _read_month_year,
    ),
    (_compile(_DAY + r"\s*(?:of\s+)?" + _MONTH_GROUP + _NO_YEAR_AFTER), _read_day_month),
    (_compile(r"\b" + _NOT_A_VERB + _MONTH_GROUP + _NO_YEAR_AFTER), _read_month),
)
# Read again from the month when the number before it counts something ("Phase 1 June 2012").
MONTH_FIRST = tuple(
    (pattern, reader) for pattern, reader in PATTERNS if reader in (_read_month_year, _read_month)
)
