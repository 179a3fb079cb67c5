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

from scheduler.domain.replies.attributions import HINT as _ATTRIBUTION_HINT
from scheduler.domain.replies.attributions import attribution_length, ends_like_attribution
from scheduler.domain.replies.lines import is_quoted, normalise_text, squash, unquote

_MARKER = re.compile(r"please\s+type\s+your\s+reply\s+above\s+this\s+line", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
# Outlook's header labels in English, German, Russian, Welsh, French, Dutch, Spanish, Italian,
# Portuguese, Polish, Danish, Norwegian and Swedish, by the header each one names.
_HEADER_LABELS = {
    "from": (
        "from", "von", "от", "oddi wrth", "de", "van", "da", "od", "fra", "från",
    ),
    "sent": (
        "sent", "gesendet", "отправлено", "anfonwyd", "envoyé", "verzonden", "enviado",
        "enviado el", "enviada em", "enviado em", "inviato", "wysłano", "wysłane", "sendt",
        "skickat",
    ),
    "date": ("date", "datum", "dyddiad", "fecha", "data", "dato"),
    "to": ("to", "an", "кому", "reply-to", "at", "à", "aan", "para", "a", "do", "til", "till"),
    "cc": ("cc", "bcc"),
    "subject": (
        "subject", "betreff", "тема", "pwnc", "objet", "onderwerp", "asunto", "oggetto",
        "assunto", "temat", "emne", "ämne",
    ),
}  # fmt: skip
_HEADER_NAMES = {label: name for name, labels in _HEADER_LABELS.items() for label in labels}
# A label of one or two words before a colon, looked up in _HEADER_NAMES.
_LABELLED_LINE = re.compile(
    r"^\s*[*_]{0,2}(?P<label>[^\W\d_][\w-]{0,11}(?: [^\W\d_]{1,5})?)(?:[*_]{0,2}\s*:|\s*:[*_]{0,2})"
)
SEPARATOR = re.compile(
    r"^\s*(?:[-=_*]{2,}\s*(?:original message|forwarded message|forwarded by\b.*|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|message d'origine|message transféré"
    r"|neges wreiddiol|oorspronkelijk bericht|doorgestuurd bericht|mensaje original"
    r"|mensaje reenviado|messaggio originale|messaggio inoltrato|mensagem original"
    r"|mensagem encaminhada|wiadomość oryginalna|wiadomość przekazana dalej"
    r"|oprindelig meddelelse|videresendt meddelelse|opprinnelig melding|videresendt melding"
    r"|ursprungligt meddelande|vidarebefordrat meddelande)\s*[-=_*]{2,}"
    r"|begin forwarded message\s*:|_{10,})\s*$",
    re.IGNORECASE,
)
_REF_START = re.compile(r"^\W{0,3}\d+(?:\.\d+)+\b")
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.]\d{2}|\b\d{4}\b")
_SENT_LINE_MIN = 25
_WROTE_AT_END = re.compile(r"\bwrote\s*:?\s*-*$", re.IGNORECASE)
# [a-z\u0080-\uffff] and [\w\u0080-\uffff-] under re.IGNORECASE | re.ASCII, written as the
# characters they leave out, which `re` compiles in a millisecond rather than tens.
_LABEL_START = r"(?-i:[^\x00-\x40\x5b-\x60\x7b-\x7f\U00010000-\U0010ffff])"
_LABEL_REST = r"(?-i:[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f\U00010000-\U0010ffff])"
_BOUNDARY_HINT = re.compile(
    r"^\s*(?:>|" + _ATTRIBUTION_HINT + r"|[-=_*]{2}|begin forwarded"
    r"|[*_]{0,2}" + _LABEL_START + _LABEL_REST + r"{0,11}(?: " + _LABEL_START + r"{1,5})?"
    r"\s*[*_]{0,2}\s*:)"
    r"|please\s+type",
    re.IGNORECASE | re.ASCII,  # a fast prefilter: its classes spell out what is not ASCII
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
        if attribution_length(lines, index):
            return index
        if _header_name(line) and _header_block_at(lines, index):
            return index
    return None


def is_quote_header(lines: Sequence[str], index: int) -> bool:
    """True at an attribution, an Outlook header block or an original/forwarded separator."""
    line = lines[index]
    return bool(
        SEPARATOR.match(line)
        or attribution_length(lines, index)
        or (_header_name(line) and _header_block_at(lines, index))
    )


def quote_header_end(lines: Sequence[str], index: int) -> int:
    """Index of the first line after the quote header starting at `index`."""
    attribution = attribution_length(lines, index)
    if attribution:
        return index + attribution
    if _header_name(lines[index]) and _header_block_at(lines, index):
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


def _attribution_above(lines: Sequence[str], quote_index: int) -> int:
    """Move a ">" quote's start up over a one-to-three line attribution ending in ":" or "wrote"."""
    end = quote_index
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    if end == 0 or not ends_like_attribution(lines[end - 1]):
        return quote_index
    fallback: int | None = None
    for size in (1, 2, 3):
        first = end - size
        if first < 0 or not lines[first].strip():
            break
        joined = " ".join(line.strip() for line in lines[first:end])
        if _TIME_OR_DATE.search(joined):
            return first
        if fallback is None and ("@" in joined or _WROTE_AT_END.search(joined)):
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
        name = _header_name(line)
        if name:
            names.add(name)
        else:
            other += 1
            if other > 2:
                break
    return "from" in names and len(names & {"sent", "date", "to", "cc", "subject"}) >= 2


def _header_name(line: str) -> str | None:
    """The header an Outlook-style "Label: value" line gives ("from" for "Von:"), or None."""
    match = _LABELLED_LINE.match(line)
    return None if match is None else _HEADER_NAMES.get(match.group("label").lower())


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
        if SEPARATOR.match(line) or (_header_name(line) and _header_block_at(lines, index)):
            break
        if _MARKER.search(line):
            if kept and kept[-1]:
                kept.append("")
        elif attribution_length(lines, index):
            index += attribution_length(lines, index)
            continue
        elif line.strip() or kept:
            kept.append(line)
        index += 1
    return kept
