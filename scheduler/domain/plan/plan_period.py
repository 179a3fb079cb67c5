"""A document's plan period and name, when the coordinator does not give them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from scheduler.domain.errors import PlanError, TimescaleError
from scheduler.domain.plan.headings import (
    MAX_HEADING_WORDS,
    SECTION,
    SUBHEADING,
    TITLE_LINE,
    clean,
    heading_match,
)
from scheduler.domain.plan.timescale import parse_timescale

_PLACE = re.compile(r"((?:[A-Z][A-Za-z'\u2019-]*\s+){1,4})(?:CSP|Community Safety Partnership)\b")
_NOT_A_PLACE = frozenset({"the", "a", "an", "this", "our", "each", "every", "all"})
_FINANCIAL_YEAR = re.compile(
    r"(?<![0-9])(20[0-9]{2})\s*[/\u2013-]\s*([0-9]{2}|20[0-9]{2})(?![0-9])"
)


def period_of(start: date) -> tuple[date, date]:
    """The year from `start`: 1 April 2011 gives 1 April 2011 to 31 March 2012."""
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:
        next_start = date(start.year + 1, 3, 1)
    return start, next_start - timedelta(days=1)


def _financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _titled_year(lines: Iterable[str]) -> int | None:
    """The financial year a title names ("Community Safety Plan 2012-13"), else None."""
    for line in lines:
        if not TITLE_LINE.search(line):
            continue
        for match in _FINANCIAL_YEAR.finditer(line):
            first, second = int(match[1]), int(match[2])
            if second % 100 == (first + 1) % 100:
                return first
    return None


def infer_period(
    timescales: Iterable[str], text_lines: Iterable[str], source: str
) -> tuple[date, date]:
    """The April-March financial year holding most milestones, else the one a title names."""
    dues: list[date] = []
    for timescale in timescales:
        try:
            reading = parse_timescale(timescale)
        except TimescaleError:
            continue
        dues.extend(m.due for m in reading.milestones)
    if not dues:
        year = _titled_year(text_lines)
        if year is None:
            raise PlanError(
                source,
                None,
                "cannot infer the plan period: no timescale has a date; give its start",
            )
        return date(year, 4, 1), date(year + 1, 3, 31)
    counts = Counter(_financial_year_of(due) for due in dues)
    year = min(counts, key=lambda y: (-counts[y], y))
    return date(year, 4, 1), date(year + 1, 3, 31)


def _period_label(start: date, end: date) -> str:
    if end.year == start.year + 1:
        return f"{start.year}/{end.year % 100:02d}"
    return str(start.year) if end.year == start.year else f"{start.year}-{end.year}"


def derive_name(text_lines: list[str], all_lines: list[str], start: date, end: date) -> str:
    """A title line before the first heading, else the partnership the text names."""
    for line in text_lines:
        if heading_match(line, SECTION) or heading_match(line, SUBHEADING):
            break
        words = line.split()
        is_short = 0 < len(words) <= MAX_HEADING_WORDS and not line.rstrip().endswith(".")
        if is_short and TITLE_LINE.search(line):
            return clean(line)
    for line in all_lines:
        for match in _PLACE.finditer(line):
            words = match[1].split()
            while words and words[0].lower() in _NOT_A_PLACE:
                words.pop(0)
            if words:
                return f"{' '.join(words)} Community Safety Plan {_period_label(start, end)}"
    return f"Community Safety Plan {_period_label(start, end)}"
