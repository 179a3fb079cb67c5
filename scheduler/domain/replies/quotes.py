"""Where the quote starts in a reply: ">" lines, attributions, Outlook header blocks, separators.

Mail clients quote in a handful of ways (">" lines, "On ... wrote:", Outlook's
"From: / Sent: / To: / Subject:" block, "-----Original Message-----", forwarded
blocks), in several languages. The request's own lines, when known, mark a quote too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scheduler.domain.replies.lines import is_quoted, normalise_text, squash, unquote

_MARKER = re.compile(r"please\s+type\s+your\s+reply\s+above\s+this\s+line", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_ATTRIBUTION_START = re.compile(r"^\s*(?:On|Am|Le|El|Op)\s")
_ATTRIBUTION = re.compile(
    r"^\s*(?:On\s.{0,300}?\bwrote"
    r"|Am\s.{0,300}?\bschrieb.{0,120}?"
    r"|Le\s.{0,300}?\ba\s+écrit"
    r"|El\s.{0,300}?\bescribió"
    r"|Op\s.{0,300}?\bschreef.{0,120}?)\s*:\s*$",
    re.DOTALL,
)
_HEADER_NAMES = {
    "from": "from",
    "von": "from",
    "sent": "sent",
    "gesendet": "sent",
    "date": "date",
    "datum": "date",
    "to": "to",
    "an": "to",
    "cc": "cc",
    "bcc": "cc",
    "subject": "subject",
    "betreff": "subject",
    "reply-to": "to",
    "от": "from",
    "отправлено": "sent",
    "кому": "to",
    "тема": "subject",
}
_HEADER_LINE = re.compile(
    r"^\s*[*_]{0,2}(?P<name>from|von|sent|gesendet|date|datum|to|an|cc|bcc|subject|betreff|reply-to"
    r"|от|отправлено|кому|тема)"
    r"(?:[*_]{0,2}\s*:|\s*:[*_]{0,2})",
    re.IGNORECASE,
)
SEPARATOR = re.compile(
    r"^\s*(?:[-=_*]{2,}\s*(?:original message|forwarded message|forwarded by\b.*|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|message d'origine)\s*[-=_*]{2,}"
    r"|begin forwarded message\s*:|_{10,})\s*$",
    re.IGNORECASE,
)
_REF_START = re.compile(r"^\W{0,3}\d+(?:\.\d+)+\b")
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.]\d{2}|\b\d{4}\b")
_SENT_LINE_MIN = 25
_BOUNDARY_HINT = re.compile(
    r"^\s*(?:>|On\s|Am\s|Le\s|El\s|Op\s|[-=_*]{2}|begin forwarded|[*_]{0,2}(?:from|von|sent"
    r"|gesendet|date|datum|to|an|cc|bcc|subject|betreff|reply-to|от|отправлено|кому|тема)\b)"
    r"|please\s+type",
    re.IGNORECASE,
)


def quote_start(lines: Sequence[str], sent_text: str | None) -> int | None:
    """Index of the first line of quoted or forwarded material, or None.

    With `sent_text`, the request as sent, two of its lines in a row mark a quote too.
    """
    sent_lines = _SentLines.of(sent_text)
    check_sent = bool(sent_lines.distinctive)
    for index, line in enumerate(lines):
        if not line:
            continue
        if check_sent and sent_lines.quote_starts_at(lines, index):
            return index
        if not _BOUNDARY_HINT.search(line):
            continue
        if _QUOTED.match(line):
            return _attribution_above(lines, index)
        if _MARKER.search(line) or SEPARATOR.match(line):
            return index
        if _ATTRIBUTION_START.match(line) and _attribution_at(lines, index):
            return index
        if _HEADER_LINE.match(line) and _header_block_at(lines, index):
            return index
    return None


def is_quote_header(lines: Sequence[str], index: int) -> bool:
    """True at an attribution, an Outlook header block or an original/forwarded separator."""
    line = lines[index]
    return bool(
        SEPARATOR.match(line)
        or (_ATTRIBUTION_START.match(line) and _attribution_at(lines, index))
        or (_HEADER_LINE.match(line) and _header_block_at(lines, index))
    )


def quote_header_end(lines: Sequence[str], index: int) -> int:
    """Index of the first line after the quote header starting at `index`."""
    if _ATTRIBUTION_START.match(lines[index]) and _attribution_at(lines, index):
        return _attribution_end(lines, index)
    if _HEADER_LINE.match(lines[index]) and _header_block_at(lines, index):
        end = index
        while end < len(lines) and end < index + 12 and lines[end].strip():
            end += 1
        return end
    return index + 1


@dataclass(frozen=True)
class _SentLines:
    """Lines of the request as sent: all of them, and those distinctive enough to mark a quote.

    A line that starts with a ref is never distinctive: a lead may copy the request's
    example line ("3.1.4 Green Mapping finished, review on track") into the answer.
    """

    every: frozenset[str]
    distinctive: frozenset[str]

    @classmethod
    def of(cls, sent_text: str | None) -> _SentLines:
        if not sent_text:
            return cls(frozenset(), frozenset())
        return _sent_lines(sent_text)

    @classmethod
    def read(cls, sent_text: str) -> _SentLines:
        lines = [squash(unquote(line)) for line in normalise_text(sent_text).split("\n")]
        every = frozenset(line for line in lines if line)
        distinctive = frozenset(
            line for line in every if len(line) >= _SENT_LINE_MIN and not _REF_START.match(line)
        )
        return cls(every, distinctive)

    def quote_starts_at(self, lines: Sequence[str], index: int) -> bool:
        """True when this line and the next non-blank one are both lines of the request."""
        if squash(lines[index]) not in self.distinctive:
            return False
        following = next((line for line in lines[index + 1 :] if line.strip()), None)
        return following is None or squash(unquote(following)) in self.every


@lru_cache(maxsize=64)
def _sent_lines(sent_text: str) -> _SentLines:
    """Cached: many replies answer the same few requests."""
    return _SentLines.read(sent_text)


def _attribution_at(lines: Sequence[str], index: int) -> bool:
    joined = ""
    for line in lines[index : index + 3]:
        joined = f"{joined} {line.strip()}" if joined else line.strip()
        if _ATTRIBUTION.match(joined):
            return True
    return False


def _attribution_above(lines: Sequence[str], quote_index: int) -> int:
    """Move a ">" quote's start up over a one-to-three line attribution ending in ":"."""
    end = quote_index
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    if end == 0 or not lines[end - 1].rstrip().endswith(":"):
        return quote_index
    fallback: int | None = None
    for size in (1, 2, 3):
        first = end - size
        if first < 0 or not lines[first].strip():
            break
        joined = " ".join(line.strip() for line in lines[first:end])
        if _TIME_OR_DATE.search(joined):
            return first
        if fallback is None and ("@" in joined or joined.lower().endswith("wrote:")):
            fallback = first
    return quote_index if fallback is None else fallback


def _header_block_at(lines: Sequence[str], index: int) -> bool:
    """True when an Outlook-style header block (From with Sent/Date/To/Subject) starts here."""
    names: set[str] = set()
    other = 0
    for line in lines[index : index + 12]:
        if not line.strip():
            if names:
                break
            continue
        match = _HEADER_LINE.match(line)
        if match:
            names.add(_HEADER_NAMES[match.group("name").lower()])
        else:
            other += 1
            if other > 2:
                break
    return "from" in names and len(names & {"sent", "date", "to", "cc", "subject"}) >= 2


def unquoted_below(lines: Sequence[str], start: int) -> list[str]:
    """Unquoted lines among and after ">" quotes, up to the next hard cut.

    This is the text of a bottom-posted reply, or of answers typed between quoted lines.
    Outlook-style quoting has no ">" lines: there, everything below the start is the request.
    """
    first_quoted = next((i for i in range(start, len(lines)) if is_quoted(lines[i])), None)
    if first_quoted is None:
        return []
    kept: list[str] = []
    index = first_quoted
    while index < len(lines):
        line = lines[index]
        if is_quoted(line):
            if kept and kept[-1]:
                kept.append("")
            index += 1
            continue
        if not _BOUNDARY_HINT.search(line):
            if line.strip() or kept:
                kept.append(line)
            index += 1
            continue
        if SEPARATOR.match(line) or (_HEADER_LINE.match(line) and _header_block_at(lines, index)):
            break
        if _MARKER.search(line):
            if kept and kept[-1]:
                kept.append("")
        elif _ATTRIBUTION_START.match(line) and _attribution_at(lines, index):
            index = _attribution_end(lines, index)
            continue
        elif line.strip() or kept:
            kept.append(line)
        index += 1
    return kept


def _attribution_end(lines: Sequence[str], index: int) -> int:
    for offset in range(3):
        if index + offset < len(lines) and lines[index + offset].rstrip().endswith(":"):
            return index + offset + 1
    return index + 1
