"""Reading a plan's Timescale cell ("Mapping 31 May 11 MARAC Review 30 Sept 11") as milestones.

Reminders are only as good as these dates, so the reader is strict: anything that looks like
a date but cannot be read is a TimescaleError quoting the text, never silently dropped. Text
with no date at all ("As required", an empty cell) yields no milestone and a warning.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from scheduler.domain.errors import TimescaleError
from scheduler.domain.plan.model import Milestone

DEFAULT_LABEL = "Deadline"
ONGOING_LABEL = "Ongoing"

_MONTHS: dict[str, int] = {
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
_MONTH_PREFIXES = frozenset(name[:3] for name in _MONTHS)
# Longest names first so "june" wins over "jun"; the look-ahead keeps "Mar" out of "MARAC".
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?(?![a-z])"
_FLAGS = re.IGNORECASE | re.ASCII
_DAY = r"(?<![0-9])(?P<day>[0-9]{1,2})(?:\s*(?:st|nd|rd|th))?"
_YEAR = r"(?P<year>[0-9]{4}|[0-9]{2})(?![0-9])"

# Lower-case "may" and "march" are everyday words; only their capitalised forms look like dates.
_VERB_LIKE_MONTHS = frozenset({"may", "march", "mar"})
_RANGE_CONNECTORS = frozenset({"-", "\u2013", "\u2014", "to", "until", "till"})
_RANGE_STARTS = frozenset({"from", "starting", "start", "commencing"})
_TRAILING_CONNECTORS = (
    "by the end of",
    "by end of",
    "the end of",
    "end of",
    "no later than",
    "due by",
    "by",
    "to",
    "until",
    "till",
    "before",
    "on",
    "due",
    "of",
    "in",
    "at",
    "from",
)
_LEADING_CONNECTORS = ("and then", "and", "then", "also")
_LABEL_PUNCTUATION = " \t\n-\u2013\u2014:;,.()[]/&"


@dataclass(frozen=True)
class TimescaleReading:
    """The milestones read from one Timescale cell, and what a coordinator should check."""

    milestones: tuple[Milestone, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    due: date


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _full_year(text: str, original: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000
    if not 1900 <= year <= 2099:
        raise TimescaleError(original, f"year {text} is out of range")
    return year


def _month_number(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")]


def _checked_date(year: int, month: int, day: int, matched: str, original: str) -> date:
    if not 1 <= month <= 12:
        raise TimescaleError(original, f"{matched!r} has no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise TimescaleError(
            original, f"{matched!r} is not a date: {calendar.month_name[month]} has {last} days"
        )
    return date(year, month, day)


def _financial_year_end(first: str, second: str, matched: str, original: str) -> int:
    start = _full_year(first, original)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if end != start + 1:
        raise TimescaleError(original, f"{matched!r} is not a financial year like 2011/12")
    return end


_Reader = Callable[[re.Match[str], str, date | None], date]


def _read_iso(m: re.Match[str], original: str, period_end: date | None) -> date:
    year = _full_year(m["year"], original)
    return _checked_date(year, int(m["month"]), int(m["day"]), m[0], original)


def _read_numeric(m: re.Match[str], original: str, period_end: date | None) -> date:
    year = _full_year(m["year"], original)
    return _checked_date(year, int(m["month"]), int(m["day"]), m[0], original)


def _read_quarter_of_year(m: re.Match[str], original: str, period_end: date | None) -> date:
    end_year = _financial_year_end(m["first"], m["second"], m[0], original)
    return _quarter_end(int(m["quarter"]), end_year)


def _read_quarter(m: re.Match[str], original: str, period_end: date | None) -> date:
    if period_end is None:
        raise TimescaleError(
            original, f"{m[0]!r} needs a financial year (e.g. '{m[0]} 2011/12') or a plan period"
        )
    end_year = period_end.year if period_end.month <= 3 else period_end.year + 1
    return _quarter_end(int(m["quarter"]), end_year)


def _quarter_end(quarter: int, end_year: int) -> date:
    """Quarters of an April-March financial year ending in March of end_year."""
    if quarter == 4:
        return date(end_year, 3, 31)
    return _last_day(end_year - 1, 3 + 3 * quarter)


def _read_financial_year(m: re.Match[str], original: str, period_end: date | None) -> date:
    return date(_financial_year_end(m["first"], m["second"], m[0], original), 3, 31)


def _read_day_month_year(m: re.Match[str], original: str, period_end: date | None) -> date:
    year = _full_year(m["year"], original)
    return _checked_date(year, _month_number(m["month"]), int(m["day"]), m[0], original)


def _read_month_year(m: re.Match[str], original: str, period_end: date | None) -> date:
    return _last_day(_full_year(m["year"], original), _month_number(m["month"]))


# Most specific first: at equal starting points the earlier pattern wins.
_PATTERNS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (
        re.compile(
            r"(?<![0-9])(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})(?![0-9])",
            _FLAGS,
        ),
        _read_iso,
    ),
    (
        re.compile(r"(?<![0-9])(?P<day>[0-9]{1,2})[/.-](?P<month>[0-9]{1,2})[/.-]" + _YEAR, _FLAGS),
        _read_numeric,
    ),
    (
        re.compile(
            r"\bQ(?P<quarter>[1-4])\s*(?:of\s+)?(?P<first>[0-9]{4})\s*[/-]\s*"
            r"(?P<second>[0-9]{4}|[0-9]{2})(?![0-9])",
            _FLAGS,
        ),
        _read_quarter_of_year,
    ),
    (re.compile(r"\bQ(?P<quarter>[1-4])\b", _FLAGS), _read_quarter),
    (
        re.compile(
            r"(?<![0-9])(?P<first>[0-9]{4})\s*/\s*(?P<second>[0-9]{4}|[0-9]{2})(?![0-9])", _FLAGS
        ),
        _read_financial_year,
    ),
    (
        re.compile(_DAY + r"\s*(?:of\s+)?(?P<month>" + _MONTH + r"),?\s*" + _YEAR, _FLAGS),
        _read_day_month_year,
    ),
    (
        re.compile(
            r"\b(?P<month>"
            + _MONTH
            + r")\s*(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?,\s*(?P<year>[0-9]{4})(?![0-9])",
            _FLAGS,
        ),
        _read_day_month_year,
    ),
    (
        re.compile(r"\b(?P<month>" + _MONTH + r"),?\s*(?:of\s+)?" + _YEAR, _FLAGS),
        _read_month_year,
    ),
)

_ONGOING = re.compile(r"\bon-?\s?going\b", _FLAGS)
_ORDINAL = re.compile(r"(?<![0-9])[0-9]{1,2} ?(?:st|nd|rd|th)\b", _FLAGS)
_LONE_MONTH = re.compile(r"\b(?:" + _MONTH + r")", _FLAGS)
_LONE_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])", re.ASCII)
_WORD_NEXT_TO_NUMBER = re.compile(
    r"(?<![0-9])[0-9]{1,4}(?:st|nd|rd|th)?\s+(?P<after>[a-z]{4,})\b"
    r"|\b(?P<before>[a-z]{4,})\.?\s+[0-9]{1,4}(?![0-9])",
    _FLAGS,
)


def _find_dates(text: str, period_end: date | None) -> list[_Found]:
    found: list[_Found] = []
    position = 0
    while True:
        best: tuple[re.Match[str], _Reader] | None = None
        for pattern, reader in _PATTERNS:
            match = pattern.search(text, position)
            if match and (best is None or match.start() < best[0].start()):
                best = (match, reader)
        if best is None:
            return found
        match, reader = best
        found.append(_Found(match.start(), match.end(), reader(match, text, period_end)))
        position = match.end()


def _check_leftover(leftover: str, original: str) -> None:
    """Refuse date-like fragments outside any read date: "30 Sept", "31 Febtember 2011"."""
    for match in _ORDINAL.finditer(leftover):
        raise TimescaleError(original, f"{match[0]!r} is a day without a month and year")
    for match in _LONE_MONTH.finditer(leftover):
        word = match[0].rstrip(".")
        if word in _VERB_LIKE_MONTHS:
            continue
        raise TimescaleError(original, f"{word!r} has no year (write e.g. '{word} 2012')")
    for match in _WORD_NEXT_TO_NUMBER.finditer(leftover):
        word = match["after"] or match["before"]
        if word.lower()[:3] in _MONTH_PREFIXES and word.lower() not in _MONTHS:
            raise TimescaleError(original, f"{word!r} is not a month name")
    for match in _LONE_YEAR.finditer(leftover):
        raise TimescaleError(original, f"year {match[0]} has no month (write e.g. 'March 2012')")


def _strip_phrases(label: str, phrases: tuple[str, ...], *, trailing: bool) -> str:
    changed = True
    while changed and label:
        changed = False
        lowered = label.lower()
        for phrase in phrases:
            if trailing and (lowered == phrase or lowered.endswith(" " + phrase)):
                label = label[: len(label) - len(phrase)].strip(_LABEL_PUNCTUATION)
                changed = True
                break
            if not trailing and (lowered == phrase or lowered.startswith(phrase + " ")):
                label = label[len(phrase) :].strip(_LABEL_PUNCTUATION)
                changed = True
                break
    return label


def _label(gap: str) -> str:
    label = " ".join(gap.split()).strip(_LABEL_PUNCTUATION)
    label = _strip_phrases(label, _LEADING_CONNECTORS, trailing=False)
    label = _strip_phrases(label, _TRAILING_CONNECTORS, trailing=True)
    return label


def _is_range(gap: str) -> bool:
    return " ".join(gap.split()).lower() in _RANGE_CONNECTORS


def parse_timescale(text: str, *, period_end: date | None = None) -> TimescaleReading:
    """Read the milestones in a Timescale cell.

    Month-only dates mean the end of that month ("April 2011" is 2011-04-30); a financial year
    "2011/12" means 31 March 2012; "Q2 2011/12" the end of that quarter; a range "April 2011 to
    March 2012" its end. Each milestone's label is the words before its date ("MARAC Review"),
    or "Deadline" when there are none. "Ongoing" becomes a milestone at period_end when given.
    Raises TimescaleError when something date-like cannot be read.
    """
    found = _find_dates(text, period_end)
    gaps: list[str] = []
    position = 0
    for item in found:
        gaps.append(text[position : item.start])
        position = item.end
    trailing = text[position:]
    for gap in [*gaps, trailing]:
        _check_leftover(gap, text)

    if not found:
        return _without_dates(text, period_end)

    milestones: list[Milestone] = []
    labels = [_label(gap) for gap in gaps]
    index = 0
    while index < len(found):
        label = labels[index]
        if index + 1 < len(found) and _is_range(gaps[index + 1]):
            index += 1
            label = "" if label.lower() in _RANGE_STARTS else label
        milestones.append(Milestone(label or DEFAULT_LABEL, found[index].due))
        index += 1

    warnings: list[str] = []
    leftover = " ".join(trailing.split()).strip(_LABEL_PUNCTUATION)
    if leftover:
        warnings.append(f"ignored {leftover!r} after the last date in {text!r}")
    return TimescaleReading(tuple(milestones), tuple(warnings))


def _without_dates(text: str, period_end: date | None) -> TimescaleReading:
    if not text.strip():
        return TimescaleReading((), ("no timescale given: no milestone",))
    if _ONGOING.search(text):
        if period_end is None:
            return TimescaleReading((), (f"{text.strip()!r} is ongoing: no milestone",))
        return TimescaleReading(
            (Milestone(ONGOING_LABEL, period_end),),
            (f"{text.strip()!r} read as due at the end of the plan period ({period_end})",),
        )
    return TimescaleReading((), (f"no date in timescale {text.strip()!r}: no milestone",))
