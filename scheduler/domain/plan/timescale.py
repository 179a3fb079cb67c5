"""Reading a plan's Timescale cell ("Mapping 31 May 11 MARAC Review 30 Sept 11") as milestones.

Reminders are only as good as these dates, so the reader is strict: anything that looks like
a date but cannot be read is a TimescaleError quoting the text, never silently dropped, and a
date read by convention ("Summer 2012", "early 2013", "31 May" with no year) comes with a
warning saying how. Text with no date ("As required", "Quarterly", "Ongoing", an empty cell)
yields no milestone and a warning saying which kind it is: a deadline is never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from scheduler.domain.errors import TimescaleError
from scheduler.domain.plan.model import Milestone
from scheduler.domain.plan.timescale_forms import (
    FLAGS,
    MONTH,
    MONTH_FIRST,
    MONTHS,
    PATTERNS,
    Period,
    Reader,
)

DEFAULT_LABEL = "Deadline"

_MONTH_PREFIXES = frozenset(name[:3] for name in MONTHS)
_VERB_LIKE_MONTHS = frozenset({"may", "march", "mar"})
_RANGE_CONNECTORS = frozenset({"-", "\u2013", "\u2014", "to", "until", "till"})
_RANGE_STARTS = frozenset({"from", "starting", "start", "starts", "commencing", "beginning"})
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
# Words before a number that make it a count, not a day: "Phase 1 June 2012" is June's end.
_COUNTING_WORDS = frozenset(
    [
        "phase",
        "stage",
        "year",
        "step",
        "part",
        "round",
        "wave",
        "level",
        "tier",
        "no",
        "number",
        "version",
        "option",
        "priority",
        "objective",
        "action",
        "element",
        "strand",
        "milestone",
        "section",
        "chapter",
        "module",
        "session",
        "cohort",
    ]
)
_RECURRING = re.compile(
    r"\b(?P<which>quarterly|monthly|annually|annual|yearly|weekly|fortnightly|bi-?monthly"
    r"|six[- ]monthly|half[- ]yearly|bi-?annually|every\s+(?:[0-9]+|two|three|six)\s+"
    r"(?:weeks|months)|each\s+(?:quarter|month|year|meeting))\b",
    FLAGS,
)
_OPEN_ENDED = re.compile(
    r"\b(?P<which>on-?\s?going|continuous|continual|continuing|throughout(?:\s+the\s+year)?)\b",
    FLAGS,
)
_PARENTHESISED = re.compile(r"^\s*\((?P<label>[^()]*)\)")
_ORDINAL = re.compile(r"(?<![0-9])[0-9]{1,2} ?(?:st|nd|rd|th)\b", FLAGS)
_LONE_MONTH = re.compile(r"\b(?:" + MONTH + r")", FLAGS)
_LONE_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])", re.ASCII)
_WORD_NEXT_TO_NUMBER = re.compile(
    r"(?<![0-9])[0-9]{1,4}(?:st|nd|rd|th)?\s+(?P<after>[a-z]{4,})\b"
    r"|\b(?P<before>[a-z]{4,})\.?\s+[0-9]{1,4}(?![0-9])",
    FLAGS,
)


@dataclass(frozen=True)
class TimescaleReading:
    """The milestones read from one Timescale cell, and what a coordinator should check.

    `recurrence` says what a cell without a deadline is: "quarterly" (recurring), "ongoing"
    (open-ended) or "start" (a start date only); None otherwise.
    """

    milestones: tuple[Milestone, ...]
    warnings: tuple[str, ...]
    recurrence: str | None = None


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    due: date
    warning: str | None


def _counts_something(text: str, number_start: int) -> bool:
    before = re.search(r"([A-Za-z]+)\.?\s*$", text[:number_start])
    return before is not None and before[1].lower() in _COUNTING_WORDS


def _earliest(text: str, position: int) -> tuple[re.Match[str], Reader] | None:
    best: tuple[re.Match[str], Reader] | None = None
    for pattern, reader in PATTERNS:
        match = pattern.search(text, position)
        if match and (best is None or match.start() < best[0].start()):
            best = (match, reader)
    return best


def _month_first(text: str, match: re.Match[str]) -> tuple[re.Match[str], Reader]:
    """The same text read from its month on, its number left to the label before it."""
    for pattern, reader in MONTH_FIRST:
        again = pattern.match(text, match.start("month"))
        if again:
            return again, reader
    raise TimescaleError(text, f"{match[0]!r} cannot be read")


def _find_dates(text: str, period: Period) -> list[_Found]:
    found: list[_Found] = []
    position = 0
    while True:
        best = _earliest(text, position)
        if best is None:
            return found
        match, reader = best
        groups = match.groupdict()
        named_month = bool(groups.get("month")) and not groups["month"].isdigit()
        if groups.get("day") and named_month and _counts_something(text, match.start("day")):
            match, reader = _month_first(text, match)
        due, warning = reader(match, text, period)
        found.append(_Found(match.start(), match.end(), due, warning))
        position = match.end()


def _check_leftover(leftover: str, original: str) -> None:
    """Refuse date-like fragments outside any read date: "by the 31st", "31 Febtember 2011"."""
    for match in _ORDINAL.finditer(leftover):
        raise TimescaleError(original, f"{match[0]!r} is a day without a month and year")
    for match in _LONE_MONTH.finditer(leftover):
        word = match[0].rstrip(".")
        if word in _VERB_LIKE_MONTHS:
            continue
        raise TimescaleError(original, f"{word!r} has no year (write e.g. '{word} 2012')")
    for match in _WORD_NEXT_TO_NUMBER.finditer(leftover):
        word = match["after"] or match["before"]
        if word.lower()[:3] in _MONTH_PREFIXES and word.lower() not in MONTHS:
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


def _starts(gap: str) -> bool:
    words = gap.lower().split()
    return bool(words) and words[-1].strip(_LABEL_PUNCTUATION) in _RANGE_STARTS


def _suffix_labels(gaps: list[str], trailing: str) -> tuple[list[str], list[str], str]:
    """Move a bracketed label that follows a date onto that date: "30 June 2012 (interim)".

    Returns each date's suffix label, the gaps without them, and the trailing text left.
    """
    after = [*gaps[1:], trailing]
    suffixes: list[str] = []
    for index, gap in enumerate(after):
        bracketed = _PARENTHESISED.match(gap)
        if bracketed and not _RECURRING.search(bracketed["label"]):
            suffixes.append(" ".join(bracketed["label"].split()))
            after[index] = gap[bracketed.end() :]
        else:
            suffixes.append("")
    return suffixes, [gaps[0], *after[:-1]], after[-1]


def parse_timescale(
    text: str, *, period_start: date | None = None, period_end: date | None = None
) -> TimescaleReading:
    """Read the milestones in a Timescale cell.

    Month-only dates mean the end of that month ("April 2011" is 2011-04-30, "Mar-13"
    2013-03-31); a financial year "2011/12" or "2012-13" means its 31 March; "Q2 2011/12" the
    end of that quarter, "Q2" alone the plan year's; a range "Jan-Mar 2013" its end. Each
    milestone's label is the words before its date ("MARAC Review") or in brackets after it,
    else "Deadline". Dates without a year fall in the plan's period when it is given. Raises
    TimescaleError when something date-like cannot be read.
    """
    period = Period(period_start, period_end)
    found = _find_dates(text, period)
    gaps: list[str] = []
    position = 0
    for item in found:
        gaps.append(text[position : item.start])
        position = item.end
    trailing = text[position:]
    for gap in [*gaps, trailing]:
        _check_leftover(gap, text)
    if not found:
        return _without_dates(text)
    suffixes, gaps, trailing = _suffix_labels(gaps, trailing)
    return _milestones(text, found, gaps, suffixes, trailing)


def _milestones(
    text: str, found: list[_Found], gaps: list[str], suffixes: list[str], trailing: str
) -> TimescaleReading:
    milestones: list[Milestone] = []
    warnings: list[str] = []
    labels = [_label(gap) for gap in gaps]
    index = 0
    starts_only = False
    while index < len(found):
        label, gap = labels[index], gaps[index]
        if index + 1 < len(found) and _is_range(gaps[index + 1]):
            index += 1
            label = "" if label.lower() in _RANGE_STARTS else label
        elif _starts(gap):
            begins = text[found[index].start : found[index].end]
            warnings.append(
                f"{text.strip()!r} says when it starts ({begins}), not a deadline: no milestone"
            )
            starts_only = True
            index += 1
            continue
        if suffixes[index]:
            label = f"{label} ({suffixes[index]})" if label else suffixes[index]
        if found[index].warning:
            warnings.append(found[index].warning or "")
        milestones.append(Milestone(label or DEFAULT_LABEL, found[index].due))
        index += 1
    leftover = " ".join(trailing.split()).strip(_LABEL_PUNCTUATION)
    if leftover:
        warnings.append(f"ignored {leftover!r} after the last date in {text!r}")
    recurrence = "start" if starts_only and not milestones else None
    return TimescaleReading(tuple(milestones), tuple(warnings), recurrence)


def _without_dates(text: str) -> TimescaleReading:
    shown = text.strip()
    if not shown:
        return TimescaleReading((), ("no timescale given: no milestone",))
    recurring = _RECURRING.search(text)
    if recurring:
        which = " ".join(recurring["which"].lower().split())
        return TimescaleReading(
            (), (f"{shown!r} is recurring ({which}), not a deadline: no milestone",), which
        )
    open_ended = _OPEN_ENDED.search(text)
    if open_ended:
        return TimescaleReading(
            (), (f"{shown!r} is open-ended (ongoing), not a deadline: no milestone",), "ongoing"
        )
    return TimescaleReading((), (f"no date in timescale {shown!r}: no milestone",))
