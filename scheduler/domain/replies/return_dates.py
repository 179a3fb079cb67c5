"""The date an out-of-office message says its sender is back, in English or Welsh.

Dates are read in English ("Monday 4th July", "July 5, 2011") and Welsh ("ddydd Llun 4
Gorffennaf", "y 4ydd o Orffennaf", with the month's soft mutation), and as numbers
("04/07/2011", "04.07.2011", "2011-07-04") in any language. A date counts only after a cue
that it is the return ("back", "until", "tan", "yn ôl", "jusqu'au", "bis", ...) in the same
sentence, so "the meeting on 21 June" is not taken for one.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Welsh months, with the soft-mutated forms that follow "o" ("4ydd o Orffennaf").
_WELSH_MONTHS = {
    "ionawr": 1, "chwefror": 2, "mawrth": 3, "fawrth": 3, "ebrill": 4, "mai": 5, "fai": 5,
    "mehefin": 6, "fehefin": 6, "gorffennaf": 7, "orffennaf": 7, "awst": 8, "medi": 9,
    "fedi": 9, "hydref": 10, "tachwedd": 11, "dachwedd": 11, "rhagfyr": 12, "ragfyr": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WELSH_WEEKDAYS = ("llun", "mawrth", "mercher", "iau", "gwener", "sadwrn", "sul")
_MONTH = (
    r"(?P<{0}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WELSH_MONTH = r"(?P<mw>" + "|".join(_WELSH_MONTHS) + r")"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_WELSH_WEEKDAY = r"d?dydd\s+(?P<{0}>" + "|".join(_WELSH_WEEKDAYS) + r")"
_DATE = re.compile(
    r"\b(?:"
    + _WEEKDAY
    + r"(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+"
    + _MONTH.format("m1")
    + r",?(?:\s+(?P<y1>\d{4}))?"
    + r"|"
    + _WEEKDAY
    + _MONTH.format("m2")
    + r"\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(?P<y2>\d{4}))?"
    # Welsh: "(ddydd Llun,) (y) 4(ydd) (o) Orffennaf (2011)"
    + r"|(?:"
    + _WELSH_WEEKDAY.format("wdx")
    + r",?\s+)?(?:y\s+)?(?P<dw>\d{1,2})(?:af|il|ydd|ed|fed|eg|ain)?(?:\s+o)?\s+"
    + _WELSH_MONTH
    + r",?(?:\s+(?P<yw>\d{4}))?"
    + r"|(?P<d3>\d{1,2})(?P<sep>[/.\-])(?P<m3>\d{1,2})(?P=sep)(?P<y3>\d{4}|\d{2})"
    + r"|(?P<y4>\d{4})-(?P<m4>\d{1,2})-(?P<d4>\d{1,2})"
    + r"|(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    + r"|"
    + _WELSH_WEEKDAY.format("wdw")
    + r"|(?P<tomorrow>tomorrow|yfory))\b",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(?:return\w*|back|until|till|til|untill|available|resum\w*|through"
    r"|(?<!of the )(?<!of )(?:the )?office (?:on|from)"
    # Welsh: until, back, return, available
    r"|tan|hyd(?: at)?|nes|yn [oô]l|d?dychwel\w*|ar gael"
    # French, German, Dutch, Spanish, Italian, Portuguese, Danish, Norwegian, Swedish
    r"|jusqu['’]\s?au|retour|bis(?: zum| einschließlich)?|zurück|wieder|tot(?: en met)?|terug"
    r"|hasta(?: el)?|regres\w*|fino al|rientr\w*|até|regress\w*|tilbage|tilbake|tills?|åter)\b",
    re.IGNORECASE,
)
# A cue that must stand right before the date: Polish "do" is too common a word otherwise.
_CUE_BEFORE = re.compile(r"\bdo(?: dnia)?\s*$", re.IGNORECASE)
_RANGE_END = re.compile(r"(?:\bto|-|–)\s*$", re.IGNORECASE)


def away_until(text: str, *, sent_on: date | None) -> date | None:
    """The return date an out-of-office message gives ("I will return on 5 July 2011").

    A date without a year is the next one on or after the message's date; a weekday
    alone ("back on Monday") is the next such day. Without a cue such as "return",
    "back" or "until" before it, a date is not taken for a return date.
    """
    boundary = 0
    for match in _DATE.finditer(text):
        window = text[max(boundary, match.start() - 60) : match.start()]
        window = re.split(r"[.!?\n](?:\s|$)", window)[-1]
        boundary = match.end()
        cued = _CUE.search(window) or _CUE_BEFORE.search(window) or _RANGE_END.search(window)
        if not cued:
            continue
        found = _resolve(match, sent_on)
        if found is not None:
            return found
    return None


def _resolve(match: re.Match[str], sent_on: date | None) -> date | None:
    groups = match.groupdict()
    if groups["tomorrow"]:
        return None if sent_on is None else sent_on + timedelta(days=1)
    if groups["wd"] or groups["wdw"]:
        return _next_weekday(groups["wd"], groups["wdw"], sent_on)
    if groups["d3"]:
        day, month, year_text = int(groups["d3"]), int(groups["m3"]), groups["y3"]
    elif groups["y4"]:
        day, month, year_text = int(groups["d4"]), int(groups["m4"]), groups["y4"]
    elif groups["dw"]:
        day, month, year_text = int(groups["dw"]), _WELSH_MONTHS[groups["mw"].lower()], groups["yw"]
    else:
        day = int(groups["d1"] or groups["d2"])
        month = _MONTHS[(groups["m1"] or groups["m2"])[:3].lower()]
        year_text = groups["y1"] or groups["y2"]
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _valid(year, month, day)
    if sent_on is None:
        return None
    candidate = _valid(sent_on.year, month, day)
    if candidate is not None and candidate < sent_on - timedelta(days=7):
        candidate = _valid(sent_on.year + 1, month, day)
    return candidate


def _next_weekday(english: str | None, welsh: str | None, sent_on: date | None) -> date | None:
    if sent_on is None:
        return None
    if english:
        wanted = _WEEKDAYS.index(english.lower())
    else:
        wanted = _WELSH_WEEKDAYS.index((welsh or "").lower())
    ahead = (wanted - sent_on.weekday() - 1) % 7 + 1
    return sent_on + timedelta(days=ahead)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
