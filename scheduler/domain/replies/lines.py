"""A reply's text as lines: one line-end convention, quote markers and spacing set aside."""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+ ?")


def normalise_text(text: str) -> str:
    """Unix line ends, no invisible characters or trailing blanks, non-breaking spaces as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = _INVISIBLE.sub("", text.replace("\xa0", " "))
    return "\n".join([line.rstrip() for line in text.split("\n")])


def unquote(line: str) -> str:
    """A line without its ">" quote markers."""
    return _QUOTE_PREFIX.sub("", line)


def squash(text: str) -> str:
    """Whitespace collapsed to single spaces, for comparing text that mail clients re-wrapped."""
    return " ".join(text.split())


def is_quoted(line: str) -> bool:
    """True for a ">" quoted line."""
    return line[:1] == ">" or line.lstrip()[:1] == ">"
