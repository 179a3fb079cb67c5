"""The lines of a plan document that are headings: sections, priorities, leads and outcomes."""

from __future__ import annotations

import re

SECTION = re.compile(r"^\s*(?P<number>[0-9]+)\.?\s+(?P<title>[A-Za-z].*?)\s*$")
APPENDIX = re.compile(r"^\s*Appendix\b", re.IGNORECASE)
SUBHEADING = re.compile(r"^\s*(?P<ref>[0-9]+(?:\.[0-9]+)+)\.?\s+(?P<title>\S.*?)\s*$")
NAMED_PRIORITY = re.compile(
    r"^\s*(?:key\s+|strategic\s+)?(?:priority|objective|theme|aim)\s+(?P<ref>[0-9]+(?:\.[0-9]+)*)"
    r"\s*[:.)\u2013\u2014-]?\s+(?P<title>\S.*?)\s*$",
    re.IGNORECASE,
)
NUMBERED_TITLE = re.compile(r"^\s*(?P<ref>[0-9]+(?:\.[0-9]+)*)[.):]?\s+(?P<title>\S.*?)\s*$")
LEAD = re.compile(
    r"^\s*(?:priority\s+)?(?:lead|responsible)(?:\s+officer)?s?(?:\s*\(s\))?\s*:\s*(?P<text>.*?)\s*$",
    re.IGNORECASE,
)
OUTCOME = re.compile(r"^\s*(?:[-*\u2022]\s*)?(?:outcomes?\s*:\s*)?(?P<text>.*?)\s*$", re.IGNORECASE)
TITLE_LINE = re.compile(r"\b(?:Community Safety|Action) Plan\b")
MAX_HEADING_WORDS = 12


def clean(text: str) -> str:
    """Text without emphasis marks and runs of spaces."""
    return " ".join(text.replace("**", "").replace("__", "").split())


def heading_match(text: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The pattern's match when the line reads as a heading: short, not ending a sentence."""
    if "\t" in text:
        return None
    match = pattern.match(text)
    if match is None:
        return None
    title = match["title"]
    if len(title.split()) > MAX_HEADING_WORDS or title.endswith((".", ":", ";", ",")):
        return None
    return match


def priority_heading(text: str, *, sections: bool) -> tuple[str, str] | None:
    """(ref, title) when a line names a priority: "3.1 Reduce X", "Priority 2: Y", and with
    `sections` also "1. Reduce Z" (outside a named action plan section, where those are the
    document's own sections)."""
    for pattern in (SUBHEADING, NAMED_PRIORITY, *((SECTION,) if sections else ())):
        match = heading_match(clean(text), pattern)
        if match is not None:
            ref = match.groupdict().get("ref") or match["number"]
            return ref.rstrip("."), clean(match["title"])
    return None


def split_numbered(text: str) -> tuple[str | None, str]:
    """ "1. Reduce X" -> ("1", "Reduce X"); "Reduce X" -> (None, "Reduce X")."""
    named = NAMED_PRIORITY.match(text) or NUMBERED_TITLE.match(text)
    if named:
        return named["ref"], clean(named["title"])
    return None, clean(text)
