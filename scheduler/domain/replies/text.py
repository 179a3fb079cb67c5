"""The lead's own words in a reply: quoted request, signatures and disclaimers cut away.

Mail clients quote in a handful of ways (">" lines, "On ... wrote:", Outlook's
"From: / Sent: / To: / Subject:" block, "-----Original Message-----", forwarded
blocks). The update request carries a visible marker line, so the first cut is
there; the rest catches replies written below it or by clients that mangle it.
HTML-only mail is rendered to plain text with the standard library's parser:
markdown converters escape "1." and "-" at line starts, which would corrupt the
"3.1.4 Green ..." lines the status parser reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

REPLY_MARKER = "## Please type your reply above this line ##"

_MARKER = re.compile(r"please\s+type\s+your\s+reply\s+above\s+this\s+line", re.IGNORECASE)
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_QUOTED = re.compile(r"^\s*>")
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+ ?")
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
_SEPARATOR = re.compile(
    r"^\s*(?:[-=_*]{2,}\s*(?:original message|forwarded message|forwarded by\b.*|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|message d'origine)\s*[-=_*]{2,}"
    r"|begin forwarded message\s*:|_{10,})\s*$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^(?:--|-- |—)\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my [\w'’ \-]{1,40}[.!]?"
    r"|sent from (?:outlook|mail|yahoo mail|gmail|samsung"
    r"|my (?:iphone|ipad|blackberry|android))\b.*"
    r"|get outlook for (?:ios|android)\b.*"
    r"|sent with (?:sparrow|airmail|blackberry|proton ?mail)\b.*"
    r"|sent via (?:blackberry|android)\b.*"
    r"|von meinem [\w ]{1,40} gesendet\.?)\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^[\s*_]*(?:(?:disclaimer|important|notice|privacy|legal)\s*[:\-]\s*)?(?:"
    r"this (?:e-?mail|message|communication|transmission)\b.{0,120}?\b"
    r"(?:confidential|privileged|intended (?:solely |only )?for|may contain"
    r"|for the (?:sole|exclusive) use)"
    r"|confidentiality (?:notice|statement|caution|note|warning)\b"
    r"|(?:the )?information (?:contained )?in this (?:e-?mail|message|communication)"
    r"|(?:the )?contents? of this (?:e-?mail|message)\b.{0,60}?\b"
    r"(?:confidential|intended|privileged)"
    r"|if you (?:have received|are not the intended|receive)"
    r"|please consider the environment"
    r"|any (?:views|opinions) (?:or opinions )?(?:expressed|presented|contained)"
    r"|(?:e-?mail|internet) communications? (?:is|are) not"
    r"|disclaimer\s*:?\s*$"
    r"|this (?:e-?mail|message) has been (?:scanned|checked|swept))",
    re.IGNORECASE,
)
_BANNER = re.compile(
    r"^\s*(?:[\[(]?(?:caution|warning|external(?: e-?mail| sender)?)[\])]?\s*[:\-]?\s.{0,200}?"
    r"(?:outside|external|originated|unknown sender|do not click)"
    r"|\[?external\]?\s*$"
    r"|you don'?t often get (?:e-?mail|messages?) from\b)",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*(?:(?:many |kind(?:est)? |best |warm(?:est)? |with (?:kind |best )?)?"
    r"(?:regards|wishes|thanks)"
    r"|thanks(?: again| very much| a lot)?|thank you(?: very much)?|cheers|best|all the best"
    r"|yours (?:sincerely|faithfully|truly)|sincerely|rgds|kr)"
    r"\s*[,.!]?(?:\s*,?\s*[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?)?\s*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^\s*[-–]\s?[A-Z][\w'’\-]*(?: [A-Z][\w'’\-]*){0,2}\s*$")
_RULE = re.compile(r"^\s*[-_=*~]{3,}\s*$")
_BLANK_RUN = re.compile(r"\n{3,}")
_REF_LIKE = re.compile(r"\b\d+\.\d+\.\d+\b")
_REF_START = re.compile(r"^\W{0,3}\d+(?:\.\d+)+\b")
_NAME_LINE = re.compile(r"^\s*[A-Z][a-z'’\-]+(?: [A-Z][a-z'’\-]*\.?)?\s*$")
_NOT_NAMES = frozenset(
    {
        "agreed", "amber", "blue", "complete", "completed", "done", "fine", "green", "nothing",
        "no", "none", "noted", "ok", "okay", "red", "same", "thanks", "yes", "see", "update",
        "updates", "unchanged", "ongoing", "pending", "closed",
    }
)  # fmt: skip
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.]\d{2}|\b\d{4}\b")
_SENT_LINE_MIN = 25
_BOUNDARY_HINT = re.compile(
    r"^\s*(?:>|On\s|Am\s|Le\s|El\s|Op\s|[-=_*]{2}|begin forwarded|[*_]{0,2}(?:from|von|sent"
    r"|gesendet|date|datum|to|an|cc|bcc|subject|betreff|reply-to|от|отправлено|кому|тема)\b)"
    r"|please\s+type",
    re.IGNORECASE,
)
_CUT_HINT = re.compile(
    r"^[\s*_]*(?:--|—|[-=_*]{2}|sent\s|get outlook|von meinem|disclaimer|important|notice"
    r"|privacy|legal|this\s|confidential|the\s|contents?\s|information|if you|please consider"
    r"|any\s|e-?mail|internet|begin forwarded)",
    re.IGNORECASE,
)
_BANNER_HINT = re.compile(r"^\s*[\[(]?(?:caution|warning|external|you don)", re.IGNORECASE)


@dataclass(frozen=True)
class ReplySplit:
    """A reply cut at the start of the quote.

    `top_text` is what the lead wrote above the quote; `bottom_text` the unquoted lines
    written below or between ">" quoted lines (bottom-posting, answers between quotes).
    """

    top_text: str
    bottom_text: str
    quote_start: int | None
    lines: tuple[str, ...]

    @property
    def own_text(self) -> str:
        """Everything the lead wrote outside the quote."""
        return "\n\n".join(part for part in (self.top_text, self.bottom_text) if part)


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


def extract_reply_text(text: str, *, sent_text: str | None = None) -> str:
    """The lead's own words in a reply body: no quoted request, signature or disclaimer."""
    return split_reply(text, sent_text=sent_text).own_text


def split_reply(text: str, *, sent_text: str | None = None) -> ReplySplit:
    """Find where the quoted request starts and what the lead wrote outside it."""
    lines = tuple(normalise_text(text).split("\n"))
    sent_lines = _SentLines.of(sent_text)
    start = _quote_start(lines, sent_lines)
    top = lines if start is None else lines[:start]
    bottom = "" if start is None else _clean(_unquoted_below(lines, start))
    return ReplySplit(top_text=_clean(top), bottom_text=bottom, quote_start=start, lines=lines)


def is_quote_header(lines: Sequence[str], index: int) -> bool:
    """True at an attribution, an Outlook header block or an original/forwarded separator."""
    line = lines[index]
    return bool(
        _SEPARATOR.match(line)
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


def is_quoted(line: str) -> bool:
    """True for a ">" quoted line."""
    return line[:1] == ">" or line.lstrip()[:1] == ">"


def is_signature_start(line: str) -> bool:
    """True at a signature delimiter, a mobile signature or the start of a disclaimer."""
    return bool(
        _SIGNATURE_DELIMITER.match(line)
        or _MOBILE_SIGNATURE.match(line)
        or (_DISCLAIMER.match(line) and not _REF_LIKE.search(line))
    )


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


def _quote_start(lines: Sequence[str], sent_lines: _SentLines) -> int | None:
    """Index of the first line of quoted or forwarded material, or None."""
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
        if _MARKER.search(line) or _SEPARATOR.match(line):
            return index
        if _ATTRIBUTION_START.match(line) and _attribution_at(lines, index):
            return index
        if _HEADER_LINE.match(line) and _header_block_at(lines, index):
            return index
    return None


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


def _unquoted_below(lines: Sequence[str], start: int) -> list[str]:
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
        if _SEPARATOR.match(line) or (_HEADER_LINE.match(line) and _header_block_at(lines, index)):
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


def _clean(lines: Sequence[str]) -> str:
    """Drop banners, then cut signatures, disclaimers and a closing sign-off block."""
    if not lines:
        return ""
    kept = _drop_banners(lines)
    for index, line in enumerate(kept):
        if not _CUT_HINT.match(line):
            continue
        if is_signature_start(line) or _SEPARATOR.match(line):
            kept = kept[:index]
            break
    kept = _cut_sign_off(kept)
    while kept and (not kept[-1].strip() or _RULE.match(kept[-1])):
        kept.pop()
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n")


def _drop_banners(lines: Sequence[str]) -> list[str]:
    kept: list[str] = []
    dropping = False
    for line in lines:
        if _BANNER_HINT.match(line) and _BANNER.match(line):
            dropping = True
            continue
        if dropping and line.strip():
            continue
        dropping = False
        kept.append(line)
    return kept


def _cut_sign_off(lines: list[str]) -> list[str]:
    """Cut "Kind regards, / Name / Title ..." at the end, never a block that holds commentary."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    last = lines[end - 1] if end else ""
    name_alone = end >= 3 and _is_bare_name(last) and not lines[end - 2].strip()
    if _DASH_NAME.match(last) or name_alone:
        end -= 1
    for index in range(end - 1, max(-1, end - 17), -1):
        if not _VALEDICTION.match(lines[index]):
            continue
        tail = [line for line in lines[index + 1 : end] if line.strip()]
        signature_like = all(
            len(line) <= 80 and len(line.split()) <= 12 and not _REF_LIKE.search(line)
            for line in tail
        )
        above = any(line.strip() for line in lines[:index])
        if signature_like and above and len(tail) <= 15:
            return lines[:index]
        break
    return lines[:end]


def _is_bare_name(line: str) -> bool:
    """A closing line holding only a name ("Jane", "Mark Ibbotson"), not a one-word answer."""
    return bool(_NAME_LINE.match(line)) and line.split()[0].lower() not in _NOT_NAMES


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "dd", "div", "dl", "dt", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "ol", "p", "pre", "section",
        "table", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED_TAGS = frozenset({"head", "style", "script", "title", "template"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_TAG = re.compile(r"<[^>]*>")


class _TextBuilder(HTMLParser):
    """Collects visible text line by line; blockquotes become ">" quoting, <hr> a rule."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._depth = 0
        self._skipping = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self._flush(keep_empty=True)
        elif tag == "hr":
            self._flush()
            self._emit("_" * 32)
        else:
            if tag in _BLOCK_TAGS:
                self._flush()
            if tag == "blockquote":
                self._depth += 1
            elif tag == "pre":
                self._pre += 1
            elif tag == "li":
                self._current.append("- ")
            elif tag in ("td", "th"):
                self._current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote":
            self._depth = max(0, self._depth - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._pre:
            parts = data.split("\n")
            for part in parts[:-1]:
                self._current.append(part)
                self._flush(keep_empty=True)
            self._current.append(parts[-1])
        else:
            self._current.append(_HTML_SPACE.sub(" ", data))

    def finish(self) -> str:
        self.close()
        self._flush()
        return "\n".join(self.lines)

    def _flush(self, *, keep_empty: bool = False) -> None:
        text = "".join(self._current).strip(" ")
        self._current = []
        if text or keep_empty:
            self._emit(text)

    def _emit(self, text: str) -> None:
        prefix = "> " * self._depth
        self.lines.append(f"{prefix}{text}".rstrip() if text else prefix.rstrip())


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, one line per block; falls back to stripping tags."""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        text = builder.finish()
    except Exception:  # noqa: BLE001 - the parser is lenient, but never let markup stop a reply
        text = _TAG.sub(" ", html)
    text = normalise_text(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
