"""Attribution lines that introduce a quote: "On <date>, <name> wrote:" in the forms clients use.

Clients write them in the reader's language ("Le ... a écrit :", "Ar ... ysgrifennodd:"),
sometimes without the colon, between dashes ("---- On ... wrote ----"), or as a date or a
time followed by the sender's address ("2011-06-01 9:00 GMT+01:00 CSP <csp@example.org>:").
A line is an attribution only when the whole line (or up to three wrapped lines) has that
shape, so a sentence that merely starts with "On" or "Den" is not one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A letter of a month's name: [a-zA-Z\u00c0-\uffff], written as the characters it leaves out
# (and case-sensitive, as it holds both cases): `re` compiles that range of 65,000 characters
# in tens of milliseconds, every time a command starts, and this in one.
_MONTH_LETTER = r"(?-i:[^\x00-\x40\x5b-\x60\x7b-\xbf\U00010000-\U0010ffff])"
_LEADING_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|\d{1,2}[:.]\d{2}\b|\d{1,2}\s+" + _MONTH_LETTER + r"{3,9}\.?,?\s+\d{4}"
    r"|(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s)"
)
_STARTS = r"(?:-{2,}\s*On\s|(?:On|Am|Le|El|Op|Il|Em|W\s+dniu|Den|På|Ar)\s|" + _LEADING_DATE + ")"
_START = re.compile(r"^\s*" + _STARTS)
# The characters an attribution can start with: a quick test before _START.
_FIRST_CHARACTERS = frozenset("-0123456789OALEIWDPMTFSmtwfs")
# The verb ends the line ("wrote:") or is followed by the sender ("schrieb CSP <...>:").
_WORDED = re.compile(
    r"^\s*(?:On\s.{0,300}?\bwrote\s*:"
    r"|-{2,}\s*On\s.{0,300}?\bwrote\s*-{2,}"
    r"|Am\s.{0,300}?\bschrieb.{0,120}?:"
    r"|Le\s.{0,300}?\ba\s+écrit\s*:"
    r"|El\s.{0,300}?\bescribió\s*:"
    r"|Op\s.{0,300}?\bschreef.{0,120}?:"
    r"|Il\s.{0,300}?\bha\s+scritto\s*:"
    r"|Em\s.{0,300}?\bescreveu\s*:"
    r"|W\s+dniu\s.{0,300}?\b(?:pisze|napisał(?:a|\(a\))?)\s*:"
    r"|(?:Den|På)\s.{0,300}?\bskrev.{0,120}?:"
    r"|Ar\s.{0,300}?\bysgrifennodd.{0,120}?:)\s*$",
    re.DOTALL,
)
# "On <date>, <name> wrote" without a colon counts only with an address or a time in it.
_WROTE_WITHOUT_COLON = re.compile(r"^\s*On\s.{0,300}\swrote\s*$", re.DOTALL)
_ADDRESS = re.compile(r"[\w.+'-]@[\w-]+\.\w")
_TIME = re.compile(r"\d{1,2}:\d{2}")
_DATED = re.compile(r"^\s*" + _LEADING_DATE)
_LONGEST = 320
_ENDING = re.compile(r"(?::|\bwrote\s*-*)\s*$")
# What a line may start with to be worth checking, for a prefilter (which may be compiled
# with re.ASCII: nothing here needs Unicode classes).
HINT = _STARTS


def attribution_length(lines: Sequence[str], index: int) -> int:
    """How many lines (one to three) the attribution starting at `index` spans; 0 if none."""
    first = lines[index].lstrip()[:1]
    if first not in _FIRST_CHARACTERS or not _START.match(lines[index]):
        return 0
    joined = ""
    for size, line in enumerate(lines[index : index + 3], start=1):
        joined = f"{joined} {line.strip()}" if joined else line.strip()
        if len(joined) > _LONGEST:
            break
        if _is_attribution(joined):
            return size
    return 0


def _is_attribution(text: str) -> bool:
    if text.endswith(":") and _DATED.match(text) and _ADDRESS.search(text):
        return True  # "2011-06-01 9:00 GMT+01:00 CSP <csp@example.org>:"
    if _WORDED.match(text):
        return True
    return bool(_WROTE_WITHOUT_COLON.match(text) and (_ADDRESS.search(text) or _TIME.search(text)))


def ends_like_attribution(line: str) -> bool:
    """True for a line that could close an attribution: ending in ":" or in "wrote"."""
    return bool(_ENDING.search(line))
